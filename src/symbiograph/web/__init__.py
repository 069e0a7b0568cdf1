"""The platform's web service: a FastAPI app over the store's registry and accounts.

``create_app(store_url)`` gives the ``/api/v1`` REST API (OpenAPI 3.1 at
``/api/v1/openapi.json``): accounts (argon2 passwords, session cookies with CSRF tokens, API
tokens stored hashed), one authorization policy table (``POLICY``: operation x role x
own / other organisation / other park), the registry's rows with ETags and If-Match, and
errors as ``application/problem+json`` naming the field. ``symbiograph serve`` runs it.
"""

from symbiograph.web._app import API, create_app
from symbiograph.web._auth import SCOPES, Authenticator, Principal, new_token
from symbiograph.web._ids import ID_PATTERN, check_id, safe_filename
from symbiograph.web._json import parse_body
from symbiograph.web._policy import POLICY, ROLES, Relation, Rule, Target, allowed, relation
from symbiograph.web._problems import PROBLEM_JSON, ApiProblem

__all__ = [
    "API",
    "ID_PATTERN",
    "POLICY",
    "PROBLEM_JSON",
    "ROLES",
    "SCOPES",
    "ApiProblem",
    "Authenticator",
    "Principal",
    "Relation",
    "Rule",
    "Target",
    "allowed",
    "check_id",
    "create_app",
    "new_token",
    "parse_body",
    "relation",
    "safe_filename",
]
