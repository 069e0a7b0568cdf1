"""The ledger's read routes: the published keys, a park's contracts and the evidence
bundle of an entry.

Route-level rules are rows of the policy table (``_policy``: ``ledger_keys``,
``ledger_contracts``, ``ledger_evidence``); which contracts and entries a caller then sees is
this small table, by role:

============  ================================================================
admin         every contract and entry of the park
facilitator   every contract and entry of its park
org_admin     the contracts its organisation is a party to, and their entries
member        the same as org_admin
observer      none (the route refuses it)
============  ================================================================

A contract belongs to a park when every party is one of the park's organisations (by
name). Prices in the log are salted commitments; contracts show their terms as logged and
an evidence bundle carries the entry as logged, never an opening. The ledger is opened without the secret: these routes sign
nothing (an entry no checkpoint covers yet is a 409).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import Depends, FastAPI

from symbiograph.errors import NotFoundError
from symbiograph.store import Ledger, Role
from symbiograph.web._context import Context, guard
from symbiograph.web._problems import ApiProblem

__all__ = ["LEDGER_SCOPE", "add_ledger_routes"]

API = "/api/v1"

#: role -> which contracts and entries of a park the caller sees (see the module docstring)
LEDGER_SCOPE: dict[Role, str] = {
    Role.ADMIN: "park",
    Role.SYSTEM: "park",
    Role.FACILITATOR: "park",
    Role.ORG_ADMIN: "own",
    Role.MEMBER: "own",
}


def _park_names(ctx: Context, park_id: int) -> set[str]:
    items, _ = ctx.system.organisations(park_id, limit=500, offset=0)
    return {o.name for o in items}


def _caller_org(ctx: Context) -> str | None:
    user = ctx.principal.user
    if user is None or user.organisation_id is None:
        return None
    return str(ctx.system.organisation(user.organisation_id).name)


def _visible(ctx: Context, park_id: int, parties: list[str] | tuple[str, ...]) -> bool:
    """Whether the caller may see a contract (or its entries) with ``parties``."""
    role = ctx.principal.role
    scope = LEDGER_SCOPE.get(role) if role is not None else None
    if scope is None or not set(parties) <= _park_names(ctx, park_id):
        return False
    return scope == "park" or _caller_org(ctx) in parties


def add_ledger_routes(app: FastAPI) -> None:
    """Add the ledger's routes to ``app``."""
    tags: list[str | Enum] = ["ledger"]

    @app.get(
        f"{API}/ledger/keys",
        operation_id="ledger_keys",
        summary="The ledger's published public keys and the log's verifier key",
        tags=tags,
    )
    def ledger_keys(ctx: Context = Depends(guard("ledger_keys"))) -> dict[str, Any]:
        import base64

        from symbiograph.ledger import public_key_raw, verifier_key

        ledger = Ledger(ctx.services.store, secret=None)
        keys = ledger.public_keys()
        notes = ledger.checkpoints()
        return {
            "log_key": verifier_key(ledger.origin, keys[ledger.origin])
            if ledger.origin in keys
            else None,
            "public_keys": {
                org: base64.b64encode(public_key_raw(k)).decode() for org, k in sorted(keys.items())
            },
            "checkpoint": notes[-1] if notes else None,
        }

    @app.get(
        f"{API}/parks/{{park_id}}/ledger/contracts",
        operation_id="ledger_contracts",
        summary="A park's contracts in the ledger (status, parties, history)",
        tags=tags,
    )
    def ledger_contracts(
        park_id: int, ctx: Context = Depends(guard("ledger_contracts"))
    ) -> dict[str, Any]:
        ledger = Ledger(ctx.services.store, secret=None)
        items = []
        for contract in ledger.contracts():
            if not _visible(ctx, park_id, contract.parties):
                continue
            shown = contract.json()
            proposal = contract.history[0][0]  # the terms as logged: prices as commitments
            shown["terms"] = ledger.entries(proposal, proposal + 1)[0].record()["terms"]
            items.append(shown)
        return {"items": items, "total": len(items)}

    @app.get(
        f"{API}/parks/{{park_id}}/ledger/entries/{{index}}/evidence",
        operation_id="ledger_evidence",
        summary="The evidence bundle of one entry (check it with verify_bundle.py)",
        tags=tags,
    )
    def ledger_evidence(
        park_id: int, index: int, ctx: Context = Depends(guard("ledger_evidence"))
    ) -> dict[str, Any]:
        ledger = Ledger(ctx.services.store, secret=None)
        found = ledger.entries(index, index + 1) if index >= 0 else []
        if not found:
            raise ApiProblem(404, f"no ledger entry {index}", field="path.index")
        entry = found[0]
        parties: list[str] = [entry.org]
        contract = entry.subject if entry.kind.startswith(("contract.", "delivery")) else ""
        if entry.kind == "delivery.countersign":
            target = int(entry.record()["delivery"])
            contract = ledger.entries(target, target + 1)[0].subject
        if contract:
            try:
                parties = list(ledger.contract(contract).parties)
            except NotFoundError:
                parties = [entry.org]
        if not _visible(ctx, park_id, parties):
            raise ApiProblem(404, f"no ledger entry {index}", field="path.index")
        if not any(int(n.split("\n")[1]) > index for n in ledger.checkpoints()):
            raise ApiProblem(409, f"no checkpoint covers entry {index} yet", field="path.index")
        return ledger.prove(index)
