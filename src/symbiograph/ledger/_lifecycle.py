"""Contract lifecycle, joint decisions and deliveries as signed log records, and the replay
of a log into its contracts, decisions, deliveries and published index values.

A contract goes ``draft`` (proposed by a party, with its terms) -> ``signed`` (every party
has signed the terms' hash) -> ``active`` -> ``suspended`` (and back to ``active``) ->
``terminated`` or ``expired``; each step is a record signed by the organisation that takes
it, and only a party may take a step. A joint decision (a proposal for shared
infrastructure with each party's cost share, e.g. from ``allocate``) is ``open`` until every
party has voted: ``approved`` when all approve, ``rejected`` as soon as one rejects. A
delivery is recorded against an active contract by its supplier or buyer, once per period;
a waste delivery carries a transfer note (see :mod:`._transfer`) that the other party
countersigns. Pure: the records are plain JSON values; the store keeps them.

Record types (field ``type``):

=====================  ===================================================================
contract.propose       ``contract``, ``terms`` (see :func:`terms_record`), ``parties``
contract.sign          ``contract``, ``terms_hash`` (hex leaf hash of the proposal entry)
contract.activate      ``contract``, ``period`` (first period, YYYY-MM)
contract.suspend       ``contract``, ``reason``, ``period`` (the first month suspended)
contract.resume        ``contract``, ``period`` (the first month running again)
contract.terminate     ``contract``, ``reason``, ``period`` (last period)
contract.expire        ``contract``, ``period`` (last period)
decision.propose       ``decision``, ``title``, ``cost_cents``, ``shares`` (org -> cents,
                       summing to ``cost_cents``), ``method``
decision.vote          ``decision``, ``vote`` (approve or reject), ``proposal_hash`` (hex
                       leaf hash of the proposal entry)
delivery               ``contract``, ``period``, ``nominated``, ``delivered``, ``measured``
                       (metered or declared), ``quality`` (attribute -> value),
                       optional ``transfer`` (a waste transfer note)
delivery.countersign   ``delivery`` (entry index), ``leaf_hash`` (hex)
index                  ``index``, ``period``, ``value`` (a published price index)
=====================  ===================================================================
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from symbiograph.errors import InputError, NotFoundError
from symbiograph.ledger._canonical import COMMITMENT_KEY, canonical_json
from symbiograph.ledger._contracts import ContractTerms, Delivery
from symbiograph.ledger._transfer import missing_fields

__all__ = [
    "CONTRACT_STATUSES",
    "ContractState",
    "DecisionState",
    "LedgerView",
    "check_delivery",
    "contract_step",
    "cost_shares",
    "decision_step",
    "record_hash",
    "replay",
    "terms_from_record",
    "terms_record",
]

CONTRACT_STATUSES = ("draft", "signed", "active", "suspended", "terminated", "expired")
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")

#: contract step -> (statuses it may start from, status it leads to)
_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "contract.activate": (("signed",), "active"),
    "contract.suspend": (("active",), "suspended"),
    "contract.resume": (("suspended",), "active"),
    "contract.terminate": (("active", "suspended"), "terminated"),
    "contract.expire": (("active", "suspended"), "expired"),
}


def cost_shares(shares: Mapping[str, float], cost_cents: int) -> dict[str, int]:
    """``cost_cents`` split in whole cents in proportion to ``shares`` (organisation ->
    share, e.g. the Shapley cost shares of ``allocate`` in currency or as fractions; each
    >= 0, not all 0), by largest remainder, so the cents sum exactly to the cost."""
    if not isinstance(cost_cents, int) or isinstance(cost_cents, bool) or cost_cents < 0:
        raise InputError(f"the cost is a whole number of cents >= 0, not {cost_cents!r}")
    if not shares:
        raise InputError("cost shares name at least one organisation")
    for org, share in shares.items():
        if not isinstance(share, int | float) or not math.isfinite(share) or share < 0:
            raise InputError(
                f"the cost share of {org!r} must be a finite number >= 0, not {share!r}"
            )
    total = math.fsum(shares.values())
    if total <= 0:
        raise InputError("the cost shares sum to 0; nothing to split by")
    exact = {org: cost_cents * share / total for org, share in shares.items()}
    out = {org: math.floor(x) for org, x in exact.items()}
    left = cost_cents - sum(out.values())
    for org in sorted(exact, key=lambda o: (out[o] - exact[o], o))[:left]:
        out[org] += 1
    return out


def record_hash(value: Any) -> str:
    """The hex sha256 of a JSON value's canonical encoding (what a party signs for terms)."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _period(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _PERIOD.fullmatch(value):
        raise InputError(f"{where}: period {value!r} is not a month YYYY-MM")
    return value


