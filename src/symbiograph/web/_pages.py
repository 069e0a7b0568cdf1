"""The platform's server-rendered pages: login, logout, a dashboard and a park's tables.

Plain HTML from the Jinja2 templates shipped in ``symbiograph/web/templates`` (no scripts,
nothing fetched from elsewhere). Every page route has its row in the policy table and is
authorized by the same :func:`~symbiograph.web._context.guard` as the API; a caller who is
not logged in is sent to the login page instead of getting a problem+json.

Forms carry a CSRF token in the ``csrf_token`` field: the session's own token for a logged-in
user (logout), and for the login form (no session yet) a random token also set in the
``sg_login_csrf`` cookie (double submit; the cookie is SameSite=Strict). Stream figures pass
through ``symbiograph.access`` for the viewer (:func:`~symbiograph.web._parks.viewer_of`).
"""

from __future__ import annotations

import hmac
import math
from typing import Any

import pandas as pd
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from symbiograph.access import (
    Viewer,
    hidden_streams,
    number_label,
    redact_columns,
    redacted_columns,
)
from symbiograph.errors import NotFoundError
from symbiograph.model import Network
from symbiograph.store import Role, User
from symbiograph.web._auth import ANONYMOUS, CSRF_COOKIE, SESSION_COOKIE, new_token
from symbiograph.web._context import Context, Services, guard, services
from symbiograph.web._parks import Park, organisation_name, park, parks, viewer_of
from symbiograph.web._problems import ApiProblem

__all__ = ["LOGIN_CSRF_COOKIE", "PageProblem", "add_pages", "park_view", "templates"]

