"""EWC codes for free-text residue listings: chapter by source industry, sub-chapter and entry
by the words, the mirror pair by explicit hazard evidence, with calibrated probabilities.

The model is a log-linear choice over the 842 List of Waste entries. Each entry gets features
at three levels: the chapter (the facility's NACE prior from taxonomy/nace_ewc_prior.csv, the
chapters named by the listing's lexicon terms, its similarity to development listings of the
chapter), the sub-chapter (the same, one level down) and the entry (TF-IDF similarity of the
lexicon-expanded listing to the entry's label, the lexicon's entries, the nearest development
listings of the entry, how often the entry occurs). Weights are fitted by maximum likelihood
on the development split of taxonomy/listings.csv with out-of-fold features, then the mirror
rule moves a hazardous entry's probability to its non-hazardous sibling unless the listing
says it is hazardous ("oily", "contaminated", "PCB"), and never when it says it is not
("non haz", "PCB free", "free of oil"). A temperature fitted on out-of-fold development
predictions calibrates the probabilities; the abstention threshold is the lowest top-1
probability at which out-of-fold precision on development reaches ``target_precision``.
The test split is never read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import logsumexp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from symbiograph.match._listing_text import ListingText, read_listing

__all__ = [
    "EXAMPLE_COLUMNS",
    "FEATURES",
    "ListingCodeModel",
    "ListingProposal",
    "add_listing_examples",
    "classify_listing",
    "classify_listings",
    "labelled_examples",
    "listing_code_model",
]

#: The model's features, in the order of its weights.
FEATURES = (
    "label_chars",
    "label_words",
    "subchapter_words",
    "chapter_words",
    "lexicon_entry",
    "lexicon_subchapter",
    "lexicon_chapter",
    "example_entry",
    "example_subchapter",
    "example_chapter",
    "prior_chapter",
    "prior_subchapter",
    "entry_frequency",
    "hazardous_with_evidence",
    "hazardous_without_evidence",
    "not_otherwise_specified",
)
_GENERIC_CHAPTERS = tuple(f"{c:02d}" for c in range(13, 21))
_TOKEN = re.compile(r"[a-z][a-z0-9\-]+")
_STOP = frozenset(
    [
        "the",
        "and",
        "of",
        "from",
        "for",
        "with",
        "in",
        "on",
        "or",
        "to",
        "a",
        "an",
        "by",
        "our",
        "we",
        "is",
        "are",
        "off",
        "ex",
        "per",
        "not",
        "no",
        "other",
        "than",
        "those",
        "mentioned",
        "containing",
        "wastes",
        "waste",
        "otherwise",
        "specified",
    ]
)


@dataclass(frozen=True)
class ListingProposal:
    """One proposed EWC entry for a listing.

    ``probability`` is calibrated (0..1); ``confident`` says whether it reaches the model's
    abstention threshold; ``reason`` is one line a facilitator can check (words, lexicon
    entry, sector prior, hazard evidence).
    """

    code: str
    description: str
    hazardous: bool
    probability: float
    confident: bool
    reason: str


@dataclass
class _Entries:
    codes: np.ndarray
    descriptions: np.ndarray
    subchapters: np.ndarray
    chapters: np.ndarray
    hazardous: np.ndarray
    nos: np.ndarray
    sub_index: np.ndarray
    chap_index: np.ndarray
    sub_codes: np.ndarray
    chap_codes: np.ndarray
    mirror_of: np.ndarray  # for each entry: index of its non-hazardous sibling, or -1
    position: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _entries() -> _Entries:
    from symbiograph.taxonomy import ewc_codes

    ewc = ewc_codes()
    rows = ewc[ewc["level"] == "entry"].reset_index(drop=True)
    codes = rows["code"].astype(str).to_numpy()
    position = {c: i for i, c in enumerate(codes)}
    subs = rows["subchapter"].astype(str).to_numpy()
    chaps = rows["chapter"].astype(str).to_numpy()
    sub_codes, sub_index = np.unique(subs, return_inverse=True)
    chap_codes, chap_index = np.unique(chaps, return_inverse=True)
    hazardous = rows["hazardous"].to_numpy(dtype=bool)
    descriptions = rows["description"].astype(str).to_numpy()
    mirror_of = np.full(len(codes), -1)
    # "X other than those mentioned in 10 01 04 and 10 01 16": X is the mirror of those
    for i, text in enumerate(descriptions):
        found = re.search(r"other than (?:those|that) mentioned in (.*)$", text)
        if not found:
            continue
        for code in re.findall(r"\d{2} \d{2} \d{2}", found.group(1)):
            j = position.get(code, -1)
            if j < 0 or subs[j] != subs[i] or hazardous[j] == hazardous[i]:
                continue
            if hazardous[j]:
                mirror_of[j] = i
            else:  # "20 01 26* oil and fat other than those mentioned in 20 01 25"
                mirror_of[i] = j
    nos = np.array([c.endswith(" 99") for c in codes])
    return _Entries(
        codes=codes,
        descriptions=descriptions,
        subchapters=subs,
        chapters=chaps,
        hazardous=hazardous,
        nos=nos,
        sub_index=sub_index,
        chap_index=chap_index,
        sub_codes=sub_codes,
        chap_codes=chap_codes,
        mirror_of=mirror_of,
        position=position,
    )


@lru_cache(maxsize=1)
def _mirror_groups() -> list[tuple[int, np.ndarray]]:
    """(non-hazardous entry, its hazardous mirror entries) for every mirror pair."""
    e = _entries()
    members = np.flatnonzero(e.mirror_of >= 0)
    return [(int(s), members[e.mirror_of[members] == s]) for s in np.unique(e.mirror_of[members])]


@lru_cache(maxsize=1)
def _description_words() -> list[str]:
    """Each entry's description as stemmed words, space-padded for whole-word lookups."""
    return [" " + _stem(d) + " " for d in _entries().descriptions]


