"""The pipeline and jobs through the API on the demo park (Kalundborg; Ørsted's and the
Refinery's streams confidential): a match job submitted, run by a worker and read back
(a company's view cut to its candidates and banded), a synergy from a candidate with its
figures from the assessment, moves with If-Match by role, documents with hostile names,
outcome figures, and a job that survives a restart of the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from symbiograph.store import Store
from symbiograph.web import create_app, seed_demo
from symbiograph.web._worker import Worker

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PARK = "/api/v1/parks/1"
PROBLEM = "application/problem+json"
LOGINS = ("admin", "facilitator", "orsted", "refinery", "observer")


class Api:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = Store(f"sqlite:///{path}")
        self.app = create_app(store=self.store, hasher=FAST)
        svc = self.app.state.services
        seed_demo(self.store, svc.auth)
        self.tokens = {
            login: svc.auth.issue_token(svc.accounts.user(login), "t", {"read", "write", "jobs"})[0]
            for login in LOGINS
        }
        self.client = TestClient(self.app, base_url="https://testserver")
        orgs = self.call("facilitator", "GET", f"{PARK}/organisations?limit=100").json()
        self.org = {o["name"]: o["row_id"] for o in orgs["items"]}

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def run_match(self, who: str) -> int:
        made = self.call(who, "POST", f"{PARK}/jobs", json={"kind": "match"})
        assert made.status_code == 202, made.text
        assert made.headers["location"] == f"{PARK}/jobs/{made.json()['id']}"
        ended = Worker(self.store, name="test").run_once()
        assert ended is not None and ended.state == "done", ended
        return int(made.json()["id"])


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    made = Api(tmp_path_factory.mktemp("pipeline") / "platform.db")
    made.facilitator_job = made.run_match("facilitator")  # type: ignore[attr-defined]
    made.orsted_job = made.run_match("orsted")  # type: ignore[attr-defined]
    return made


def _candidate(api: Api, supply: str, demand: str) -> dict[str, Any]:
    job = api.facilitator_job  # type: ignore[attr-defined]
    result = api.call("facilitator", "GET", f"{PARK}/jobs/{job}/result").json()
    return next(
        c
        for c in result["tables"]["candidates"]
        if (c["supply_organisation"], c["demand_organisation"]) == (supply, demand)
    )


def test_a_job_read_back_by_role(api: Api) -> None:
    job = api.facilitator_job  # type: ignore[attr-defined]
    got = api.call("facilitator", "GET", f"{PARK}/jobs/{job}").json()
    assert got["state"] == "done" and got["has_result"] and got["inputs_hash"]
    full = api.call("facilitator", "GET", f"{PARK}/jobs/{job}/result").json()
    assert full["registry_mark"] == got["registry_mark"] and len(full["tables"]["candidates"]) == 52
    for who in ("orsted", "refinery"):  # the facilitator's job is not theirs
        assert api.call(who, "GET", f"{PARK}/jobs/{job}").status_code == 404
    assert api.call("observer", "GET", f"{PARK}/jobs").status_code == 403
    own = api.orsted_job  # type: ignore[attr-defined]
    assert api.call("refinery", "GET", f"{PARK}/jobs/{own}/result").status_code in (403, 404)
    mine = api.call("orsted", "GET", f"{PARK}/jobs/{own}/result").json()
    rows = mine["tables"]["candidates"]
    assert rows and all(
        "Ørsted" in (c["supply_organisation"], c["demand_organisation"]) for c in rows
    )
    assert len(rows) < 52
    to_refinery = next(c for c in rows if c["demand_organisation"] == "Kalundborg Refinery")
    to_novo = next(c for c in rows if c["demand_organisation"] == "Novo Nordisk")
    assert isinstance(to_refinery["max_flow"], str) and " to " in to_refinery["max_flow"]
    assert isinstance(to_novo["max_flow"], float)  # its own supply, a public demand
    listed = api.call("orsted", "GET", f"{PARK}/jobs").json()
    assert [j["id"] for j in listed["items"]] == [own]


def test_submitting_is_checked(api: Api) -> None:
    bad = [
        ("facilitator", {"kind": "dance"}, 422, "/kind"),
        ("facilitator", {"kind": "match", "parameters": {"max_km": -1}}, 422, "/parameters"),
        ("facilitator", {"kind": "match", "parameters": {"speed": 1}}, 422, "/parameters"),
        ("facilitator", {"kind": "match", "extra": 1}, 422, "/extra"),
        ("orsted", {"kind": "optimize"}, 403, "/kind"),
        ("observer", {"kind": "match"}, 403, "path"),
    ]
    before = api.call("facilitator", "GET", f"{PARK}/jobs").json()["total"]
    for who, body, status, field in bad:
        refused = api.call(who, "POST", f"{PARK}/jobs", json=body)
        assert refused.status_code == status, (body, refused.text)
        assert refused.headers["content-type"] == PROBLEM and refused.json()["field"] == field
    assert api.call("facilitator", "GET", f"{PARK}/jobs").json()["total"] == before
    done = api.facilitator_job  # type: ignore[attr-defined]
    again = api.call("facilitator", "POST", f"{PARK}/jobs/{done}/cancel")
    assert again.status_code == 409


def test_a_synergy_from_a_candidate(api: Api) -> None:
    candidate = _candidate(api, "Ørsted", "Kalundborg Refinery")
    made = api.call(
        "facilitator",
        "POST",
        f"{PARK}/synergies",
        json={
            "job_id": api.facilitator_job,  # type: ignore[attr-defined]
            "candidate_id": candidate["candidate_id"],
            "owner": "facilitator",
            "notes": f"worth {candidate['annual_net_benefit']:.0f} EUR/yr",
        },
    )
    assert made.status_code == 201, made.text
    synergy = made.json()
    assert made.headers["etag"] == '"1"' and synergy["stage"] == "identified"
    assert synergy["organisation_id"] == api.org["Ørsted"]
    assert synergy["partner_organisation_id"] == api.org["Kalundborg Refinery"]
    assert synergy["flow"] == candidate["max_flow"]
    # the assessment's net benefit at the largest flow is the candidate's annual net benefit
    assert synergy["net_benefit"] == pytest.approx(candidate["annual_net_benefit"], rel=1e-9)
    assert synergy["co2e_avoided_t"] == pytest.approx(candidate["annual_co2e_t"], rel=1e-9)
    path = f"{PARK}/synergies/{synergy['row_id']}"
    for who in ("orsted", "refinery"):  # each side sees the other's confidential data banded
        seen = api.call(who, "GET", path).json()
        assert seen["figures_banded"] is True and " to " in seen["flow"]
        assert str(round(candidate["annual_net_benefit"])) not in seen["notes"]
    assert api.call("facilitator", "GET", path).json()["flow"] == candidate["max_flow"]
    assert api.call("observer", "GET", path).status_code == 403


def _hand_made(api: Api, giver: str = "Ørsted", taker: str = "Novo Nordisk") -> str:
    made = api.call(
        "facilitator",
        "POST",
        f"{PARK}/synergies",
        json={
            "organisation_id": api.org[giver],
            "partner_organisation_id": api.org[taker],
            "title": "steam by hand",
            "flow": 1234.0,
            "net_benefit": 56789.0,
        },
    )
    assert made.status_code == 201, made.text
    return f"{PARK}/synergies/{made.json()['row_id']}"


def test_moves_through_the_api(api: Api) -> None:
    path = _hand_made(api)
    move = f"{path}/moves"
    assert api.call("facilitator", "POST", move, json={"to": "contacted"}).status_code == 428
    done = api.call(
        "facilitator", "POST", move, json={"to": "contacted"}, headers={"If-Match": '"1"'}
    )
    assert done.status_code == 200 and done.headers["etag"] == '"2"'
    stale = api.call(
        "facilitator", "POST", move, json={"to": "feasibility"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    skip = api.call(
        "facilitator", "POST", move, json={"to": "operating"}, headers={"If-Match": '"2"'}
    )
    assert skip.status_code == 422 and skip.json()["field"] == "/to"
    refused = api.call(
        "refinery", "POST", move, json={"to": "declined"}, headers={"If-Match": '"2"'}
    )
    assert refused.status_code == 403  # not a party
    declined = api.call(
        "orsted", "POST", move, json={"to": "declined", "note": "no"}, headers={"If-Match": '"2"'}
    )
    assert declined.status_code == 200 and declined.json()["stage"] == "declined"
    moves = api.call("orsted", "GET", move).json()["items"]
    assert [(m["from"], m["to"]) for m in moves] == [
        (None, "identified"),
        ("identified", "contacted"),
        ("contacted", "declined"),
    ]
    assert (
        api.call(
            "orsted", "PATCH", path, json={"notes": "x"}, headers={"If-Match": '"3"'}
        ).status_code
        == 403
    )


def test_documents_through_the_api(api: Api) -> None:
    path = _hand_made(api)
    upload = api.call(
        "orsted",
        "POST",
        f"{path}/documents",
        files={"file": ("../../etc/passwd", b"root:x:0:0", "text/plain")},
        data={"note": "hostile name"},
    )
    assert upload.status_code == 201, upload.text
    record = upload.json()
    assert record["name"] == "passwd" and record["size"] == 10
    got = api.call("facilitator", "GET", f"{path}/documents/{record['id']}")
    assert got.status_code == 200 and got.content == b"root:x:0:0"
    assert got.headers["content-disposition"].startswith('attachment; filename="passwd"')
    assert got.headers["x-content-type-options"] == "nosniff"
    listed = api.call("orsted", "GET", f"{path}/documents").json()["items"]
    assert [d["id"] for d in listed] == [record["id"]]
    assert api.call("refinery", "GET", f"{path}/documents").status_code == 403
    assert (
        api.call(
            "refinery",
            "POST",
            f"{path}/documents",
            files={"file": ("x.txt", b"x", "text/plain")},
        ).status_code
        == 403
    )


def test_outcomes(api: Api) -> None:
    path = _hand_made(api)
    for version, stage in enumerate(
        ["contacted", "feasibility", "agreed", "contracted", "operating"], start=1
    ):
        moved = api.call(
            "facilitator",
            "POST",
            f"{path}/moves",
            json={"to": stage},
            headers={"If-Match": f'"{version}"'},
        )
        assert moved.status_code == 200, moved.text
    found = api.call("facilitator", "GET", f"{PARK}/outcomes").json()
    assert found["operating"]["count"] == 1 and found["operating"]["net_benefit"] == 56789.0
    assert found["currency"] == "EUR"
    for who in ("orsted", "observer"):
        assert api.call(who, "GET", f"{PARK}/outcomes").status_code == 403


def test_a_job_survives_a_restart(tmp_path: Path) -> None:
    api = Api(tmp_path / "restart.db")
    made = api.call("facilitator", "POST", f"{PARK}/jobs", json={"kind": "match"}).json()
    api.store.close()
    store = Store(f"sqlite:///{api.path}")  # the server again, on the same file
    app = create_app(store=store, hasher=FAST)
    client = TestClient(app, base_url="https://testserver")
    headers = {"Authorization": f"Bearer {api.tokens['facilitator']}"}
    again = client.get(f"{PARK}/jobs/{made['id']}", headers=headers).json()
    assert again["state"] == "queued"
    ended = Worker(store).run_once()
    assert ended is not None and ended.id == made["id"] and ended.state == "done"
    store.close()


def test_strangers_and_hostile_requests(api: Api) -> None:
    """Every pipeline and jobs route: an anonymous caller gets 401, another park's
    facilitator 404 (not even the existence), SQL or huge numbers in ids and pages a 4xx;
    nothing changes."""
    from symbiograph.store import Registry, Role

    svc = api.app.state.services
    other = Registry(api.store).create_park("elsewhere").row_id
    if "stranger" not in api.tokens:
        svc.accounts.add_user(
            "stranger", svc.auth.hash_password("a long password"), Role.FACILITATOR, park_id=other
        )
        api.tokens["stranger"] = svc.auth.issue_token(
            svc.accounts.user("stranger"), "t", {"read", "write", "jobs"}
        )[0]
    synergy = _hand_made(api)
    job = f"{PARK}/jobs/{api.facilitator_job}"  # type: ignore[attr-defined]
    calls = [
        ("GET", f"{PARK}/synergies"),
        ("POST", f"{PARK}/synergies"),
        ("GET", synergy),
        ("PATCH", synergy),
        ("POST", f"{synergy}/moves"),
        ("GET", f"{synergy}/moves"),
        ("POST", f"{synergy}/documents"),
        ("GET", f"{synergy}/documents"),
        ("GET", f"{synergy}/documents/1"),
        ("GET", f"{PARK}/outcomes"),
        ("POST", f"{PARK}/jobs"),
        ("GET", f"{PARK}/jobs"),
        ("GET", job),
        ("POST", f"{job}/cancel"),
        ("GET", f"{job}/result"),
    ]
    before = api.call("facilitator", "GET", f"{PARK}/synergies?limit=500").json()
    for method, path in calls:
        anonymous = api.client.request(method, path, json={"to": "declined"})
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert anonymous.headers["content-type"] == PROBLEM
        stranger = api.call(
            "stranger", method, path, json={"kind": "match"}, headers={"If-Match": '"1"'}
        )
        assert stranger.status_code == 404, (method, path, stranger.text)
    for path in (
        f"{PARK}/synergies?offset={10**30}",
        f"{PARK}/jobs?limit=1;DROP TABLE sg_jobs",
        f"{PARK}/synergies?stage=' OR 1=1 --",
        f"{PARK}/synergies/1%20OR%201=1",
        f"{synergy}/documents/{10**30}",
        f"{PARK}/jobs/{10**30}",
    ):
        refused = api.call("facilitator", "GET", path)
        assert 400 <= refused.status_code < 500, (path, refused.text)
    huge = api.call(
        "facilitator",
        "POST",
        f"{PARK}/synergies",
        json={"organisation_id": 10**30, "partner_organisation_id": 1},
    )
    assert huge.status_code == 422
    assert api.call("facilitator", "GET", f"{PARK}/synergies?limit=500").json() == before
