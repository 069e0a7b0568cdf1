"""The ``/api/v1`` routes over the registry: parks, organisations, the rows of every
Network table (facilities, streams, exchanges, ...) and the audit log.

Every response goes through the registry's redacted reads (``Registry.get``/``list`` as
the caller's tenant): a company sees its own rows in full and other organisations' at
their disclosure level; ``redacted`` names the field groups hidden. Single rows carry an
ETag; a write must send it back in If-Match (428 without, 412 when stale).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from symbiograph.model import TABLES
from symbiograph.web._context import (
    Context,
    etag,
    expected_version,
    guard,
    json_body,
    model_body,
)
from symbiograph.web._ids import check_id
from symbiograph.web._problems import ApiProblem

__all__ = ["RowTable", "add_routes"]

API = "/api/v1"

#: The Network tables served row by row.
RowTable = StrEnum("RowTable", {t: t for t in TABLES})  # type: ignore[misc]

#: Filters a list may take (never on a confidential column: a filter would reveal it).
FILTERS = ("organisation_id", "facility_id", "resource_id", "direction", "status", "kind")
MAX_LIMIT = 500


class ParkBody(BaseModel):
    """A new park."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=200)
    parameters: dict[str, Any] = Field(default_factory=dict)


class ParkChange(BaseModel):
    """Changes of a park."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    parameters: dict[str, Any] | None = None


class OrganisationBody(BaseModel):
    """A new organisation."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)