def _stem(text: str) -> str:
    """Lower-case content words, crude plural stripping ("sludges" -> "sludge")."""
    words = []
    for w in _TOKEN.findall(text.lower()):
        if w in _STOP:
            continue
        if len(w) > 4 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        words.append(w)
    return " ".join(words)


@lru_cache(maxsize=1)
def _label_texts() -> tuple[list[str], list[str], list[str]]:
    """Label documents of every entry, sub-chapter and chapter (headings included)."""
    from symbiograph.taxonomy import ewc_codes

    e = _entries()
    ewc = ewc_codes()
    titles = dict(zip(ewc["code"].astype(str), ewc["description"].astype(str), strict=True))
    entry_docs = [
        f"{d} - {titles.get(s, '')} - {titles.get(c, '')}"
        for d, s, c in zip(e.descriptions, e.subchapters, e.chapters, strict=True)
    ]
    sub_docs = [titles.get(s, "") for s in e.sub_codes]
    chap_docs = [
        titles.get(c, "") + " " + " ".join(titles.get(s, "") for s in e.sub_codes if s[:2] == c)
        for c in e.chap_codes
    ]
    return entry_docs, sub_docs, chap_docs


@lru_cache(maxsize=1)
def _nace_prior_table() -> dict[str, list[tuple[str, float, str]]]:
    from symbiograph.taxonomy import nace_ewc_prior

    table: dict[str, list[tuple[str, float, str]]] = {}
    frame = nace_ewc_prior()
    for nace, ewc, weight, basis in zip(
        frame["nace"], frame["ewc"], frame["weight"], frame["basis"], strict=True
    ):
        table.setdefault(str(nace), []).append((str(ewc), float(weight), str(basis)))
    return table


def _nace_rows(nace: str | None) -> list[tuple[str, float, str]]:
    """The prior rows of a facility: its class rows, then its division's rows added."""
    if not nace:
        return []
    table = _nace_prior_table()
    code = str(nace).strip()
    rows = list(table.get(code, []))
    if len(code) > 2 and code[:2] in table:
        rows += table[code[:2]]
    return rows


def _prior(nace: str | None) -> tuple[np.ndarray, np.ndarray, str]:
    """Log prior over chapters and sub-chapters (indexed like _entries().chap_codes and
    sub_codes) for a facility's NACE code, and a line naming the strongest row."""
    e = _entries()
    rows = _nace_rows(nace)
    n_chap, n_sub = len(e.chap_codes), len(e.sub_codes)
    if not rows:
        return np.zeros(n_chap), np.zeros(n_sub), ""
    chap_w = np.full(n_chap, 0.2)  # every chapter stays possible
    for c in _GENERIC_CHAPTERS:
        chap_w[np.searchsorted(e.chap_codes, c)] += 1.0
    sub_w = np.full(n_sub, 0.05)
    for ewc, weight, _ in rows:
        if len(ewc) == 2:
            k = int(np.searchsorted(e.chap_codes, ewc))
            chap_w[k] += weight
        else:
            k = int(np.searchsorted(e.sub_codes, ewc))
            sub_w[k] += weight
            chap_w[int(np.searchsorted(e.chap_codes, ewc[:2]))] += weight
    chap_p = chap_w / chap_w.sum()
    # within a chapter: the sub-chapter rows, spread evenly where none is named
    sub_p = np.zeros(n_sub)
    for chap in e.chap_codes:
        members = np.flatnonzero(np.char.startswith(e.sub_codes.astype(str), chap))
        w = sub_w[members]
        sub_p[members] = w / w.sum()
    best = max(rows, key=lambda r: r[1])
    line = f"NACE {nace} -> {best[0]} ({best[2]})"
    return np.log(chap_p), np.log(sub_p), line


