"""The authorization matrix, generated from the app's route table: every route x every role
(admin, facilitator, organisation admin, member, observer, anonymous) x the target's
relation to the caller (own, another organisation of its park, another park), each
request sent and its answer compared with the policy table (``web/_policy.py``).

How to extend it (a new route fails this test until both are done):

1. give the route a row in ``web/_policy.py`` (operation id, target kind, scope, the
   three letters per role); ``create_app`` refuses a route without one;
2. give it a request recipe in :data:`REQUESTS` below, keyed by ``(METHOD, path)`` as the
   route declares it: the body and headers of a request that is harmless when allowed
   (a stale ``If-Match``, an incomplete body: the answer is 412 or 422, never a change);
   path parameters are filled by name from :data:`PATH_VALUES` (add a resolver for a new
   parameter name, e.g. ``synergy_id``: it gets the caller, the relation and the world).

An answer is a denial when it is 401, 403 or the guard's 404 ("no such resource": another
park's target is not even admitted to exist), or for a page the redirect of an anonymous
caller to the landing page; anything else (2xx, 3xx, 409, 412, 422, 428) passed the
authorization. Ownership decided by a body (whose facility a new stream is on) is the
registry's rule, tested in tests/web/test_registry_api.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from symbiograph.store import Jobs, Pipeline, Role
from symbiograph.web._policy import POLICY, ROLES, Relation
from web.platform_world import LOGIN_OF_ROLE, World, world_on

STALE = {"If-Match": '"999999"'}


@dataclass(frozen=True)
class Recipe:
    """What to send to a route: a JSON body, a form body, files (multipart), extra headers."""

    json: Any = None
    form: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    headers: dict[str, str] | None = None


#: (METHOD, path as declared) -> the request to send. Keep the keys in the routes' order.
REQUESTS: dict[tuple[str, str], Recipe] = {
    ("POST", "/api/v1/auth/login"): Recipe(json={}),
    ("POST", "/api/v1/auth/logout"): Recipe(),
    ("GET", "/api/v1/me"): Recipe(),
    ("GET", "/api/v1/me/tokens"): Recipe(),
    ("POST", "/api/v1/me/tokens"): Recipe(json={}),
    ("DELETE", "/api/v1/me/tokens/{token_id}"): Recipe(),
    ("GET", "/api/v1/users"): Recipe(),
    ("POST", "/api/v1/users"): Recipe(json={}),
    ("GET", "/api/v1/parks"): Recipe(),
    ("POST", "/api/v1/parks"): Recipe(json={}),
    ("GET", "/api/v1/parks/{park_id}"): Recipe(),
    ("PATCH", "/api/v1/parks/{park_id}"): Recipe(json={"name": "renamed"}, headers=STALE),
    ("DELETE", "/api/v1/parks/{park_id}"): Recipe(headers=STALE),
    ("GET", "/api/v1/parks/{park_id}/organisations"): Recipe(),
    ("POST", "/api/v1/parks/{park_id}/organisations"): Recipe(json={}),
    ("GET", "/api/v1/parks/{park_id}/organisations/{organisation_id}"): Recipe(),
    ("PATCH", "/api/v1/parks/{park_id}/organisations/{organisation_id}"): Recipe(
        json={"name": "renamed"}, headers=STALE
    ),
    ("DELETE", "/api/v1/parks/{park_id}/organisations/{organisation_id}"): Recipe(headers=STALE),
    ("GET", "/api/v1/parks/{park_id}/audit"): Recipe(),
    ("GET", "/api/v1/parks/{park_id}/{table}"): Recipe(),
    ("POST", "/api/v1/parks/{park_id}/{table}"): Recipe(json={}),
    ("GET", "/api/v1/parks/{park_id}/{table}/{row_id}"): Recipe(),
    ("PATCH", "/api/v1/parks/{park_id}/{table}/{row_id}"): Recipe(
        json={"note": "x"}, headers=STALE
    ),
    ("PUT", "/api/v1/parks/{park_id}/{table}/{row_id}"): Recipe(json={"note": "x"}, headers=STALE),
    ("DELETE", "/api/v1/parks/{park_id}/{table}/{row_id}"): Recipe(headers=STALE),
    ("GET", "/api/v1/parks/{park_id}/synergies"): Recipe(),
    ("POST", "/api/v1/parks/{park_id}/synergies"): Recipe(json={}),  # no sides: 422
    ("GET", "/api/v1/parks/{park_id}/synergies/{synergy_id}"): Recipe(),
    ("PATCH", "/api/v1/parks/{park_id}/synergies/{synergy_id}"): Recipe(
        json={"notes": "x"}, headers=STALE
    ),
    ("POST", "/api/v1/parks/{park_id}/synergies/{synergy_id}/moves"): Recipe(
        json={"to": "declined"}, headers=STALE
    ),
    ("GET", "/api/v1/parks/{park_id}/synergies/{synergy_id}/moves"): Recipe(),
    ("POST", "/api/v1/parks/{park_id}/synergies/{synergy_id}/documents"): Recipe(
        files={"file": ("empty.txt", b"", "text/plain")}  # no content: 422
    ),
    ("GET", "/api/v1/parks/{park_id}/synergies/{synergy_id}/documents"): Recipe(),
    ("GET", "/api/v1/parks/{park_id}/synergies/{synergy_id}/documents/{document_id}"): Recipe(),
    ("GET", "/api/v1/parks/{park_id}/outcomes"): Recipe(),
    ("POST", "/api/v1/parks/{park_id}/jobs"): Recipe(json={"kind": "no-such-kind"}),  # 422
    ("GET", "/api/v1/parks/{park_id}/jobs"): Recipe(),
    ("GET", "/api/v1/parks/{park_id}/jobs/{job_id}"): Recipe(),
    ("POST", "/api/v1/parks/{park_id}/jobs/{job_id}/cancel"): Recipe(),  # done already: 409
    ("GET", "/api/v1/parks/{park_id}/jobs/{job_id}/result"): Recipe(),
    ("GET", "/api/v1/ledger/keys"): Recipe(),
    ("GET", "/api/v1/parks/{park_id}/ledger/contracts"): Recipe(),
    ("GET", "/api/v1/parks/{park_id}/ledger/entries/{index}/evidence"): Recipe(),  # none: 404
    ("GET", "/"): Recipe(),
    ("POST", "/login"): Recipe(  # the login form's own CSRF pair, no credentials: 422
        form={"csrf_token": "t"}, headers={"Cookie": "sg_login_csrf=t"}
    ),
    ("POST", "/logout"): Recipe(form={}),
    ("GET", "/dashboard"): Recipe(),
    ("GET", "/parks/{park_id}"): Recipe(),
    ("GET", "/docs"): Recipe(),
}

#: Routes of the app that are not operations of the policy table, and why.
OUTSIDE_THE_POLICY = {("GET", "/api/v1/openapi.json"): "the public API description"}


@dataclass(frozen=True)
class Caller:
    """Who calls: a login (None: anonymous), its role, its organisation's name."""

    login: str | None
    role: Role | None
    organisation: str | None