#: Cookie holding the login form's CSRF token (double submit, before any session exists).
LOGIN_CSRF_COOKIE = "sg_login_csrf"
_API = "/api/v1"
#: The pages load nothing but themselves: no scripts, no frames, forms post back here only.
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class PageProblem(Exception):
    """An :class:`ApiProblem` met on a page: shown as HTML (401: the login page)."""

    def __init__(self, problem: ApiProblem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


_ENV: Environment | None = None


def templates() -> Environment:
    """The Jinja2 environment of the shipped templates (HTML autoescaped)."""
    global _ENV
    if _ENV is None:
        _ENV = Environment(
            loader=PackageLoader("symbiograph.web", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _ENV


def _render(request: Request, name: str, code: int = 200, **values: Any) -> HTMLResponse:
    values.setdefault("title", request.app.title)
    values.setdefault("user", None)
    values.setdefault("api", _API)
    response = HTMLResponse(templates().get_template(name).render(**values), status_code=code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _csrf_of_form(form: Any) -> str | None:
    value = form.get("csrf_token")
    return value if isinstance(value, str) and value else None


def page_guard(operation: str) -> Any:
    """The dependency authorizing page ``operation``: :func:`guard`, with a POST's CSRF token
    taken from its ``csrf_token`` form field, and failures raised as :class:`PageProblem`."""
    authorize = guard(operation)

    async def dependency(request: Request) -> Context:
        svc = services(request)
        try:
            if operation == "page_login":  # its own CSRF check; a stale session is no matter
                request.state.principal = ANONYMOUS
            elif request.method == "POST" and request.cookies.get(SESSION_COOKIE):
                form = await request.form()
                request.state.principal = await run_in_threadpool(
                    svc.auth.principal,
                    request.method,
                    None,
                    request.cookies.get(SESSION_COOKIE),
                    _csrf_of_form(form),
                )
            return await run_in_threadpool(authorize, request)
        except ApiProblem as problem:
            raise PageProblem(problem) from None
        except NotFoundError as exc:
            raise PageProblem(ApiProblem(404, str(exc), field="path")) from None

    dependency.__name__ = f"page_{operation}"
    return dependency


def _session_csrf(request: Request) -> str:
    """The CSRF token of the caller's session (from its cookie; checked against the session
    digest whenever a form comes back)."""
    return str(request.cookies.get(CSRF_COOKIE, ""))


def park_view(network: Network, viewer: Viewer) -> dict[str, Any]:
    """The facilities and streams of ``network`` as rows for the park tables, the streams'
    quantities and prices redacted for ``viewer`` (a band such as ``100,000 to 200,000``
    where the viewer may not see the value)."""
    facilities = network.facilities
    by_id = facilities.drop_duplicates("id").set_index("id")
    units = network.resources.drop_duplicates("id").set_index("id")["unit"]
    currency = str(network.parameters.get("currency", "EUR"))
    streams = network.streams
    hidden = hidden_streams(network, viewer)
    mask = streams["id"].isin(hidden).to_numpy(dtype=bool)
    shown = redact_columns(streams, mask, redacted_columns("streams"))

    def cell(value: Any) -> str:
        if isinstance(value, str):
            return value
        if value is None or value is pd.NA:
            return ""
        number = float(value)
        return number_label(number) if math.isfinite(number) else ""

    def text(value: Any) -> str:
        return "" if value is None or value is pd.NA or pd.isna(value) else str(value)

    stream_rows = []
    for pos, row in enumerate(shown.itertuples(index=False)):
        unit = text(units.get(row.resource_id))
        facility = row.facility_id
        stream_rows.append(
            {
                "id": row.id,
                "facility": text(by_id["name"].get(facility, facility)),
                "organisation": text(by_id["organisation"].get(facility)),
                "resource": row.resource_id,
                "direction": row.direction,
                "quantity": cell(row.quantity),
                "unit": unit,
                "price": cell(row.price),
                "price_unit": f"{currency}/{unit.split('/')[0]}" if unit else currency,
                "confidential": bool(row.confidential) if not pd.isna(row.confidential) else False,
                "hidden": bool(mask[pos]),
            }
        )
    facility_rows = [
        {
            "id": f.id,
            "name": text(f.name),
            "organisation": text(f.organisation),
            "nace_code": text(f.nace_code),
            "region": text(f.region),
        }
        for f in facilities.itertuples(index=False)
    ]
    return {"facilities": facility_rows, "streams": stream_rows}


def _seen_as(user: User, network: Network, viewer: Viewer) -> str:
    if viewer.full:
        return f"You see every value ({user.role}), confidential streams included."
    if user.role in (Role.ORG_ADMIN, Role.MEMBER):
        own = organisation_name(network, user.organisation_id) or "no organisation of this park"
        return (
            f"You speak for {own}: its streams in full; other organisations' confidential "
            "quantities and prices as bands (e.g. 100,000 to 200,000)."
        )
    return "Public view: every confidential quantity and price as a band."


def _park_values(svc: Services, user: User, found: Park) -> dict[str, Any]:
    network = svc.store.load(found.name)
    viewer = viewer_of(user, network)
    return {"park": found, "seen_as": _seen_as(user, network, viewer), **park_view(network, viewer)}


def _visible_parks(svc: Services, user: User) -> list[Park]:
    every = parks(svc.store)
    if user.role is Role.ADMIN:
        return every
    return [p for p in every if p.id == user.park_id]


def add_pages(app: FastAPI) -> None:
    """Add the pages (``/``, ``/login``, ``/logout``, ``/dashboard``, ``/parks/{id}``)."""

    @app.exception_handler(PageProblem)
    async def _page_problem(request: Request, exc: PageProblem) -> Response:
        problem = exc.problem
        if problem.status == 401:
            response: Response = RedirectResponse("/", status_code=303)
            response.delete_cookie(SESSION_COOKIE, path="/")
            response.delete_cookie(CSRF_COOKIE, path="/")
            return response
        # one message for every 404, so a page does not tell another park's ids from unused ones
        detail = "No such page or park." if problem.status == 404 else problem.detail
        return _render(request, "error.html", problem.status, status=problem.status, detail=detail)

    def login_page(
        request: Request, error: str = "", login: str = "", status: int = 200
    ) -> HTMLResponse:
        token = new_token()
        response = _render(
            request, "login.html", status, login_csrf=token, error=error, login=login
        )
        svc = services(request)
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            max_age=3600,
            httponly=True,
            secure=svc.secure_cookies,
            samesite="strict",
            path="/",
        )
        return response

    @app.get("/", operation_id="landing", include_in_schema=False)
    def landing(request: Request, ctx: Context = Depends(page_guard("landing"))) -> Response:
        if ctx.principal.user is not None:
            return RedirectResponse("/dashboard", status_code=303)
        return login_page(request)

    @app.post("/login", operation_id="page_login", include_in_schema=False)
    async def login(request: Request, ctx: Context = Depends(page_guard("page_login"))) -> Response:
        form = await request.form()
        login_name = str(form.get("login") or "")[:128]
        password = str(form.get("password") or "")[:1024]
        sent = _csrf_of_form(form)
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
        if not (sent and expected and hmac.compare_digest(sent, expected)):
            return login_page(
                request, "The login form expired; please try again.", login_name, status=403
            )
        if not login_name or not password:
            return login_page(request, "Give a login and a password.", login_name, status=422)
        svc = ctx.services
        address = request.client.host if request.client is not None else "unknown"
        try:
            user = await run_in_threadpool(svc.auth.login, login_name, password, address)
        except ApiProblem as problem:
            status = 429 if problem.status == 429 else 401
            return login_page(request, problem.detail, login_name, status=status)
        token, csrf = await run_in_threadpool(svc.auth.open_session, user, address)
        response = RedirectResponse("/dashboard", status_code=303)
        from symbiograph.web._app import _set_session_cookies

        _set_session_cookies(
            response,
            token,
            csrf,
            svc.secure_cookies,
            int(svc.auth.session_lifetime.total_seconds()),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    @app.post("/logout", operation_id="page_logout", include_in_schema=False)
    def logout(request: Request, ctx: Context = Depends(page_guard("page_logout"))) -> Response:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            ctx.services.accounts.close_session(cookie)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    @app.get("/dashboard", operation_id="page_dashboard", include_in_schema=False)
    def dashboard(
        request: Request, ctx: Context = Depends(page_guard("page_dashboard"))
    ) -> Response:
        user = ctx.principal.user
        assert user is not None
        visible = _visible_parks(ctx.services, user)
        own = [p for p in visible if p.id == user.park_id] or (visible if len(visible) == 1 else [])
        values = _park_values(ctx.services, user, own[0]) if own else {}
        return _render(
            request,
            "dashboard.html",
            user=user,
            csrf_token=_session_csrf(request),
            parks=visible,
            **values,
        )

    @app.get("/parks/{park_id}", operation_id="page_park", include_in_schema=False)
    def park_page(
        park_id: int, request: Request, ctx: Context = Depends(page_guard("page_park"))
    ) -> Response:
        user = ctx.principal.user
        assert user is not None
        try:
            found = park(ctx.services.store, park_id)
        except NotFoundError as exc:
            raise PageProblem(ApiProblem(404, str(exc), field="path")) from None
        return _render(
            request,
            "park.html",
            user=user,
            csrf_token=_session_csrf(request),
            **_park_values(ctx.services, user, found),
        )
