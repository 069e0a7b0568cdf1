"""Hostile requests against the registry's routes, on the two-park platform: oversized
bodies (declared and streamed), wrong content types, duplicate JSON keys and other
malformed JSON, forged / expired / revoked / under-scoped tokens and malformed
Authorization headers, another tenant's ids, path traversal in names, SQL in ids, filters
and ETags. Each gets a clear 4xx as application/problem+json, and the store is unchanged
(``storekit.dump`` of every table before and after).

tests/web/test_accounts_api.py covers the same body attacks on the login route and a
forged and a revoked token on ``/me``; this file covers the rows' routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from store.storekit import Dump, dump
from symbiograph.store import Store
from web.platform_world import World, build_world

PROBLEM = "application/problem+json"


class Clock:
    """A clock the test moves (the accounts' idea of now)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str, Clock]]:
    path = tmp_path_factory.mktemp("hostile") / "platform.db"
    clock = Clock()
    store = Store(f"sqlite:///{path}")
    try:
        yield build_world(store, clock=clock), f"sqlite:///{path}", clock
    finally:
        store.close()


def _stable(found: Dump) -> Dump:
    """The dump without what a refused request may legitimately record: failed logins
    (rate limiting) and a token's last use."""
    out = dict(found)
    out.pop("sg_login_attempts", None)
    tokens = out.pop("sg_api_tokens", [])
    out["sg_api_tokens"] = [row[:-1] for row in tokens]  # last_used_at is the last column
    return out


@pytest.fixture
def unchanged(setting: tuple[World, str, Clock]) -> Iterator[World]:
    """The world, checked to hold the same rows after the test as before it."""
    world, url, _ = setting
    before = _stable(dump(url))
    yield world
    assert _stable(dump(url)) == before


def _refused(response: Any, *codes: int) -> None:
    assert response.status_code in codes, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert body["status"] == response.status_code and body["detail"]


def _stream_path(world: World, park: int, organisation: str) -> tuple[str, Any]:
    row = world.stream_of(park, organisation)
    return f"/api/v1/parks/{world.parks[park]}/streams/{row.row_id}", row


def test_the_last_column_of_tokens_is_last_used_at(setting: tuple[World, str, Clock]) -> None:
    import sqlalchemy as sa

    columns = [c["name"] for c in sa.inspect(setting[0].owner.engine).get_columns("sg_api_tokens")]
    assert columns[-1] == "last_used_at"


def test_oversized_bodies(unchanged: World) -> None:
    world = unchanged
    path, row = _stream_path(world, 1, "Ørsted")
    etag = {"If-Match": f'"{row.version}"', "Content-Type": "application/json"}
    big = b'{"note": "' + b"x" * 300_000 + b'"}'
    _refused(world.call("orsted", "PATCH", path, content=big, headers=etag), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams in
        yield b'{"note": "'
        for _ in range(40):
            yield b"y" * 10_000
        yield b'"}'

    _refused(world.call("orsted", "PATCH", path, content=chunks(), headers=etag), 413)
    _refused(
        world.call("orsted", "PATCH", path, content=b"{}", headers={**etag, "Content-Length": "x"}),
        400,
    )


@pytest.mark.parametrize(
    "kind", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_wrong_content_types(unchanged: World, kind: str | None) -> None:
    world = unchanged
    path, row = _stream_path(world, 1, "Ørsted")
    headers = {"If-Match": f'"{row.version}"'}
    if kind is not None:
        headers["Content-Type"] = kind
    _refused(world.call("orsted", "PATCH", path, content=b'{"note": "x"}', headers=headers), 415)
    create = f"/api/v1/parks/{world.parks[1]}/streams"
    _refused(world.call("orsted", "POST", create, content=b'{"id": "x"}', headers=headers), 415)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"note": "a", "note": "b"}', "/note"),
        (b'{"quantity": 1, "quality": {"ph": 7, "ph": 9}}', "/ph"),
        (b'{"quantity": NaN}', "body"),
        (b'{"quantity": Infinity}', "body"),
        (b"[1, 2]", "body"),
        (b'{"note": "\xff"}', "body"),
        (b"[" * 100 + b"]" * 100, "body"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "body"),
        (b'{"note": ', "body"),
        (b'{"note": "a\\u0000b"}', "/note"),
        (b'{"quality": {"ph\\u0000": 7}}', "/quality/ph\x00"),
    ],
)
def test_malformed_json(unchanged: World, raw: bytes, field: str) -> None:
    world = unchanged
    path, row = _stream_path(world, 1, "Ørsted")
    headers = {"If-Match": f'"{row.version}"', "Content-Type": "application/json"}
    response = world.call("orsted", "PATCH", path, content=raw, headers=headers)
    _refused(response, 422 if b"u0000" in raw else 400)
    assert response.json()["field"] == field


