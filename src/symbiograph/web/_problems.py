"""Errors as ``application/problem+json`` (RFC 9457): a status, a title, a detail naming the
field, and for a refused body every problem with its JSON pointer.

Every refusal of the API goes through :class:`ApiProblem` (raised by routes and the request
checks) or is turned into one by the app's handlers (validation errors, the library's
:class:`~symbiograph.errors.SymbiographError`), so a client sees one shape of error.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

__all__ = ["PROBLEM_JSON", "ApiProblem", "problem_response"]

#: The media type of an RFC 9457 problem document.
PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ApiProblem(Exception):
    """A refusal with an HTTP status: ``detail`` says why, ``field`` names what (a JSON
    pointer into the body, a query or path parameter, or a header), ``errors`` lists every
    problem of a refused body, ``headers`` go on the response (Retry-After, WWW-Authenticate)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        type_: str = "about:blank",
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.errors = errors or []
        self.headers = headers or {}
        self.type = type_

    def document(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document (RFC 9457 members plus ``field`` and ``errors``)."""
        body: dict[str, Any] = {
            "type": self.type,
            "title": _TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            body["instance"] = instance
        if self.field is not None:
            body["field"] = self.field
        if self.errors:
            body["errors"] = self.errors
        return body


def problem_response(problem: ApiProblem, instance: str | None = None) -> JSONResponse:
    """``problem`` as a JSON response with the problem media type and its headers."""
    return JSONResponse(
        problem.document(instance),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )
