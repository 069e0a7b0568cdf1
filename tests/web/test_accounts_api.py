"""Accounts through the API: login sets Secure/HttpOnly/SameSite cookies, CSRF on unsafe
session requests, API tokens (forged, revoked refused), strict bodies, problem+json."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from symbiograph.store import LoginLimits, Role
from symbiograph.web import create_app

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = create_app(
        f"sqlite:///{tmp_path / 'web.db'}", hasher=FAST, limits=LoginLimits(per_account=3)
    )
    svc = app.state.services
    svc.accounts.add_user("root", svc.auth.hash_password("correct horse"), Role.ADMIN)
    return TestClient(app, base_url="https://testserver")


def _login(client: TestClient) -> str:
    response = client.post(
        "/api/v1/auth/login", json={"login": "root", "password": "correct horse"}
    )
    assert response.status_code == 200, response.text
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("sg_session="))
    assert "HttpOnly" in session and "Secure" in session and "samesite=strict" in session.lower()
    return str(response.json()["csrf_token"])


def test_login_session_and_csrf(client: TestClient) -> None:
    csrf = _login(client)
    assert client.get("/api/v1/me").json()["login"] == "root"
    refused = client.post("/api/v1/me/tokens", json={"name": "t", "scopes": ["read"]})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == "X-CSRF-Token"
    made = client.post(
        "/api/v1/me/tokens", json={"name": "t", "scopes": ["read"]}, headers={"X-CSRF-Token": csrf}
    )
    assert made.status_code == 201


def test_tokens_forged_and_revoked(client: TestClient) -> None:
    csrf = _login(client)
    made = client.post(
        "/api/v1/me/tokens",
        json={"name": "t", "scopes": ["read", "admin"]},
        headers={"X-CSRF-Token": csrf},
    ).json()
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer sgt_forged"}).status_code == 401
    )
    assert client.delete(f"/api/v1/me/tokens/{made['id']}", headers=bearer).status_code == 204
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_wrong_passwords_are_rate_limited(client: TestClient) -> None:
    for _ in range(3):
        bad = client.post("/api/v1/auth/login", json={"login": "root", "password": "wrong one!"})
        assert bad.status_code == 401
    blocked = client.post("/api/v1/auth/login", json={"login": "root", "password": "correct horse"})
    assert blocked.status_code == 429


def test_hostile_bodies(client: TestClient) -> None:
    duplicate = client.post(
        "/api/v1/auth/login",
        content=b'{"login": "root", "login": "x", "password": "correct horse"}',
        headers={"Content-Type": "application/json"},
    )
    assert duplicate.status_code == 400 and duplicate.json()["field"] == "/login"
    wrong_type = client.post(
        "/api/v1/auth/login", content=b"login=root", headers={"Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    huge = client.post(
        "/api/v1/auth/login",
        content=b"{" + b" " * 300_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert client.get("/api/v1/me").status_code == 401


def test_landing_page_and_openapi_need_no_internet(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "/api/v1/openapi.json" in page.text
    assert client.get("/api/v1/openapi.json").json()["openapi"].startswith("3.1")
    assert "cdn" not in client.get("/docs").text.lower()
