"""Persistent jobs: analyses (match, optimize, allocate) queued in the store and run by
worker processes (table ``sg_jobs``, migration 0013).

A job is submitted ``queued`` with its kind and parameters. A worker claims the oldest
queued job (on PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED``, so two workers never
claim one job; on SQLite the claim is one ``BEGIN IMMEDIATE`` write transaction, which
serialises claimers) and holds a **lease**: it must renew it (a heartbeat, which also
writes its progress) before ``lease_expires_at``. A worker that dies (kill -9, a lost
machine) stops renewing; once its lease has expired the job is claimed again (``attempts``
counts the claims) or, after ``max_attempts``, marked ``failed`` saying the worker was lost.
Every write of a worker names the attempt it holds, so a worker whose lease was taken over
can no longer change the job (it learns so as :class:`LeaseLostError`).

A cancel of a queued job ends it at once (``cancelled``); of a running job it is a request
the worker sees at its next heartbeat. A finished job keeps its result (JSON) with the hash
of its inputs (the park's Network and the job's parameters) and the registry mark it ran on
(the id of the park's newest audit row when its Network was read: any later change of the
park has a larger id).

No job library is used: procrastinate fits PostgreSQL only, RQ, Dramatiq and Celery need a
broker (Redis, RabbitMQ), Huey keeps its own SQLite or Redis queue; the store's two databases
and its migrations hold this one table as well as they hold the registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from symbiograph.errors import InputError, NotFoundError
from symbiograph.model import Network
from symbiograph.store._registry import (
    AUDIT,
    PARKS,
    AccessDeniedError,
    Registry,
    Tenant,
    _dumps,
    _loads,
    _new_id,
    _page,
    _utc,
)

if TYPE_CHECKING:
    from symbiograph.store._store import Store

__all__ = [
    "JOB_KINDS",
    "JOB_STATES",
    "Job",
    "JobNotFoundError",
    "Jobs",
    "LeaseLostError",
    "jobs_tables",
]

JOBS = "sg_jobs"
#: The analyses a job may run.
JOB_KINDS: tuple[str, ...] = ("match", "optimize", "allocate", "resilience")
#: A job's states; ``done``, ``failed`` and ``cancelled`` are final.
JOB_STATES: tuple[str, ...] = ("queued", "running", "done", "failed", "cancelled")
FINAL = frozenset({"done", "failed", "cancelled"})
#: Seconds a claim holds a job without a heartbeat, unless the worker says otherwise.
DEFAULT_LEASE = 30.0


class JobNotFoundError(NotFoundError):
    """No job of that id (or not one the tenant may see)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"no job with id {job_id}")
        self.table = "jobs"

    def __str__(self) -> str:
        return str(self.args[0])


class LeaseLostError(InputError):
    """The worker no longer holds the job (its lease expired and another claim took it, or
    the job was ended): it must drop the job without writing."""


