"""What every route needs: the caller, the authorization check, strict bodies, ETags.

:func:`guard` makes the dependency each route declares first: it finds the caller (API token
or session cookie), checks the token's scope, finds where the route's target lives (park,
organisation, row, synergy, job) and asks the policy table (``_policy``). It runs before the
body is read, so a refused caller learns nothing from the body's validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from symbiograph import store as store_api
from symbiograph.errors import NotFoundError
from symbiograph.store import Accounts, Role, Store
from symbiograph.web._auth import CSRF_HEADER, SESSION_COOKIE, Authenticator, Principal
from symbiograph.web._json import parse_body
from symbiograph.web._policy import POLICY, Relation, Target, allowed, relation
from symbiograph.web._problems import ApiProblem

M = TypeVar("M", bound=BaseModel)

#: The largest row id (the store's ids are 32-bit integers on PostgreSQL).
MAX_ID = 2**31 - 1

__all__ = [
    "Context",
    "Services",
    "etag",
    "expected_version",
    "guard",
    "json_body",
    "model_body",
    "request_body",
]


@dataclass
class Services:
    """What the app holds for its routes: the store, its accounts, the authenticator and
    the limits of a request."""

    store: Store
    accounts: Accounts
    auth: Authenticator
    max_body: int
    max_upload: int
    secure_cookies: bool = True


@dataclass(frozen=True)
class Context:
    """One request's caller and the registry seen as that caller."""

    principal: Principal
    services: Services
    target: Target | None
    operation: str

    @property
    def tenant(self) -> Any:
        """The registry tenant of the caller (401 for an anonymous caller)."""
        user = self.principal.user
        if user is None:
            raise ApiProblem(401, "log in or send an API token", field="Authorization")
        tenant: Any = store_api.Tenant  # type: ignore[attr-defined,unused-ignore]
        return tenant(
            str(user.id), str(user.role), park_id=user.park_id, organisation_id=user.organisation_id
        )

    @property
    def registry(self) -> Any:
        """The registry as the caller sees it."""
        return _registry(self.services.store, self.tenant)

    @property
    def system(self) -> Any:
        """The registry as the platform sees it (to find targets; never for responses)."""
        return system_registry(self.services.store)


def _registry(store: Store, tenant: Any) -> Any:
    registry: Any = store_api.Registry  # type: ignore[attr-defined,unused-ignore]
    return registry(store, tenant)


def system_registry(store: Store) -> Any:
    """The registry as the platform itself sees it (every row, full values)."""
    tenant: Any = store_api.Tenant  # type: ignore[attr-defined,unused-ignore]
    return _registry(store, tenant.system())


def services(request: Request) -> Services:
    """The app's :class:`Services`."""
    found: Services = request.app.state.services
    return found


def _int(request: Request, name: str) -> int:
    text = request.path_params.get(name)
    try:
        value = int(str(text))
    except ValueError:
        raise ApiProblem(422, f"{name} must be a whole number", field=f"path.{name}") from None
    if not 1 <= value <= MAX_ID:
        raise ApiProblem(
            422, f"{name} must be a whole number from 1 to {MAX_ID}", field=f"path.{name}"
        )
    return value


def _target(kind: str, request: Request, store: Store) -> Target | None:
    """Where the route's target lives (404 when it does not exist)."""
    if kind == "none":
        return None
    if kind == "network":  # a stored network as a park (see _parks)
        from symbiograph.web._parks import park

        return Target(park(store, _int(request, "park_id")).id)
    system = system_registry(store)
    if kind == "park":
        park_id = _int(request, "park_id")
        system.park(park_id)
        return Target(park_id)
    if kind == "org":
        found = system.organisation(_int(request, "organisation_id"))
        return Target(found.park_id, found.row_id)
    if kind == "row":
        table = str(request.path_params.get("table"))
        row = system.get(table, _int(request, "row_id"))
        return Target(row.park_id, row.organisation_id, row.partner_organisation_id)
    if kind == "synergy":
        pipeline: Any = store_api.Pipeline  # type: ignore[attr-defined,unused-ignore]
        synergy = pipeline(system.store, system.tenant).get(_int(request, "synergy_id"))
        return Target(synergy.park_id, synergy.organisation_id, synergy.partner_organisation_id)
    if kind == "job":
        jobs: Any = store_api.Jobs  # type: ignore[attr-defined,unused-ignore]
        job = jobs(system.store, system.tenant).get(_int(request, "job_id"))
        return Target(job.park_id, job.organisation_id)
    raise ApiProblem(500, f"unknown target kind {kind!r}")


