"""Storage of Networks in SQLite (default) or PostgreSQL, every version kept.

``Store(url)`` opens a database, migrates the store's tables (Alembic migrations shipped
in ``symbiograph/store/migrations``) and saves, loads, lists, renames and deletes named
Networks. Every save adds a version; earlier versions can be listed, loaded, restored
and pruned. Database failures are raised as :class:`symbiograph.errors.StoreError` with
one-line messages. The schema is derived from the attribute table of ``symbiograph.model``.
"""

from symbiograph.store._accounts import (
    Accounts,
    ApiToken,
    LoginLimits,
    Role,
    Session,
    StaleUserError,
    User,
    UserExistsError,
    UserNotFoundError,
    token_digest,
)
from symbiograph.store._jobs import (
    JOB_KINDS,
    JOB_STATES,
    Job,
    JobNotFoundError,
    Jobs,
    LeaseLostError,
)
from symbiograph.store._ledger import SECRET_ENV, Ledger, LedgerEntry, seed_demo, tampered_copy
from symbiograph.store._pipeline import (
    FIGURES,
    MOVES,
    PARTNER_STAGES,
    STAGES,
    Pipeline,
    Synergy,
    SynergyDocument,
    SynergyMove,
)
from symbiograph.store._registry import (
    AccessDeniedError,
    AuditEntry,
    Organisation,
    Park,
    Registry,
    RegistryRow,
    StaleVersionError,
    StaleWrite,
    Tenant,
)
from symbiograph.store._rls import app_role_statements
from symbiograph.store._schema import metadata, table_name
from symbiograph.store._store import (
    DEFAULT_LOCK_TIMEOUT,
    LOCK_TIMEOUT_ENV,
    DatabaseNotFoundError,
    NetworkExistsError,
    NetworkNotFoundError,
    Store,
    Version,
    VersionNotFoundError,
    lock_timeout,
    upgrade,
)

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "FIGURES",
    "JOB_KINDS",
    "JOB_STATES",
    "LOCK_TIMEOUT_ENV",
    "MOVES",
    "PARTNER_STAGES",
    "SECRET_ENV",
    "STAGES",
    "AccessDeniedError",
    "Accounts",
    "ApiToken",
    "AuditEntry",
    "DatabaseNotFoundError",
    "Job",
    "JobNotFoundError",
    "Jobs",
    "LeaseLostError",
    "Ledger",
    "LedgerEntry",
    "LoginLimits",
    "NetworkExistsError",
    "NetworkNotFoundError",
    "Organisation",
    "Park",
    "Pipeline",
    "Registry",
    "RegistryRow",
    "Role",
    "Session",
    "StaleUserError",
    "StaleVersionError",
    "StaleWrite",
    "Store",
    "Synergy",
    "SynergyDocument",
    "SynergyMove",
    "Tenant",
    "User",
    "UserExistsError",
    "UserNotFoundError",
    "Version",
    "VersionNotFoundError",
    "app_role_statements",
    "lock_timeout",
    "metadata",
    "seed_demo",
    "table_name",
    "tampered_copy",
    "token_digest",
    "upgrade",
]
