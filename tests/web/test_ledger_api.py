"""The ledger's routes on the demo platform with the Kalundborg demo ledger: public keys
for anyone, a company sees only its own contracts and their evidence, a facilitator its
park's, an observer none; the bundles check offline."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

import symbiograph.ledger
from symbiograph.datasets import kalundborg
from symbiograph.ledger import demo_plan
from symbiograph.store import Ledger, Store, seed_demo
from symbiograph.web import create_app
from symbiograph.web import seed_demo as seed_platform

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PARK = "/api/v1/parks/1/ledger"


class Api:
    def __init__(self, tmp_path: Path) -> None:
        self.store = Store(f"sqlite:///{tmp_path / 'platform.db'}")
        app = create_app(store=self.store, hasher=FAST)
        svc = app.state.services
        seed_platform(self.store, svc.auth)
        seed_demo(Ledger(self.store, secret="s"), demo_plan(kalundborg()))
        self.tokens: dict[str, str] = {}
        for login in ("admin", "facilitator", "orsted", "refinery", "observer"):
            token, _ = svc.auth.issue_token(svc.accounts.user(login), "t", {"read"})
            self.tokens[login] = token
        self.client = TestClient(app, base_url="https://testserver")

    def get(self, who: str | None, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.client.get(path, headers=headers)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    return Api(tmp_path_factory.mktemp("ledger-api"))


def test_public_keys_for_anyone(api: Api) -> None:
    got = api.get(None, "/api/v1/ledger/keys")
    assert got.status_code == 200
    body = got.json()
    assert body["log_key"].startswith("symbiograph-ledger+")
    assert "Ørsted" in body["public_keys"] and body["checkpoint"].startswith("symbiograph-ledger\n")
    assert "sealed" not in got.text


def test_each_role_sees_its_contracts(api: Api) -> None:
    every = api.get("facilitator", f"{PARK}/contracts").json()["items"]
    assert len(every) == 15
    assert api.get("admin", f"{PARK}/contracts").json()["total"] == 15
    own = api.get("orsted", f"{PARK}/contracts").json()["items"]
    assert own and all("Ørsted" in c["parties"] for c in own)
    assert len(own) < len(every)
    assert api.get("observer", f"{PARK}/contracts").status_code == 403
    assert api.get(None, f"{PARK}/contracts").status_code == 401
    assert api.get("orsted", "/api/v1/parks/99/ledger/contracts").status_code == 404
    # prices are commitments, never the number
    assert all(set(c["terms"]["price"]) == {"$commitment"} for c in every)


def test_evidence_of_an_own_entry_only(api: Api) -> None:
    contracts = api.get("facilitator", f"{PARK}/contracts").json()["items"]
    orsted = next(c for c in contracts if "Ørsted" in c["parties"])
    other = next(c for c in contracts if "Ørsted" not in c["parties"])
    mine, theirs = orsted["history"][0][0], other["history"][0][0]
    bundle = api.get("orsted", f"{PARK}/entries/{mine}/evidence")
    assert bundle.status_code == 200, bundle.text
    path = Path(symbiograph.ledger.__file__).parent / "verify_bundle.py"
    spec = importlib.util.spec_from_file_location("verify_bundle", path)
    assert spec is not None and spec.loader is not None
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    assert checker.verify(bundle.json()).startswith(f"OK: entry {mine}")
    assert api.get("orsted", f"{PARK}/entries/{theirs}/evidence").status_code == 404
    assert api.get("facilitator", f"{PARK}/entries/{theirs}/evidence").status_code == 200
    assert api.get("observer", f"{PARK}/entries/{mine}/evidence").status_code == 403
    assert api.get("facilitator", f"{PARK}/entries/99999/evidence").status_code == 404
