"""``symbiograph serve`` on SQLite runs the queued jobs in its own worker thread: a match
job submitted over HTTP ends done with its result, read back over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from symbiograph.store import Store
from symbiograph.web import create_app, seed_demo

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(url: str, token: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read().decode())


@pytest.mark.slow
def test_serve_runs_a_job_in_its_worker_thread(tmp_path: Path) -> None:
    db = tmp_path / "platform.db"
    with Store(f"sqlite:///{db}") as store:
        svc = create_app(store=store, hasher=FAST).state.services
        seed_demo(store, svc.auth)
        token, _ = svc.auth.issue_token(svc.accounts.user("facilitator"), "t", {"read", "jobs"})
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "symbiograph",
            "serve",
            "--db",
            f"sqlite:///{db}",
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1/parks/1/jobs"
    try:
        deadline = time.monotonic() + 180  # bounds for a stuck server, not timing checks
        job = None
        while job is None and time.monotonic() < deadline and server.poll() is None:
            try:
                job = _call(base, token, {"kind": "match"})
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert job is not None, f"the server did not answer: {server.poll()}"
        seen = job
        while seen["state"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            seen = _call(f"{base}/{job['id']}", token)
        assert seen["state"] == "done", seen
        result = _call(f"{base}/{job['id']}/result", token)
        assert len(result["tables"]["candidates"]) == 52
        assert result["inputs_hash"] == seen["inputs_hash"]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            out, err = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
    assert "Traceback" not in err and "Traceback" not in out
