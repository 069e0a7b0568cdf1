"""The deal pipeline in the store: every (from, to) move x every role allowed or refused as
the issue's roles say, moves and edits audited, versions, visibility, documents, outcomes
(on SQLite and PostgreSQL: the ``store`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import gypsum_trio
from symbiograph.errors import InputError, NotFoundError
from symbiograph.store import (
    STAGES,
    AccessDeniedError,
    Pipeline,
    Registry,
    StaleVersionError,
    Store,
    Tenant,
)

# The deal chain and who may make which move, written out here independently of MOVES.
CHAIN = ["identified", "contacted", "feasibility", "agreed", "contracted", "operating", "ended"]


def legal(origin: str, to: str) -> bool:
    if to == "declined":
        return origin in CHAIN[:5]
    return origin in CHAIN[:-1] and to in CHAIN and CHAIN.index(to) == CHAIN.index(origin) + 1


def expected(role: str, origin: str, to: str) -> bool:
    if not legal(origin, to):
        return False
    if role in ("admin", "facilitator"):
        return True
    if role == "party_admin":  # an organisation admin of one side: decline, or end it
        return to == "declined" or (origin, to) == ("operating", "ended")
    return False  # a party's member, a bystander company, an observer, another park


class Park:
    """A registry park made from the gypsum trio (A gives to B; C is a bystander) with one
    tenant per role, and a second park with its own facilitator."""

    def __init__(self, store: Store) -> None:
        self.store = store
        registry = Registry(store)
        self.park = registry.create_park("trio").row_id
        orgs = registry.import_network(self.park, gypsum_trio())
        self.org = {o.name: o.row_id for o in orgs}
        other = registry.create_park("elsewhere").row_id
        p = self.park
        self.tenants = {
            "admin": Tenant("u-admin", "admin"),
            "facilitator": Tenant("u-fac", "facilitator", park_id=p),
            "party_admin": Tenant("u-a-admin", "org_admin", p, self.org["A"]),
            "party_member": Tenant("u-b-member", "member", p, self.org["B"]),
            "bystander": Tenant("u-c-admin", "org_admin", p, self.org["C"]),
            "observer": Tenant("u-obs", "observer", park_id=p),
            "other_park": Tenant("u-fac2", "facilitator", park_id=other),
        }

    def pipeline(self, who: str) -> Pipeline:
        return Pipeline(self.store, self.tenants[who])

    def synergy(self, **values: object) -> int:
        made = self.pipeline("facilitator").create(
            self.park,
            {
                "organisation_id": self.org["A"],
                "partner_organisation_id": self.org["B"],
                "supply_id": "sa",
                "demand_id": "db",
                "title": "gypsum A -> B",
                **values,
            },
        )
        return made.row_id

    def force_stage(self, synergy_id: int, stage: str) -> None:
        """Put a synergy at ``stage`` directly in the table (a test's set-up only)."""
        with self.store.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE sg_p_synergies SET stage = :s WHERE id = :i"),
                {"s": stage, "i": synergy_id},
            )


@pytest.fixture
def park(store: Store) -> Park:
    return Park(store)


def test_every_move_for_every_role(park: Park) -> None:
    """8 x 8 stage pairs x 7 roles: a move is made exactly when the chain has it and the
    role may make it; a refused move changes nothing."""
    synergy_id = park.synergy()
    pairs = list(product(STAGES, STAGES))
    if park.store.engine.dialect.name == "postgresql":  # the whole table once is enough
        pairs = [p for p in pairs if legal(*p)] + [("identified", "agreed"), ("ended", "declined")]
    for (origin, to), who in product(pairs, park.tenants):
        park.force_stage(synergy_id, origin)
        before = park.pipeline("admin").get(synergy_id)
        mine = park.pipeline(who)
        try:
            after = mine.move(synergy_id, before.version, to, note=f"{who}: {origin}->{to}")
        except (AccessDeniedError, NotFoundError, InputError) as refused:
            assert not expected(who, origin, to), (who, origin, to, refused)
            if legal(origin, to) and who in ("party_member", "observer"):
                assert isinstance(refused, AccessDeniedError | NotFoundError)
            still = park.pipeline("admin").get(synergy_id)
            assert (still.stage, still.version) == (origin, before.version)
        else:
            assert expected(who, origin, to), (who, origin, to)
            assert after.stage == to and after.version == before.version + 1