def test_bad_tokens(setting: tuple[World, str, Clock]) -> None:
    world, url, clock = setting
    path, row = _stream_path(world, 1, "Ørsted")
    write = {"If-Match": f'"{row.version}"'}
    svc = world.app.state.services
    user = world.users["orsted"]
    short, _ = svc.auth.issue_token(user, "short", {"read", "write"}, 1)
    revoked, revoked_id = svc.auth.issue_token(user, "gone", {"read", "write"})
    svc.accounts.revoke_token(user, revoked_id)
    reader, _ = svc.auth.issue_token(user, "reader", {"read"})
    before = _stable(dump(url))
    for authorization in (
        "Bearer sgt_forged_0000000000000000000000000000",
        "Bearer " + world.tokens["orsted"][:-1] + "A",  # one character changed
        "Bearer ",
        "Basic b3JzdGVkOnBhc3N3b3Jk",
        "bearer" + world.tokens["orsted"],
        "Bearer " + world.tokens["orsted"] + "' OR '1'='1",
    ):
        response = world.client.patch(
            path, json={"note": "x"}, headers={"Authorization": authorization, **write}
        )
        _refused(response, 401)
    clock.now += timedelta(days=2)  # the short token has expired
    try:
        for token in (short, revoked):
            response = world.client.patch(
                path, json={"note": "x"}, headers={"Authorization": f"Bearer {token}", **write}
            )
            _refused(response, 401)
        response = world.client.patch(
            path, json={"note": "x"}, headers={"Authorization": f"Bearer {reader}", **write}
        )
        _refused(response, 403)
        assert "scope" in response.json()["detail"]
    finally:
        clock.now -= timedelta(days=2)
    assert _stable(dump(url)) == before


def test_another_tenants_ids(unchanged: World) -> None:
    world = unchanged
    theirs, row = _stream_path(world, 1, "Kalundborg Refinery")
    write = {"If-Match": f'"{row.version}"'}
    for method in ("PATCH", "PUT"):
        _refused(world.call("orsted", method, theirs, json={"note": "x"}, headers=write), 403)
    _refused(world.call("orsted", "DELETE", theirs, headers=write), 403)
    other_park, other = _stream_path(world, 2, "A")
    for who in ("orsted", "refinery", "facilitator", "observer"):
        _refused(world.call(who, "GET", other_park), 404)
        _refused(world.call(who, "PATCH", other_park, json={"note": "x"}, headers=write), 404)
    # park 2's row asked for through park 1's path, even by the admin
    smuggled = f"/api/v1/parks/{world.parks[1]}/streams/{other.row_id}"
    _refused(world.call("admin", "GET", smuggled), 404)
    _refused(world.call("facilitator", "PATCH", smuggled, json={"note": "x"}, headers=write), 404)
    # a facility of another company named in one's own new stream
    orsted_org = world.organisations[1]["Ørsted"]
    facility = next(f for f in world.rows[1]["facilities"] if f.organisation_id != orsted_org)
    create = f"/api/v1/parks/{world.parks[1]}/streams"
    body = {
        "id": "smuggled",
        "facility_id": facility.values["id"],
        "resource_id": row.values["resource_id"],
        "direction": "supply",
        "quantity": 1.0,
    }
    _refused(world.call("orsted", "POST", create, json=body), 403, 422)
    giver = world.call("giver", "POST", create, json=body)
    _refused(giver, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/parks/1/..%2F..%2Fusers",
        "/api/v1/parks/1/%2e%2e/%2e%2e/users",
        "/api/v1/parks/1/streams/..%2F1",
        "/api/v1/parks/1/..%5c..%5cusers",
        "/api/v1/parks/1/streams%00/1",
        "/api/v1/parks/1/....//streams",
        "/api/v1/parks/%2e%2e%2f2/streams",
        "/api/v1/parks/1/sg_r_streams",
        "/api/v1/parks/1/streams/1%20OR%201=1",
        "/api/v1/parks/1%20OR%201=1/streams",
        "/api/v1/parks/1;DROP%20TABLE%20sg_r_streams/streams",
        "/api/v1/parks/1/streams/1'%20OR%20'1'='1",
        "/api/v1/parks/1/streams/-1",
        "/api/v1/parks/1/streams/0x10",
        "/api/v1/parks/1/streams/99999999999999999999",
        "/api/v1/parks/1/organisations/1e3",
        "/api/v1/me/tokens/1%20OR%201=1",
    ],
)
def test_traversal_and_sql_in_paths(unchanged: World, path: str) -> None:
    world = unchanged
    for method in ("GET", "PATCH", "DELETE"):
        response = world.call(
            "facilitator", method, path, json={"note": "x"}, headers={"If-Match": '"1"'}
        )
        if method == "GET" and response.status_code == 405:
            continue
        _refused(response, 404, 405, 422)


