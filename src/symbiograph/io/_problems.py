"""Validation problems that name the file, sheet, row and field."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symbiograph.errors import InputError

__all__ = ["Problem", "ScenarioError", "TableOrigin"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, and where it is."""

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [self.file or "<input>"]
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}"


class ScenarioError(InputError):
    """The input is invalid; ``problems`` lists every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the scenario:\n{shown}{more}")


@dataclass
class TableOrigin:
    """Where a raw table came from, so problems can point at the source row.

    ``row_numbers[i]`` is the number a user sees for the i-th data row (a CSV line, a sheet
    row, or a YAML list item); by default ``first_row + i``.
    """

    file: str
    sheet: str | None = None
    first_row: int = 2
    row_numbers: np.ndarray | None = field(default=None, repr=False)

    def row(self, position: int) -> int:
        """The user-facing row number of the row at ``position``."""
        if self.row_numbers is not None:
            return int(self.row_numbers[position])
        return self.first_row + position
