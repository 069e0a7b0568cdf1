"""Fuzz the scenario readers (issue 9): YAML, CSV-folder and XLSX bytes, for a fixed time
budget per format, with hypothesis generating edits of a valid scenario (bytes flipped,
inserted, deleted, spliced with YAML/CSV tokens, or wholly random bytes; for XLSX the XML
parts inside the zip are edited and the workbook zipped again).

Every input must either be read or refused with a ScenarioError whose problems all name
their file; anything else is a crash, recorded with its input (base64) in
benchmarks/results/fuzz_readers.json.

    make fuzz                                               # 60 s per format
    .venv/bin/python -m benchmarks.fuzz_readers --seconds 10
"""

from __future__ import annotations

import argparse
import base64
import io
import shutil
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from benchmarks._common import write_result

SEED_SCENARIO = Path(__file__).parent.parent / "tests" / "data" / "two_plants.yaml"
TOKENS = [
    b"&a ",
    b"*a",
    b"[",
    b"]",
    b"{",
    b"}",
    b": ",
    b"- ",
    b"\n",
    b"\t",
    b",",
    b";",
    b'"',
    b"'",
    b"!!binary ",
    b"!!python/object ",
    b"? ",
    b"<<: ",
    b"---\n",
    b"...\n",
    b"%YAML 1.1\n",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"1e309",
    b".inf",
    b"2024-01-05",
    b"1:30",
    b"12,5",
    b"=1+2",
    b"nan",
    b"-",
    b"*",
    b"10 01 04*",
    b"<f>1</f>",
    b'<mergeCell ref="A1:B2"/>',
    b'<c r="A1"><v>',
    b"</v></c>",
]

edits = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(0, 255)),
        st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.sampled_from(TOKENS)),
        st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.binary(min_size=1, max_size=8)),
        st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 64)),
        st.tuples(st.just("repeat"), st.integers(0, 1 << 20), st.integers(2, 200)),
    ),
    min_size=1,
    max_size=8,
)
inputs = st.one_of(
    st.tuples(st.just("edit"), edits),
    st.tuples(st.just("random"), st.binary(max_size=4096)),
)


def _apply(data: bytes, plan: tuple[str, Any]) -> bytes:
    kind, arg = plan
    if kind == "random":
        return bytes(arg)
    out = bytearray(data)
    for op, where, what in arg:
        pos = where % (len(out) + 1)
        if op == "flip" and out:
            out[pos % len(out)] = what
        elif op == "insert":
            out[pos:pos] = what
        elif op == "delete":
            del out[pos : pos + what]
        elif op == "repeat":
            chunk = bytes(out[pos : pos + 16]) or b"["
            out[pos:pos] = chunk * what
    return bytes(out)