def test_moves_and_edits_are_audited(park: Park) -> None:
    fac = park.pipeline("facilitator")
    synergy_id = park.synergy(owner="Jane (facilitator)", flow=100.0)
    s = fac.get(synergy_id)
    s = fac.move(synergy_id, s.version, "contacted", note="called both", on="2026-01-15")
    s = fac.update(synergy_id, s.version, {"notes": "B wants a trial load", "flow": 80.0})
    s = park.pipeline("party_admin").move(synergy_id, s.version, "declined", note="A said no")
    moves = fac.moves(synergy_id)
    assert [(m.from_stage, m.to_stage, m.actor) for m in moves] == [
        (None, "identified", "u-fac"),
        ("identified", "contacted", "u-fac"),
        ("contacted", "declined", "u-a-admin"),
    ]
    assert [m.note for m in moves][1:] == ["called both", "A said no"]
    assert s.values["dates"]["contacted"] == "2026-01-15"
    assert s.values["flow"] == 80.0 and s.values["notes"] == "B wants a trial load"
    audit = [e for e in Registry(park.store).audit(park.park, limit=500) if e.table == "synergies"]
    assert [(e.action, e.actor) for e in audit] == [
        ("create", "u-fac"),
        ("move", "u-fac"),
        ("update", "u-fac"),
        ("move", "u-a-admin"),
    ]
    last = audit[-1]
    assert last.before is not None and last.after is not None
    assert (last.before["stage"], last.after["stage"]) == ("contacted", "declined")
    assert last.after["version"] == last.before["version"] + 1
    with pytest.raises(InputError, match="cannot move"):  # declined is final
        fac.move(synergy_id, s.version, "contacted")


def test_a_stale_version_is_refused(park: Park) -> None:
    fac = park.pipeline("facilitator")
    synergy_id = park.synergy()
    fac.move(synergy_id, 1, "contacted")
    with pytest.raises(StaleVersionError):
        fac.move(synergy_id, 1, "feasibility")
    with pytest.raises(StaleVersionError):
        fac.update(synergy_id, 1, {"notes": "late"})
    assert fac.get(synergy_id).stage == "contacted"


def test_who_sees_which_synergy(park: Park) -> None:
    ab = park.synergy()
    ac = (
        park.pipeline("facilitator")
        .create(
            park.park,
            {"organisation_id": park.org["A"], "partner_organisation_id": park.org["C"]},
        )
        .row_id
    )
    listed = {
        who: [s.row_id for s in park.pipeline(who).synergies(park.park)[0]]
        for who in ("admin", "facilitator", "party_admin", "party_member", "bystander")
    }
    assert listed == {
        "admin": [ab, ac],
        "facilitator": [ab, ac],
        "party_admin": [ab, ac],
        "party_member": [ab],
        "bystander": [ac],
    }
    with pytest.raises(NotFoundError):
        park.pipeline("party_member").get(ac)
    with pytest.raises(NotFoundError):
        park.pipeline("other_park").get(ab)
    with pytest.raises(AccessDeniedError):
        park.pipeline("observer").synergies(park.park)
    for who in ("party_admin", "party_member", "observer"):
        with pytest.raises(AccessDeniedError):
            park.pipeline(who).create(
                park.park,
                {"organisation_id": park.org["A"], "partner_organisation_id": park.org["B"]},
            )
        with pytest.raises((AccessDeniedError, NotFoundError)):
            park.pipeline(who).update(ab, 1, {"notes": "mine"})


