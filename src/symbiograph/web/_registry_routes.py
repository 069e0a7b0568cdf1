"""The registry's routes: parks, their organisations, facilities, streams and exchanges.

Lists take ``?limit&offset`` and simple filters (``symbiograph.store._registry.FILTERS``);
one row comes with its ``ETag`` (its version); a change needs ``If-Match`` with the ETag
read (428 without it, 412 when the row changed since). The policy table (``_policy``)
decides who may call a route; the registry (``symbiograph.store.Registry``) who may change
which row. What a caller sees of a confidential stream (and of an exchange with one) is
redacted by ``symbiograph.access`` for the caller (:func:`viewer`).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from symbiograph.access import Disclosure, Viewer, band_label, redact_text, redacted_columns
from symbiograph.store import Registry, RegistryRow, Role, User
from symbiograph.web._context import Context, etag, expected_version, guard, json_body, model_body
from symbiograph.web._problems import ApiProblem

__all__ = ["add_registry_routes", "redact_row", "viewer"]

API = "/api/v1"
TABLES = ("facilities", "streams", "exchanges")


class ParkBody(BaseModel):
    """A new park (or a new name)."""

    name: str = Field(min_length=1, max_length=200)


class OrganisationBody(BaseModel):
    """A new organisation (or a new name)."""

    name: str = Field(min_length=1, max_length=200)


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


_ROW_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "The Network record (fields of the file format; a "
                    "facility names its organisation_id)",
                }
            }
        },
    }
}


def viewer(user: User | None, registry: Registry) -> Viewer:
    """The :class:`~symbiograph.access.Viewer` ``user`` is on the registry: the platform
    admin and a facilitator see every value, an organisation's admin or member its own
    confidential streams (others' as bands), an observer the public view."""
    if user is None:
        return Viewer(Disclosure.PUBLIC)
    if user.role in (Role.ADMIN, Role.FACILITATOR, Role.SYSTEM):
        return Viewer(Disclosure.FACILITATOR)
    if user.role in (Role.ORG_ADMIN, Role.MEMBER) and user.organisation_id is not None:
        try:
            name = registry.organisation(user.organisation_id).name
        except LookupError:
            return Viewer.owner([])
        return Viewer.owner([name])
    return Viewer(Disclosure.PUBLIC)


def _band(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return band_label(float(value))
    if isinstance(value, str):
        return redact_text(value)
    return value


def _hidden_streams(ctx: Context, park_id: int, view: Viewer) -> frozenset[str]:
    """Keys of the park's confidential streams ``view`` may not see."""
    if view.full:
        return frozenset()
    system: Registry = ctx.system
    names = {o.row_id: o.name for o in system.organisations(park_id, limit=500)[0]}
    streams, _ = system.rows("streams", park_id, limit=500)
    total = len(streams)
    offset = 500
    while offset < total:  # pragma: no cover - parks of more than 500 streams
        more, total = system.rows("streams", park_id, limit=500, offset=offset)
        streams += more
        offset += 500
    return frozenset(
        str(s.values["id"])
        for s in streams
        if s.values.get("confidential") and not view.sees(names.get(s.organisation_id or -1, ""))
    )


def redact_row(row: RegistryRow, hidden: frozenset[str]) -> dict[str, Any]:
    """The API body of ``row`` with the confidential fields of a hidden stream (and of an
    exchange naming one) as bands (``symbiograph.access``), and every number in their note
    banded too (a note may repeat a figure). A row whose exact figures the database withheld
    (PostgreSQL row-level security: ``row.banded``) holds the bands already."""
    out = row.json()
    if row.banded:
        return out
    if row.table == "streams" and out.get("id") in hidden:
        for column in (*redacted_columns("streams"), "note"):
            if column in out:
                out[column] = _band(out[column])
        if "quality" in out:
            out["quality"] = {
                a: {k: _band(v) for k, v in spec.items()} for a, spec in out["quality"].items()
            }
    if row.table == "exchanges" and (
        out.get("supply_id") in hidden or out.get("demand_id") in hidden
    ):
        for column in (*redacted_columns("exchanges"), "note"):
            if column in out:
                out[column] = _band(out[column])
    return out


def _table(table: str) -> str:
    if table not in TABLES:
        raise ApiProblem(404, f"no registry table {table!r} (tables: {', '.join(TABLES)})")
    return table


def _in_park(found_park: int, park_id: int) -> None:
    if found_park != park_id:
        raise ApiProblem(404, "no such resource in this park", field="path")


def _page(request: Request) -> tuple[int, int, dict[str, str]]:
    query = dict(request.query_params)
    values: list[int] = []
    for name, default in (("limit", 50), ("offset", 0)):
        text = query.pop(name, None)
        try:
            values.append(default if text is None else int(text))
        except ValueError:
            raise ApiProblem(422, f"{name} must be a whole number", field=f"query.{name}") from None
    return values[0], values[1], query


def _tagged(body: dict[str, Any], version: int, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"ETag": etag(version)})


def add_registry_routes(app: FastAPI) -> None:
    """Add the registry's routes to ``app``."""
    tags: list[str | Enum] = ["registry"]

    @app.get(f"{API}/parks", operation_id="list_parks", summary="Parks I may see", tags=tags)
    def list_parks(ctx: Context = Depends(guard("list_parks"))) -> dict[str, Any]:
        return {"items": [p.json() for p in ctx.registry.parks()]}

    @app.post(
        f"{API}/parks",
        operation_id="create_park",
        summary="A new, empty park",
        status_code=201,
        openapi_extra=_schema(ParkBody),
        tags=tags,
    )
    def create_park(
        ctx: Context = Depends(guard("create_park")), body: dict[str, Any] = Depends(json_body)
    ) -> JSONResponse:
        park = ctx.registry.create_park(model_body(ParkBody, body).name)
        return _tagged(park.json(), park.version, 201)

    @app.get(f"{API}/parks/{{park_id}}", operation_id="get_park", summary="One park", tags=tags)
    def get_park(park_id: int, ctx: Context = Depends(guard("get_park"))) -> JSONResponse:
        park = ctx.registry.park(park_id)
        return _tagged(park.json(), park.version)

    @app.patch(
        f"{API}/parks/{{park_id}}",
        operation_id="update_park",
        summary="Rename a park",
        openapi_extra=_schema(ParkBody),
        tags=tags,
    )
    def update_park(
        park_id: int,
        request: Request,
        ctx: Context = Depends(guard("update_park")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        version = expected_version(request)
        park = ctx.registry.update_park(park_id, version, name=model_body(ParkBody, body).name)
        return _tagged(park.json(), park.version)

    @app.delete(
        f"{API}/parks/{{park_id}}", operation_id="delete_park", summary="Delete a park", tags=tags
    )
    def delete_park(
        park_id: int, request: Request, ctx: Context = Depends(guard("delete_park"))
    ) -> Response:
        ctx.registry.delete_park(park_id, expected_version(request))
        return Response(status_code=204)

    @app.get(
        f"{API}/parks/{{park_id}}/organisations",
        operation_id="list_organisations",
        summary="A park's organisations",
        tags=tags,
    )
    def list_organisations(
        park_id: int, request: Request, ctx: Context = Depends(guard("list_organisations"))
    ) -> dict[str, Any]:
        limit, offset, rest = _page(request)
        if rest:
            raise ApiProblem(422, "organisations take no filters", field=f"query.{min(rest)}")
        items, total = ctx.registry.organisations(park_id, limit=limit, offset=offset)
        return {
            "items": [o.json() for o in items],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @app.post(
        f"{API}/parks/{{park_id}}/organisations",
        operation_id="create_organisation",
        summary="A new organisation in a park",
        status_code=201,
        openapi_extra=_schema(OrganisationBody),
        tags=tags,
    )
    def create_organisation(
        park_id: int,
        ctx: Context = Depends(guard("create_organisation")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        org = ctx.registry.create_organisation(park_id, model_body(OrganisationBody, body).name)
        return _tagged(org.json(), org.version, 201)

    @app.get(
        f"{API}/parks/{{park_id}}/organisations/{{organisation_id}}",
        operation_id="get_organisation",
        summary="One organisation",
        tags=tags,
    )
    def get_organisation(
        park_id: int, organisation_id: int, ctx: Context = Depends(guard("get_organisation"))
    ) -> JSONResponse:
        org = ctx.registry.organisation(organisation_id)
        _in_park(org.park_id, park_id)
        return _tagged(org.json(), org.version)

    @app.patch(
        f"{API}/parks/{{park_id}}/organisations/{{organisation_id}}",
        operation_id="update_organisation",
        summary="Rename an organisation",
        openapi_extra=_schema(OrganisationBody),
        tags=tags,
    )
    def update_organisation(
        park_id: int,
        organisation_id: int,
        request: Request,
        ctx: Context = Depends(guard("update_organisation")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        _in_park(ctx.system.organisation(organisation_id).park_id, park_id)
        version = expected_version(request)
        name = model_body(OrganisationBody, body).name
        org = ctx.registry.update_organisation(organisation_id, version, name)
        return _tagged(org.json(), org.version)

    @app.delete(
        f"{API}/parks/{{park_id}}/organisations/{{organisation_id}}",
        operation_id="delete_organisation",
        summary="Delete an organisation without facilities",
        tags=tags,
    )
    def delete_organisation(
        park_id: int,
        organisation_id: int,
        request: Request,
        ctx: Context = Depends(guard("delete_organisation")),
    ) -> Response:
        _in_park(ctx.system.organisation(organisation_id).park_id, park_id)
        ctx.registry.delete_organisation(organisation_id, expected_version(request))
        return Response(status_code=204)

    @app.get(
        f"{API}/parks/{{park_id}}/audit",
        operation_id="list_audit",
        summary="A park's audit log (oldest first)",
        tags=tags,
    )
    def list_audit(
        park_id: int, request: Request, ctx: Context = Depends(guard("list_audit"))
    ) -> dict[str, Any]:
        limit, offset, _ = _page(request)
        entries = ctx.registry.audit(park_id, limit=limit, offset=offset)
        return {
            "items": [
                {
                    "id": e.id,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "table": e.table,
                    "row_id": e.row_id,
                    "action": e.action,
                }
                for e in entries
            ],
            "limit": limit,
            "offset": offset,
        }

    @app.get(
        f"{API}/parks/{{park_id}}/{{table}}",
        operation_id="list_rows",
        summary="A page of a park's facilities, streams or exchanges",
        tags=tags,
    )
    def list_rows(
        park_id: int, table: str, request: Request, ctx: Context = Depends(guard("list_rows"))
    ) -> dict[str, Any]:
        _table(table)
        limit, offset, filters = _page(request)
        registry: Registry = ctx.registry
        items, total = registry.rows(table, park_id, limit=limit, offset=offset, filters=filters)
        hidden = _hidden_streams(ctx, park_id, viewer(ctx.principal.user, registry))
        return {
            "items": [redact_row(r, hidden) for r in items],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @app.post(
        f"{API}/parks/{{park_id}}/{{table}}",
        operation_id="create_row",
        summary="A new facility, stream or exchange",
        status_code=201,
        openapi_extra=_ROW_BODY,
        tags=tags,
    )
    def create_row(
        park_id: int,
        table: str,
        ctx: Context = Depends(guard("create_row")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        row = ctx.registry.create(_table(table), park_id, body)
        return _tagged(row.json(), row.version, 201)

    def _found(ctx: Context, park_id: int, table: str, row_id: int) -> RegistryRow:
        row: RegistryRow = ctx.registry.get(_table(table), row_id)
        _in_park(row.park_id, park_id)
        return row

    @app.get(
        f"{API}/parks/{{park_id}}/{{table}}/{{row_id}}",
        operation_id="get_row",
        summary="One facility, stream or exchange (ETag: its version)",
        tags=tags,
    )
    def get_row(
        park_id: int, table: str, row_id: int, ctx: Context = Depends(guard("get_row"))
    ) -> JSONResponse:
        row = _found(ctx, park_id, table, row_id)
        hidden = _hidden_streams(ctx, park_id, viewer(ctx.principal.user, ctx.registry))
        return _tagged(redact_row(row, hidden), row.version)

    def _change(
        ctx: Context,
        request: Request,
        park_id: int,
        table: str,
        row_id: int,
        body: dict[str, Any],
        replace: bool,
    ) -> JSONResponse:
        _found(ctx, park_id, table, row_id)
        version = expected_version(request)
        row = ctx.registry.update(table, row_id, version, body, replace=replace)
        return _tagged(row.json(), row.version)

    @app.patch(
        f"{API}/parks/{{park_id}}/{{table}}/{{row_id}}",
        operation_id="update_row",
        summary="Change some fields of a row (If-Match required)",
        openapi_extra=_ROW_BODY,
        tags=tags,
    )
    def update_row(
        park_id: int,
        table: str,
        row_id: int,
        request: Request,
        ctx: Context = Depends(guard("update_row")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        return _change(ctx, request, park_id, table, row_id, body, False)

    @app.put(
        f"{API}/parks/{{park_id}}/{{table}}/{{row_id}}",
        operation_id="replace_row",
        summary="Replace a row's record (If-Match required)",
        openapi_extra=_ROW_BODY,
        tags=tags,
    )
    def replace_row(
        park_id: int,
        table: str,
        row_id: int,
        request: Request,
        ctx: Context = Depends(guard("replace_row")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        return _change(ctx, request, park_id, table, row_id, body, True)

    @app.delete(
        f"{API}/parks/{{park_id}}/{{table}}/{{row_id}}",
        operation_id="delete_row",
        summary="Delete a row (If-Match required)",
        tags=tags,
    )
    def delete_row(
        park_id: int,
        table: str,
        row_id: int,
        request: Request,
        ctx: Context = Depends(guard("delete_row")),
    ) -> Response:
        _found(ctx, park_id, table, row_id)
        ctx.registry.delete(table, row_id, expected_version(request))
        return Response(status_code=204)
