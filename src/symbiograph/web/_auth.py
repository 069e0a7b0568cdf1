"""Who is asking: passwords (argon2id), browser sessions with CSRF tokens, API tokens.

* Passwords are hashed with argon2id (argon2-cffi); a hash made with weaker parameters is
  re-hashed at the next successful login.
* A browser session is a random 256-bit token in a ``Secure; HttpOnly; SameSite=Strict``
  cookie; its CSRF token (synchronizer pattern: stored, as a digest, with the session) must
  come back in the ``X-CSRF-Token`` header or the ``csrf_token`` form field of every unsafe
  request (POST, PUT, PATCH, DELETE) that the cookie authenticates.
* An API token (``sgt_`` + 256 random bits, shown once) is sent as
  ``Authorization: Bearer``; it has scopes (``read``, ``write``, ``jobs``, ``admin``), an
  expiry and can be revoked; a token request needs no CSRF token (a browser never adds it).
* Failed logins are counted per account and per client address in the store, so the limit
  holds across every worker.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from symbiograph.store import Accounts, LoginLimits, Role, User, token_digest
from symbiograph.web._problems import ApiProblem

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SCOPES",
    "SESSION_COOKIE",
    "Authenticator",
    "Principal",
    "new_token",
]

SESSION_COOKIE = "sg_session"
CSRF_COOKIE = "sg_csrf"
CSRF_HEADER = "x-csrf-token"
TOKEN_PREFIX = "sgt_"
#: Scopes an API token may carry: read rows, write rows, run jobs, manage accounts.
SCOPES = frozenset({"read", "write", "jobs", "admin"})
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def new_token(prefix: str = "") -> str:
    """A fresh random token (256 bits, URL-safe) with ``prefix``."""
    return prefix + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a user with a role and its scope, how they came
    (``"session"``, ``"token"`` or ``"anonymous"``) and the scopes they may use."""

    user: User | None
    via: str = "anonymous"
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def role(self) -> Role | None:
        """The user's role (None when anonymous)."""
        return None if self.user is None else self.user.role

    @property
    def park_id(self) -> int | None:
        """The park the user is bound to (None for the platform admin or anonymous)."""
        return None if self.user is None else self.user.park_id

    @property
    def organisation_id(self) -> int | None:
        """The organisation the user speaks for (organisation roles only)."""
        return None if self.user is None else self.user.organisation_id


ANONYMOUS = Principal(None)


class Authenticator:
    """Passwords, sessions and tokens of one :class:`~symbiograph.store.Accounts`.

    ``hasher`` defaults to argon2id with argon2-cffi's RFC 9106 low-memory profile; tests
    pass a cheaper one. ``session_lifetime`` and ``token_lifetime`` bound what is issued.
    """

    def __init__(
        self,
        accounts: Accounts,
        *,
        hasher: PasswordHasher | None = None,
        limits: LoginLimits | None = None,
        session_lifetime: timedelta = timedelta(hours=8),
        token_lifetime: timedelta = timedelta(days=90),
    ) -> None:
        self.accounts = accounts
        self.hasher = hasher or PasswordHasher()
        self.limits = limits or LoginLimits()
        self.session_lifetime = session_lifetime
        self.token_lifetime = token_lifetime
        # a hash to verify against for unknown logins, so timing does not tell them apart
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))

    # --- passwords ------------------------------------------------------------------

    def hash_password(self, password: str) -> str:
        """The argon2id hash of ``password`` (refused when shorter than 10 characters)."""
        if not isinstance(password, str) or len(password) < 10:
            raise ApiProblem(422, "a password needs at least 10 characters", field="password")
        if len(password) > 1024:
            raise ApiProblem(422, "a password may have at most 1024 characters", field="password")
        return self.hasher.hash(password)

    def login(self, login: str, password: str, address: str) -> User:
        """The user whose ``login`` and ``password`` match, else 401 (same message for an
        unknown login and a wrong password); 429 once the account or the address has failed
        too often within the window. Every attempt is logged."""
        key = str(login).strip().lower()[:128]
        if self.accounts.login_blocked(key, address, self.limits):
            minutes = max(1, int(self.limits.window.total_seconds() // 60))
            raise ApiProblem(
                429,
                f"too many failed logins for this account or address; try again in "
                f"{minutes} minutes",
                field="login",
                headers={"Retry-After": str(int(self.limits.window.total_seconds()))},
            )
        user: User | None
        try:
            user = self.accounts.user(key)
        except Exception:
            user = None
        stored = user.password_hash if user is not None and user.password_hash else self._dummy
        ok = False
        try:
            ok = self.hasher.verify(stored, str(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        ok = ok and user is not None and bool(user.password_hash) and not user.disabled
        self.accounts.record_login(key, address, ok)
        if not ok or user is None:
            raise ApiProblem(401, "login or password is wrong", field="login")
        if user.password_hash and self.hasher.check_needs_rehash(user.password_hash):
            user = self.accounts.update_user(
                user.login, password_hash=self.hasher.hash(str(password))
            )
        return user

    # --- sessions and tokens --------------------------------------------------------

    def open_session(self, user: User, address: str) -> tuple[str, str]:
        """A new session of ``user``: (session token, CSRF token) for the cookies."""
        token, csrf = new_token(), new_token()
        self.accounts.open_session(user, token, csrf, self.session_lifetime, address)
        return token, csrf

    def issue_token(
        self, user: User, name: str, scopes: set[str] | frozenset[str], days: float | None = None
    ) -> tuple[str, int]:
        """A new API token of ``user`` with ``scopes``: (the token, shown once; its id)."""
        unknown = set(scopes) - SCOPES
        if unknown or not scopes:
            raise ApiProblem(
                422,
                f"scopes must be some of {sorted(SCOPES)}, not {sorted(scopes)}",
                field="scopes",
            )
        lifetime = self.token_lifetime if days is None else timedelta(days=days)
        if not timedelta(0) < lifetime <= timedelta(days=366):
            raise ApiProblem(422, "a token lives more than 0 and at most 366 days", field="days")
        token = new_token(TOKEN_PREFIX)
        stored = self.accounts.add_token(user, token, name, sorted(scopes), lifetime)
        return token, stored.id

    def principal(
        self,
        method: str,
        authorization: str | None,
        session_cookie: str | None,
        csrf_sent: str | None,
    ) -> Principal:
        """The caller of a request from its Authorization header or session cookie.

        A bearer token that is unknown, expired or revoked is a 401 (never a fallback to
        anonymous); an unsafe request authenticated by the session cookie without the
        session's CSRF token is a 403.
        """
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise _unauthenticated("use 'Authorization: Bearer <API token>'")
            found = self.accounts.token(token.strip())
            if found is None:
                raise _unauthenticated("the API token is unknown, expired or revoked")
            api_token, user = found
            return Principal(user, "token", api_token.scopes)
        if session_cookie:
            session = self.accounts.session(session_cookie)
            if session is None:
                raise _unauthenticated("the session has ended; log in again")
            if method.upper() in _UNSAFE and not (
                csrf_sent and hmac.compare_digest(token_digest(csrf_sent), session.csrf_digest)
            ):
                raise ApiProblem(
                    403,
                    "this request needs the session's CSRF token (X-CSRF-Token header or "
                    "csrf_token form field)",
                    field="X-CSRF-Token",
                )
            return Principal(session.user, "session", SCOPES)
        return ANONYMOUS


def _unauthenticated(detail: str) -> ApiProblem:
    return ApiProblem(
        401, detail, field="Authorization", headers={"WWW-Authenticate": 'Bearer realm="api"'}
    )