@pytest.mark.parametrize(
    "value",
    ["1' OR '1'='1", "1; DROP TABLE sg_r_streams; --", "' UNION SELECT * FROM sg_users --"],
)
def test_sql_in_filters_matches_nothing(unchanged: World, value: str) -> None:
    world = unchanged
    listed = world.call(
        "facilitator",
        "GET",
        f"/api/v1/parks/{world.parks[1]}/streams",
        params={"organisation_id": value},
    )
    assert listed.status_code == 200 and listed.json()["total"] == 0
    _refused(
        world.call(
            "facilitator",
            "GET",
            f"/api/v1/parks/{world.parks[1]}/streams",
            params={value: "1"},
        ),
        422,
    )


@pytest.mark.parametrize(
    "etag", ['"1" OR 1=1', "*", '"abc"', '"1", "2"', 'W/"-1"', '"' + "9" * 40 + '"']
)
def test_bad_etags(unchanged: World, etag: str) -> None:
    world = unchanged
    path, _ = _stream_path(world, 1, "Ørsted")
    response = world.call("orsted", "PATCH", path, json={"note": "x"}, headers={"If-Match": etag})
    _refused(response, 412)


def test_traversal_in_names_is_only_a_name(unchanged: World, tmp_path: Path) -> None:
    """Names are text, never file names: a traversal in a new organisation's or row's name
    is refused with the others of the body (incomplete), and nothing is written."""
    world = unchanged
    orgs = f"/api/v1/parks/{world.parks[1]}/organisations"
    _refused(world.call("orsted", "POST", orgs, json={"name": "../../etc/passwd"}), 403)
    rows = f"/api/v1/parks/{world.parks[1]}/facilities"
    _refused(world.call("orsted", "POST", rows, json={"id": "../../../etc/passwd"}), 422)
    assert not any(tmp_path.iterdir())


def test_a_nul_in_a_login_is_a_422(unchanged: World) -> None:
    """Found by the leak test on PostgreSQL: a login holding NUL was a 503 (PostgreSQL's
    text refuses the character)."""
    response = unchanged.call(
        None, "POST", "/api/v1/auth/login", json={"login": "a\x00", "password": "p"}
    )
    _refused(response, 422)
    assert response.json()["field"] == "/login"


def test_renaming_onto_an_existing_name_is_a_422(unchanged: World) -> None:
    """Found by the leak test: a rename onto another organisation's (or park's) name was a
    503 (the database's unique constraint) instead of a 422."""
    world = unchanged
    orgs = world.organisations[1]
    path = f"/api/v1/parks/{world.parks[1]}/organisations/{orgs['Ørsted']}"
    taken = {"name": "Kalundborg Refinery"}
    response = world.call("admin", "PATCH", path, json=taken, headers={"If-Match": '"1"'})
    _refused(response, 422)
    park = f"/api/v1/parks/{world.parks[1]}"
    response = world.call(
        "admin", "PATCH", park, json={"name": "elsewhere"}, headers={"If-Match": '"2"'}
    )
    _refused(response, 422)
