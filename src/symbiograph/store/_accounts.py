"""Accounts of the platform: users and their roles, browser sessions, API tokens and the log
of login attempts (tables ``sg_users``, ``sg_sessions``, ``sg_api_tokens``,
``sg_login_attempts``; migration 0009).

Secrets are never stored: a password as its argon2 hash (made by the caller, see
``symbiograph.web``), a session or API token as the SHA-256 of the random token the client
holds (a token has 256 bits of entropy, so a fast hash is enough and a lookup is one index
probe). Login attempts are rows, so a limit on failures holds across every worker process of
the server. Every write is one transaction; a user row has a ``version`` (the ETag of the
API) that each change increments.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from symbiograph.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from symbiograph.store._store import Store

__all__ = [
    "API_TOKENS",
    "LOGIN_ATTEMPTS",
    "SESSIONS",
    "USERS",
    "Accounts",
    "ApiToken",
    "LoginLimits",
    "Role",
    "Session",
    "StaleUserError",
    "User",
    "UserExistsError",
    "UserNotFoundError",
    "account_tables",
    "token_digest",
]

USERS = "sg_users"
SESSIONS = "sg_sessions"
API_TOKENS = "sg_api_tokens"
LOGIN_ATTEMPTS = "sg_login_attempts"

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9_.@+-]{0,127}$")


class Role(StrEnum):
    """A user's role on the platform (same values as the registry's tenant roles)."""

    ADMIN = "admin"
    SYSTEM = "system"
    FACILITATOR = "facilitator"
    ORG_ADMIN = "org_admin"
    MEMBER = "member"
    OBSERVER = "observer"


#: Roles bound to one park (no organisation) and to one organisation.
PARK_ROLES = frozenset({Role.FACILITATOR, Role.OBSERVER})
ORGANISATION_ROLES = frozenset({Role.ORG_ADMIN, Role.MEMBER})


class UserNotFoundError(NotFoundError):
    """No user of that login (or id)."""


class UserExistsError(InputError):
    """A user of that login exists already."""


@dataclass(frozen=True)
class User:
    """One account: ``role`` with its scope (``park_id`` for every role but the platform
    admin, ``organisation_id`` for organisation roles), ``version`` counts its changes."""

    id: int
    login: str
    name: str
    role: Role
    park_id: int | None
    organisation_id: int | None
    disabled: bool
    created_at: datetime
    version: int
    password_hash: str | None = None


@dataclass(frozen=True)
class Session:
    """A browser session of ``user``: ``csrf_digest`` is the SHA-256 of its CSRF token."""

    id: int
    user: User
    csrf_digest: str
    expires_at: datetime


@dataclass(frozen=True)
class ApiToken:
    """An API token of ``user`` (only its digest is stored): ``scopes`` it may use, when it
    expires, whether it was revoked."""

    id: int
    user_id: int
    name: str
    scopes: frozenset[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed within ``window``: per account and per client address."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def token_digest(token: str) -> str:
    """The SHA-256 (hex) under which a session or API token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def account_tables(meta: sa.MetaData) -> None:
    """Add the accounts tables to the store's metadata ``meta``."""
    stamp = sa.DateTime(timezone=True)
    sa.Table(
        USERS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("login", sa.Text(), nullable=False, unique=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sqlite_autoincrement=True,
    )
    sa.Table(
        SESSIONS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("digest", sa.Text(), nullable=False, unique=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(f"{USERS}.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("csrf_digest", sa.Text(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("expires_at", stamp, nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )
    sa.Table(
        API_TOKENS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("digest", sa.Text(), nullable=False, unique=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(f"{USERS}.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("expires_at", stamp, nullable=False),
        sa.Column("revoked_at", stamp, nullable=True),
        sa.Column("last_used_at", stamp, nullable=True),
        sqlite_autoincrement=True,
    )
    sa.Table(
        LOGIN_ATTEMPTS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("at", stamp, nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Index("ix_sg_login_attempts_login_at", "login", "at"),
        sa.Index("ix_sg_login_attempts_address_at", "address", "at"),
        sqlite_autoincrement=True,
    )


def _utc(value: Any) -> Any:
    if value is None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _user(row: Any) -> User:
    return User(
        id=int(row.id),
        login=str(row.login),
        name=str(row.name),
        role=Role(row.role),
        park_id=row.park_id,
        organisation_id=row.organisation_id,
        disabled=bool(row.disabled),
        created_at=_utc(row.created_at),
        version=int(row.version),
        password_hash=row.password_hash,
    )


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=int(row.id),
        user_id=int(row.user_id),
        name=str(row.name),
        scopes=frozenset(str(row.scopes).split()),
        created_at=_utc(row.created_at),
        expires_at=_utc(row.expires_at),
        revoked_at=_utc(row.revoked_at),
        last_used_at=_utc(row.last_used_at),
    )


def checked_login(login: str) -> str:
    """``login`` in lower case if it can name an account (letters, digits, ``_.@+-``)."""
    text = str(login).strip().lower()
    if not _LOGIN.fullmatch(text):
        raise InputError(
            f"login {login!r}: use 1-128 letters, digits or _.@+- (starting with a letter or digit)"
        )
    return text


def checked_scope(role: Role, park_id: int | None, organisation_id: int | None) -> None:
    """Refuse a role without the scope it needs (or with one it cannot have)."""
    if role is Role.SYSTEM:
        raise InputError("the system role is the platform's own, not a user's")
    if role is Role.ADMIN and (park_id is not None or organisation_id is not None):
        raise InputError("a platform admin is not bound to a park or an organisation")
    if role in PARK_ROLES and (park_id is None or organisation_id is not None):
        raise InputError(f"a {role.value} needs a park (and no organisation)")
    if role in ORGANISATION_ROLES and (park_id is None or organisation_id is None):
        raise InputError(f"an {role.value} needs a park and an organisation")


class Accounts:
    """The accounts tables of a :class:`~symbiograph.store.Store`: users, sessions, API
    tokens, login attempts. ``clock`` gives the time (UTC; tests move it)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None) -> None:
        self._store = store
        self._clock = clock or (lambda: datetime.now(UTC))
        meta = store_metadata()
        self._users = meta.tables[USERS]
        self._sessions = meta.tables[SESSIONS]
        self._tokens = meta.tables[API_TOKENS]
        self._attempts = meta.tables[LOGIN_ATTEMPTS]

    def now(self) -> datetime:
        """The accounts' clock (UTC)."""
        return self._clock()

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        with self._store._writing() as connection:
            yield connection

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        with self._store._reading() as connection:
            yield connection

    # --- users ----------------------------------------------------------------------

    def add_user(
        self,
        login: str,
        password_hash: str | None,
        role: Role | str,
        *,
        name: str = "",
        park_id: int | None = None,
        organisation_id: int | None = None,
    ) -> User:
        """Create a user (InputError for a bad login or scope, UserExistsError if taken)."""
        login = checked_login(login)
        role = Role(role)
        checked_scope(role, park_id, organisation_id)
        now = self.now()
        with self._writing() as connection:
            taken = connection.execute(
                sa.select(self._users.c.id).where(self._users.c.login == login)
            ).first()
            if taken is not None:
                raise UserExistsError(f"a user with login {login!r} exists already")
            connection.execute(
                sa.insert(self._users).values(
                    login=login,
                    name=name or login,
                    password_hash=password_hash,
                    role=role.value,
                    park_id=park_id,
                    organisation_id=organisation_id,
                    disabled=False,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
            return self._get(connection, login)

    def _get(self, connection: sa.Connection, login: str) -> User:
        row = connection.execute(sa.select(self._users).where(self._users.c.login == login)).first()
        if row is None:
            raise UserNotFoundError(f"no user with login {login!r}")
        return _user(row)

    def user(self, login: str) -> User:
        """The user of ``login`` (UserNotFoundError if none)."""
        with self._reading() as connection:
            return self._get(connection, checked_login(login))

    def user_by_id(self, user_id: int) -> User:
        """The user of id ``user_id`` (UserNotFoundError if none)."""
        with self._reading() as connection:
            row = connection.execute(
                sa.select(self._users).where(self._users.c.id == user_id)
            ).first()
        if row is None:
            raise UserNotFoundError(f"no user with id {user_id}")
        return _user(row)

    def users(
        self, *, park_id: int | None = None, organisation_id: int | None = None
    ) -> list[User]:
        """Every user (of one park or organisation when given), by login."""
        query = sa.select(self._users).order_by(self._users.c.login)
        if park_id is not None:
            query = query.where(self._users.c.park_id == park_id)
        if organisation_id is not None:
            query = query.where(self._users.c.organisation_id == organisation_id)
        with self._reading() as connection:
            return [_user(r) for r in connection.execute(query)]

    def update_user(
        self,
        login: str,
        *,
        expected_version: int | None = None,
        **changes: Any,
    ) -> User:
        """Change ``name``, ``password_hash``, ``role``, ``park_id``, ``organisation_id`` or
        ``disabled`` of a user; with ``expected_version`` the change is refused
        (:class:`StaleUserError`) when the row was changed since. A disabled user's
        sessions and tokens stop working at once (sessions are removed)."""
        allowed = {"name", "password_hash", "role", "park_id", "organisation_id", "disabled"}
        unknown = set(changes) - allowed
        if unknown:
            raise InputError(f"cannot change {sorted(unknown)} of a user")
        login = checked_login(login)
        with self._writing() as connection:
            user = self._get(connection, login)
            if expected_version is not None and user.version != expected_version:
                raise StaleUserError(login, user.version)
            role = Role(changes.get("role", user.role))
            park = changes.get("park_id", user.park_id)
            organisation = changes.get("organisation_id", user.organisation_id)
            checked_scope(role, park, organisation)
            values = dict(changes)
            if "role" in values:
                values["role"] = role.value
            connection.execute(
                sa.update(self._users)
                .where(self._users.c.id == user.id)
                .values(**values, updated_at=self.now(), version=user.version + 1)
            )
            if changes.get("disabled") or "password_hash" in changes or "role" in changes:
                connection.execute(
                    sa.delete(self._sessions).where(self._sessions.c.user_id == user.id)
                )
            return self._get(connection, login)

    # --- sessions -------------------------------------------------------------------

    def open_session(
        self, user: User, token: str, csrf_token: str, lifetime: timedelta, address: str
    ) -> Session:
        """Store a browser session of ``user`` under the digests of ``token`` and its
        ``csrf_token``; it ends after ``lifetime``."""
        now = self.now()
        with self._writing() as connection:
            result = connection.execute(
                sa.insert(self._sessions).values(
                    digest=token_digest(token),
                    user_id=user.id,
                    csrf_digest=token_digest(csrf_token),
                    created_at=now,
                    expires_at=now + lifetime,
                    address=address[:64],
                )
            )
            key = result.inserted_primary_key
            session_id = int(key[0]) if key is not None else -1
        return Session(session_id, user, token_digest(csrf_token), now + lifetime)

    def session(self, token: str) -> Session | None:
        """The live session of ``token`` (None if unknown, expired or its user disabled)."""
        sessions, users = self._sessions, self._users
        with self._reading() as connection:
            row = connection.execute(
                sa.select(sessions.c.id, sessions.c.csrf_digest, sessions.c.expires_at, users)
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.digest == token_digest(token))
            ).first()
        if row is None or bool(row.disabled):
            return None
        expires = _utc(row.expires_at)
        if expires <= self.now():
            return None
        return Session(int(row[0]), _user(row), str(row.csrf_digest), expires)

    def close_session(self, token: str) -> None:
        """End the session of ``token`` (nothing happens if there is none)."""
        with self._writing() as connection:
            connection.execute(
                sa.delete(self._sessions).where(self._sessions.c.digest == token_digest(token))
            )

    # --- API tokens -----------------------------------------------------------------

    def add_token(
        self, user: User, token: str, name: str, scopes: Sequence[str], lifetime: timedelta
    ) -> ApiToken:
        """Store an API token of ``user`` (its digest), valid for ``lifetime``."""
        now = self.now()
        if lifetime <= timedelta(0):
            raise InputError("an API token must live for a positive time")
        with self._writing() as connection:
            result = connection.execute(
                sa.insert(self._tokens).values(
                    digest=token_digest(token),
                    user_id=user.id,
                    name=name,
                    scopes=" ".join(sorted(set(scopes))),
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
            key = result.inserted_primary_key
            row = connection.execute(
                sa.select(self._tokens).where(self._tokens.c.id == (key[0] if key else -1))
            ).one()
        return _token(row)

    def token(self, token: str) -> tuple[ApiToken, User] | None:
        """The live API token ``token`` and its user (None if unknown, expired, revoked or
        its user disabled)."""
        tokens, users = self._tokens, self._users
        with self._reading() as connection:
            row = connection.execute(
                sa.select(tokens, users.c.login)
                .join(users, users.c.id == tokens.c.user_id)
                .where(tokens.c.digest == token_digest(token))
            ).first()
        if row is None:
            return None
        found = _token(row)
        if found.revoked_at is not None or found.expires_at <= self.now():
            return None
        user = self.user(str(row.login))
        if user.disabled:
            return None
        return found, user

    def tokens(self, user: User) -> list[ApiToken]:
        """The API tokens of ``user`` (live or not), newest first."""
        with self._reading() as connection:
            rows = connection.execute(
                sa.select(self._tokens)
                .where(self._tokens.c.user_id == user.id)
                .order_by(self._tokens.c.id.desc())
            )
            return [_token(r) for r in rows]

    def revoke_token(self, user: User, token_id: int) -> ApiToken:
        """Revoke the API token ``token_id`` of ``user`` (NotFoundError if it is not theirs)."""
        with self._writing() as connection:
            row = connection.execute(
                sa.select(self._tokens).where(
                    self._tokens.c.id == token_id, self._tokens.c.user_id == user.id
                )
            ).first()
            if row is None:
                raise NotFoundError(f"user {user.login!r} has no API token {token_id}")
            if row.revoked_at is None:
                connection.execute(
                    sa.update(self._tokens)
                    .where(self._tokens.c.id == token_id)
                    .values(revoked_at=self.now())
                )
            row = connection.execute(
                sa.select(self._tokens).where(self._tokens.c.id == token_id)
            ).one()
        return _token(row)

    # --- login attempts -------------------------------------------------------------

    def login_blocked(self, login: str, address: str, limits: LoginLimits) -> bool:
        """Whether ``login`` or ``address`` has failed ``limits`` times within the window
        (an account's failures count from its last successful login)."""
        attempts = self._attempts
        since = self.now() - limits.window
        key = login.strip().lower()[:128]
        with self._reading() as connection:
            last_ok = connection.execute(
                sa.select(sa.func.max(attempts.c.at)).where(
                    attempts.c.login == key, attempts.c.succeeded.is_(True)
                )
            ).scalar()
            start = max(since, _utc(last_ok)) if last_ok is not None else since
            per_account = connection.execute(
                sa.select(sa.func.count()).where(
                    attempts.c.login == key,
                    attempts.c.succeeded.is_(False),
                    attempts.c.at > start,
                )
            ).scalar_one()
            per_address = connection.execute(
                sa.select(sa.func.count()).where(
                    attempts.c.address == address[:64],
                    attempts.c.succeeded.is_(False),
                    attempts.c.at > since,
                )
            ).scalar_one()
        return per_account >= limits.per_account or per_address >= limits.per_address

    def record_login(self, login: str, address: str, succeeded: bool) -> None:
        """Log one login attempt of ``login`` from ``address``."""
        with self._writing() as connection:
            connection.execute(
                sa.insert(self._attempts).values(
                    login=login.strip().lower()[:128],
                    address=address[:64],
                    at=self.now(),
                    succeeded=succeeded,
                )
            )


class StaleUserError(InputError):
    """The user row changed since the version the caller read."""

    def __init__(self, login: str, version: int) -> None:
        super().__init__(f"user {login!r} was changed since (now version {version})")
        self.login, self.version = login, version


def store_metadata() -> sa.MetaData:
    """The store's metadata (imported late: the schema module adds these tables to it)."""
    from symbiograph.store._schema import metadata

    return metadata()
