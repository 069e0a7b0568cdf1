"""Issue 18 benchmark: EWC codes for free-text listings as plant staff write them.

On the TEST split of taxonomy/listings.csv (never used to fit or tune anything): top-1 and
top-3 accuracy at six, four and two digits, precision and recall at the abstention threshold,
expected calibration error and a reliability table, for today's TF-IDF classifier
(match._text, label texts only), the embedding encoder alone (when its optional extra is
installed; nothing is downloaded) and the new classifier (match.classify_listing). The
development split gives the out-of-fold figures of feature-group ablations, which is where
the combination is chosen.

    .venv/bin/python -m benchmarks.run bench_classify
    .venv/bin/python -m benchmarks.run bench_classify --quick   # no ablations
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import timed, write_result

#: Precision the abstention threshold is set for, on the development split.
TARGET_PRECISION = 0.8
#: Threshold today's classifier uses when it fills codes (match._text.infer_resource_codes).
TODAY_THRESHOLD = 0.3
BINS = 10

#: Issue 18's targets on the test split.
TARGETS = {"top1_6": 0.66, "top3_6": 0.85, "top1_2": 0.90, "ece_below": 0.05}


def _ranked_prefixes(scores: np.ndarray, codes: np.ndarray, digits: int, aggregate: str) -> list:
    """Per listing, the code prefixes (2, 4 or 6 digits) ranked by aggregated score."""
    width = {2: 2, 4: 5, 6: 8}[digits]
    prefixes = np.array([c[:width] for c in codes])
    uniq, inverse = np.unique(prefixes, return_inverse=True)
    out = []
    for row in scores:
        agg = np.full(len(uniq), -np.inf if aggregate == "max" else 0.0)
        if aggregate == "max":
            np.maximum.at(agg, inverse, row)
        else:
            np.add.at(agg, inverse, row)
        out.append(uniq[np.argsort(-agg, kind="stable")])
    return out


def _metrics(
    scores: np.ndarray, codes: np.ndarray, truth: list[str], threshold: float, aggregate: str
) -> dict[str, Any]:
    """Accuracy at 6/4/2 digits (top-1, top-3), precision/recall at the threshold, ECE."""
    out: dict[str, Any] = {"listings": len(truth)}
    for digits in (6, 4, 2):
        width = {2: 2, 4: 5, 6: 8}[digits]
        ranked = _ranked_prefixes(scores, codes, digits, aggregate)
        for k in (1, 3):
            hits = [t[:width] in list(r[:k]) for t, r in zip(truth, ranked, strict=True)]
            out[f"top{k}_{digits}"] = float(np.mean(hits))
    top = scores.argmax(axis=1)
    confidence = scores[np.arange(len(top)), top]
    correct = np.array([codes[j] == t for j, t in zip(top, truth, strict=True)])
    answered = confidence >= threshold
    out["threshold"] = float(threshold)
    out["answered"] = int(answered.sum())
    out["abstained_share"] = float(1 - answered.mean())
    out["precision"] = float(correct[answered].mean()) if answered.any() else 0.0
    out["recall"] = float((correct & answered).mean())
    ece, table = _calibration(np.clip(confidence, 0.0, 1.0), correct)
    out["ece"] = ece
    out["reliability"] = table
    return out


def _calibration(confidence: np.ndarray, correct: np.ndarray) -> tuple[float, list[dict]]:
    """Expected calibration error (equal-width bins of top-1 confidence) and the table of a
    reliability diagram: per bin its range, listings, mean confidence and accuracy."""
    edges = np.linspace(0.0, 1.0, BINS + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, BINS - 1)
    ece = 0.0
    table = []
    for b in range(BINS):
        members = which == b
        if not members.any():
            continue
        conf, acc = float(confidence[members].mean()), float(correct[members].mean())
        ece += members.mean() * abs(conf - acc)
        table.append(
            {
                "bin": [float(edges[b]), float(edges[b + 1])],
                "listings": int(members.sum()),
                "confidence": conf,
                "accuracy": acc,
            }
        )
    return float(ece), table


def _dev_threshold(confidence: np.ndarray, correct: np.ndarray) -> float:
    for t in np.sort(np.unique(confidence)):
        answered = confidence >= t
        if correct[answered].mean() >= TARGET_PRECISION:
            return float(t)
    return 1.0


def _label_scores(model: Any, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of each text to every EWC label of today's classifier."""
    docs = model.documents_
    pick = np.flatnonzero((docs["kind"] == "ewc").to_numpy())
    query: Any = model._encode(texts)
    matrix: Any = model.matrix_
    product = query @ matrix[pick].T
    sims = np.asarray(product.todense() if hasattr(product, "todense") else product)
    return sims, docs["label"].to_numpy()[pick].astype(str)


