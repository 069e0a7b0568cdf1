"""The deal pipeline's routes: a park's synergies, their moves, documents and outcome figures.

``/api/v1/parks/{park_id}/synergies...``: the facilitator lists, adds (by hand, or from a
candidate of a finished match job), edits and moves synergies; each side of a synergy reads
it and may decline it (or end it once operating); documents are uploaded as
``multipart/form-data`` (their names reduced to a safe file name, their bytes kept in the
store) and downloaded as attachments. ``/api/v1/parks/{park_id}/outcomes`` gives the
facilitator the figures per stage, of today's operating synergies and of the pipeline.

Who may call each route is the policy table's rule (``_policy``: the rows ``*_synergy*``
and ``get_outcomes``); the store's :class:`~symbiograph.store.Pipeline` decides which
synergy and which move. A party sees the other side's confidential figures as bands
(``symbiograph.access``): the figures of a synergy are shown exactly to a company only when
neither stream is a confidential one it may not see, and a side named without its stream is
its own.
"""

from __future__ import annotations

import urllib.parse
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from symbiograph.access import redact_text
from symbiograph.store import FIGURES, STAGES, Jobs, Pipeline, Synergy
from symbiograph.web._context import Context, etag, expected_version, guard, json_body, model_body
from symbiograph.web._ids import safe_filename
from symbiograph.web._problems import ApiProblem
from symbiograph.web._registry_routes import _band, _hidden_streams, viewer

__all__ = ["SYNERGY_FIELDS", "add_pipeline_routes", "redact_synergy"]

API = "/api/v1"

#: The record fields a synergy body may carry (the store checks their values).
SYNERGY_FIELDS = (
    "organisation_id",
    "partner_organisation_id",
    "title",
    "owner",
    "notes",
    "resource",
    "unit",
    "candidate_id",
    "supply_id",
    "demand_id",
    "expected_start",
    *FIGURES,
)


class SynergyBody(BaseModel):
    """A new synergy: by hand (the two organisations and what is known), or from a
    candidate (``job_id`` of a finished match job and its ``candidate_id``: the sides,
    streams and figures come from the candidate)."""

    model_config = ConfigDict(extra="allow")

    job_id: int | None = Field(default=None, ge=1, lt=2**53)
    candidate_id: str | None = Field(default=None, max_length=200)
    organisation_id: int | None = Field(default=None, ge=1, lt=2**53)
    partner_organisation_id: int | None = Field(default=None, ge=1, lt=2**53)
    title: str | None = Field(default=None, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=10_000)
    note: str = Field(default="", max_length=2000, description="Said with the first move")


class MoveBody(BaseModel):
    """A move of a synergy to the stage ``to`` on the day ``on`` (default today)."""

    to: str = Field(description=f"One of {', '.join(STAGES)}")
    note: str = Field(default="", max_length=2000)
    on: str | None = Field(default=None, description="YYYY-MM-DD")


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def _figures_hidden(synergy: Synergy, hidden: frozenset[str], own: int | None) -> bool:
    """Whether the synergy's figures rest on data the viewer may not see."""
    for key, side in (
        (synergy.values.get("supply_id"), synergy.organisation_id),
        (synergy.values.get("demand_id"), synergy.partner_organisation_id),
    ):
        if key is None:
            if side != own:
                return True
        elif key in hidden:
            return True
    return False


def redact_synergy(
    synergy: Synergy, hidden: frozenset[str] | None, own: int | None
) -> dict[str, Any]:
    """The API body of ``synergy`` for a viewer: ``hidden`` None sees every value (the
    facilitator, the admin); else, when the figures rest on a hidden stream (see the
    module's docstring), every figure is a band and every number in the notes too."""
    out = synergy.json()
    if hidden is None or not _figures_hidden(synergy, hidden, own):
        return out
    for name in FIGURES:
        if name in out:
            out[name] = _band(out[name])
    if isinstance(out.get("notes"), str):
        out["notes"] = redact_text(out["notes"])
    out["figures_banded"] = True
    return out


def _view(ctx: Context, park_id: int) -> tuple[frozenset[str] | None, int | None]:
    """What the caller may not see in park ``park_id`` (None: everything visible) and the
    organisation it speaks for."""
    user = ctx.principal.user
    seen = viewer(user, ctx.registry)
    if seen.full:
        return None, None
    own = None if user is None else user.organisation_id
    return _hidden_streams(ctx, park_id, seen), own


def _pipeline(ctx: Context) -> Pipeline:
    return Pipeline(ctx.services.store, ctx.tenant)


def _tagged(body: dict[str, Any], version: int, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"ETag": etag(version)})


