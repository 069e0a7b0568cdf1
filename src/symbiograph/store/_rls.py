"""Row-level security of the registry on PostgreSQL: the tenant of each transaction.

Migration 0012 enables and forces row-level security on every tenant table (``sg_r_*``:
every table with a ``park_id`` and the parks themselves) with one policy each, written in
SQL functions that read three settings of the current transaction:

* ``symbiograph.role``: ``admin`` or ``system`` (every row), ``facilitator``, ``org_admin``,
  ``member``, ``observer``; anything else, or nothing, sees and writes no row (fail closed);
* ``symbiograph.park``: the tenant's park id;
* ``symbiograph.organisation``: the tenant's organisation id (an organisation's users).

:func:`set_tenant` sets them with ``set_config(name, value, true)``: local to the
transaction, so a pooled connection never carries one request's tenant into the next.
The exact figures of a confidential stream (and of an exchange with a confidential end)
live in ``sg_r_figures``, whose policy shows a row only to who may see those figures (the
platform, the park's facilitator, the stream's owner); the row itself holds them as bands.

For the policies to apply the application must connect as a role that neither owns the
tables nor is a superuser nor has BYPASSRLS (FORCE ROW LEVEL SECURITY also subjects the
owner, but a superuser bypasses every policy): :func:`app_role_statements` gives the SQL
that makes such a role. On SQLite there is no row-level security: the registry applies the
same rules in its own code (``_registry``).
"""

from __future__ import annotations

import re

import sqlalchemy as sa

__all__ = [
    "SETTINGS",
    "TENANT_TABLES",
    "UNGUARDED",
    "app_role_statements",
    "set_tenant",
]

#: The transaction settings the policies read: role, park, organisation.
SETTINGS = ("symbiograph.role", "symbiograph.park", "symbiograph.organisation")

#: The tables under row-level security (migration 0012).
TENANT_TABLES = (
    "sg_r_parks",
    "sg_r_organisations",
    "sg_r_facilities",
    "sg_r_streams",
    "sg_r_stream_quality",
    "sg_r_exchanges",
    "sg_r_audit",
    "sg_r_figures",
)

#: Tables with a ``park_id`` that are not under row-level security, and why. Any other
#: table with a ``park_id`` must have a forced policy (``tests/store/test_rls.py``).
UNGUARDED: dict[str, str] = {
    "sg_users": "accounts are read to find the caller before any tenant exists; they hold "
    "a login, a role and a password hash, no registry figure",
}

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def set_tenant(
    connection: sa.Connection, role: str, park_id: int | None, organisation_id: int | None
) -> None:
    """Make ``role`` of park ``park_id`` and organisation ``organisation_id`` the tenant of
    ``connection``'s current transaction (PostgreSQL; nothing on another database)."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(
        sa.text(
            "SELECT set_config('symbiograph.role', :role, true), "
            "set_config('symbiograph.park', :park, true), "
            "set_config('symbiograph.organisation', :org, true)"
        ),
        {
            "role": str(role),
            "park": "" if park_id is None else str(int(park_id)),
            "org": "" if organisation_id is None else str(int(organisation_id)),
        },
    )


def app_role_statements(role: str, schema: str = "public") -> list[str]:
    """SQL (run by the tables' owner) that lets login role ``role`` use the store in
    ``schema`` under row-level security: no superuser, no BYPASSRLS, not the owner; read
    and write rows, use the sequences, nothing else (no DDL)."""
    for name in (role, schema):
        if not _ROLE_NAME.fullmatch(name):
            raise ValueError(f"{name!r}: use lower-case letters, digits and _")
    return [
        f"ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role}",
    ]