@dataclass
class _Encoded:
    """The text features of a set of listings: readings and unit TF-IDF matrices."""

    readings: list[ListingText]
    chars: Any
    words: Any


class ListingCodeModel:
    """The fitted classifier: label and lexicon vectors, development examples, weights,
    temperature and abstention threshold. Build it with ``ListingCodeModel.fit(dev)`` or use
    the cached ``listing_code_model()``."""

    def __init__(
        self,
        target_precision: float = 0.8,
        folds: int = 5,
        seed: int = 18,
        features: tuple[str, ...] = FEATURES,
        lexicon: bool = True,
    ) -> None:
        unknown = sorted(set(features) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown features {unknown}; known: {', '.join(FEATURES)}")
        if not lexicon:  # a diagnostic: the listing's own words only, no trade terms
            features = tuple(f for f in features if not f.startswith("lexicon_"))
        self.lexicon = lexicon
        self.mask = np.array([f in features for f in FEATURES], dtype=float)
        self.target_precision = target_precision
        self.folds = folds
        self.seed = seed
        self.weights = np.zeros(len(FEATURES))
        self.temperature = 1.0
        self.calibration: Calibration | None = None
        self.threshold = 1.0
        self.development: dict[str, float] = {}
        self.corrections_: tuple[_Encoded, np.ndarray, np.ndarray] | None = None
        self.correction_similarity = 0.5

    # -- text ------------------------------------------------------------------------------
    def _fit_vectorizers(self, extra_texts: list[str]) -> None:
        entry_docs, sub_docs, chap_docs = _label_texts()
        corpus = [_stem(t) for t in entry_docs + extra_texts]
        self.chars_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        self.words_ = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
        self.chars_.fit(corpus)
        self.words_.fit(corpus)
        self.label_chars_ = normalize(self.chars_.transform([_stem(t) for t in entry_docs]))
        self.label_words_ = normalize(self.words_.transform([_stem(t) for t in entry_docs]))
        self.sub_words_ = normalize(self.words_.transform([_stem(t) for t in sub_docs]))
        self.chap_words_ = normalize(self.words_.transform([_stem(t) for t in chap_docs]))

    def _encode(self, texts: list[str]) -> _Encoded:
        readings = [read_listing(t) for t in texts]
        docs = [_stem(r.expanded if self.lexicon else r.material) for r in readings]
        return _Encoded(
            readings=readings,
            chars=normalize(self.chars_.transform(docs)),
            words=normalize(self.words_.transform(docs)),
        )

    # -- features --------------------------------------------------------------------------
    def _features(
        self,
        query: _Encoded,
        naces: list[str | None],
        examples: _Encoded | None,
        example_labels: np.ndarray,
        exclude: np.ndarray | None = None,
    ) -> np.ndarray:
        """Features (listings x entries x FEATURES). ``example_labels`` are entry indices of
        the examples; ``exclude[i, j]`` True hides example j from listing i (out-of-fold)."""
        e = _entries()
        n, m = len(query.readings), len(e.codes)
        x = np.zeros((n, m, len(FEATURES)), dtype=np.float64)
        x[:, :, 0] = (query.chars @ self.label_chars_.T).toarray()
        x[:, :, 1] = (query.words @ self.label_words_.T).toarray()
        x[:, :, 2] = (query.words @ self.sub_words_.T).toarray()[:, e.sub_index]
        x[:, :, 3] = (query.words @ self.chap_words_.T).toarray()[:, e.chap_index]
        for i, reading in enumerate(query.readings):
            for _, _, codes in reading.terms:
                for rank, code in enumerate(codes):
                    j = e.position[code]
                    vote = 1.0 if rank == 0 else 0.5
                    x[i, j, 4] = max(x[i, j, 4], vote)
                    x[i, e.sub_index == e.sub_index[j], 5] = np.maximum(
                        x[i, e.sub_index == e.sub_index[j], 5], vote
                    )
                    x[i, e.chap_index == e.chap_index[j], 6] = np.maximum(
                        x[i, e.chap_index == e.chap_index[j], 6], vote
                    )
        if examples is not None and len(example_labels):
            sims = (
                0.5 * (query.chars @ examples.chars.T).toarray()
                + 0.5 * (query.words @ examples.words.T).toarray()
            )
            if exclude is not None:
                sims = np.where(exclude, -1.0, sims)
            counts = np.zeros((n, m))
            for j, label in enumerate(example_labels):
                s = sims[:, j]
                x[:, label, 7] = np.maximum(x[:, label, 7], s)
                counts[:, label] += s > -1.0
            sub_of = e.sub_index[example_labels]
            chap_of = e.chap_index[example_labels]
            best_sub = np.full((n, len(e.sub_codes)), 0.0)
            best_chap = np.full((n, len(e.chap_codes)), 0.0)
            for j in range(len(example_labels)):
                best_sub[:, sub_of[j]] = np.maximum(best_sub[:, sub_of[j]], sims[:, j])
                best_chap[:, chap_of[j]] = np.maximum(best_chap[:, chap_of[j]], sims[:, j])
            x[:, :, 8] = best_sub[:, e.sub_index]
            x[:, :, 9] = best_chap[:, e.chap_index]
            total = counts.sum(axis=1, keepdims=True)
            x[:, :, 12] = np.log((counts + 0.1) / (total + 0.1 * m))
        for i, nace in enumerate(naces):
            chap_prior, sub_prior, _ = _prior(nace)
            x[i, :, 10] = chap_prior[e.chap_index]
            x[i, :, 11] = sub_prior[e.sub_index]
            evidence = query.readings[i].hazardous_evidence
            x[i, :, 13] = e.hazardous & evidence
            x[i, :, 14] = e.hazardous & (not evidence)
        x[:, :, 15] = e.nos
        return x * self.mask

    # -- probabilities ---------------------------------------------------------------------
    def _mirror(self, logits: np.ndarray, readings: list[ListingText]) -> np.ndarray:
        """Move each hazardous mirror entry's mass to its non-hazardous sibling unless the
        listing gives explicit hazardous evidence (and always when it negates it)."""
        out = logits.copy()
        groups = _mirror_groups()
        words = _description_words()
        hazardous = _entries().hazardous
        for i, reading in enumerate(readings):
            row = out[i]
            for substance in reading.negated_substances:
                # "PCB free": never an entry that is hazardous because it contains PCBs
                stem = _stem(substance)
                named = np.array([bool(stem) and f" {stem} " in w for w in words])
                row[named & hazardous] = -np.inf
            if reading.hazardous_evidence:
                for sibling, members in groups:  # the likeliest hazardous member takes all
                    best = members[int(np.argmax(row[members]))]
                    row[best] = np.logaddexp(row[best], row[sibling])
                    row[sibling] = -np.inf
            else:
                for sibling, members in groups:
                    row[sibling] = np.logaddexp(row[sibling], logsumexp(row[members]))
                    row[members] = -np.inf
        return out

    def _probabilities(
        self, x: np.ndarray, readings: list[ListingText], weights: np.ndarray, temperature: float
    ) -> np.ndarray:
        logits = self._mirror(x @ weights, readings) / temperature
        return np.exp(logits - logsumexp(logits, axis=1, keepdims=True))

    @staticmethod
    def _fit_weights(x: np.ndarray, y: np.ndarray, l2: float = 0.05) -> np.ndarray:
        """Maximum-likelihood weights of the conditional logit (L2-penalised)."""
        rows = np.arange(len(y))

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            s = x @ w
            lse = logsumexp(s, axis=1)
            p = np.exp(s - lse[:, None])
            nll = float(np.sum(lse - s[rows, y])) + l2 * float(w @ w)
            grad = np.einsum("ij,ijf->f", p, x) - x[rows, y].sum(axis=0) + 2 * l2 * w
            return nll, grad

        start = np.zeros(x.shape[2])
        result = minimize(objective, start, jac=True, method="L-BFGS-B")
        return np.asarray(result.x)

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, listings: pd.DataFrame) -> ListingCodeModel:
        """Fit on labelled listings (columns text, nace, ewc, sector; the development split
        only: pass nothing from the test split). Returns self."""
        if "split" in listings and (listings["split"] != "dev").any():
            raise ValueError("fit: only development listings may be used (split == 'dev')")
        e = _entries()
        data = listings.reset_index(drop=True)
        unknown = sorted(set(data["ewc"]) - set(e.position))
        if unknown:
            raise ValueError(f"fit: unknown EWC entries {unknown}")
        texts = data["text"].astype(str).tolist()
        naces: list[str | None] = [str(v) or None for v in data["nace"]]
        y = np.array([e.position[c] for c in data["ewc"]])
        self._fit_vectorizers(texts)
        encoded = self._encode(texts)
        rng = np.random.default_rng(self.seed)
        fold = np.zeros(len(y), dtype=int)
        for _, members in data.groupby("sector", sort=True).groups.items():
            idx = rng.permutation(np.asarray(list(members)))
            fold[idx] = np.arange(len(idx)) % self.folds
        exclude = fold[:, None] == fold[None, :]
        x = self._features(encoded, naces, encoded, y, exclude)
        # out-of-fold weights -> out-of-fold probabilities for calibration and threshold
        oof = np.zeros((len(y), len(e.codes)))
        for k in range(self.folds):
            train, held = fold != k, fold == k
            w = self._fit_weights(x[train], y[train])
            oof[held] = self._probabilities(
                x[held], [r for r, h in zip(encoded.readings, held, strict=True) if h], w, 1.0
            )
        self.temperature = _fit_temperature(oof, y)
        self.calibration, cv_ece = _choose_calibration(oof, y, self.temperature, self.seed)
        oof_t = _calibrate(_temper(oof, self.temperature), self.calibration)
        self.weights = self._fit_weights(x, y)
        self.threshold = _threshold_for(oof_t, y, self.target_precision)
        top = oof_t.argmax(axis=1)
        confident = oof_t.max(axis=1) >= self.threshold
        self.development = {
            "listings": float(len(y)),
            "top1_oof": float(np.mean(top == y)),
            "precision_oof": float(np.mean(top[confident] == y[confident]))
            if confident.any()
            else 0.0,
            "recall_oof": float(np.mean((top == y) & confident)),
            "temperature": self.temperature,
            **{f"cv_ece_{k}": v for k, v in cv_ece.items()},
            "threshold": self.threshold,
        }
        self.out_of_fold_ = oof_t
        self.out_of_fold_raw_ = oof
        self.out_of_fold_labels_ = y
        self.examples_ = encoded
        self.example_labels_ = y
        self.example_ids_ = data["id"].astype(str).to_numpy() if "id" in data else None
        return self

    # -- prediction ------------------------------------------------------------------------
    def predict_proba(self, texts: list[str], naces: list[str | None]) -> np.ndarray:
        """Calibrated probabilities (listings x EWC entries, columns as ``entry_codes()``)."""
        if len(texts) != len(naces):
            raise ValueError("predict_proba: texts and naces differ in length")
        query = self._encode([str(t) for t in texts])
        x = self._features(query, list(naces), self.examples_, self.example_labels_)
        probs = self._probabilities(x, query.readings, self.weights, self.temperature)
        probs = _calibrate(probs, self.calibration)
        nearest = self._nearest_correction(query)
        if nearest is not None:
            rows = np.flatnonzero(nearest[1] >= self.correction_similarity)
            if len(rows):
                share = nearest[1][rows, None]
                probs[rows] *= 1 - share
                probs[rows, self.corrections_[1][nearest[0][rows]]] += share[:, 0]  # type: ignore[index]
        return probs

    def _nearest_correction(self, query: _Encoded) -> tuple[np.ndarray, np.ndarray] | None:
        """Per listing: the position of the most similar added example and its similarity."""
        if self.corrections_ is None:
            return None
        known = self.corrections_[0]
        sims = (
            0.5 * (query.chars @ known.chars.T).toarray()
            + 0.5 * (query.words @ known.words.T).toarray()
        )
        best = sims.argmax(axis=1)
        return best, sims[np.arange(len(best)), best]

    @staticmethod
    def entry_codes() -> np.ndarray:
        """The six-digit EWC entries, in the column order of ``predict_proba``."""
        return _entries().codes.copy()

    def propose(self, text: str, nace: str | None = None, top: int = 3) -> list[ListingProposal]:
        """The ``top`` most probable entries for one listing, each with its reason."""
        if top < 1:
            raise ValueError("top must be at least 1")
        e = _entries()
        probs = self.predict_proba([text], [nace])[0]
        reading = read_listing(text)
        order = np.argsort(-probs, kind="stable")[:top]
        return [
            ListingProposal(
                code=str(e.codes[j]),
                description=str(e.descriptions[j]),
                hazardous=bool(e.hazardous[j]),
                probability=float(probs[j]),
                confident=bool(probs[j] >= self.threshold),
                reason=self._reason(reading, nace, int(j)),
            )
            for j in order
        ]

    def _reason(self, reading: ListingText, nace: str | None, j: int) -> str:
        e = _entries()
        parts: list[str] = []
        label = set(_stem(str(e.descriptions[j])).split())
        shared = [w for w in dict.fromkeys(_stem(reading.expanded).split()) if w in label]
        if shared:
            parts.append("words " + ", ".join(shared[:4]))
        named = [
            t for t, _, codes in reading.terms if any(c[:5] == e.subchapters[j] for c in codes)
        ]
        if named:
            parts.append("lexicon " + ", ".join(f"'{t}'" for t in named[:2]))
        rows = [r for r in _nace_rows(nace) if r[0] in (e.chapters[j], e.subchapters[j])]
        if rows:
            ewc, _, basis = max(rows, key=lambda r: r[1])
            parts.append(f"sector prior NACE {nace} -> {ewc} ({basis})")
        if self.example_ids_ is not None and reading.text:
            query = self._encode([reading.text])
            sims = (
                0.5 * (query.chars @ self.examples_.chars.T)
                + 0.5 * (query.words @ self.examples_.words.T)
            ).toarray()[0]
            same = np.flatnonzero(self.example_labels_ == j)
            if len(same) and sims[same].max() > 0.3:
                k = same[int(np.argmax(sims[same]))]
                parts.append(f"like listing {self.example_ids_[k]}")
        if self.corrections_ is not None and reading.text:
            nearest = self._nearest_correction(self._encode([reading.text]))
            if nearest is not None:
                k, sim = int(nearest[0][0]), float(nearest[1][0])
                if sim >= self.correction_similarity and self.corrections_[1][k] == j:
                    parts.insert(0, f"corrected like {self.corrections_[2][k]} ({sim:.2f} alike)")
        if e.mirror_of[j] >= 0 or j in set(e.mirror_of[e.mirror_of >= 0]):
            if reading.non_hazard_words:
                parts.append("non-hazardous: '" + reading.non_hazard_words[0] + "'")
            elif reading.hazardous_evidence:
                parts.append("hazardous: '" + reading.hazard_words[0] + "'")
            else:
                parts.append("no hazard stated: non-hazardous mirror entry")
        return "; ".join(parts) if parts else "closest label text"