def _caller(world: World, role: Role | None) -> Caller:
    if role is None:
        return Caller(None, None, None)
    login = LOGIN_OF_ROLE[role]
    org_id = world.users[login].organisation_id
    names = {v: k for k, v in world.organisations[1].items()}
    return Caller(login, role, names.get(org_id))


def _target(world: World, caller: Caller, rel: Relation) -> tuple[int, str]:
    """(park number, organisation name) of the target in relation ``rel`` to ``caller``."""
    if rel is Relation.OTHER_PARK:
        return 2, "A"
    own = caller.organisation or "Ørsted"
    if rel is Relation.OWN:
        return 1, own
    return 1, next(o for o in ("Ørsted", "Kalundborg Refinery") if o != own)


def _park_id(world: World, caller: Caller, rel: Relation) -> str:
    return str(world.parks[_target(world, caller, rel)[0]])


def _organisation_id(world: World, caller: Caller, rel: Relation) -> str:
    park, org = _target(world, caller, rel)
    return str(world.organisations[park][org])


def _row_id(world: World, caller: Caller, rel: Relation) -> str:
    park, org = _target(world, caller, rel)
    return str(world.stream_of(park, org).row_id)


def _synergy_id(world: World, caller: Caller, rel: Relation) -> str:
    """own: a synergy the caller's organisation is party to (Ørsted's for a caller of no
    organisation); other organisation: one between two companies that are neither of
    the callers'; other park: park 2's."""
    if rel is Relation.OTHER_PARK:
        return str(world.synergies[2]["A"])
    if rel is Relation.OWN:
        return str(world.synergies[1][caller.organisation or "Ørsted"])
    return str(world.synergies[1]["others"])