def _in_park(ctx: Context, park_id: int, synergy_id: int) -> Synergy:
    synergy = _pipeline(ctx).get(synergy_id)
    if synergy.park_id != park_id:
        raise ApiProblem(404, "no such synergy in this park", field="path")
    return synergy


def _page(request: Request) -> tuple[int, int, dict[str, str]]:
    query = dict(request.query_params)
    values: list[int] = []
    for name, default in (("limit", 50), ("offset", 0)):
        text = query.pop(name, None)
        try:
            values.append(default if text is None else int(text))
        except ValueError:
            raise ApiProblem(422, f"{name} must be a whole number", field=f"query.{name}") from None
        if not 0 <= values[-1] < 2**53:
            raise ApiProblem(422, f"{name} must be 0 or more", field=f"query.{name}")
    return values[0], values[1], query


def _number(value: Any) -> Any:
    if value == "inf":
        return float("inf")
    if value == "-inf":
        return float("-inf")
    return value


def _from_candidate(ctx: Context, park_id: int, job_id: int, candidate_id: str) -> dict[str, Any]:
    """The record of a synergy taken from candidate ``candidate_id`` of match job ``job_id``:
    its sides, streams, resource and the outcome figures at its largest flow."""
    from symbiograph.assess import candidate_outcomes

    jobs = Jobs(ctx.services.store, ctx.tenant)
    job = jobs.get(job_id)
    if job.park_id != park_id or job.kind != "match" or job.state != "done":
        raise ApiProblem(
            422, f"job {job_id} is not a finished match job of this park", field="/job_id"
        )
    records = jobs.result(job_id).get("tables", {}).get("candidates", [])
    found = next((r for r in records if r.get("candidate_id") == candidate_id), None)
    if found is None:
        raise ApiProblem(
            422, f"job {job_id} has no candidate {candidate_id!r}", field="/candidate_id"
        )
    frame = pd.DataFrame([{k: _number(v) for k, v in found.items()}])
    network = ctx.system.to_network(park_id)
    figures = candidate_outcomes(network, frame).iloc[0]
    organisations = {o.name: o.row_id for o in ctx.system.organisations(park_id, limit=500)[0]}
    record: dict[str, Any] = {
        "organisation_id": organisations.get(str(found["supply_organisation"])),
        "partner_organisation_id": organisations.get(str(found["demand_organisation"])),
        "candidate_id": candidate_id,
        "supply_id": found["supply_id"],
        "demand_id": found["demand_id"],
        "resource": found["supply_resource"],
        "unit": found["unit"],
        "title": f"{found['supply_resource']}: {found['supply_facility']} -> {found['demand_facility']}",
    }
    for name in FIGURES:
        value = float(figures[name])
        record[name] = value if np.isfinite(value) else None
    return record