class _Target:
    """One reader under fuzz: where its input goes and how many inputs were tried."""

    def __init__(self, fmt: str, work: Path) -> None:
        from symbiograph.io import read_network, write_network

        self.fmt = fmt
        self.work = work / fmt
        self.work.mkdir(parents=True)
        network = read_network(SEED_SCENARIO)
        target = {"yaml": "seed.yaml", "csv": "seed", "xlsx": "seed.xlsx"}[fmt]
        self.seed_path = write_network(network, self.work / target, fmt)
        self.tried = 0
        self.accepted = 0
        self.refused = 0
        self.crashes: list[dict[str, Any]] = []
        if fmt == "csv":
            self.members = sorted(p.name for p in self.seed_path.glob("*.csv"))
        elif fmt == "xlsx":
            with zipfile.ZipFile(self.seed_path) as archive:
                self.members = [n for n in archive.namelist() if n.endswith(".xml")]
        else:
            self.members = [self.seed_path.name]

    def build(self, member: int, plan: tuple[str, Any]) -> tuple[Path, bytes]:
        """Write the fuzzed input; returns the path to read and the bytes changed."""
        name = self.members[member % len(self.members)]
        if self.fmt == "yaml":
            path = self.work / "case.yaml"
            data = _apply(self.seed_path.read_bytes(), plan)
            path.write_bytes(data)
            return path, data
        if self.fmt == "csv":
            path = self.work / "case"
            shutil.rmtree(path, ignore_errors=True)
            shutil.copytree(self.seed_path, path)
            data = _apply((path / name).read_bytes(), plan)
            (path / name).write_bytes(data)
            return path, data
        path = self.work / "case.xlsx"
        data = b""
        buffer = io.BytesIO()
        with zipfile.ZipFile(self.seed_path) as source, zipfile.ZipFile(buffer, "w") as out:
            for info in source.infolist():
                content = source.read(info.filename)
                if info.filename == name:
                    content = data = _apply(content, plan)
                out.writestr(info.filename, content)
        path.write_bytes(buffer.getvalue())
        return path, data

    def run_one(self, member: int, plan: tuple[str, Any]) -> None:
        from symbiograph.io import ScenarioError, read_network

        path, data = self.build(member, plan)
        self.tried += 1
        try:
            read_network(path)
            self.accepted += 1
        except ScenarioError as error:
            unlocated = [str(p) for p in error.problems if not p.file]
            if not error.problems or unlocated:
                self._crash("unlocated problem", "; ".join(unlocated) or "no problems", data)
            self.refused += 1
        except Exception as error:  # the very thing a fuzz run looks for
            self._crash(type(error).__name__, traceback.format_exc(limit=8), data)

    def _crash(self, kind: str, detail: str, data: bytes) -> None:
        if len(self.crashes) < 20:
            self.crashes.append(
                {
                    "kind": kind,
                    "detail": detail[-3000:],
                    "input_base64": base64.b64encode(data[:4096]).decode(),
                    "input_bytes": len(data),
                }
            )


def fuzz(fmt: str, seconds: float, work: Path) -> dict[str, Any]:
    """Fuzz one reader for ``seconds``; returns counts and crashes."""
    target = _Target(fmt, work)
    start = time.perf_counter()
    batch = 0
    while time.perf_counter() - start < seconds:

        @seed(batch)
        @settings(
            max_examples=50,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(member=st.integers(0, 64), plan=inputs)
        def one(member: int, plan: tuple[str, Any]) -> None:
            target.run_one(member, plan)

        one()
        batch += 1
    elapsed = time.perf_counter() - start
    return {
        "format": fmt,
        "seconds": round(elapsed, 1),
        "inputs_tried": target.tried,
        "accepted": target.accepted,
        "refused_with_located_problems": target.refused,
        "crashes": len(target.crashes),
        "crash_samples": target.crashes,
    }


def main(quick: bool = False, seconds: float | None = None) -> None:
    """Fuzz the three readers and write benchmarks/results/fuzz_readers.json."""
    budget = seconds if seconds is not None else (5.0 if quick else 60.0)
    with tempfile.TemporaryDirectory(prefix="symbiograph-fuzz-") as tmp:
        results = [fuzz(fmt, budget, Path(tmp)) for fmt in ("yaml", "csv", "xlsx")]
    path = write_result(
        "fuzz_readers",
        {
            "seconds_per_format": budget,
            "inputs_tried": {r["format"]: r["inputs_tried"] for r in results},
            "crashes": {r["format"]: r["crashes"] for r in results},
            "formats": results,
        },
    )
    for r in results:
        print(
            f"{r['format']}: {r['inputs_tried']} inputs in {r['seconds']} s, "
            f"{r['accepted']} read, {r['refused_with_located_problems']} refused, "
            f"{r['crashes']} crashes"
        )
    print(f"wrote {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=None, help="budget per format")
    parser.add_argument("--quick", action="store_true", help="5 s per format")
    args = parser.parse_args()
    main(quick=args.quick, seconds=args.seconds)