def _document_id(world: World, caller: Caller, rel: Relation) -> str:
    """The document of the synergy :func:`_synergy_id` gives."""
    return str(world.documents[int(_synergy_id(world, caller, rel))])


def _job_id(world: World, caller: Caller, rel: Relation) -> str:
    """own: a job the caller's organisation submitted (Ørsted's for a caller of no
    organisation); other organisation: one another company of park 1 submitted; other
    park: park 2's."""
    park, org = _target(world, caller, rel)
    return str(world.jobs[park][org])


#: path parameter name -> its value for (world, caller, relation).
PATH_VALUES: dict[str, Callable[[World, Caller, Relation], str]] = {
    "park_id": _park_id,
    "organisation_id": _organisation_id,
    "table": lambda world, caller, rel: "streams",
    "row_id": _row_id,
    "token_id": lambda world, caller, rel: "999999",
    "synergy_id": _synergy_id,
    "document_id": _document_id,
    "job_id": _job_id,
    "index": lambda world, caller, rel: "999999",  # a ledger entry that is not there
}


def _routes(world: World) -> Iterator[tuple[str, APIRoute]]:
    for route in world.app.routes:
        if not isinstance(route, APIRoute):
            continue
        for method in sorted(route.methods):
            yield method, route


def _denied(response: Any, page: bool, anonymous: bool) -> bool:
    status = response.status_code
    if status in (401, 403):
        return True
    if status == 404:
        if page:
            return True
        return bool(response.json().get("detail") == "no such resource")
    return page and anonymous and status == 303 and response.headers.get("location") == "/"


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    with world_on(request.param, tmp_path_factory.mktemp("matrix")) as built:
        yield built


def test_every_route_has_a_rule_and_a_recipe(world: World) -> None:
    missing_rule, missing_recipe, missing_value = [], [], []
    for method, route in _routes(world):
        if route.operation_id not in POLICY:
            missing_rule.append(f"{method} {route.path} ({route.operation_id})")
        if (method, route.path) not in REQUESTS:
            missing_recipe.append(f"{method} {route.path}")
        missing_value += [
            f"{method} {route.path}: {{{p}}}"
            for p in route.param_convertors
            if p not in PATH_VALUES
        ]
    others = [
        (m, r.path)  # type: ignore[attr-defined]
        for r in world.app.routes
        if not isinstance(r, APIRoute)
        for m in sorted(r.methods or ())  # type: ignore[attr-defined]
        if m != "HEAD"
    ]
    assert missing_rule == [], f"routes without a rule in web/_policy.py: {missing_rule}"
    assert missing_recipe == [], f"routes without a request in REQUESTS: {missing_recipe}"
    assert missing_value == [], f"path parameters without a PATH_VALUES entry: {missing_value}"
    assert sorted(others) == sorted(OUTSIDE_THE_POLICY)
    declared = {(m, r.path) for m, r in _routes(world)}
    assert set(REQUESTS) <= declared, f"recipes of no route: {set(REQUESTS) - declared}"


def test_the_route_outside_the_policy_is_public(world: World) -> None:
    for _, path in OUTSIDE_THE_POLICY:
        assert world.call(None, "GET", path).status_code == 200


