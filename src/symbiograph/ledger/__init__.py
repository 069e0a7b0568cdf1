"""The tamper-evident ledger: canonical records, Ed25519 signatures, an RFC 9162 Merkle log.

Records are canonical JSON (RFC 8785); confidential fields enter as salted commitments whose
openings are kept apart, so a log can go to an auditor without a price in it. Each entry is
signed by its organisation's Ed25519 key; the leaves form an RFC 9162 tree whose heads are
signed as C2SP checkpoints; inclusion and consistency proofs and :func:`verify_log` let
anyone check the log, and ``verify_bundle.py`` beside this file checks one entry's evidence
offline with nothing but the standard library and ``cryptography``. Contract obligations are
checked per period (quantity band, take-or-pay, deliver-or-pay) and settled in cents. Pure:
no file, socket or database; persistence is the store's.
"""

from symbiograph.ledger._canonical import (
    COMMITMENT_KEY,
    Opening,
    canonical_json,
    commit,
    es_number,
    open_commitment,
    seal,
    unseal,
)
from symbiograph.ledger._contracts import (
    ContractTerms,
    Delivery,
    Payment,
    PeriodOutcome,
    assess_period,
    settle,
)
from symbiograph.ledger._keys import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    generate_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
    public_key_raw,
    sign,
    verify_signature,
)
from symbiograph.ledger._log import (
    DOMAIN,
    EVIDENCE_FORMAT,
    Entry,
    Log,
    Verdict,
    sign_entry,
    verify_log,
)
from symbiograph.ledger._merkle import (
    EMPTY_ROOT,
    CompactRange,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from symbiograph.ledger._note import (
    Checkpoint,
    key_hash,
    parse_signed_note,
    sign_checkpoint,
    verifier_key,
    verify_checkpoint,
)

__all__ = [
    "COMMITMENT_KEY",
    "DOMAIN",
    "EMPTY_ROOT",
    "EVIDENCE_FORMAT",
    "Checkpoint",
    "CompactRange",
    "ContractTerms",
    "Delivery",
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "Entry",
    "Log",
    "MerkleTree",
    "Opening",
    "Payment",
    "PeriodOutcome",
    "Verdict",
    "assess_period",
    "canonical_json",
    "commit",
    "es_number",
    "generate_key",
    "key_hash",
    "leaf_hash",
    "load_private_key",
    "load_public_key",
    "node_hash",
    "open_commitment",
    "parse_signed_note",
    "private_key_pem",
    "public_key_pem",
    "public_key_raw",
    "root_of",
    "seal",
    "settle",
    "sign",
    "sign_checkpoint",
    "sign_entry",
    "unseal",
    "verifier_key",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
    "verify_signature",
]
