"""`symbiograph serve --demo` and the pages: the demo store and its accounts, login with the
form's CSRF token, the dashboard's tables redacted for the viewer, logout; the command itself
as a subprocess, and its exit code when the port is taken."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from symbiograph.cli import EXIT_ADDRESS, EXIT_CANCELLED, app
from symbiograph.datasets import kalundborg
from symbiograph.errors import EXIT_NOT_FOUND, EXIT_USAGE
from symbiograph.store import Role, Store
from symbiograph.web import DEMO_NETWORK, DemoLogin, create_app, demo_network, seed_demo
from symbiograph.web._parks import organisation_name, parks

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})

# Ørsted's fly ash supply (confidential in the demo) and the refinery's cooling water supply:
# quantities that no other stream of Kalundborg has, so their absence from a page means
# they were redacted.
ORSTED_FLY_ASH = "170,000"
REFINERY_COOLING_WATER = "700,000"


class Demo:
    def __init__(self, tmp_path: Path) -> None:
        self.store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
        self.app = create_app(store=self.store, hasher=FAST, secure_cookies=False)
        self.logins: dict[str, DemoLogin] = {
            login.login: login for login in seed_demo(self.store, self.app.state.services.auth)
        }
        self.client = TestClient(self.app)

    def login(
        self, login: str, password: str | None = None, client: TestClient | None = None
    ) -> TestClient:
        """Log ``client`` (default: the demo's own) in through the login form."""
        client = client or self.client
        page = client.get("/")
        assert page.status_code == 200
        token = _form_csrf(page.text)
        sent = self.logins[login].password if password is None else password
        response = client.post(
            "/login",
            data={"login": login, "password": sent, "csrf_token": token},
            follow_redirects=False,
        )
        self.last = response
        return client


def _form_csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def _shows(html: str, number: str) -> bool:
    """Whether ``number`` (as printed, e.g. ``170,000``) is on the page as a whole number,
    with or without its thousands separators (not as part of 1,170,000)."""
    bare = number.replace(",", "")
    return any(
        re.search(rf"(?<![\d,.]){re.escape(form)}(?![\d,])", html) for form in (number, bare)
    )


def _stream_row(html: str, stream_id: str) -> str:
    found = re.search(rf"<code>{stream_id}</code>.*?</tr>", html, re.S)
    assert found is not None, f"{stream_id} is not on the page"
    return found.group(0)


@pytest.fixture
def demo(tmp_path: Path) -> Demo:
    return Demo(tmp_path)


def test_demo_seeding_makes_the_park_and_one_account_per_role(demo: Demo) -> None:
    assert demo.store.names() == [DEMO_NETWORK]
    stored = demo.store.load(DEMO_NETWORK)
    assert stored.differences(demo_network()) == []
    (park,) = parks(demo.store)
    accounts = {u.login: u for u in demo.app.state.services.accounts.users()}
    assert set(accounts) == {"admin", "facilitator", "orsted", "refinery", "observer"}
    assert accounts["admin"].role is Role.ADMIN and accounts["admin"].park_id is None
    assert accounts["facilitator"].role is Role.FACILITATOR
    assert accounts["observer"].role is Role.OBSERVER
    assert {accounts[x].park_id for x in ("facilitator", "orsted", "refinery")} == {park.id}
    assert organisation_name(stored, accounts["orsted"].organisation_id) == "Ørsted"
    assert organisation_name(stored, accounts["refinery"].organisation_id) == "Kalundborg Refinery"
    # passwords are random, long enough for the platform's rule, and stored only as hashes
    passwords = [login.password for login in demo.logins.values()]
    assert len(set(passwords)) == len(passwords) and min(map(len, passwords)) >= 10
    assert all(u.password_hash and u.password_hash.startswith("$argon2") for u in accounts.values())


def test_demo_marks_only_the_two_companies_streams_confidential() -> None:
    shipped, network = kalundborg(), demo_network()
    assert not shipped.streams["confidential"].fillna(False).any()  # the dataset is unchanged
    owner = network.streams["facility_id"].map(network.facilities.set_index("id")["organisation"])
    confidential = network.streams["confidential"].astype(bool)
    assert set(owner[confidential]) == {"Ørsted", "Kalundborg Refinery"}
    assert not confidential[~owner.isin(["Ørsted", "Kalundborg Refinery"])].any()


def test_facilitator_logs_in_and_sees_every_value(demo: Demo) -> None:
    client = demo.login("facilitator")
    assert demo.last.status_code == 303 and demo.last.headers["location"] == "/dashboard"
    page = client.get("/dashboard")
    assert page.status_code == 200
    for name in ("Asnæs Power Station", "Kalundborg Refinery", "Gyproc plasterboard plant"):
        assert name in page.text
    assert _shows(_stream_row(page.text, "asnaes_fly_ash_supply"), ORSTED_FLY_ASH)
    assert _shows(_stream_row(page.text, "refinery_cooling_water_supply"), REFINERY_COOLING_WATER)
    assert client.get("/", follow_redirects=False).status_code == 303  # logged in: dashboard


def test_a_company_sees_its_own_figures_and_only_bands_of_anothers(demo: Demo) -> None:
    client = demo.login("refinery")
    assert demo.last.status_code == 303
    page = client.get("/dashboard").text
    assert "Asnæs Power Station" in page and "Kalundborg Refinery" in page
    # Ørsted's confidential quantity is nowhere on the refinery's page, only its band
    assert not _shows(page, ORSTED_FLY_ASH)
    assert "100,000 to 200,000" in _stream_row(page, "asnaes_fly_ash_supply")
    # its own confidential stream in full
    assert _shows(_stream_row(page, "refinery_cooling_water_supply"), REFINERY_COOLING_WATER)
    # and the other way round for Ørsted
    orsted_page = demo.login("orsted", client=TestClient(demo.app)).get("/dashboard").text
    assert _shows(_stream_row(orsted_page, "asnaes_fly_ash_supply"), ORSTED_FLY_ASH)
    assert not _shows(orsted_page, REFINERY_COOLING_WATER)
    assert "500,000 to 1,000,000" in _stream_row(orsted_page, "refinery_cooling_water_supply")


def test_observer_sees_every_confidential_figure_as_a_band(demo: Demo) -> None:
    page = demo.login("observer").get("/dashboard").text
    assert not _shows(page, ORSTED_FLY_ASH) and not _shows(page, REFINERY_COOLING_WATER)
    assert "Public view" in page


def test_wrong_password_gives_the_login_page_with_an_error(demo: Demo) -> None:
    demo.login("refinery", password="not the password")
    response = demo.last
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "login or password is wrong" in response.text
    assert 'action="/login"' in response.text
    assert "sg_session" not in response.headers.get("set-cookie", "")
    assert demo.client.get("/dashboard", follow_redirects=False).status_code == 303


def test_login_form_without_its_csrf_token_is_refused(demo: Demo) -> None:
    demo.client.get("/")
    response = demo.client.post(
        "/login",
        data={"login": "facilitator", "password": demo.logins["facilitator"].password},
        follow_redirects=False,
    )
    assert response.status_code == 403 and "expired" in response.text
    assert "sg_session" not in response.headers.get("set-cookie", "")


def test_anonymous_dashboard_goes_to_the_login_page(demo: Demo) -> None:
    response = demo.client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert demo.client.get(f"/parks/{parks(demo.store)[0].id}").url.path == "/"


def test_logout_needs_the_session_csrf_token_and_ends_the_session(demo: Demo) -> None:
    client = demo.login("orsted")
    page = client.get("/dashboard")
    refused = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert client.get("/dashboard").status_code == 200  # still logged in
    done = client.post(
        "/logout", data={"csrf_token": _form_csrf(page.text)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_company_cannot_open_another_park(demo: Demo) -> None:
    demo.store.save(kalundborg(), "elsewhere")
    other = next(p.id for p in parks(demo.store) if p.name == "elsewhere")
    client = demo.login("refinery")
    dashboard = client.get("/dashboard").text
    assert "elsewhere" not in dashboard
    assert client.get(f"/parks/{other}").status_code == 404
    assert client.get("/parks/999").status_code == 404
    admin = demo.login("admin", client=TestClient(demo.app))
    assert "elsewhere" in admin.get("/dashboard").text
    assert admin.get(f"/parks/{other}").status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_demo_runs_until_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "symbiograph", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    status = None
    try:
        deadline = time.monotonic() + 180  # a bound for a stuck start, not a timing check
        while status != 200 and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    status = answer.status
                    body = answer.read().decode()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert status == 200, f"the server did not answer: {server.poll()}"
        assert 'action="/login"' in body
    finally:
        server.send_signal(signal.SIGINT)
        try:
            out, err = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
    assert server.returncode == EXIT_CANCELLED, err
    assert "Traceback" not in err and "Traceback" not in out
    assert f"http://127.0.0.1:{port}/" in out
    assert "DEMO ACCOUNTS" in out
    for login in ("admin", "facilitator", "orsted", "refinery", "observer"):
        assert re.search(rf"\b{login}\b\s+\S+\s+\S+", out), login
    assert (tmp_path / "out" / "demo-platform" / "symbiograph.db").exists()


def test_serve_on_a_port_in_use_exits_with_its_code(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        db = tmp_path / "never.db"
        result = runner.invoke(app, ["serve", "--port", str(port), "--db", f"sqlite:///{db}"])
    assert result.exit_code == EXIT_ADDRESS == 8, result.output
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in result.output
    assert not db.exists()


def test_serve_refuses_demo_with_db_and_a_missing_store(tmp_path: Path) -> None:
    both = runner.invoke(app, ["serve", "--demo", "--db", "sqlite:///x.db", "--port", "0"])
    assert both.exit_code == EXIT_USAGE, both.output
    missing = tmp_path / "missing.db"
    result = runner.invoke(app, ["serve", "--port", "0", "--db", f"sqlite:///{missing}"])
    assert result.exit_code == EXIT_NOT_FOUND, result.output
    assert not missing.exists()  # without --demo nothing is created


def test_serve_exit_codes_are_in_the_help() -> None:
    result = runner.invoke(app, ["--help"])
    text = " ".join(result.output.split())
    assert "8 serve cannot listen" in text and "130 stopped with Ctrl-C" in text
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "| 8 | `serve` cannot listen" in readme and "serve --demo" in readme


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    Store(f"sqlite:///{db}").close()  # an existing store: serve creates nothing in it
    port = _free_port()
    command = [sys.executable, "-m", "symbiograph", "serve", "--db", f"sqlite:///{db}"]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        status = None
        while status != 200 and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    status = answer.status
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert status == 200
    finally:
        server.terminate()
        try:
            out, err = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
    assert server.returncode == 0, err
    assert "Traceback" not in err and "stopped" in out
    assert "DEMO ACCOUNTS" not in out and not (tmp_path / "out").exists()
    assert Store(f"sqlite:///{db}").names() == []
