"""The FastAPI app: ``create_app(store_url)`` with the ``/api/v1`` routes, request limits,
problem+json errors, the pages (``_pages``: login, dashboard, a park's tables) and the
OpenAPI 3.1 document.

Nothing is fetched from the internet: FastAPI's Swagger and ReDoc pages (which load their
scripts from a CDN) are off; ``/docs`` is a plain HTML list of the operations made on the
server from the OpenAPI document, which is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from symbiograph.errors import InputError, NotFoundError, StoreError, SymbiographError
from symbiograph.store import Accounts, LoginLimits, Role, Store, User, UserExistsError
from symbiograph.web._auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Authenticator,
)
from symbiograph.web._context import Context, Services, guard, json_body, model_body
from symbiograph.web._policy import POLICY
from symbiograph.web._problems import ApiProblem, problem_response

__all__ = ["API", "create_app"]

#: Prefix of every API route.
API = "/api/v1"
#: Largest JSON body accepted (bytes) unless create_app is told otherwise.
DEFAULT_MAX_BODY = 256 * 1024
#: Largest document upload (bytes).
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024


class _BodyLimit:
    """ASGI middleware: a body larger than the limit is refused with 413 before the app
    reads it (by Content-Length, or while it streams in without one)."""

    def __init__(self, app: ASGIApp, max_body: int, max_upload: int) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        kind = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.max_upload if kind.startswith("multipart/") else self.max_body
        length = headers.get(b"content-length")
        too_big = ApiProblem(
            413, f"the body is larger than {limit:,} bytes", field="Content-Length"
        )
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0 or declared > limit:
                if declared < 0:
                    too_big = ApiProblem(
                        400, "Content-Length is not a number", field="Content-Length"
                    )
                await problem_response(too_big, scope.get("path"))(scope, receive, send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_big
            return message

        try:
            await self.app(scope, limited, send)
        except ApiProblem as problem:  # raised while the body streamed in
            await problem_response(problem, scope.get("path"))(scope, receive, send)


class LoginBody(BaseModel):
    """Credentials of a login."""

    login: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class TokenBody(BaseModel):
    """A new API token: a name, scopes, days to live."""

    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, max_length=4)
    days: float = Field(default=90, gt=0, le=366)


class UserBody(BaseModel):
    """A new account."""

    login: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
    password: str = Field(min_length=10, max_length=1024)
    name: str = Field(default="", max_length=200)
    role: Role
    park_id: int | None = Field(default=None, ge=1)
    organisation_id: int | None = Field(default=None, ge=1)


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI ``openapi_extra`` declaring a JSON request body of ``model`` (the routes read
    the body themselves, after the authorization check)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def user_json(user: User) -> dict[str, Any]:
    """A user as the API shows it (never the password hash)."""
    return {
        "id": user.id,
        "login": user.login,
        "name": user.name,
        "role": str(user.role),
        "park_id": user.park_id,
        "organisation_id": user.organisation_id,
        "disabled": user.disabled,
        "version": user.version,
    }


def _address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _docs_page(document: dict[str, Any]) -> str:
    rows = []
    for path, item in sorted(document.get("paths", {}).items()):
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            rows.append(
                f"<tr><td><code>{html.escape(method.upper())}</code></td>"
                f"<td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(str(op.get('summary', '')))}</td></tr>"
            )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>symbiograph API</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem}}td{{padding:.15rem .6rem}}</style>
</head><body><h1>symbiograph API {html.escape(str(document.get("info", {}).get("version")))}</h1>
<p>The whole description: <a href="{API}/openapi.json">{API}/openapi.json</a>.</p>
<table>{"".join(rows)}</table></body></html>"""