def jobs_tables(meta: sa.MetaData) -> None:
    """Add the jobs table to the store's metadata ``meta``."""
    stamp = sa.DateTime(timezone=True)
    sa.Table(
        JOBS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey(f"{PARKS}.id"), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("submitted_at", stamp, nullable=False),
        sa.Column("started_at", stamp, nullable=True),
        sa.Column("finished_at", stamp, nullable=True),
        sa.Column("heartbeat_at", stamp, nullable=True),
        sa.Column("lease_expires_at", stamp, nullable=True),
        sa.Column("worker", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("inputs_hash", sa.Text(), nullable=True),
        sa.Column("registry_mark", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Index("ix_sg_jobs_state_id", "state", "id"),
        sa.Index("ix_sg_jobs_park_id_id", "park_id", "id"),
        sqlite_autoincrement=True,
    )


@dataclass(frozen=True)
class Job:
    """One job: what it runs (``kind``, ``parameters``) on which park, for whom, its state,
    progress (0..1) and message, its claims (``attempts`` of ``max_attempts``, the
    ``worker`` holding it until ``lease_expires_at``), and once done the hash of its inputs
    and the registry mark it ran on. ``has_result`` says whether a result is stored."""

    id: int
    park_id: int
    organisation_id: int | None
    kind: str
    parameters: dict[str, Any]
    state: str
    progress: float
    message: str
    submitted_by: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    lease_expires_at: datetime | None
    worker: str | None
    attempts: int
    max_attempts: int
    cancel_requested: bool
    error: str | None
    inputs_hash: str | None
    registry_mark: int | None
    has_result: bool
    version: int

    def json(self) -> dict[str, Any]:
        """The job as the API shows it (without its result)."""

        def stamp(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "id": self.id,
            "park_id": self.park_id,
            "organisation_id": self.organisation_id,
            "kind": self.kind,
            "parameters": self.parameters,
            "state": self.state,
            "progress": self.progress,
            "message": self.message,
            "submitted_by": self.submitted_by,
            "submitted_at": stamp(self.submitted_at),
            "started_at": stamp(self.started_at),
            "finished_at": stamp(self.finished_at),
            "heartbeat_at": stamp(self.heartbeat_at),
            "lease_expires_at": stamp(self.lease_expires_at),
            "worker": self.worker,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "cancel_requested": self.cancel_requested,
            "error": self.error,
            "inputs_hash": self.inputs_hash,
            "registry_mark": self.registry_mark,
            "has_result": self.has_result,
            "version": self.version,
        }


def _stamp(value: Any) -> datetime | None:
    return None if value is None else _utc(value)


def _job_of(row: Any) -> Job:
    return Job(
        id=int(row.id),
        park_id=int(row.park_id),
        organisation_id=None if row.organisation_id is None else int(row.organisation_id),
        kind=str(row.kind),
        parameters=_loads(row.parameters),
        state=str(row.state),
        progress=float(row.progress),
        message=str(row.message),
        submitted_by=str(row.submitted_by),
        submitted_at=_utc(row.submitted_at),
        started_at=_stamp(row.started_at),
        finished_at=_stamp(row.finished_at),
        heartbeat_at=_stamp(row.heartbeat_at),
        lease_expires_at=_stamp(row.lease_expires_at),
        worker=row.worker,
        attempts=int(row.attempts),
        max_attempts=int(row.max_attempts),
        cancel_requested=bool(row.cancel_requested),
        error=row.error,
        inputs_hash=row.inputs_hash,
        registry_mark=None if row.registry_mark is None else int(row.registry_mark),
        has_result=bool(row.has_result),
        version=int(row.version),
    )


def _plain_json(value: Any, where: str) -> None:
    """Refuse parameters that are not plain JSON (numbers finite)."""
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise InputError(f"job parameters: {where} must be a finite number")
        return
    if isinstance(value, list):
        for k, item in enumerate(value):
            _plain_json(item, f"{where}[{k}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _plain_json(item, f"{where}.{key}")
        return
    raise InputError(f"job parameters: {where} is not a JSON value")


class Jobs:
    """The job queue of a :class:`~symbiograph.store.Store` as ``tenant`` sees it (the
    system when None; workers act as the system). ``clock`` gives the time (UTC), for tests.

    Who may: the park's facilitator and the admin submit, read and cancel every job of the
    park; an organisation's admin or member the jobs it submitted (the web layer says which
    kinds it may submit); an observer none.
    """

    def __init__(
        self,
        store: Store,
        tenant: Tenant | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        from symbiograph.store._schema import metadata

        self.store = store
        self.tenant = tenant or Tenant.system()
        self._registry = Registry(store, self.tenant)
        self._clock = clock or (lambda: datetime.now(UTC))
        tables = metadata().tables
        self._jobs = tables[JOBS]
        self._audit = tables[AUDIT]

    def now(self) -> datetime:
        """The time now (UTC)."""
        return self._clock()

    # --- who may ---------------------------------------------------------------------

    def _sees(self, job: Job) -> bool:
        t = self.tenant
        if t.runs(job.park_id):
            return True
        return (
            t.role in ("org_admin", "member")
            and t.park_id == job.park_id
            and job.organisation_id is not None
            and job.organisation_id == t.organisation_id
        )

    def _select(self) -> Any:
        j = self._jobs
        return sa.select(
            *(c for c in j.c if c.name != "result"), (j.c.result.is_not(None)).label("has_result")
        )

    def _job(self, connection: sa.Connection, job_id: int) -> Job:
        row = connection.execute(self._select().where(self._jobs.c.id == job_id)).one_or_none()
        if row is None:
            raise JobNotFoundError(job_id)
        job = _job_of(row)
        if not self._sees(job):
            raise JobNotFoundError(job_id)
        return job

    # --- clients ---------------------------------------------------------------------

    def submit(
        self,
        park_id: int,
        kind: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        max_attempts: int = 3,
    ) -> Job:
        """Queue a ``kind`` job (see :data:`JOB_KINDS`) on park ``park_id`` with
        ``parameters`` (plain JSON) to be tried at most ``max_attempts`` times."""
        if kind not in JOB_KINDS:
            raise InputError(f"kind must be one of {', '.join(JOB_KINDS)}, not {kind!r}")
        if not isinstance(max_attempts, int) or not 1 <= max_attempts <= 10:
            raise InputError("max_attempts must be a whole number from 1 to 10")
        params = dict(parameters or {})
        _plain_json(params, "parameters")
        t = self.tenant
        if t.runs(park_id):
            organisation = None
        elif t.role in ("org_admin", "member") and t.park_id == park_id:
            organisation = t.organisation_id
        else:
            raise AccessDeniedError(f"a {t.role} may not run jobs on this park")
        now = self.now()
        with self._registry._writing() as connection:
            self._registry._park(connection, park_id)
            job_id = _new_id(
                connection.execute(
                    self._jobs.insert().values(
                        park_id=park_id,
                        organisation_id=organisation,
                        kind=kind,
                        parameters=_dumps(params),
                        state="queued",
                        progress=0.0,
                        message="queued",
                        submitted_by=t.user_id,
                        submitted_at=now,
                        attempts=0,
                        max_attempts=max_attempts,
                        cancel_requested=False,
                        version=1,
                    )
                )
            )
            return self._job(connection, job_id)

    def get(self, job_id: int) -> Job:
        """Job ``job_id`` (JobNotFoundError if absent or not the tenant's to see)."""
        with self._registry._reading() as connection:
            return self._job(connection, job_id)

    def list(
        self, park_id: int, *, state: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[Job], int]:
        """A page of park ``park_id``'s jobs the tenant may see, newest first (of one
        ``state`` if given), and how many there are in all."""
        limit, offset = _page(limit, offset)
        if state is not None and state not in JOB_STATES:
            raise InputError(f"state must be one of {', '.join(JOB_STATES)}, not {state!r}")
        j = self._jobs
        where = j.c.park_id == park_id
        if state is not None:
            where = where & (j.c.state == state)
        if not self.tenant.runs(park_id):
            if self.tenant.role not in ("org_admin", "member"):
                raise AccessDeniedError(f"a {self.tenant.role} may not read jobs")
            where = where & (j.c.organisation_id == self.tenant.organisation_id)
        with self._registry._reading() as connection:
            self._registry._park(connection, park_id)
            total = connection.execute(
                sa.select(sa.func.count()).select_from(j).where(where)
            ).scalar_one()
            rows = connection.execute(
                self._select().where(where).order_by(j.c.id.desc()).limit(limit).offset(offset)
            ).all()
        return [_job_of(r) for r in rows], int(total)

    def cancel(self, job_id: int) -> Job:
        """Cancel job ``job_id``: a queued job ends ``cancelled`` now, a running one is
        asked to stop (its worker ends it at its next heartbeat); a finished job is refused."""
        j = self._jobs
        with self._registry._writing() as connection:
            job = self._job(connection, job_id)
            if job.state in FINAL:
                raise InputError(f"job {job_id} is {job.state} already: nothing to cancel")
            now = self.now()
            if job.state == "queued":
                changes: dict[str, Any] = {
                    "state": "cancelled",
                    "finished_at": now,
                    "message": f"cancelled by {self.tenant.user_id} before it started",
                }
            else:
                changes = {"cancel_requested": True}
            connection.execute(
                j.update()
                .where((j.c.id == job_id) & (j.c.state == job.state))
                .values(version=j.c.version + 1, **changes)
            )
            return self._job(connection, job_id)

    def result(self, job_id: int) -> dict[str, Any]:
        """The stored result of job ``job_id`` (NotFoundError until it is done)."""
        j = self._jobs
        with self._registry._reading() as connection:
            job = self._job(connection, job_id)
            text = connection.execute(sa.select(j.c.result).where(j.c.id == job_id)).scalar()
        if text is None:
            raise NotFoundError(f"job {job_id} is {job.state}: it has no result")
        found: dict[str, Any] = _loads(text)
        return found

    # --- workers ---------------------------------------------------------------------

    def claim(self, worker: str, lease: float = DEFAULT_LEASE) -> Job | None:
        """The oldest job ready to run, now held by ``worker`` for ``lease`` seconds (None
        when there is none): a queued job, or a running one whose lease has expired (its
        worker is gone; it is claimed again while attempts remain, else marked failed).
        On PostgreSQL the candidate rows are locked with FOR UPDATE SKIP LOCKED."""
        if not 0 < lease < 86_400:
            raise InputError("a lease lasts more than 0 and less than 86,400 seconds")
        j = self._jobs
        now = self.now()
        ready = (j.c.state == "queued") | ((j.c.state == "running") & (j.c.lease_expires_at < now))
        with self._registry._reading() as connection:  # an idle poll takes no write lock
            if connection.execute(sa.select(j.c.id).where(ready).limit(1)).first() is None:
                return None
        with self._registry._writing() as connection:
            self._reap(connection, now)
            query = sa.select(j.c.id, j.c.attempts).where(ready).order_by(j.c.id).limit(1)
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            found = connection.execute(query).one_or_none()
            if found is None:
                return None
            attempt = int(found.attempts) + 1
            connection.execute(
                j.update()
                .where(j.c.id == found.id)
                .values(
                    state="running",
                    worker=worker,
                    attempts=attempt,
                    started_at=now,
                    heartbeat_at=now,
                    lease_expires_at=now + timedelta(seconds=lease),
                    progress=0.0,
                    message=f"claimed by {worker} (attempt {attempt})",
                    version=j.c.version + 1,
                )
            )
            return self._job(connection, int(found.id))

    def _reap(self, connection: sa.Connection, now: datetime) -> int:
        """Mark failed the running jobs whose lease expired with no attempt left, and
        cancelled those whose cancel was asked; how many were ended."""
        j = self._jobs
        expired = (j.c.state == "running") & (j.c.lease_expires_at < now)
        cancelled = connection.execute(
            j.update()
            .where(expired & j.c.cancel_requested)
            .values(
                state="cancelled",
                finished_at=now,
                message="cancelled (its worker stopped before it saw the request)",
                version=j.c.version + 1,
            )
        ).rowcount
        failed = connection.execute(
            j.update()
            .where(expired & (j.c.attempts >= j.c.max_attempts))
            .values(
                state="failed",
                finished_at=now,
                error=sa.func.coalesce(j.c.worker, "a worker")
                + " was lost (no heartbeat before its lease expired) on the last of "
                + sa.cast(j.c.max_attempts, sa.Text())
                + " attempt(s)",
                message="failed: worker lost",
                version=j.c.version + 1,
            )
        ).rowcount
        return int(cancelled) + int(failed)

    def reap(self) -> int:
        """End the jobs whose worker was lost for good (see :meth:`claim`); how many."""
        with self._registry._writing() as connection:
            return self._reap(connection, self.now())

    def _held(self, job_id: int, worker: str, attempt: int) -> Any:
        j = self._jobs
        return (
            (j.c.id == job_id)
            & (j.c.worker == worker)
            & (j.c.attempts == attempt)
            & (j.c.state == "running")
        )

    def heartbeat(
        self,
        job_id: int,
        worker: str,
        attempt: int,
        *,
        progress: float | None = None,
        message: str | None = None,
        lease: float = DEFAULT_LEASE,
    ) -> bool:
        """Renew ``worker``'s lease on attempt ``attempt`` of job ``job_id`` for ``lease``
        seconds and record its progress (0..1) and message; True when a cancel was asked.
        :class:`LeaseLostError` when the worker no longer holds the job."""
        j = self._jobs
        now = self.now()
        changes: dict[str, Any] = {
            "heartbeat_at": now,
            "lease_expires_at": now + timedelta(seconds=lease),
        }
        if progress is not None:
            changes["progress"] = min(1.0, max(0.0, float(progress)))
        if message is not None:
            changes["message"] = str(message)[:500]
        with self._registry._writing() as connection:
            done = connection.execute(
                j.update().where(self._held(job_id, worker, attempt)).values(**changes)
            )
            if done.rowcount != 1:
                raise LeaseLostError(f"{worker} no longer holds job {job_id} (attempt {attempt})")
            asked = connection.execute(
                sa.select(j.c.cancel_requested).where(j.c.id == job_id)
            ).scalar_one()
        return bool(asked)

    def _mark(self, connection: sa.Connection, park_id: int) -> int:
        a = self._audit
        found = connection.execute(
            sa.select(sa.func.max(a.c.id)).where(a.c.park_id == park_id)
        ).scalar()
        return int(found or 0)

    def inputs(self, park_id: int) -> tuple[Network, int]:
        """Park ``park_id`` as the core's Network (validated, full values) and its registry
        mark (the id of its newest audit row, 0 when none), read in one snapshot."""
        with self._registry._reading() as connection:
            mark = self._mark(connection, park_id)
            network = self._registry._validate(connection, park_id)
        return network, mark

    def finish(
        self,
        job_id: int,
        worker: str,
        attempt: int,
        result: Mapping[str, Any],
        *,
        inputs_hash: str,
        registry_mark: int,
        message: str = "done",
    ) -> Job:
        """Store ``result`` (JSON) of the job ``worker`` holds and mark it done, with the
        hash of its inputs and the registry mark it ran on (LeaseLostError if not held)."""
        return self._end(
            job_id,
            worker,
            attempt,
            {
                "state": "done",
                "progress": 1.0,
                "message": message,
                "result": _dumps(dict(result)),
                "inputs_hash": inputs_hash,
                "registry_mark": registry_mark,
            },
        )

    def fail(self, job_id: int, worker: str, attempt: int, error: str) -> Job:
        """Mark the job ``worker`` holds failed with ``error`` (one line saying why)."""
        return self._end(
            job_id,
            worker,
            attempt,
            {"state": "failed", "error": str(error)[:2000], "message": "failed"},
        )

    def cancelled(self, job_id: int, worker: str, attempt: int) -> Job:
        """Mark the job ``worker`` holds cancelled (it stopped on a cancel request)."""
        return self._end(
            job_id, worker, attempt, {"state": "cancelled", "message": "cancelled while running"}
        )

    def _end(self, job_id: int, worker: str, attempt: int, changes: dict[str, Any]) -> Job:
        j = self._jobs
        with self._registry._writing() as connection:
            done = connection.execute(
                j.update()
                .where(self._held(job_id, worker, attempt))
                .values(finished_at=self.now(), version=j.c.version + 1, **changes)
            )
            if done.rowcount != 1:
                raise LeaseLostError(f"{worker} no longer holds job {job_id} (attempt {attempt})")
            return self._job(connection, job_id)
