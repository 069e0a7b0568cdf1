"""The jobs' routes: submit, list, read and cancel a park's jobs, and fetch a job's result.

``POST /api/v1/parks/{park_id}/jobs`` queues a ``match``, ``optimize`` or ``allocate`` job
(202, ``Location`` the job); a worker (``symbiograph worker``, or the thread ``serve`` starts
on SQLite) runs it. The facilitator and the admin run every kind and see every job of the
park; an organisation's admin or member runs match jobs and sees its own, whose candidate
table is cut to the candidates of its organisation with each partner's confidential
figures as bands (``symbiograph.access``). Results carry the hash of their inputs and the
registry mark they ran on.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import pandas as pd
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from symbiograph.access import hidden_rows, redact_columns, redacted_columns
from symbiograph.store import JOB_KINDS, Job, Jobs, Role
from symbiograph.web._context import Context, guard, json_body
from symbiograph.web._problems import ApiProblem
from symbiograph.web._registry_routes import _hidden_streams, viewer
from symbiograph.web._worker import PARAMETERS, check_parameters, table_records

__all__ = ["COMPANY_KINDS", "add_jobs_routes"]

API = "/api/v1"
#: Kinds of job an organisation's admin or member may run (the rest are the facilitator's).
COMPANY_KINDS = frozenset({"match"})

_SUBMIT = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["kind"],
                    "additionalProperties": False,
                    "properties": {
                        "kind": {"type": "string", "enum": list(JOB_KINDS)},
                        "parameters": {
                            "type": "object",
                            "description": "; ".join(
                                f"{kind}: {', '.join(sorted(p))}" for kind, p in PARAMETERS.items()
                            ),
                        },
                        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10},
                    },
                }
            }
        },
    }
}


def _jobs(ctx: Context) -> Jobs:
    return Jobs(ctx.services.store, ctx.tenant)


def _in_park(ctx: Context, park_id: int, job_id: int) -> Job:
    job = _jobs(ctx).get(job_id)
    if job.park_id != park_id:
        raise ApiProblem(404, "no such job in this park", field="path")
    return job


def _shown(job: Job) -> dict[str, Any]:
    body = job.json()
    body["href"] = f"{API}/parks/{job.park_id}/jobs/{job.id}"
    if job.has_result:
        body["result_href"] = f"{body['href']}/result"
    return body


def _page(request: Request) -> tuple[int, int, str | None]:
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
    state = query.pop("state", None)
    if query:
        raise ApiProblem(422, "jobs filter on state only", field=f"query.{min(query)}")
    return values[0], values[1], state


def _company_result(ctx: Context, job: Job, result: dict[str, Any]) -> dict[str, Any]:
    """A company's view of its match job's result: its own candidates only, each partner's
    confidential figures banded."""
    user = ctx.principal.user
    assert user is not None and user.organisation_id is not None
    own = ctx.system.organisation(user.organisation_id).name
    records = result.get("tables", {}).get("candidates", [])
    frame = pd.DataFrame(records)
    if len(frame):
        mine = (frame["supply_organisation"] == own) | (frame["demand_organisation"] == own)
        frame = frame[mine.to_numpy(dtype=bool)].reset_index(drop=True)
        hidden = _hidden_streams(ctx, job.park_id, viewer(user, ctx.registry))
        rows = hidden_rows(frame, hidden)
        frame = redact_columns(frame, rows, [*redacted_columns("candidates"), "explanation"])
        frame = frame.astype(object).where(pd.notna(frame), None)
    summary = dict(result.get("summary", {}))
    summary["candidates"] = len(frame)
    summary["of_organisation"] = own
    return {
        "summary": summary,
        "tables": {"candidates": table_records(frame) if len(frame) else []},
    }


def add_jobs_routes(app: FastAPI) -> None:
    """Add the jobs' routes to ``app`` (before the registry's ``/parks/{id}/{table}``)."""
    tags: list[str | Enum] = ["jobs"]
    base = f"{API}/parks/{{park_id}}/jobs"

    @app.post(
        base,
        operation_id="submit_job",
        summary="Queue a match, optimize or allocate job on the park",
        status_code=202,
        openapi_extra=_SUBMIT,
        tags=tags,
    )
    def submit_job(
        park_id: int,
        ctx: Context = Depends(guard("submit_job")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        unknown = sorted(set(body) - {"kind", "parameters", "max_attempts"})
        if unknown:
            raise ApiProblem(422, f"unknown field {unknown[0]!r}", field=f"/{unknown[0]}")
        kind = body.get("kind")
        if kind not in JOB_KINDS:
            raise ApiProblem(422, f"kind must be one of {', '.join(JOB_KINDS)}", field="/kind")
        role = ctx.principal.role
        if role in (Role.ORG_ADMIN, Role.MEMBER) and kind not in COMPANY_KINDS:
            raise ApiProblem(
                403, f"a {role} may run {', '.join(sorted(COMPANY_KINDS))} jobs only", field="/kind"
            )
        parameters = body.get("parameters", {})
        if not isinstance(parameters, dict):
            raise ApiProblem(422, "parameters must be an object", field="/parameters")
        attempts = body.get("max_attempts", 3)
        if not isinstance(attempts, int) or isinstance(attempts, bool):
            raise ApiProblem(422, "max_attempts must be a whole number", field="/max_attempts")
        try:
            checked = check_parameters(kind, parameters)
        except ValueError as exc:
            raise ApiProblem(422, str(exc), field="/parameters") from None
        job = _jobs(ctx).submit(park_id, kind, checked, max_attempts=attempts)
        shown = _shown(job)
        return JSONResponse(shown, status_code=202, headers={"Location": shown["href"]})

    @app.get(
        base, operation_id="list_jobs", summary="A park's jobs I may see, newest first", tags=tags
    )
    def list_jobs(
        park_id: int, request: Request, ctx: Context = Depends(guard("list_jobs"))
    ) -> dict[str, Any]:
        limit, offset, state = _page(request)
        items, total = _jobs(ctx).list(park_id, state=state, limit=limit, offset=offset)
        return {
            "items": [_shown(j) for j in items],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @app.get(
        f"{base}/{{job_id}}", operation_id="get_job", summary="One job: state, progress", tags=tags
    )
    def get_job(
        park_id: int, job_id: int, ctx: Context = Depends(guard("get_job"))
    ) -> dict[str, Any]:
        return _shown(_in_park(ctx, park_id, job_id))

    @app.post(
        f"{base}/{{job_id}}/cancel",
        operation_id="cancel_job",
        summary="Cancel a job (a queued one at once, a running one at its next heartbeat)",
        tags=tags,
    )
    def cancel_job(
        park_id: int, job_id: int, ctx: Context = Depends(guard("cancel_job"))
    ) -> dict[str, Any]:
        _in_park(ctx, park_id, job_id)
        try:
            job = _jobs(ctx).cancel(job_id)
        except ValueError as exc:
            raise ApiProblem(409, str(exc), field="path.job_id") from None
        return _shown(job)

    @app.get(
        f"{base}/{{job_id}}/result",
        operation_id="get_job_result",
        summary="A finished job's result (its tables as records)",
        tags=tags,
    )
    def get_job_result(
        park_id: int, job_id: int, ctx: Context = Depends(guard("get_job_result"))
    ) -> dict[str, Any]:
        job = _in_park(ctx, park_id, job_id)
        result = _jobs(ctx).result(job_id)
        if not viewer(ctx.principal.user, ctx.registry).full:
            result = _company_result(ctx, job, result)
        return {
            "job": _shown(job),
            "inputs_hash": job.inputs_hash,
            "registry_mark": job.registry_mark,
            **result,
        }