def create_app(
    store_url: str = "sqlite:///symbiograph.db",
    *,
    schema: str | None = None,
    store: Store | None = None,
    hasher: PasswordHasher | None = None,
    limits: LoginLimits | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    max_upload: int = DEFAULT_MAX_UPLOAD,
    secure_cookies: bool = True,
    clock: Any = None,
    title: str = "symbiograph platform",
) -> FastAPI:
    """The platform's FastAPI app over the store at ``store_url`` (or an open ``store``).

    ``hasher`` (argon2 parameters), ``limits`` (failed logins per account and address),
    ``max_body``/``max_upload`` (bytes) and ``clock`` (UTC time, for tests) are settings;
    cookies are ``Secure`` unless ``secure_cookies=False``.
    """
    store = store or Store(store_url, schema=schema)
    accounts = Accounts(store, clock=clock)
    auth = Authenticator(accounts, hasher=hasher, limits=limits)
    svc = Services(store, accounts, auth, max_body, max_upload, secure_cookies)
    app = FastAPI(
        title=title,
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
        description="The shared registry, pipeline and jobs of symbiograph. Errors are "
        "application/problem+json (RFC 9457) naming the field.",
    )
    app.state.services = svc
    _handlers(app)
    _account_routes(app)
    from symbiograph.web._ledger_routes import add_ledger_routes

    add_ledger_routes(app)  # before /parks/{park_id}/{table}/{row_id} would take its paths
    from symbiograph.web._jobs_routes import add_jobs_routes
    from symbiograph.web._pipeline_routes import add_pipeline_routes
    from symbiograph.web._registry_routes import add_registry_routes

    add_pipeline_routes(app)  # before the registry's /parks/{park_id}/{table} routes
    add_jobs_routes(app)
    add_registry_routes(app)
    from symbiograph.web._pages import add_pages

    add_pages(app)

    @app.get(
        "/docs",
        operation_id="openapi",
        include_in_schema=False,
        dependencies=[Depends(guard("openapi"))],
    )
    def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page(app.openapi()))

    app.add_middleware(_BodyLimit, max_body=max_body, max_upload=max_upload)
    missing = [
        r.operation_id  # type: ignore[attr-defined]
        for r in app.routes
        if getattr(r, "operation_id", None) and r.operation_id not in POLICY  # type: ignore[attr-defined]
    ]
    if missing:
        raise RuntimeError(f"routes without a policy rule: {missing}")
    return app


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _problem(request: Request, exc: ApiProblem) -> Response:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "detail": str(e.get("msg"))}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "request", "detail": "invalid"}
        return problem_response(
            ApiProblem(
                422, f"{first['field']}: {first['detail']}", field=first["field"], errors=errors
            ),
            request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        field = "path" if exc.status_code in (404, 405) else None
        return problem_response(
            ApiProblem(
                exc.status_code, str(exc.detail), field=field, headers=dict(exc.headers or {})
            ),
            request.url.path,
        )

    @app.exception_handler(SymbiographError)
    async def _library(request: Request, exc: SymbiographError) -> Response:
        return problem_response(library_problem(exc), request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return problem_response(
            ApiProblem(500, f"the server failed ({type(exc).__name__}); nothing was changed"),
            request.url.path,
        )


def library_problem(exc: SymbiographError) -> ApiProblem:
    """The HTTP problem of a library failure: not found 404, a stale version 412, a denied
    change 403, refused input 422 (naming the field), a store failure 503."""
    name = type(exc).__name__
    field = getattr(exc, "field", None)
    table = getattr(exc, "table", None)
    problems = getattr(exc, "problems", None)
    errors = [{"field": field or "body", "detail": str(p)} for p in problems or []]
    pointer = f"/{field}" if field else None
    if name == "StaleVersionError":
        return ApiProblem(412, str(exc), field="If-Match")
    if name == "AccessDeniedError":
        return ApiProblem(403, str(exc), field=pointer)
    if name == "StaleUserError":
        return ApiProblem(412, str(exc), field="If-Match")
    if isinstance(exc, NotFoundError):
        return ApiProblem(404, str(exc), field="path" if table is None else f"path.{table}")
    if isinstance(exc, InputError):
        return ApiProblem(422, str(exc), field=pointer or "body", errors=errors)
    if isinstance(exc, StoreError):
        return ApiProblem(503, str(exc), headers={"Retry-After": "1"})
    return ApiProblem(400, str(exc))


def _set_session_cookies(
    response: Response, token: str, csrf: str, secure: bool, max_age: int
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=max_age,
        httponly=False,
        secure=secure,
        samesite="strict",
        path="/",
    )


def _account_routes(app: FastAPI) -> None:
    @app.post(
        f"{API}/auth/login",
        operation_id="login",
        summary="Log in: a session cookie and its CSRF token",
        openapi_extra=body_schema(LoginBody),
        tags=["accounts"],
    )
    def login(
        request: Request,
        ctx: Context = Depends(guard("login")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        data = model_body(LoginBody, body)
        svc = ctx.services
        user = svc.auth.login(data.login, data.password, _address(request))
        token, csrf = svc.auth.open_session(user, _address(request))
        response = JSONResponse({"user": user_json(user), "csrf_token": csrf})
        _set_session_cookies(
            response,
            token,
            csrf,
            svc.secure_cookies,
            int(svc.auth.session_lifetime.total_seconds()),
        )
        return response

    @app.post(
        f"{API}/auth/logout", operation_id="logout", summary="End the session", tags=["accounts"]
    )
    def logout(request: Request, ctx: Context = Depends(guard("logout"))) -> Response:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            ctx.services.accounts.close_session(cookie)
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    @app.get(f"{API}/me", operation_id="get_me", summary="Who I am", tags=["accounts"])
    def me(ctx: Context = Depends(guard("get_me"))) -> dict[str, Any]:
        assert ctx.principal.user is not None
        return {
            **user_json(ctx.principal.user),
            "via": ctx.principal.via,
            "scopes": sorted(ctx.principal.scopes),
        }

    @app.get(
        f"{API}/me/tokens",
        operation_id="list_my_tokens",
        summary="My API tokens",
        tags=["accounts"],
    )
    def my_tokens(ctx: Context = Depends(guard("list_my_tokens"))) -> dict[str, Any]:
        assert ctx.principal.user is not None
        now = ctx.services.accounts.now()
        return {
            "items": [
                {
                    "id": t.id,
                    "name": t.name,
                    "scopes": sorted(t.scopes),
                    "created_at": t.created_at.isoformat(),
                    "expires_at": t.expires_at.isoformat(),
                    "revoked": t.revoked_at is not None,
                    "live": t.revoked_at is None and t.expires_at > now,
                }
                for t in ctx.services.accounts.tokens(ctx.principal.user)
            ]
        }

    @app.post(
        f"{API}/me/tokens",
        operation_id="create_my_token",
        summary="A new API token (shown once)",
        status_code=201,
        openapi_extra=body_schema(TokenBody),
        tags=["accounts"],
    )
    def create_token(
        ctx: Context = Depends(guard("create_my_token")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        data = model_body(TokenBody, body)
        user = ctx.principal.user
        assert user is not None
        scopes = set(data.scopes)
        if ctx.principal.via == "token" and not scopes <= ctx.principal.scopes:
            raise ApiProblem(
                403, "a token cannot make a token with more scopes than its own", field="/scopes"
            )
        token, token_id = ctx.services.auth.issue_token(user, data.name, scopes, data.days)
        return JSONResponse(
            {"id": token_id, "token": token, "scopes": sorted(scopes)}, status_code=201
        )

    @app.delete(
        f"{API}/me/tokens/{{token_id}}",
        operation_id="revoke_my_token",
        summary="Revoke one of my API tokens",
        tags=["accounts"],
    )
    def revoke_token(token_id: int, ctx: Context = Depends(guard("revoke_my_token"))) -> Response:
        user = ctx.principal.user
        assert user is not None
        ctx.services.accounts.revoke_token(user, token_id)
        return Response(status_code=204)

    @app.get(f"{API}/users", operation_id="list_users", summary="Every account", tags=["accounts"])
    def list_users(ctx: Context = Depends(guard("list_users"))) -> dict[str, Any]:
        return {"items": [user_json(u) for u in ctx.services.accounts.users()]}

    @app.post(
        f"{API}/users",
        operation_id="create_user",
        summary="Create an account (platform admin)",
        status_code=201,
        openapi_extra=body_schema(UserBody),
        tags=["accounts"],
    )
    def create_user(
        ctx: Context = Depends(guard("create_user")),
        body: dict[str, Any] = Depends(json_body),
    ) -> JSONResponse:
        data = model_body(UserBody, body)
        if data.role is Role.SYSTEM:
            raise ApiProblem(422, "the system role is not a user's", field="/role")
        try:
            user = ctx.services.accounts.add_user(
                data.login,
                ctx.services.auth.hash_password(data.password),
                data.role,
                name=data.name,
                park_id=data.park_id,
                organisation_id=data.organisation_id,
            )
        except UserExistsError as exc:
            raise ApiProblem(409, str(exc), field="/login") from None
        return JSONResponse(user_json(user), status_code=201)


def utc_now() -> datetime:
    """The time now in UTC."""
    return datetime.now(UTC)