def _cases(world: World) -> Iterator[tuple[str, APIRoute, Role | None, Relation]]:
    for method, route in _routes(world):
        kind = POLICY[str(route.operation_id)].target
        relations = {
            "none": [Relation.OWN],
            "park": [Relation.OWN, Relation.OTHER_PARK],
            "network": [Relation.OWN, Relation.OTHER_PARK],
        }.get(kind, list(Relation))
        for role in ROLES:
            for rel in relations:
                yield method, route, role, rel


def _pipeline_state(world: World) -> dict[str, Any]:
    """The world's synergies (stage, version, moves, documents) and each park's jobs
    (id, state, version), read as the system: the recipes must change none of it."""
    pipeline, jobs = Pipeline(world.owner), Jobs(world.owner)
    state: dict[str, Any] = {}
    for park, synergies in world.synergies.items():
        for key, synergy_id in synergies.items():
            synergy = pipeline.get(synergy_id)
            state[f"synergy {park}:{key}"] = (
                synergy.stage,
                synergy.version,
                len(pipeline.moves(synergy_id)),
                [d.id for d in pipeline.documents(synergy_id)],
            )
        items, total = jobs.list(world.parks[park], limit=500)
        state[f"jobs {park}"] = (total, sorted((j.id, j.state, j.version) for j in items))
    return state


def test_every_route_every_role_every_relation(world: World) -> None:
    """Send each case; collect every disagreement with the table, then fail listing them.
    The recipes are harmless when allowed: the pipeline and the jobs are unchanged after."""
    before = _pipeline_state(world)
    wrong: list[str] = []
    count = 0
    for method, route, role, rel in _cases(world):
        caller = _caller(world, role)
        recipe = REQUESTS[(method, route.path)]
        path = route.path
        for name in route.param_convertors:
            path = path.replace(f"{{{name}}}", PATH_VALUES[name](world, caller, rel))
        response = world.call(
            caller.login,
            method,
            path,
            json=recipe.json,
            data=recipe.form,
            files=recipe.files,
            headers=recipe.headers,
            follow_redirects=False,
        )
        count += 1
        assert response.status_code < 500, f"{method} {path} as {role}: {response.text}"
        rule = POLICY[str(route.operation_id)]
        expected = rule.decisions[role][int(rel)]
        page = not path.startswith("/api/")
        got = not _denied(response, page, caller.login is None)
        if got != expected:
            wrong.append(
                f"{method} {route.path} as {role or 'anonymous'} on {rel.name}: "
                f"expected {'allow' if expected else 'deny'}, got {response.status_code}"
            )
    assert count > 300
    assert wrong == [], "\n".join(wrong)
    assert _pipeline_state(world) == before


def test_a_new_route_without_a_rule_is_caught(tmp_path: Path) -> None:
    """The app refuses to start with a route of no rule; the recipe check fails without
    one (both halves of 'a new route without a rule fails')."""
    from fastapi import FastAPI

    from symbiograph.web._context import guard

    app = FastAPI()
    with pytest.raises(KeyError, match="no rule"):

        @app.get("/api/v1/new", operation_id="brand_new")
        def brand_new(ctx: Any = guard("brand_new")) -> None:  # pragma: no cover
            return None


def test_the_facilitators_job_is_refused_to_companies(world: World) -> None:
    """A job the facilitator submitted belongs to no organisation: the route lets a company
    through (to it the job is "own", see ``_policy``) and the store refuses it (404), for
    the job, its result and its cancel; the facilitator and the admin read it."""
    job = world.jobs[1][None]
    base = f"/api/v1/parks/{world.parks[1]}/jobs/{job}"
    for login in ("orsted", "refinery"):
        for method, path in (("GET", base), ("GET", f"{base}/result"), ("POST", f"{base}/cancel")):
            response = world.call(login, method, path)
            assert response.status_code == 404, (login, method, path, response.text)
            assert str(job) in response.json()["detail"]
    for login in ("facilitator", "admin"):
        assert world.call(login, "GET", base).json()["state"] == "done"