def _ece(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top-1 probability (equal-width bins)."""
    top = probs.argmax(axis=1)
    conf = probs[np.arange(len(y)), top]
    correct = top == y
    which = np.clip((conf * bins).astype(int), 0, bins - 1)
    return float(
        sum(
            (which == b).mean() * abs(conf[which == b].mean() - correct[which == b].mean())
            for b in range(bins)
            if (which == b).any()
        )
    )


#: A top-1 calibration map and its parameters: ("platt", (slope, intercept)), ("beta",
#: (a, b, c)), ("isotonic", (xs, ys)) or ("isotonic_platt", (xs, ys, slope, intercept)).
Calibration = tuple[str, tuple[Any, ...]]

#: The calibration options tried on top of the temperature, chosen by development-CV ECE.
CALIBRATIONS = ("temperature", "platt", "beta", "isotonic", "isotonic_platt")


def _top1(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    top = probs.argmax(axis=1)
    return top, np.clip(probs[np.arange(len(probs)), top], 1e-6, 1 - 1e-6)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q)))


def _fit_logistic(z: np.ndarray, t: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Weights of P(correct) = sigmoid(z @ w) by L2-penalised likelihood (z has a 1 column)."""

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        q = np.clip(1 / (1 + np.exp(-(z @ w))), 1e-9, 1 - 1e-9)
        nll = float(-(t * np.log(q) + (1 - t) * np.log(1 - q)).sum() + 0.01 * (w @ w))
        return nll, z.T @ (q - t) + 0.02 * w

    return np.asarray(minimize(loss, start, jac=True, method="L-BFGS-B").x)


def _fit_calibration(probs: np.ndarray, y: np.ndarray, method: str) -> Calibration:
    """Fit a map from the top-1 probability to P(top-1 correct)."""
    top, conf = _top1(probs)
    t = (top == y).astype(float)
    ones = np.ones_like(conf)
    if method in ("isotonic", "isotonic_platt"):
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.01, y_max=0.99, out_of_bounds="clip").fit(conf, t)
        xs, ys = np.asarray(iso.X_thresholds_), np.asarray(iso.y_thresholds_)
        if method == "isotonic":
            return ("isotonic", (xs, ys))
        # the isotonic steps smoothed: a Platt map on their logit (monotone, no plateaus)
        u = _logit(np.interp(conf, xs, ys))
        a, b = _fit_logistic(np.c_[u, ones], t, np.array([1.0, 0.0]))
        return ("isotonic_platt", (xs, ys, float(a), float(b)))
    if method == "beta":  # Kull et al. 2017: sigmoid(a ln p - b ln(1 - p) + c)
        z = np.c_[np.log(conf), -np.log(1 - conf), ones]
        a, b, c = _fit_logistic(z, t, np.array([1.0, 1.0, 0.0]))
        return ("beta", (float(a), float(b), float(c)))
    if method != "platt":
        raise ValueError(f"unknown calibration {method!r}; known: {', '.join(CALIBRATIONS)}")
    a, b = _fit_logistic(np.c_[_logit(conf), ones], t, np.array([1.0, 0.0]))
    return ("platt", (float(a), float(b)))