def add_pipeline_routes(app: FastAPI) -> None:
    """Add the pipeline's routes to ``app`` (before the registry's ``/parks/{id}/{table}``)."""
    tags: list[str | Enum] = ["pipeline"]
    base = f"{API}/parks/{{park_id}}/synergies"

    @app.get(base, operation_id="list_synergies", summary="A park's synergies I may see", tags=tags)
    def list_synergies(
        park_id: int, request: Request, ctx: Context = Depends(guard("list_synergies"))
    ) -> dict[str, Any]:
        limit, offset, rest = _page(request)
        stage = rest.pop("stage", None)
        if rest:
            raise ApiProblem(422, "synergies filter on stage only", field=f"query.{min(rest)}")
        items, total = _pipeline(ctx).synergies(park_id, stage=stage, limit=limit, offset=offset)
        hidden, own = _view(ctx, park_id)
        return {
            "items": [redact_synergy(s, hidden, own) for s in items],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @app.post(
        base,
        operation_id="create_synergy",
        summary="A new synergy (by hand or from a match candidate), at stage identified",
        status_code=201,
        openapi_extra=_schema(SynergyBody),
        tags=tags,
    )
    def create_synergy(
        park_id: int,
        ctx: Context = Depends(guard("create_synergy")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        data = model_body(SynergyBody, body)
        given = {k: v for k, v in body.items() if k not in ("job_id", "note")}
        if data.job_id is not None:
            if data.candidate_id is None:
                raise ApiProblem(422, "name the candidate_id of the job", field="/candidate_id")
            given = _from_candidate(ctx, park_id, data.job_id, data.candidate_id) | {
                k: v for k, v in given.items() if v is not None
            }
        synergy = _pipeline(ctx).create(park_id, given, note=data.note)
        return _tagged(synergy.json(), synergy.version, 201)

    @app.get(
        f"{base}/{{synergy_id}}",
        operation_id="get_synergy",
        summary="One synergy (ETag: its version)",
        tags=tags,
    )
    def get_synergy(
        park_id: int, synergy_id: int, ctx: Context = Depends(guard("get_synergy"))
    ) -> JSONResponse:
        synergy = _in_park(ctx, park_id, synergy_id)
        hidden, own = _view(ctx, park_id)
        return _tagged(redact_synergy(synergy, hidden, own), synergy.version)

    @app.patch(
        f"{base}/{{synergy_id}}",
        operation_id="update_synergy",
        summary="Change a synergy's owner, notes, dates or figures (If-Match required)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
        tags=tags,
    )
    def update_synergy(
        park_id: int,
        synergy_id: int,
        request: Request,
        ctx: Context = Depends(guard("update_synergy")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        _in_park(ctx, park_id, synergy_id)
        synergy = _pipeline(ctx).update(synergy_id, expected_version(request), body)
        return _tagged(synergy.json(), synergy.version)

    @app.post(
        f"{base}/{{synergy_id}}/moves",
        operation_id="move_synergy",
        summary="Move a synergy to its next stage, decline or end it (If-Match required)",
        openapi_extra=_schema(MoveBody),
        tags=tags,
    )
    def move_synergy(
        park_id: int,
        synergy_id: int,
        request: Request,
        ctx: Context = Depends(guard("move_synergy")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        _in_park(ctx, park_id, synergy_id)
        version = expected_version(request)
        move = model_body(MoveBody, body)
        synergy = _pipeline(ctx).move(synergy_id, version, move.to, note=move.note, on=move.on)
        hidden, own = _view(ctx, park_id)
        return _tagged(redact_synergy(synergy, hidden, own), synergy.version)

    @app.get(
        f"{base}/{{synergy_id}}/moves",
        operation_id="list_synergy_moves",
        summary="A synergy's moves (who, when, from, to), oldest first",
        tags=tags,
    )
    def list_moves(
        park_id: int, synergy_id: int, ctx: Context = Depends(guard("list_synergy_moves"))
    ) -> dict[str, Any]:
        _in_park(ctx, park_id, synergy_id)
        return {"items": [m.json() for m in _pipeline(ctx).moves(synergy_id)]}

    @app.post(
        f"{base}/{{synergy_id}}/documents",
        operation_id="add_synergy_document",
        summary="Attach a document (multipart/form-data: file, note)",
        status_code=201,
        tags=tags,
    )
    async def add_document(
        park_id: int,
        synergy_id: int,
        request: Request,
        ctx: Context = Depends(guard("add_synergy_document")),
        file: UploadFile = File(...),
        note: str = Form(default="", max_length=2000),
    ) -> JSONResponse:
        _in_park(ctx, park_id, synergy_id)
        content = await file.read(ctx.services.max_upload + 1)
        if len(content) > ctx.services.max_upload:
            raise ApiProblem(413, "the document is too large", field="file")
        name = safe_filename(file.filename or "document")
        media = (file.content_type or "application/octet-stream").split(";")[0].strip()
        record = _pipeline(ctx).add_document(synergy_id, name, media, content, note=note)
        return JSONResponse(record.json(), status_code=201)

    @app.get(
        f"{base}/{{synergy_id}}/documents",
        operation_id="list_synergy_documents",
        summary="A synergy's document records",
        tags=tags,
    )
    def list_documents(
        park_id: int, synergy_id: int, ctx: Context = Depends(guard("list_synergy_documents"))
    ) -> dict[str, Any]:
        _in_park(ctx, park_id, synergy_id)
        return {"items": [d.json() for d in _pipeline(ctx).documents(synergy_id)]}

    @app.get(
        f"{base}/{{synergy_id}}/documents/{{document_id}}",
        operation_id="get_synergy_document",
        summary="Download a document (as an attachment)",
        tags=tags,
    )
    def get_document(
        park_id: int,
        synergy_id: int,
        document_id: int,
        ctx: Context = Depends(guard("get_synergy_document")),
    ) -> Response:
        _in_park(ctx, park_id, synergy_id)
        if not 1 <= document_id < 2**53:
            raise ApiProblem(404, "no such document", field="path.document_id")
        record, content = _pipeline(ctx).content(synergy_id, document_id)
        fallback = record.name.encode("ascii", "replace").decode("ascii").replace("?", "_")
        quoted = urllib.parse.quote(record.name, safe="")
        return Response(
            content,
            media_type=record.media_type,
            headers={
                "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quoted}",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
            },
        )

    @app.get(
        f"{API}/parks/{{park_id}}/outcomes",
        operation_id="get_outcomes",
        summary="The pipeline's outcome figures: per stage, operating today, in the pipeline",
        tags=tags,
    )
    def get_outcomes(park_id: int, ctx: Context = Depends(guard("get_outcomes"))) -> dict[str, Any]:
        found: dict[str, Any] = _pipeline(ctx).outcomes(park_id)
        return found