def _sealed(value: Any) -> bool:
    return isinstance(value, Mapping) and COMMITMENT_KEY in value


def terms_record(terms: ContractTerms, **more: Any) -> dict[str, Any]:
    """The JSON terms of a contract: the settlement terms of ``terms`` and the rest of the
    agreement given in ``more`` (exchange, resource, unit, start, months, notice_months,
    backup_supply, force_majeure, ...)."""
    record: dict[str, Any] = {
        "supplier": terms.supplier,
        "buyer": terms.buyer,
        "min_take": terms.min_take,
        "max_take": terms.max_take,
        "price": terms.price,
        "price_basis": terms.price_basis,
        "take_or_pay": terms.take_or_pay,
        "deliver_or_pay": terms.deliver_or_pay,
        "excess_factor": terms.excess_factor,
        "off_spec_factor": terms.off_spec_factor,
        "quality": [{"attribute": a, "min": lo, "max": hi} for a, lo, hi in terms.quality],
    }
    if terms.price_basis == "indexed":
        record["price_index"] = terms.price_index
        record["index_base"] = terms.index_base
    clash = set(record) & set(more)
    if clash:
        raise InputError(f"contract {terms.contract!r}: {sorted(clash)} given twice")
    return record | dict(more)


def terms_from_record(contract: str, terms: Mapping[str, Any]) -> ContractTerms:
    """The settlement terms of a contract from its JSON terms (every price opened)."""
    where = f"contract {contract!r}"
    try:
        price = terms["price"]
        if _sealed(price):
            raise InputError(f"{where}: the price is a commitment; give its opening to settle")
        quality = tuple(
            (str(q["attribute"]), q.get("min"), q.get("max")) for q in terms.get("quality", [])
        )
        return ContractTerms(
            contract,
            str(terms["supplier"]),
            str(terms["buyer"]),
            float(terms["min_take"]),
            float(terms["max_take"]),
            float(price),
            float(terms.get("take_or_pay", 0.0)),
            float(terms.get("deliver_or_pay", 0.0)),
            float(terms.get("excess_factor", 0.0)),
            quality,
            float(terms.get("off_spec_factor", 0.0)),
            str(terms.get("price_basis", "fixed")),
            str(terms.get("price_index", "")),
            float(terms.get("index_base", 0.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: terms are incomplete or not numbers ({exc})") from exc


@dataclass(frozen=True)
class ContractState:
    """A contract as its log records have made it: ``status``, the ``terms`` (JSON, as
    logged), their ``terms_hash``, the ``parties``, who has ``signed`` and the ``history``
    of (entry index, step, organisation)."""

    contract: str
    terms: dict[str, Any]
    terms_hash: str
    parties: tuple[str, ...]
    status: str = "draft"
    signed: tuple[str, ...] = ()
    first_period: str | None = None
    last_period: str | None = None
    history: tuple[tuple[int, str, str], ...] = ()
    pauses: tuple[tuple[str, str | None], ...] = ()

    def paused(self, period: str) -> bool:
        """Whether the contract was suspended in ``period`` (from a suspension's period up
        to, not including, the period it resumed)."""
        return any(a <= period and (b is None or period < b) for a, b in self.pauses)

    def json(self) -> dict[str, Any]:
        """The state as JSON (the store keeps it; the API shows it)."""
        return {
            "contract": self.contract,
            "terms": self.terms,
            "terms_hash": self.terms_hash,
            "parties": list(self.parties),
            "status": self.status,
            "signed": list(self.signed),
            "first_period": self.first_period,
            "last_period": self.last_period,
            "history": [list(h) for h in self.history],
            "pauses": [list(x) for x in self.pauses],
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ContractState:
        """A state read back from :meth:`json`."""
        return ContractState(
            str(data["contract"]),
            dict(data["terms"]),
            str(data["terms_hash"]),
            tuple(data["parties"]),
            str(data["status"]),
            tuple(data["signed"]),
            data.get("first_period"),
            data.get("last_period"),
            tuple((int(i), str(s), str(o)) for i, s, o in data.get("history", [])),
            tuple((str(a), None if b is None else str(b)) for a, b in data.get("pauses", [])),
        )

    def covers(self, period: str) -> bool:
        """Whether deliveries may be recorded for ``period`` (active, inside its periods)."""
        if self.status != "active" or self.first_period is None:
            return False
        inside = self.first_period <= period and (
            self.last_period is None or period <= self.last_period
        )
        return inside and not self.paused(period)


def contract_step(
    state: ContractState | None,
    index: int,
    org: str,
    record: Mapping[str, Any],
    leaf_hash: bytes = b"",
) -> ContractState:
    """The contract after the step ``record`` signed by ``org`` at log ``index`` (whose
    Merkle ``leaf_hash`` a proposal's ``terms_hash`` becomes: the parties sign the very
    entry, commitments included; without it, the hash of the canonical terms); a step the
    contract's status, parties or terms do not allow is an :class:`InputError` saying why."""
    kind = record.get("type")
    contract = record.get("contract")
    where = f"contract {contract!r}"
    if not isinstance(contract, str) or not contract:
        raise InputError(f"a {kind} record names its contract")
    if kind == "contract.propose":
        if state is not None:
            raise InputError(f"{where} exists already (status {state.status})")
        terms = record.get("terms")
        parties = record.get("parties")
        if not isinstance(terms, Mapping):
            raise InputError(f"{where}: the proposal carries its terms")
        if not isinstance(parties, list) or len(set(parties)) != len(parties) or len(parties) < 2:
            raise InputError(f"{where}: the proposal names at least two distinct parties")
        if {terms.get("supplier"), terms.get("buyer")} - set(parties):
            raise InputError(f"{where}: supplier and buyer must be among the parties")
        if org not in parties:
            raise InputError(f"{where}: {org!r} is not a party and may not propose it")
        if not _sealed(terms.get("price")):
            terms_from_record(contract, terms)  # the settlement terms must be valid
        if terms.get("start") is not None:
            _period(terms["start"], where)
        return ContractState(
            contract,
            dict(terms),
            leaf_hash.hex() if leaf_hash else record_hash(terms),
            tuple(str(p) for p in parties),
            history=((index, "propose", org),),
        )
    if state is None:
        raise NotFoundError(f"{where} has not been proposed")
    if org not in state.parties:
        raise InputError(f"{where}: {org!r} is not a party and may not {kind}")
    history = (*state.history, (index, str(kind).removeprefix("contract."), org))
    if kind == "contract.sign":
        if state.status != "draft":
            raise InputError(f"{where} is {state.status}; only a draft is signed")
        if record.get("terms_hash") != state.terms_hash:
            raise InputError(f"{where}: {org!r} signed other terms than those proposed")
        if org in state.signed:
            raise InputError(f"{where}: {org!r} has signed already")
        signed = (*state.signed, org)
        status = "signed" if set(signed) == set(state.parties) else "draft"
        return replace(state, signed=signed, status=status, history=history)
    if kind not in _STEPS:
        raise InputError(f"{where}: unknown step {kind!r}")
    allowed, status = _STEPS[str(kind)]
    if state.status not in allowed:
        raise InputError(f"{where} is {state.status}; {kind} needs it {' or '.join(allowed)}")
    out = replace(state, status=status, history=history)
    if kind == "contract.activate":
        out = replace(out, first_period=_period(record.get("period"), where))
    elif kind in ("contract.terminate", "contract.expire"):
        last = _period(record.get("period"), where)
        if state.first_period is not None and last < state.first_period:
            raise InputError(f"{where}: last period {last} is before its first")
        out = replace(out, last_period=last)
    elif kind == "contract.suspend":
        out = replace(out, pauses=(*state.pauses, (_period(record.get("period"), where), None)))
    elif kind == "contract.resume":
        since, _ = state.pauses[-1]
        back = _period(record.get("period"), where)
        if back < since:
            raise InputError(f"{where}: resumed in {back}, before its suspension in {since}")
        out = replace(out, pauses=(*state.pauses[:-1], (since, back)))
    if kind in ("contract.suspend", "contract.terminate") and not record.get("reason"):
        raise InputError(f"{where}: {kind} gives a reason")
    return out


@dataclass(frozen=True)
class DecisionState:
    """A joint decision: its proposal (JSON), ``proposal_hash``, the parties (the
    organisations with a share), the votes (org -> approve/reject) and ``status``
    (open, approved, rejected)."""

    decision: str
    proposal: dict[str, Any]
    proposal_hash: str
    parties: tuple[str, ...]
    votes: dict[str, str] = field(default_factory=dict)
    status: str = "open"
    history: tuple[tuple[int, str, str], ...] = ()

    def json(self) -> dict[str, Any]:
        """The state as JSON."""
        return {
            "decision": self.decision,
            "proposal": self.proposal,
            "proposal_hash": self.proposal_hash,
            "parties": list(self.parties),
            "votes": dict(self.votes),
            "status": self.status,
            "history": [list(h) for h in self.history],
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> DecisionState:
        """A state read back from :meth:`json`."""
        return DecisionState(
            str(data["decision"]),
            dict(data["proposal"]),
            str(data["proposal_hash"]),
            tuple(data["parties"]),
            dict(data["votes"]),
            str(data["status"]),
            tuple((int(i), str(s), str(o)) for i, s, o in data.get("history", [])),
        )


def decision_step(
    state: DecisionState | None,
    index: int,
    org: str,
    record: Mapping[str, Any],
    leaf_hash: bytes = b"",
) -> DecisionState:
    """The decision after ``record`` (decision.propose or decision.vote) by ``org``; a
    proposal's ``proposal_hash`` is its entry's ``leaf_hash`` (hex; without it, the hash of
    the canonical proposal)."""
    kind = record.get("type")
    decision = record.get("decision")
    where = f"decision {decision!r}"
    if not isinstance(decision, str) or not decision:
        raise InputError(f"a {kind} record names its decision")
    if kind == "decision.propose":
        if state is not None:
            raise InputError(f"{where} exists already")
        shares = record.get("shares")
        cost = record.get("cost_cents")
        if not isinstance(cost, int) or isinstance(cost, bool) or cost < 0:
            raise InputError(f"{where}: cost_cents is a whole number of cents >= 0")
        if not isinstance(shares, Mapping) or len(shares) < 2:
            raise InputError(f"{where}: shares name at least two organisations")
        if any(not isinstance(v, int) or isinstance(v, bool) for v in shares.values()):
            raise InputError(f"{where}: each share is a whole number of cents")
        if sum(shares.values()) != cost:
            raise InputError(
                f"{where}: the shares sum to {sum(shares.values())} cents, not the cost {cost}"
            )
        if org not in shares:
            raise InputError(f"{where}: {org!r} has no share and may not propose it")
        proposal = {k: v for k, v in record.items() if k != "type"}
        return DecisionState(
            decision,
            proposal,
            leaf_hash.hex() if leaf_hash else record_hash(proposal),
            tuple(sorted(str(k) for k in shares)),
            history=((index, "propose", org),),
        )
    if state is None:
        raise NotFoundError(f"{where} has not been proposed")
    if kind != "decision.vote":
        raise InputError(f"{where}: unknown step {kind!r}")
    if org not in state.parties:
        raise InputError(f"{where}: {org!r} has no share and may not vote")
    if state.status != "open":
        raise InputError(f"{where} is {state.status} already")
    if org in state.votes:
        raise InputError(f"{where}: {org!r} has voted already")
    vote = record.get("vote")
    if vote not in ("approve", "reject"):
        raise InputError(f"{where}: a vote is approve or reject, not {vote!r}")
    if record.get("proposal_hash") != state.proposal_hash:
        raise InputError(f"{where}: {org!r} voted on another proposal")
    votes = {**state.votes, org: str(vote)}
    status = (
        "rejected"
        if vote == "reject"
        else ("approved" if set(votes) == set(state.parties) else "open")
    )
    return replace(
        state, votes=votes, status=status, history=(*state.history, (index, str(vote), org))
    )


def check_delivery(contract: ContractState | None, org: str, record: Mapping[str, Any]) -> Delivery:
    """The delivery a ``delivery`` record states, checked against its contract: active in
    that period, recorded by a party, quantities finite and >= 0, and a waste transfer note
    complete (else an :class:`InputError` listing what it lacks)."""
    name = record.get("contract")
    where = f"delivery {name!r} {record.get('period')!r}"
    if contract is None:
        raise NotFoundError(f"{where}: no contract {name!r}")
    period = _period(record.get("period"), where)
    if org not in (contract.terms.get("supplier"), contract.terms.get("buyer")):
        raise InputError(f"{where}: {org!r} is neither its supplier nor its buyer")
    if not contract.covers(period):
        raise InputError(f"{where}: the contract is {contract.status} and does not cover {period}")
    if record.get("measured") not in ("metered", "declared"):
        raise InputError(f"{where}: measured is metered or declared")
    quantities: dict[str, float] = {}
    for key in ("nominated", "delivered"):
        value = record.get(key)
        if _sealed(value):
            quantities[key] = math.nan
            continue
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or value < 0
        ):
            raise InputError(f"{where}: {key} must be a finite number >= 0, not {value!r}")
        quantities[key] = float(value)
    quality = record.get("quality", {})
    if not isinstance(quality, Mapping) or any(
        not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v)
        for v in quality.values()
    ):
        raise InputError(f"{where}: quality maps attributes to finite numbers")
    transfer = record.get("transfer")
    if transfer is not None:
        if not isinstance(transfer, Mapping):
            raise InputError(f"{where}: transfer is a waste transfer note (an object)")
        lacking = missing_fields(transfer, "sign")
        if lacking:
            raise InputError(
                f"{where}: the waste transfer note cannot be signed; it lacks " + ", ".join(lacking)
            )
    return Delivery(
        str(name), period, quantities["nominated"], quantities["delivered"], dict(quality)
    )


@dataclass
class LedgerView:
    """What a log says, replayed in order: contracts and decisions by id, deliveries by
    (contract, period) with their entry index, countersignatures (delivery entry -> entry
    of the countersign), published index values and the transfer notes."""

    contracts: dict[str, ContractState] = field(default_factory=dict)
    decisions: dict[str, DecisionState] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], tuple[int, Delivery]] = field(default_factory=dict)
    records: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    countersigned: dict[int, int] = field(default_factory=dict)
    leaves: dict[int, bytes] = field(default_factory=dict)
    indices: dict[tuple[str, str], float] = field(default_factory=dict)

    def apply(
        self, index: int, org: str, record: Mapping[str, Any], leaf_hash: bytes = b""
    ) -> None:
        """Take one record signed by ``org`` at log ``index``; a record its state does
        not allow raises :class:`InputError` (and changes nothing)."""
        kind = record.get("type")
        if not isinstance(kind, str):
            raise InputError(f"entry {index}: the record has no type")
        if kind.startswith("contract."):
            name = str(record.get("contract"))
            self.contracts[name] = contract_step(
                self.contracts.get(name), index, org, record, leaf_hash
            )
        elif kind.startswith("decision."):
            name = str(record.get("decision"))
            self.decisions[name] = decision_step(
                self.decisions.get(name), index, org, record, leaf_hash
            )
        elif kind == "delivery":
            delivery = check_delivery(self.contracts.get(str(record.get("contract"))), org, record)
            key = (delivery.contract, delivery.period)
            if key in self.deliveries:
                raise InputError(
                    f"entry {index}: contract {key[0]!r} has a delivery for {key[1]} already "
                    f"(entry {self.deliveries[key][0]})"
                )
            self.deliveries[key] = (index, delivery)
            self.records[index] = (org, dict(record))
            self.leaves[index] = leaf_hash
        elif kind == "delivery.countersign":
            target = record.get("delivery")
            if not isinstance(target, int) or target not in self.records:
                raise InputError(f"entry {index}: no delivery at entry {target!r}")
            supplier_org, delivered = self.records[target]
            contract = self.contracts[str(delivered["contract"])]
            other = set(contract.parties) - {supplier_org}
            if org not in other:
                raise InputError(f"entry {index}: {org!r} is not the other party of {target}")
            if target in self.countersigned:
                raise InputError(f"entry {index}: delivery {target} is countersigned already")
            target_leaf = self.leaves.get(target, b"")
            if target_leaf and record.get("leaf_hash") != target_leaf.hex():
                raise InputError(f"entry {index}: countersigns another leaf than entry {target}")
            self.countersigned[target] = index
        elif kind == "index":
            series, period, value = record.get("index"), record.get("period"), record.get("value")
            if not isinstance(series, str) or not series:
                raise InputError(f"entry {index}: an index record names its index")
            _period(period, f"entry {index}")
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise InputError(f"entry {index}: index value {value!r} is not positive")
            if (series, str(period)) in self.indices:
                raise InputError(f"entry {index}: index {series} {period} is published already")
            self.indices[(series, str(period))] = float(value)
        else:
            raise InputError(f"entry {index}: unknown record type {kind!r}")

    def terms(self) -> list[ContractTerms]:
        """The settlement terms of every contract that was ever active."""
        return [
            terms_from_record(name, c.terms)
            for name, c in sorted(self.contracts.items())
            if c.first_period is not None
        ]


def replay(entries: Iterable[tuple[int, str, Mapping[str, Any], bytes]]) -> LedgerView:
    """The :class:`LedgerView` of ``(index, org, record, leaf hash)`` in log order."""
    view = LedgerView()
    for index, org, record, leaf_h in entries:
        view.apply(index, org, record, leaf_h)
    return view