def _calibrate(probs: np.ndarray, calibration: Calibration | None) -> np.ndarray:
    """Re-map each row's top-1 probability; the other entries keep their proportions."""
    if calibration is None:
        return probs
    rows = np.arange(len(probs))
    top, conf = _top1(probs)
    method, params = calibration
    if method == "isotonic":
        new = np.interp(conf, params[0], params[1])
    elif method == "isotonic_platt":
        xs, ys, a, b = params
        new = 1 / (1 + np.exp(-(a * _logit(np.interp(conf, xs, ys)) + b)))
    elif method == "beta":
        a, b, c = params
        new = 1 / (1 + np.exp(-(a * np.log(conf) - b * np.log(1 - conf) + c)))
    else:
        a, b = params
        new = 1 / (1 + np.exp(-(a * _logit(conf) + b)))
    new = np.clip(new, 1e-6, 1 - 1e-6)
    # the others share 1 - new as alpha * p + beta: proportional where that keeps the top-1
    # on top, else flattened just enough (beta > 0) that the runner-up stays at most `new`,
    # so calibration never changes the ranking
    others = probs.shape[1] - 1
    rest = probs.copy()
    rest[rows, top] = -np.inf
    second = rest.max(axis=1)
    alpha = (1 - new) / (1 - conf)
    room = 0.999 * new - (1 - new) / others
    slope = second - (1 - conf) / others
    with np.errstate(divide="ignore", invalid="ignore"):
        cap = np.where(slope > 0, room / slope, np.inf)
    alpha = np.clip(np.minimum(alpha, cap), 0.0, None)
    beta = (1 - new - alpha * (1 - conf)) / others
    out = probs * alpha[:, None] + beta[:, None]
    out[rows, top] = new
    return out


