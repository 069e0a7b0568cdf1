"""The registry through the API on the demo park: ETag / If-Match (428 without, 412 when
stale), a company cannot edit another's stream, an observer cannot write, pagination,
redaction of confidential streams, problem+json bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from symbiograph.store import Registry, Store
from symbiograph.web import create_app, demo_network, seed_demo

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PARK = "/api/v1/parks/1"
PROBLEM = "application/problem+json"


class Api:
    def __init__(self, tmp_path: Path) -> None:
        self.store = Store(f"sqlite:///{tmp_path / 'registry.db'}")
        app = create_app(store=self.store, hasher=FAST)
        svc = app.state.services
        seed_demo(self.store, svc.auth)
        self.tokens: dict[str, str] = {}
        for login in ("admin", "facilitator", "orsted", "refinery", "observer"):
            token, _ = svc.auth.issue_token(svc.accounts.user(login), "t", {"read", "write"})
            self.tokens[login] = token
        self.client = TestClient(app, base_url="https://testserver")

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def stream(self, who: str, organisation: str, confidential: bool | None = None) -> Any:
        org = next(
            o["row_id"]
            for o in self.call(who, "GET", f"{PARK}/organisations?limit=100").json()["items"]
            if o["name"] == organisation
        )
        rows = self.call(who, "GET", f"{PARK}/streams?limit=500&organisation_id={org}").json()
        return next(
            r
            for r in rows["items"]
            if confidential is None or bool(r.get("confidential")) == confidential
        )


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return Api(tmp_path)


def test_demo_seeds_the_registry(api: Api) -> None:
    network = demo_network()
    assert Registry(api.store).to_network(1).differences(network) == []
    listed = api.call("facilitator", "GET", f"{PARK}/streams?limit=500").json()
    assert listed["total"] == len(network.streams)


def test_etag_and_if_match(api: Api) -> None:
    own = api.stream("orsted", "Ørsted")
    path = f"{PARK}/streams/{own['row_id']}"
    got = api.call("orsted", "GET", path)
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    missing = api.call("orsted", "PATCH", path, json={"note": "x"})
    assert missing.status_code == 428
    assert missing.headers["content-type"] == PROBLEM and missing.json()["field"] == "If-Match"
    done = api.call("orsted", "PATCH", path, json={"note": "x"}, headers={"If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == '"2"' and done.json()["note"] == "x"
    stale = api.call("orsted", "PATCH", path, json={"note": "y"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert api.call("orsted", "GET", path).json()["note"] == "x"
    audit = api.call("facilitator", "GET", f"{PARK}/audit?limit=500&offset=0").json()["items"]
    assert audit[-1]["action"] == "update" and audit[-1]["row_id"] == own["row_id"]
    assert audit[-1]["actor"] == str(_user_id(api, "orsted"))


def _user_id(api: Api, login: str) -> int:
    return int(api.call(login, "GET", "/api/v1/me").json()["id"])


def test_a_company_cannot_edit_another_companys_stream(api: Api) -> None:
    theirs = api.stream("facilitator", "Kalundborg Refinery")
    path = f"{PARK}/streams/{theirs['row_id']}"
    refused = api.call(
        "orsted", "PATCH", path, json={"note": "mine now"}, headers={"If-Match": '"1"'}
    )
    assert refused.status_code in (403, 404) and refused.headers["content-type"] == PROBLEM
    gone = api.call("orsted", "DELETE", path, headers={"If-Match": '"1"'})
    assert gone.status_code in (403, 404)
    own = api.stream("orsted", "Ørsted")
    moved = api.call(
        "orsted",
        "PATCH",
        f"{PARK}/streams/{own['row_id']}",
        json={"facility_id": theirs["facility_id"]},
        headers={"If-Match": '"1"'},
    )
    assert moved.status_code == 403  # cannot hand its stream to another company
    assert api.call("facilitator", "GET", path).json()["version"] == 1


def test_observer_cannot_write(api: Api) -> None:
    row = api.stream("facilitator", "Ørsted")
    path = f"{PARK}/streams/{row['row_id']}"
    for method in ("PATCH", "PUT", "DELETE"):
        refused = api.call(
            "observer", method, path, json={"note": "x"}, headers={"If-Match": '"1"'}
        )
        assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    made = api.call("observer", "POST", f"{PARK}/streams", json={"id": "new"})
    assert made.status_code == 403
    assert api.call("observer", "GET", path).status_code == 200


def test_confidential_streams_are_redacted_for_others(api: Api) -> None:
    full = api.stream("facilitator", "Ørsted", confidential=True)
    path = f"{PARK}/streams/{full['row_id']}"
    assert isinstance(full["quantity"], float)
    assert api.call("orsted", "GET", path).json()["quantity"] == full["quantity"]
    for who in ("refinery", "observer"):
        seen = api.call(who, "GET", path).json()
        assert isinstance(seen["quantity"], str) and " to " in seen["quantity"]
        assert str(full["quantity"]) not in str(seen)
        assert f"{full['quantity']:,.0f}" not in str(seen)
    exchanges = api.call("refinery", "GET", f"{PARK}/exchanges?limit=500").json()["items"]
    touching = [x for x in exchanges if full["id"] in (x["supply_id"], x["demand_id"])]
    assert touching and all(not isinstance(x.get("quantity"), float) for x in touching)


def test_pagination(api: Api) -> None:
    everything = api.call("facilitator", "GET", f"{PARK}/streams?limit=500").json()
    first = api.call("facilitator", "GET", f"{PARK}/streams?limit=4").json()
    second = api.call("facilitator", "GET", f"{PARK}/streams?limit=4&offset=4").json()
    assert first["total"] == everything["total"] and len(first["items"]) == 4
    ids = [r["row_id"] for r in first["items"] + second["items"]]
    assert ids == [r["row_id"] for r in everything["items"][:8]]
    bad = api.call("facilitator", "GET", f"{PARK}/streams?limit=0")
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    unknown = api.call("facilitator", "GET", f"{PARK}/streams?colour=red")
    assert unknown.status_code == 422


def test_create_and_delete_with_problem_bodies(api: Api) -> None:
    orgs = api.call("facilitator", "GET", f"{PARK}/organisations?limit=100").json()["items"]
    orsted = next(o["row_id"] for o in orgs if o["name"] == "Ørsted")
    body = {
        "id": "pilot",
        "name": "Pilot plant",
        "organisation_id": orsted,
        "nace_code": "35.11",
        "lat": 55.66,
        "lon": 11.09,
    }
    made = api.call("orsted", "POST", f"{PARK}/facilities", json=body)
    assert made.status_code == 201, made.text
    assert made.headers["etag"] == '"1"'
    again = api.call("orsted", "POST", f"{PARK}/facilities", json=body)
    assert again.status_code == 422 and again.headers["content-type"] == PROBLEM
    invalid = api.call(
        "orsted", "POST", f"{PARK}/facilities", json={**body, "id": "p2", "lat": 123.0}
    )
    assert invalid.status_code == 422 and "lat" in invalid.text
    other = next(o["row_id"] for o in orgs if o["name"] == "Kalundborg Refinery")
    foreign = api.call(
        "orsted", "POST", f"{PARK}/facilities", json={**body, "id": "p3", "organisation_id": other}
    )
    assert foreign.status_code == 403
    path = f"{PARK}/facilities/{made.json()['row_id']}"
    assert api.call("orsted", "DELETE", path).status_code == 428
    assert api.call("orsted", "DELETE", path, headers={"If-Match": '"2"'}).status_code == 412
    assert api.call("orsted", "DELETE", path, headers={"If-Match": '"1"'}).status_code == 204
    assert api.call("orsted", "GET", path).status_code == 404
    assert api.call("orsted", "GET", f"{PARK}/nothing").status_code == 404
    assert api.call("orsted", "GET", "/api/v1/parks/99/streams").status_code == 404


def test_another_park_is_not_even_seen(api: Api) -> None:
    made = api.call("admin", "POST", "/api/v1/parks", json={"name": "kwinana"})
    assert made.status_code == 201 and made.headers["etag"] == '"1"'
    other = made.json()["row_id"]
    names = [p["name"] for p in api.call("facilitator", "GET", "/api/v1/parks").json()["items"]]
    assert names == ["kalundborg"]
    for who in ("facilitator", "orsted", "observer"):
        assert api.call(who, "GET", f"/api/v1/parks/{other}").status_code == 404
        assert api.call(who, "GET", f"/api/v1/parks/{other}/streams").status_code == 404
    assert api.call("facilitator", "POST", "/api/v1/parks", json={"name": "x"}).status_code == 403
    row = api.stream("facilitator", "Ørsted")
    wrong = api.call("admin", "GET", f"/api/v1/parks/{other}/streams/{row['row_id']}")
    assert wrong.status_code == 404  # the row is not in that park
