"""The one authorization policy of the API: operation x role x relation -> allow or deny.

Every route of the app names an operation (its OpenAPI ``operationId``); the table below
says, for each role (and the anonymous caller), whether it may call the operation on a
target of its **own** organisation, of **another organisation** of its park, or of
**another park**, as three letters ``y``/``n`` in that order. A route whose operation has
no row here cannot be served (``tests/web/test_authorization_matrix.py`` fails first).

How the relation of a caller to a target is decided (:func:`relation`):

* no target (``/me``, the list of parks): ``own``;
* a park (``network``: a stored network as a park, see ``_parks``): ``own`` if it is the
  caller's park, else ``other park``;
* a row of an organisation (or a synergy between two): ``own`` if the caller speaks for it
  (or for either side), ``other organisation`` if it is in the caller's park, else
  ``other park``. A facilitator or observer speaks for no organisation, so in its park a
  target is an ``other organisation`` one: for those roles the first two letters agree.

The platform admin is bound to no park; every target is ``other park`` to it.
The table is the route-level rule; the registry (``symbiograph.store.Registry``) applies the
row-level one (which rows a tenant reads, writes, and which fields it sees) underneath.
``scope`` is what an API token must carry to call the operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from symbiograph.store import Role

__all__ = [
    "POLICY",
    "ROLES",
    "Decision",
    "Relation",
    "Rule",
    "Target",
    "allowed",
    "relation",
]

#: The roles of the table's columns, ``None`` for an anonymous caller.
ROLES: tuple[Role | None, ...] = (
    Role.ADMIN,
    Role.FACILITATOR,
    Role.ORG_ADMIN,
    Role.MEMBER,
    Role.OBSERVER,
    None,
)


class Relation(IntEnum):
    """How a target relates to the caller (the index into a rule's three letters)."""

    OWN = 0
    OTHER_ORGANISATION = 1
    OTHER_PARK = 2


Decision = tuple[bool, bool, bool]

#       operation              target  scope  admin facil orgad member observ anon
_TABLE = """
landing                        none    -      yyy   yyy   yyy   yyy    yyy    yyy
openapi                        none    -      yyy   yyy   yyy   yyy    yyy    yyy
login                          none    -      yyy   yyy   yyy   yyy    yyy    yyy
logout                         none    -      yyy   yyy   yyy   yyy    yyy    nnn
get_me                         none    read   yyy   yyy   yyy   yyy    yyy    nnn
list_my_tokens                 none    read   yyy   yyy   yyy   yyy    yyy    nnn
create_my_token                none    admin  yyy   yyy   yyy   yyy    yyy    nnn
revoke_my_token                none    admin  yyy   yyy   yyy   yyy    yyy    nnn
list_users                     none    admin  yyy   nnn   nnn   nnn    nnn    nnn
create_user                    none    admin  yyy   nnn   nnn   nnn    nnn    nnn
update_user                    org     admin  yyy   yyn   ynn   nnn    nnn    nnn
list_organisation_users        org     admin  yyy   yyn   ynn   nnn    nnn    nnn
create_organisation_user       org     admin  yyy   yyn   ynn   nnn    nnn    nnn
list_parks                     none    read   yyy   yyy   yyy   yyy    yyy    nnn
create_park                    none    write  yyy   nnn   nnn   nnn    nnn    nnn
get_park                       park    read   yyy   yyn   yyn   yyn    yyn    nnn
update_park                    park    write  yyy   yyn   nnn   nnn    nnn    nnn
delete_park                    park    write  yyy   nnn   nnn   nnn    nnn    nnn
list_organisations             park    read   yyy   yyn   yyn   yyn    yyn    nnn
create_organisation            park    write  yyy   yyn   nnn   nnn    nnn    nnn
get_organisation               org     read   yyy   yyn   yyn   yyn    yyn    nnn
update_organisation            org     write  yyy   yyn   ynn   nnn    nnn    nnn
delete_organisation            org     write  yyy   yyn   nnn   nnn    nnn    nnn
list_rows                      park    read   yyy   yyn   yyn   yyn    yyn    nnn
create_row                     park    write  yyy   yyn   yyn   yyn    nnn    nnn
get_row                        row     read   yyy   yyn   yyn   yyn    yyn    nnn
update_row                     row     write  yyy   yyn   ynn   ynn    nnn    nnn
replace_row                    row     write  yyy   yyn   ynn   ynn    nnn    nnn
delete_row                     row     write  yyy   yyn   ynn   ynn    nnn    nnn
list_audit                     park    read   yyy   yyn   yyn   nnn    nnn    nnn
page_login                     none    -      yyy   yyy   yyy   yyy    yyy    yyy
page_logout                    none    -      yyy   yyy   yyy   yyy    yyy    nnn
page_dashboard                 none    read   yyy   yyy   yyy   yyy    yyy    nnn
page_park                      network read   yyy   yyn   yyn   yyn    yyn    nnn
list_synergies                 park    read   yyy   yyn   yyn   yyn    nnn    nnn
create_synergy                 park    write  yyy   yyn   nnn   nnn    nnn    nnn
get_synergy                    synergy read   yyy   yyn   ynn   ynn    nnn    nnn
update_synergy                 synergy write  yyy   yyn   nnn   nnn    nnn    nnn
move_synergy                   synergy write  yyy   yyn   ynn   nnn    nnn    nnn
list_synergy_moves             synergy read   yyy   yyn   ynn   ynn    nnn    nnn
add_synergy_document           synergy write  yyy   yyn   ynn   ynn    nnn    nnn
list_synergy_documents         synergy read   yyy   yyn   ynn   ynn    nnn    nnn
get_synergy_document           synergy read   yyy   yyn   ynn   ynn    nnn    nnn
get_outcomes                   park    read   yyy   yyn   nnn   nnn    nnn    nnn
submit_job                     park    jobs   yyy   yyn   yyn   yyn    nnn    nnn
list_jobs                      park    read   yyy   yyn   yyn   yyn    nnn    nnn
get_job                        job     read   yyy   yyn   ynn   ynn    nnn    nnn
cancel_job                     job     jobs   yyy   yyn   ynn   ynn    nnn    nnn
get_job_result                 job     read   yyy   yyn   ynn   ynn    nnn    nnn
ledger_keys                    none    -      yyy   yyy   yyy   yyy    yyy    yyy
ledger_contracts               park    read   yyy   yyn   yyn   yyn    nnn    nnn
ledger_evidence                park    read   yyy   yyn   yyn   yyn    nnn    nnn
"""
# The pipeline's rows (``*synerg*``, ``get_outcomes``): the route-level rule; which synergy
# a company sees and which move it may make (decline, end) is ``store.Pipeline``'s (MOVES).
# The jobs' rows: a company submits match jobs only and reads the jobs it submitted
# (``store.Jobs``); a facilitator's job has no organisation, so to a company it is "own" at
# route level and refused (404) by the store.

_TARGETS = frozenset({"none", "park", "network", "org", "row", "synergy", "job"})


@dataclass(frozen=True)
class Rule:
    """One operation's row: what its target is, the token scope it needs, and per role the
    three decisions (own, other organisation, other park)."""

    operation: str
    target: str
    scope: str | None
    decisions: dict[Role | None, Decision]


def _parse(table: str) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for line in table.strip().splitlines():
        operation, target, scope, *letters = line.split()
        if target not in _TARGETS or len(letters) != len(ROLES) or operation in rules:
            raise ValueError(f"bad policy line: {line!r}")
        decisions: dict[Role | None, Decision] = {}
        for role, code in zip(ROLES, letters, strict=True):
            if len(code) != 3 or set(code) - {"y", "n"}:
                raise ValueError(f"bad policy code {code!r} in {line!r}")
            decision = (code[0] == "y", code[1] == "y", code[2] == "y")
            if target in ("none",) and len(set(decision)) != 1:
                raise ValueError(f"{operation}: a target-less rule has one decision, not {code}")
            if target in ("park", "network") and decision[0] != decision[1]:
                raise ValueError(f"{operation}: on a park, own and other organisation agree")
            if role in (Role.FACILITATOR, Role.OBSERVER) and decision[0] != decision[1]:
                raise ValueError(f"{operation}: a {role} has no organisation of its own")
            decisions[role] = decision
        rules[operation] = Rule(operation, target, None if scope == "-" else scope, decisions)
    return rules


#: operation -> rule, parsed from the table above.
POLICY: dict[str, Rule] = _parse(_TABLE)


@dataclass(frozen=True)
class Target:
    """Where a request's target lives: a park and up to two organisations (a synergy's
    sides), None where the target has none (no target at all: every field None)."""

    park_id: int | None = None
    organisation_id: int | None = None
    partner_id: int | None = None


def relation(
    caller_park: int | None, caller_organisation: int | None, target: Target | None
) -> Relation:
    """The relation of a target to a caller bound to ``caller_park`` and
    ``caller_organisation`` (see the module's docstring)."""
    if target is None or target.park_id is None:
        return Relation.OWN
    if caller_park is None or target.park_id != caller_park:
        return Relation.OTHER_PARK
    if caller_organisation is not None and caller_organisation in (
        target.organisation_id,
        target.partner_id,
    ):
        return Relation.OWN
    if target.organisation_id is None and target.partner_id is None:
        return Relation.OWN  # the park itself
    return Relation.OTHER_ORGANISATION


def allowed(operation: str, role: Role | None, rel: Relation) -> bool:
    """Whether ``role`` may call ``operation`` on a target in relation ``rel`` (an
    operation without a rule is denied)."""
    rule = POLICY.get(operation)
    if rule is None or role not in rule.decisions:
        return False
    return rule.decisions[role][int(rel)]