def _today(dev: Any, test: Any, encoder: str) -> dict[str, Any]:
    """Today's nearest-label classifier (label texts only) with ``encoder``."""
    from symbiograph.match._text import ListingClassifier, reference_labels

    model, fit_s = timed(lambda: ListingClassifier(encoder=encoder).fit(reference_labels()))
    dev_scores, codes = _label_scores(model, dev["text"].tolist())
    dev_top = dev_scores.argmax(axis=1)
    dev_correct = codes[dev_top] == dev["ewc"].to_numpy()
    tuned = _dev_threshold(dev_scores.max(axis=1), dev_correct)
    (scores, codes), predict_s = timed(lambda: _label_scores(model, test["text"].tolist()))
    truth = test["ewc"].tolist()
    result = _metrics(scores, codes, truth, TODAY_THRESHOLD, "max")
    result["at_dev_threshold"] = {
        k: v
        for k, v in _metrics(scores, codes, truth, tuned, "max").items()
        if k in ("threshold", "answered", "precision", "recall")
    }
    result["confidence"] = "cosine similarity (not a probability)"
    result["fit_s"], result["predict_s"] = fit_s, predict_s
    return result


def _embedding_available() -> str:
    """'' when the packaged MiniLM model loads offline, else the reason it does not."""
    try:
        from symbiograph.match._text import _encoder

        _encoder("all-MiniLM-L6-v2")
    except Exception as err:  # missing extra, missing weights: say which
        return f"{type(err).__name__}: {err}"
    return ""


def _new(
    dev: Any, test: Any, features: tuple[str, ...] | None = None, lexicon: bool = True
) -> dict[str, Any]:
    from symbiograph.match import ListingCodeModel
    from symbiograph.match._classify import FEATURES

    chosen = features or FEATURES
    model, fit_s = timed(
        lambda: ListingCodeModel(
            target_precision=TARGET_PRECISION, features=chosen, lexicon=lexicon
        ).fit(dev)
    )
    result: dict[str, Any] = {"development_out_of_fold": model.development, "fit_s": fit_s}
    if test is None:
        return result
    probs, predict_s = timed(
        lambda: model.predict_proba(test["text"].tolist(), test["nace"].tolist())
    )
    result.update(
        _metrics(probs, model.entry_codes(), test["ewc"].tolist(), model.threshold, "sum")
    )
    result["confidence"] = (
        "calibrated probability: temperature, then the top-1 map chosen by development-CV ECE"
    )
    result["predict_s"] = predict_s
    result["weights"] = dict(zip(FEATURES, map(float, model.weights), strict=True))
    result["without_nace"] = {
        k: v
        for k, v in _metrics(
            model.predict_proba(test["text"].tolist(), [None] * len(test)),
            model.entry_codes(),
            test["ewc"].tolist(),
            model.threshold,
            "sum",
        ).items()
        if k.startswith("top") or k == "ece"
    }
    return result


def _calibration_options(dev: Any, test: Any) -> dict[str, Any]:
    """Each calibration option: its development-CV ECE (what chooses) and, fitted on all the
    out-of-fold development probabilities, its test ECE (reported, never used to choose)."""
    from symbiograph.match import ListingCodeModel
    from symbiograph.match import _classify as c

    model = ListingCodeModel(target_precision=TARGET_PRECISION).fit(dev)
    chosen, model.calibration = model.calibration, None
    tempered = model.predict_proba(test["text"].tolist(), test["nace"].tolist())
    model.calibration = chosen
    codes = list(model.entry_codes())
    y = np.array([codes.index(code) for code in test["ewc"]])
    oof = c._temper(model.out_of_fold_raw_, model.temperature)
    out: dict[str, Any] = {"chosen": chosen[0] if chosen else "temperature", "options": {}}
    for method in c.CALIBRATIONS:
        probs = (
            tempered
            if method == "temperature"
            else c._calibrate(tempered, c._fit_calibration(oof, model.out_of_fold_labels_, method))
        )
        ece, table = _calibration(probs.max(axis=1), probs.argmax(axis=1) == y)
        out["options"][method] = {
            "dev_cv_ece": c.calibration_cv_ece(
                model.out_of_fold_raw_, model.out_of_fold_labels_, model.temperature, method, 18
            ),
            "test_ece": ece,
            "test_reliability": table,
        }
    return out