def calibration_cv_ece(
    probs: np.ndarray,
    y: np.ndarray,
    temperature: float,
    method: str,
    seed: int,
    folds: int = 5,
    repeats: int = 5,
) -> float:
    """Cross-validated ECE of one calibration option on out-of-fold development
    probabilities: fitted on 4/5, scored on the held fifth, ``repeats`` shuffles averaged."""
    tempered = _temper(probs, temperature)
    if method == "temperature":
        return _ece(tempered, y)
    scores = []
    for r in range(repeats):
        fold = np.random.default_rng(seed + 1 + r).permutation(len(y)) % folds
        calibrated = tempered.copy()
        for k in range(folds):
            held = fold == k
            calibrated[held] = _calibrate(
                tempered[held], _fit_calibration(tempered[~held], y[~held], method)
            )
        scores.append(_ece(calibrated, y))
    return float(np.mean(scores))


def _choose_calibration(
    probs: np.ndarray, y: np.ndarray, temperature: float, seed: int, folds: int = 5
) -> tuple[Calibration | None, dict[str, float]]:
    """The top-1 map (one of ``CALIBRATIONS``) on top of the temperature with the lowest
    cross-validated ECE on the out-of-fold development probabilities, and every ECE."""
    scores = {m: calibration_cv_ece(probs, y, temperature, m, seed, folds) for m in CALIBRATIONS}
    best = min(scores, key=lambda k: scores[k])
    if best == "temperature":
        return None, scores
    return _fit_calibration(_temper(probs, temperature), y, best), scores