def test_a_synergy_must_name_real_sides_and_streams(park: Park) -> None:
    fac = park.pipeline("facilitator")
    a, b = park.org["A"], park.org["B"]
    bad = [
        ({"organisation_id": a, "partner_organisation_id": a}, "different"),
        ({"organisation_id": a, "partner_organisation_id": 999}, "no organisation"),
        ({"organisation_id": a, "partner_organisation_id": b, "supply_id": "nope"}, "no stream"),
        ({"organisation_id": a, "partner_organisation_id": b, "supply_id": "db"}, "not a supply"),
        ({"organisation_id": a, "partner_organisation_id": b, "flow": float("nan")}, "finite"),
        ({"organisation_id": a, "partner_organisation_id": b, "flow": "12"}, "number"),
        ({"organisation_id": a, "partner_organisation_id": b, "stage": "operating"}, "unknown"),
        (
            {"organisation_id": a, "partner_organisation_id": b, "expected_start": "2026-13-01"},
            "date",
        ),
    ]
    for values, said in bad:
        with pytest.raises(InputError, match=said):
            fac.create(park.park, values)
    assert fac.synergies(park.park)[1] == 0


def test_documents(park: Park) -> None:
    synergy_id = park.synergy()
    party = park.pipeline("party_member")
    doc = party.add_document(synergy_id, "feasibility study.pdf", "application/pdf", b"%PDF-1.4")
    assert doc.size == 8 and doc.uploaded_by == "u-b-member" and len(doc.sha256) == 64
    record, content = park.pipeline("facilitator").content(synergy_id, doc.id)
    assert content == b"%PDF-1.4" and record.name == "feasibility study.pdf"
    for name in ("../../etc/passwd", "a\\b.txt", ".hidden", "x\x00y", ""):
        with pytest.raises(InputError, match="safe file name"):
            party.add_document(synergy_id, name, "text/plain", b"x")
    with pytest.raises(NotFoundError):
        park.pipeline("bystander").add_document(synergy_id, "x.txt", "text/plain", b"x")
    with pytest.raises(NotFoundError):
        park.pipeline("bystander").content(synergy_id, doc.id)
    assert [d.id for d in park.pipeline("party_admin").documents(synergy_id)] == [doc.id]


def test_outcomes_per_stage(park: Park) -> None:
    fac = park.pipeline("facilitator")
    running = park.synergy(flow=100.0, co2e_avoided_t=2.5, net_benefit=5000.0)
    for step, stage in enumerate(CHAIN[1:6], start=1):
        fac.move(running, step, stage)
    park.synergy(flow=40.0, net_benefit=1000.0)
    park.synergy(flow=7.0)
    found = fac.outcomes(park.park)
    assert found["operating"]["count"] == 1
    assert found["operating"]["net_benefit"] == 5000.0
    assert found["operating"]["co2e_avoided_t"] == 2.5
    assert found["pipeline"]["count"] == 2 and found["pipeline"]["flow"] == 47.0
    assert found["stages"]["identified"]["known"]["net_benefit"] == 1
    assert sum(v["count"] for v in found["stages"].values()) == 3
    with pytest.raises(AccessDeniedError):
        park.pipeline("party_admin").outcomes(park.park)


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["admin", "facilitator", "party_admin", "party_member", "bystander"]),
            st.sampled_from(STAGES),
        ),
        max_size=12,
    )
)
def test_random_move_sequences_follow_the_chain(
    sqlite_park: Park, steps: list[tuple[str, str]]
) -> None:
    """Any sequence of attempted moves: the stored stage, version and move log follow a
    model of the chain; refused moves leave no trace."""
    park = sqlite_park
    synergy_id = park.synergy()
    stage, version, log = "identified", 1, [(None, "identified")]
    for who, to in steps:
        try:
            park.pipeline(who).move(synergy_id, version, to)
        except (AccessDeniedError, NotFoundError, InputError):
            assert not expected(who, stage, to)
        else:
            assert expected(who, stage, to)
            log.append((stage, to))
            stage, version = to, version + 1
    found = park.pipeline("admin").get(synergy_id)
    assert (found.stage, found.version) == (stage, version)
    assert [(m.from_stage, m.to_stage) for m in park.pipeline("admin").moves(synergy_id)] == log


@pytest.fixture
def sqlite_park(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Park]:
    with Store(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}") as store:
        yield Park(store)