class OrganisationChange(BaseModel):
    """Changes of an organisation."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)


class RowBody(BaseModel):
    """A row of a Network table: its attributes by name (see docs/file-format.md);
    quantities may carry units (``"12 kt/yr"``). ``organisation_id`` places a facility."""

    model_config = ConfigDict(extra="allow")
    organisation_id: int | None = Field(default=None, ge=1)


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


_IF_MATCH = {
    "parameters": [
        {
            "name": "If-Match",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "pattern": r'^"\d{1,15}"$'},
            "description": "The ETag of the row as read",
        }
    ]
}


def row_json(row: Any) -> dict[str, Any]:
    """A registry row as the API shows it."""
    return {
        "id": row.row_id,
        "table": row.table,
        "park_id": row.park_id,
        "organisation_id": row.organisation_id,
        "version": row.version,
        "values": row.values,
        "redacted": sorted(row.redacted),
    }


def _one(row: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(row_json(row), status_code=status, headers={"ETag": etag(row.version)})


def _page(rows: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {
        "items": [row_json(r) for r in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if offset + limit < total else None,
    }


def _changes(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any]:
    data = model_body(model, body)
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        raise ApiProblem(422, "give at least one field to change", field="body")
    return changes


def add_routes(app: FastAPI) -> None:
    """Add the registry routes to ``app``."""
    _park_routes(app)
    _organisation_routes(app)
    _row_routes(app)


def _park_routes(app: FastAPI) -> None:
    @app.get(
        f"{API}/parks", operation_id="list_parks", summary="The parks I may see", tags=["parks"]
    )
    def list_parks(ctx: Context = Depends(guard("list_parks"))) -> dict[str, Any]:
        rows = ctx.registry.parks()
        return _page(rows, len(rows), max(len(rows), 1), 0)

    @app.post(
        f"{API}/parks",
        operation_id="create_park",
        summary="Create a park",
        status_code=201,
        openapi_extra=_schema(ParkBody),
        tags=["parks"],
    )
    def create_park(
        ctx: Context = Depends(guard("create_park")), body: dict[str, Any] = Depends(json_body)
    ) -> JSONResponse:
        data = model_body(ParkBody, body)
        return _one(ctx.registry.create_park(data.key, data.name, data.parameters), 201)

    @app.get(
        f"{API}/parks/{{park_id}}", operation_id="get_park", summary="One park", tags=["parks"]
    )
    def get_park(park_id: int, ctx: Context = Depends(guard("get_park"))) -> JSONResponse:
        return _one(ctx.registry.park(park_id))

    @app.patch(
        f"{API}/parks/{{park_id}}",
        operation_id="update_park",
        summary="Change a park",
        openapi_extra={**_schema(ParkChange), **_IF_MATCH},
        tags=["parks"],
    )
    def update_park(
        park_id: int,
        request: Request,
        ctx: Context = Depends(guard("update_park")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        version = expected_version(request)
        changes = _changes(ParkChange, body)
        return _one(ctx.registry.update_park(park_id, changes, expected_version=version))

    @app.delete(
        f"{API}/parks/{{park_id}}",
        operation_id="delete_park",
        summary="Delete a park",
        openapi_extra=_IF_MATCH,
        tags=["parks"],
    )
    def delete_park(
        park_id: int, request: Request, ctx: Context = Depends(guard("delete_park"))
    ) -> Response:
        ctx.registry.delete_park(park_id, expected_version=expected_version(request))
        return Response(status_code=204)

    @app.get(
        f"{API}/parks/{{park_id}}/audit",
        operation_id="list_audit",
        summary="The park's audit log (oldest first)",
        tags=["parks"],
    )
    def list_audit(
        park_id: int,
        ctx: Context = Depends(guard("list_audit")),
        limit: int = Query(50, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=10**9),
    ) -> dict[str, Any]:
        entries = ctx.registry.audit(park_id, limit=limit, offset=offset)
        return {
            "items": [
                {
                    "id": e.id,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "table": e.table,
                    "row_id": e.row_id,
                    "operation": e.operation,
                    "before": e.before,
                    "after": e.after,
                }
                for e in entries
            ],
            "limit": limit,
            "offset": offset,
        }


def _organisation_routes(app: FastAPI) -> None:
    @app.get(
        f"{API}/parks/{{park_id}}/organisations",
        operation_id="list_organisations",
        summary="The organisations of a park",
        tags=["organisations"],
    )
    def list_organisations(
        park_id: int,
        ctx: Context = Depends(guard("list_organisations")),
        limit: int = Query(50, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=10**9),
    ) -> dict[str, Any]:
        rows = ctx.registry.organisations(park_id)
        return _page(rows[offset : offset + limit], len(rows), limit, offset)

    @app.post(
        f"{API}/parks/{{park_id}}/organisations",
        operation_id="create_organisation",
        summary="Create an organisation in a park",
        status_code=201,
        openapi_extra=_schema(OrganisationBody),
        tags=["organisations"],
    )
    def create_organisation(
        park_id: int,
        ctx: Context = Depends(guard("create_organisation")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        data = model_body(OrganisationBody, body)
        return _one(ctx.registry.create_organisation(park_id, data.name, data.description), 201)

    @app.get(
        f"{API}/organisations/{{organisation_id}}",
        operation_id="get_organisation",
        summary="One organisation",
        tags=["organisations"],
    )
    def get_organisation(
        organisation_id: int, ctx: Context = Depends(guard("get_organisation"))
    ) -> JSONResponse:
        return _one(ctx.registry.organisation(organisation_id))

    @app.patch(
        f"{API}/organisations/{{organisation_id}}",
        operation_id="update_organisation",
        summary="Change an organisation",
        openapi_extra={**_schema(OrganisationChange), **_IF_MATCH},
        tags=["organisations"],
    )
    def update_organisation(
        organisation_id: int,
        request: Request,
        ctx: Context = Depends(guard("update_organisation")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        version = expected_version(request)
        changes = _changes(OrganisationChange, body)
        return _one(
            ctx.registry.update_organisation(organisation_id, changes, expected_version=version)
        )

    @app.delete(
        f"{API}/organisations/{{organisation_id}}",
        operation_id="delete_organisation",
        summary="Delete an organisation",
        openapi_extra=_IF_MATCH,
        tags=["organisations"],
    )
    def delete_organisation(
        organisation_id: int,
        request: Request,
        ctx: Context = Depends(guard("delete_organisation")),
    ) -> Response:
        ctx.registry.delete_organisation(
            organisation_id, expected_version=expected_version(request)
        )
        return Response(status_code=204)


def _row_routes(app: FastAPI) -> None:
    @app.get(
        f"{API}/parks/{{park_id}}/{{table}}",
        operation_id="list_rows",
        summary="Rows of a Network table in a park (redacted for me), paged and filtered",
        tags=["rows"],
    )
    def list_rows(
        park_id: int,
        table: RowTable,
        ctx: Context = Depends(guard("list_rows")),
        limit: int = Query(50, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=10**9),
        organisation_id: int | None = Query(None, ge=1),
        facility_id: str | None = Query(None, max_length=64),
        resource_id: str | None = Query(None, max_length=64),
        direction: str | None = Query(None, pattern="^(supply|demand)$"),
        status: str | None = Query(None, max_length=32),
    ) -> dict[str, Any]:
        given = {
            "organisation_id": organisation_id,
            "facility_id": facility_id,
            "resource_id": resource_id,
            "direction": direction,
            "status": status,
        }
        filters = {k: v for k, v in given.items() if v is not None}
        for name in ("facility_id", "resource_id"):
            if name in filters:
                check_id(str(filters[name]), f"query.{name}")
        registry = ctx.registry
        rows = registry.list(str(table), park_id, filters=filters, limit=limit, offset=offset)
        total = registry.count(str(table), park_id, filters=filters)
        return _page(rows, total, limit, offset)

    @app.post(
        f"{API}/parks/{{park_id}}/{{table}}",
        operation_id="create_row",
        summary="Add a row to a Network table of a park",
        status_code=201,
        openapi_extra=_schema(RowBody),
        tags=["rows"],
    )
    def create_row(
        park_id: int,
        table: RowTable,
        ctx: Context = Depends(guard("create_row")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        data = model_body(RowBody, body)
        values = {k: v for k, v in body.items() if k != "organisation_id"}
        if "id" in values:
            check_id(str(values["id"]), "/id")
        row = ctx.registry.create(str(table), park_id, values, organisation_id=data.organisation_id)
        return _one(row, 201)

    @app.get(
        f"{API}/{{table}}/{{row_id}}",
        operation_id="get_row",
        summary="One row (redacted for me), with its ETag",
        tags=["rows"],
    )
    def get_row(
        table: RowTable, row_id: int, ctx: Context = Depends(guard("get_row"))
    ) -> JSONResponse:
        return _one(ctx.registry.get(str(table), row_id))

    @app.patch(
        f"{API}/{{table}}/{{row_id}}",
        operation_id="update_row",
        summary="Change fields of a row (If-Match required)",
        openapi_extra={**_schema(RowBody), **_IF_MATCH},
        tags=["rows"],
    )
    def update_row(
        table: RowTable,
        row_id: int,
        request: Request,
        ctx: Context = Depends(guard("update_row")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        version = expected_version(request)
        if not body:
            raise ApiProblem(422, "give at least one field to change", field="body")
        row = ctx.registry.update(str(table), row_id, body, expected_version=version)
        return _one(row)

    @app.delete(
        f"{API}/{{table}}/{{row_id}}",
        operation_id="delete_row",
        summary="Delete a row (If-Match required)",
        openapi_extra=_IF_MATCH,
        tags=["rows"],
    )
    def delete_row(
        table: RowTable,
        row_id: int,
        request: Request,
        ctx: Context = Depends(guard("delete_row")),
    ) -> Response:
        ctx.registry.delete(str(table), row_id, expected_version=expected_version(request))
        return Response(status_code=204)
