"""The layering of docs/architecture.md, checked on the source: which package may import which.

The core (model, taxonomy, match, optimize, assess, allocate, access, ...) never imports an
adapter (store, web, cli, ingest) nor a framework that only adapters need; no module imports
another package's private (``_name``) modules or names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "symbiograph"

# package -> the symbiograph packages it may import (besides itself). Keep docs/architecture.md
# in step with this table.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "model": {"errors"},
    "taxonomy": {"errors", "model"},
    "io": {"errors", "model", "taxonomy"},
    "datasets": {"errors", "model", "taxonomy", "io", "match"},
    "tasks": {"errors"},
    "match": {"errors", "model", "taxonomy", "io", "tasks"},
    "optimize": {"errors", "model", "taxonomy", "match", "tasks"},
    "assess": {"errors", "model", "taxonomy", "match", "optimize"},
    "allocate": {"errors", "model", "taxonomy", "match", "optimize", "tasks"},
    "resilience": {
        "errors",
        "model",
        "taxonomy",
        "match",
        "optimize",
        "assess",
        "allocate",
        "tasks",
    },
    "sweep": {"errors", "model", "taxonomy", "match", "optimize", "allocate", "tasks"},
    "access": {"errors", "model", "taxonomy"},
    "report": {
        "errors",
        "model",
        "taxonomy",
        "access",
        "match",
        "optimize",
        "assess",
        "allocate",
        "sweep",
    },
    "store": {"errors", "model", "taxonomy", "io", "access", "ledger"},
    "ledger": {"errors", "model", "taxonomy"},
}
ADAPTERS = {"cli", "web", "store", "ingest", "parallel", "__main__"}
# third-party frameworks that only adapters may import
ADAPTER_ONLY = {"sqlalchemy", "alembic", "psycopg", "typer", "fastapi", "starlette", "uvicorn"}


def _package_of(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    return parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(("symbiograph", *path.relative_to(SRC).with_suffix("").parts[:-1]))
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module]) if module else ".".join(base)
            found.append((node.lineno, module, [a.name for a in node.names]))
    return found


SOURCES = sorted(SRC.rglob("*.py"))


def test_every_package_is_placed() -> None:
    """A new top-level package must be given its place in the layering (here and in the docs)."""
    packages = {_package_of(p) for p in SOURCES} - {"__init__"}
    unplaced = packages - set(ALLOWED) - ADAPTERS
    assert not unplaced, f"add {sorted(unplaced)} to ALLOWED and docs/architecture.md"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_follow_the_layers(path: Path) -> None:
    package = _package_of(path)
    bad: list[str] = []
    for line, module, names in _imports(path):
        parts = module.split(".")
        if parts[0] in ADAPTER_ONLY and package not in ADAPTERS:
            bad.append(f"line {line}: the core package {package!r} imports {module}")
        if parts[0] != "symbiograph" or len(parts) < 2:
            continue
        target = parts[1]
        if target == package:
            continue
        if package in ALLOWED and target not in ALLOWED[package]:
            bad.append(f"line {line}: {package!r} may not import symbiograph.{target}")
        private = [p for p in parts[2:] if p.startswith("_")] + [
            n for n in names if n.startswith("_")
        ]
        if private:
            bad.append(f"line {line}: private {private} of symbiograph.{target} imported")
    assert not bad, "\n".join(bad)


DOC = SRC.parents[1] / "docs" / "architecture.md"
START, END = "<!-- api:start -->", "<!-- api:end -->"


def api_section() -> str:
    """The public API of each package, from its ``__all__`` and the first docstring lines."""
    import importlib
    import inspect

    packages = sorted(
        p.parent.name for p in SRC.glob("*/__init__.py") if not p.parent.name.startswith("_")
    )
    lines: list[str] = []
    for name in ["errors", *packages]:
        module = importlib.import_module(f"symbiograph.{name}")
        summary = (inspect.getdoc(module) or "").split("\n\n")[0].replace("\n", " ")
        lines += ["", f"### `symbiograph.{name}`", "", summary, ""]
        for public in module.__all__:
            obj = getattr(module, public)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                doc = (inspect.getdoc(obj) or "").split("\n\n")[0].replace("\n", " ")
                kind = "class" if inspect.isclass(obj) else "function"
                lines.append(f"- `{public}` ({kind}): {doc}")
            else:
                lines.append(f"- `{public}` (constant)")
    return "\n".join(lines) + "\n"


def _documented() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split(START, 1)[1].split(END, 1)[0]


def test_architecture_doc_lists_the_public_api() -> None:
    assert _documented() == api_section(), (
        "docs/architecture.md's public API is stale: run python tests/test_architecture.py --write"
    )


if __name__ == "__main__":
    import sys

    if "--write" in sys.argv:
        text = DOC.read_text(encoding="utf-8")
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        DOC.write_text(head + START + api_section() + END + tail, encoding="utf-8")
