"""The failures symbiograph reports, each with the exit code the command line gives it.

Every stage raises one of these (or a subclass) for a failure a user can act on, so the CLI,
the web service and any other adapter can turn it into one message and a documented code
without a traceback. The core never prints; adapters decide how to show the message.

Exit codes (``symbiograph --help`` lists them too):

== ======================================================================
0  success
1  invalid input: a scenario, candidate table or option value is refused
2  wrong usage of the command line
3  a named network, dataset, database or id does not exist
4  a store error: locked, full, unreachable, not a database
5  the solver ended without a usable solution (time limit, error status)
6  the design is infeasible (the message names the constraints to relax)
7  an allocation cannot be computed (the message says why)
== ======================================================================
"""

from __future__ import annotations

__all__ = [
    "EXIT_ALLOCATION",
    "EXIT_INFEASIBLE",
    "EXIT_INVALID",
    "EXIT_NOT_FOUND",
    "EXIT_SOLVER",
    "EXIT_STORE",
    "EXIT_USAGE",
    "AllocationError",
    "InfeasibleError",
    "InputError",
    "NotFoundError",
    "SolverError",
    "StoreError",
    "SymbiographError",
]

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_STORE = 4
EXIT_SOLVER = 5
EXIT_INFEASIBLE = 6
EXIT_ALLOCATION = 7


class SymbiographError(Exception):
    """A failure with a message meant for the user; ``exit_code`` is the CLI's code for it."""

    exit_code: int = EXIT_INVALID


class InputError(SymbiographError, ValueError):
    """Input that is refused: a scenario, a table that does not align, an option out of range."""

    exit_code = EXIT_INVALID


class NotFoundError(SymbiographError, KeyError):
    """A named network, dataset, database or id that does not exist."""

    exit_code = EXIT_NOT_FOUND

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


class StoreError(SymbiographError):
    """The store cannot do what was asked (locked, full, unreachable, not a database)."""

    exit_code = EXIT_STORE


class SolverError(SymbiographError, RuntimeError):
    """The solver returned a status without a usable solution."""

    exit_code = EXIT_SOLVER


class InfeasibleError(SolverError):
    """No solution meets every constraint."""

    exit_code = EXIT_INFEASIBLE


class AllocationError(SymbiographError, RuntimeError):
    """A share of the gain cannot be computed (say which method and why)."""

    exit_code = EXIT_ALLOCATION