def _reliability_figure(options: dict[str, Any]) -> Path:
    """A reliability diagram of every calibration option on the test split (plotly HTML)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect", line={"dash": "dot"})
    )
    for method, row in options["options"].items():
        bins = row["test_reliability"]
        chosen = " (chosen on dev)" if method == options["chosen"] else ""
        fig.add_trace(
            go.Scatter(
                x=[b["confidence"] for b in bins],
                y=[b["accuracy"] for b in bins],
                mode="lines+markers",
                marker={"size": [4 + b["listings"] ** 0.5 * 2 for b in bins]},
                name=f"{method}{chosen}: test ECE {row['test_ece']:.3f}, "
                f"dev-CV {row['dev_cv_ece']:.3f}",
            )
        )
    fig.update_layout(
        title="Reliability of the listing classifier's top-1 probability (test split)",
        xaxis_title="mean top-1 probability in the bin",
        yaxis_title="share correct in the bin",
    )
    path = Path(__file__).parent / "results" / "bench_classify_reliability.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs=True)
    return path


#: Feature groups for the ablations on the development split (out-of-fold).
GROUPS = {
    "label words only": ("label_chars", "label_words", "subchapter_words", "chapter_words"),
    "+ lexicon": ("lexicon_entry", "lexicon_subchapter", "lexicon_chapter"),
    "+ hazard evidence": (
        "hazardous_with_evidence",
        "hazardous_without_evidence",
        "not_otherwise_specified",
    ),
    "+ NACE prior": ("prior_chapter", "prior_subchapter"),
    "+ development examples": (
        "example_entry",
        "example_subchapter",
        "example_chapter",
        "entry_frequency",
    ),
}


def _ablations(dev: Any) -> dict[str, Any]:
    """Out-of-fold development figures as feature groups are added, and each one left out."""
    from symbiograph.match._classify import FEATURES

    out: dict[str, Any] = {}
    chosen: tuple[str, ...] = ()
    for name, group in GROUPS.items():
        chosen = chosen + group
        out[name] = _new(dev, None, chosen)["development_out_of_fold"]
    for name, group in list(GROUPS.items())[1:]:
        rest = tuple(f for f in FEATURES if f not in group)
        out["all but " + name.lstrip("+ ")] = _new(dev, None, rest)["development_out_of_fold"]
    return out


def _lexicon_coverage(dev: Any, test: Any) -> dict[str, Any]:
    """Per split: share of listings with a lexicon term, and with a term naming the true
    entry; and how many terms only test listings use."""
    from symbiograph.match import read_listing

    out: dict[str, Any] = {}
    terms: dict[str, set[str]] = {}
    for name, part in (("dev", dev), ("test", test)):
        readings = [read_listing(t) for t in part["text"]]
        terms[name] = {t for r in readings for t, _, _ in r.terms}
        out[name] = {
            "with_term": float(np.mean([bool(r.terms) for r in readings])),
            "term_names_true_entry": float(
                np.mean(
                    [
                        any(c in codes for _, _, codes in r.terms)
                        for r, c in zip(readings, part["ewc"], strict=True)
                    ]
                )
            ),
        }
    out["terms_used_only_by_test"] = len(terms["test"] - terms["dev"])
    out["terms_used_by_dev"] = len(terms["dev"])
    return out


def main(quick: bool = False) -> None:
    """Run the benchmark and write benchmarks/results/bench_classify.json."""
    from symbiograph.taxonomy import labelled_residue_listings

    listings = labelled_residue_listings()
    dev = listings[listings["split"] == "dev"].reset_index(drop=True)
    test = listings[listings["split"] == "test"].reset_index(drop=True)
    payload: dict[str, Any] = {
        "split": {"dev": len(dev), "test": len(test)},
        "targets": TARGETS,
        "target_precision": TARGET_PRECISION,
        "prefix_ranking": (
            "a 4- or 2-digit prefix is ranked by the maximum cosine of its entries (TF-IDF, "
            "embedding) or by the sum of its entries' probabilities (new classifier)"
        ),
    }
    payload["tfidf_today"] = _today(dev, test, "tfidf")
    unavailable = _embedding_available()
    if unavailable:
        payload["embedding_alone"] = {"available": False, "reason": unavailable}
    else:
        payload["embedding_alone"] = {"available": True, **_today(dev, test, "embedding")}
    payload["new_classifier"] = _new(dev, test)
    payload["calibration"] = _calibration_options(dev, test)
    payload["calibration"]["figure"] = str(_reliability_figure(payload["calibration"]))
    if not quick:
        payload["dev_ablations"] = _ablations(dev)
        # a diagnostic, chosen nothing: how much of the test figure rests on the lexicon
        # (its terms were not written blind to the test listings; see the report)
        no_lexicon = _new(dev, test, lexicon=False)
        payload["diagnostic_test_without_lexicon"] = {
            k: v for k, v in no_lexicon.items() if k.startswith("top") or k == "ece"
        }
        payload["lexicon_coverage"] = _lexicon_coverage(dev, test)
    path = write_result("bench_classify", payload)
    keys = ("top1_6", "top3_6", "top1_4", "top3_4", "top1_2", "top3_2", "precision", "recall")
    for name in ("tfidf_today", "embedding_alone", "new_classifier"):
        row = payload[name]
        if row.get("available", True) is False:
            print(f"{name:16s} unavailable: {row['reason']}", file=sys.stderr)
            continue
        figures = " ".join(f"{k}={row[k]:.3f}" for k in keys)
        print(f"{name:16s} {figures} ece={row['ece']:.3f}", file=sys.stderr)
    for method, row in payload["calibration"]["options"].items():
        print(
            f"calibration {method:15s} dev-CV ECE={row['dev_cv_ece']:.3f} "
            f"test ECE={row['test_ece']:.3f}",
            file=sys.stderr,
        )
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