def caller(request: Request) -> Principal:
    """The caller of ``request`` (401 for a bad token or an ended session)."""
    svc = services(request)
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    found = svc.auth.principal(
        request.method,
        request.headers.get("authorization"),
        request.cookies.get(SESSION_COOKIE),
        request.headers.get(CSRF_HEADER),
    )
    request.state.principal = found
    return found


def guard(operation: str) -> Callable[[Request], Context]:
    """The dependency that authorizes ``operation`` (see the module's docstring)."""
    rule = POLICY.get(operation)
    if rule is None:
        raise KeyError(f"operation {operation!r} has no rule in the policy table")

    def authorize(request: Request) -> Context:
        svc = services(request)
        principal = caller(request)
        role = principal.role
        if rule.scope is not None:
            if principal.user is None:
                raise ApiProblem(
                    401,
                    "log in or send an API token",
                    field="Authorization",
                    headers={"WWW-Authenticate": 'Bearer realm="api"'},
                )
            if principal.via == "token" and rule.scope not in principal.scopes:
                raise ApiProblem(
                    403, f"this API token lacks the {rule.scope!r} scope", field="Authorization"
                )
        for name in request.path_params:  # every id, before any query could overflow
            if name.endswith("_id"):
                _int(request, name)
        try:
            target = None if rule.target == "none" else _target(rule.target, request, svc.store)
        except NotFoundError:
            if principal.user is None:
                raise ApiProblem(
                    401, "log in or send an API token", field="Authorization"
                ) from None
            raise
        rel = relation(principal.park_id, principal.organisation_id, target)
        if not allowed(operation, role, rel):
            if principal.user is None:
                raise ApiProblem(
                    401,
                    "log in or send an API token",
                    field="Authorization",
                    headers={"WWW-Authenticate": 'Bearer realm="api"'},
                )
            if rel is Relation.OTHER_PARK and role is not Role.ADMIN:
                raise ApiProblem(404, "no such resource", field="path")  # not even its existence
            raise ApiProblem(
                403, f"a {role} may not {operation.replace('_', ' ')} here", field="path"
            )
        return Context(principal, svc, target, operation)

    authorize.__name__ = f"authorize_{operation}"
    return authorize


_JSON = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


async def request_body(request: Request) -> bytes:
    """The raw body (the size limit is the middleware's)."""
    return await request.body()


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object: 415 unless the content type is JSON, 400 for duplicate
    keys, invalid JSON, NaN or a non-object."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not _JSON.fullmatch(kind):
        raise ApiProblem(
            415,
            f"send the body as application/json, not {kind or 'no content type'!r}",
            field="Content-Type",
        )
    return parse_body(await request.body())


def model_body(model: type[M], body: dict[str, Any]) -> M:
    """``body`` validated as ``model`` (422 naming every field otherwise)."""
    try:
        return model.model_validate(body, strict=False)
    except ValidationError as exc:
        raise _validation_problem(exc) from None


def _validation_problem(exc: ValidationError) -> ApiProblem:
    errors = [
        {"field": "/" + "/".join(str(p) for p in e["loc"]), "detail": e["msg"]}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "body", "detail": "invalid body"}
    return ApiProblem(
        422, f"{first['field']}: {first['detail']}", field=first["field"], errors=errors
    )


def etag(version: int) -> str:
    """The ETag of a row at ``version``."""
    return f'"{int(version)}"'


_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,15})"\s*$')


def expected_version(request: Request) -> int:
    """The version the client read, from If-Match: 428 when missing (a write must say
    which version it changes), 412 when it is not an ETag this API gave."""
    header = request.headers.get("if-match")
    if header is None:
        raise ApiProblem(
            428,
            "send If-Match with the ETag of the row you read (a write without it could "
            "overwrite another client's change)",
            field="If-Match",
        )
    match = _ETAG.fullmatch(header)
    if match is None:
        raise ApiProblem(
            412, 'If-Match must be one ETag of this API, such as "3"', field="If-Match"
        )
    return int(match.group(1))