def _temper(probs: np.ndarray, temperature: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        logits = np.log(probs) / temperature
    return np.exp(logits - logsumexp(logits, axis=1, keepdims=True))


def _fit_temperature(probs: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of ``y`` (grid, 0.3..3)."""
    rows = np.arange(len(y))
    grid = np.exp(np.linspace(np.log(0.3), np.log(3.0), 61))
    losses = [-np.log(np.maximum(_temper(probs, t)[rows, y], 1e-12)).sum() for t in grid]
    return float(grid[int(np.argmin(losses))])


def _threshold_for(probs: np.ndarray, y: np.ndarray, precision: float) -> float:
    """The lowest top-1 probability at which the answered listings reach ``precision``."""
    top = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    correct = top == y
    for t in np.sort(np.unique(conf)):
        answered = conf >= t
        if answered.any() and correct[answered].mean() >= precision:
            return float(t)
    return 1.0


@lru_cache(maxsize=2)
def listing_code_model(target_precision: float = 0.8) -> ListingCodeModel:
    """The classifier fitted on the development split of the shipped listings (cached)."""
    from symbiograph.taxonomy import labelled_residue_listings

    listings = labelled_residue_listings()
    return ListingCodeModel(target_precision=target_precision).fit(
        listings[listings["split"] == "dev"]
    )


def classify_listing(text: str, nace: str | None = None, top: int = 3) -> list[ListingProposal]:
    """EWC proposals for a free-text residue listing, most probable first.

    ``nace`` is the facility's NACE Rev. 2 code ('10.51'), which moves the choice to the
    chapter of the industry that made the residue. Returns ``top`` ListingProposal items
    (code '02 05 02', description, hazardous, calibrated probability, confident = at or
    above the threshold set on the development split for precision 0.8, one-line reason).
    """
    from symbiograph.errors import InputError
    from symbiograph.taxonomy import normalise_nace_code

    if top < 1:
        raise InputError(f"classify_listing: top must be at least 1, got {top}")
    try:
        code = normalise_nace_code(nace) if nace else None
    except ValueError as err:
        raise InputError(f"classify_listing: nace: {err}") from err
    return listing_code_model().propose(text, code, top)


def classify_listings(
    texts: list[str], naces: list[str | None] | None = None, top: int = 3
) -> pd.DataFrame:
    """Top proposals for many listings at once: one row per (listing, rank) with columns
    listing (position), rank (1..top), code, probability, confident."""
    model = listing_code_model()
    naces = naces if naces is not None else [None] * len(texts)
    probs = model.predict_proba(list(texts), list(naces))
    codes = model.entry_codes()
    order = np.argsort(-probs, axis=1, kind="stable")[:, :top]
    rows = [
        (i, r + 1, str(codes[j]), float(probs[i, j]), bool(probs[i, j] >= model.threshold))
        for i in range(len(texts))
        for r, j in enumerate(order[i])
    ]
    return pd.DataFrame(rows, columns=["listing", "rank", "code", "probability", "confident"])


#: Columns of a registry's own labelled listings (docs/classifier.md, "Corrections").
EXAMPLE_COLUMNS = ("id", "text", "nace", "ewc", "source", "year")


def labelled_examples(table: pd.DataFrame) -> pd.DataFrame:
    """Check a registry's labelled listings (columns ``EXAMPLE_COLUMNS``: id, free text,
    facility NACE code or empty, six-digit EWC code 'dd dd dd', who labelled it, year) and
    return them cleaned. Raises InputError naming the row and field."""
    from symbiograph.errors import InputError
    from symbiograph.taxonomy import normalise_nace_code

    missing = [c for c in EXAMPLE_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"labelled examples: missing column(s) {', '.join(missing)}")
    out = table[list(EXAMPLE_COLUMNS)].copy()
    out = out.fillna({"nace": "", "source": ""})
    known = _entries().position
    for row, (rid, text, nace, ewc) in enumerate(
        zip(out["id"], out["text"], out["nace"], out["ewc"], strict=True), start=2
    ):
        where = f"labelled examples row {row} (id {rid!r})"
        if not str(text).strip():
            raise InputError(f"{where}: text is empty")
        if str(ewc) not in known:
            raise InputError(f"{where}: ewc {ewc!r} is not a List of Waste entry ('dd dd dd')")
        if str(nace).strip():
            try:
                out.loc[out.index[row - 2], "nace"] = normalise_nace_code(str(nace))
            except ValueError as err:
                raise InputError(f"{where}: nace: {err}") from err
    if out["id"].duplicated().any():
        raise InputError(
            f"labelled examples: duplicate id {out['id'][out['id'].duplicated()].iloc[0]!r}"
        )
    return out.reset_index(drop=True)


def add_listing_examples(
    model: ListingCodeModel, examples: pd.DataFrame, min_similarity: float = 0.5
) -> ListingCodeModel:
    """A copy of ``model`` that also knows ``examples`` (a facilitator's corrections or a
    registry's own labelled listings, ``EXAMPLE_COLUMNS``). A listing whose text is at
    least ``min_similarity`` alike (0..1, mean character and word TF-IDF cosine) to one of
    them has its probabilities mixed with that example's entry in proportion to the
    similarity, so the corrected listing and ones worded like it move to the corrected
    entry. Nothing is refitted (weights, calibration, threshold kept; about a millisecond);
    ``model`` is not changed. Examples added before are kept."""
    import copy

    from scipy.sparse import vstack

    if not 0.0 < min_similarity <= 1.0:
        raise ValueError(f"min_similarity must be in (0, 1], got {min_similarity}")
    clean = labelled_examples(examples)
    if clean.empty:
        return model
    e = _entries()
    new = copy.copy(model)
    encoded = model._encode(clean["text"].astype(str).tolist())
    labels = np.array([e.position[c] for c in clean["ewc"]])
    ids = clean["id"].astype(str).to_numpy()
    old = model.corrections_
    if old is not None:
        encoded = _Encoded(
            readings=old[0].readings + encoded.readings,
            chars=vstack([old[0].chars, encoded.chars]).tocsr(),
            words=vstack([old[0].words, encoded.words]).tocsr(),
        )
        labels = np.concatenate([old[1], labels])
        ids = np.concatenate([old[2], ids])
    new.corrections_ = (encoded, labels, ids)
    new.correction_similarity = min_similarity
    return new
