"""The platform's web service: a FastAPI app over the store's registry and accounts.

``create_app(store_url)`` gives the ``/api/v1`` REST API (OpenAPI 3.1 at
``/api/v1/openapi.json``): accounts (argon2 passwords, session cookies with CSRF tokens, API
tokens stored hashed), one authorization policy table (``POLICY``: operation x role x
own / other organisation / other park) and errors as ``application/problem+json`` naming
the field; server-rendered pages (login, a dashboard of the stored networks, a park's
facilities and streams redacted for the viewer); the deal pipeline (``/parks/{id}/synergies``)
and persistent jobs (``/parks/{id}/jobs``, run by :class:`Worker`). ``symbiograph serve`` runs it
(``--demo``: Kalundborg and one account per role, see :func:`seed_demo`).
"""

from symbiograph.web._app import API, create_app
from symbiograph.web._auth import SCOPES, Authenticator, Principal, new_token
from symbiograph.web._demo import DEMO_NETWORK, DemoLogin, demo_network, seed_demo
from symbiograph.web._ids import ID_PATTERN, check_id, safe_filename
from symbiograph.web._json import parse_body
from symbiograph.web._policy import POLICY, ROLES, Relation, Rule, Target, allowed, relation
from symbiograph.web._problems import PROBLEM_JSON, ApiProblem
from symbiograph.web._worker import Worker, check_parameters, start_worker_thread

__all__ = [
    "API",
    "DEMO_NETWORK",
    "ID_PATTERN",
    "POLICY",
    "PROBLEM_JSON",
    "ROLES",
    "SCOPES",
    "ApiProblem",
    "Authenticator",
    "DemoLogin",
    "Principal",
    "Relation",
    "Rule",
    "Target",
    "Worker",
    "allowed",
    "check_id",
    "check_parameters",
    "create_app",
    "demo_network",
    "new_token",
    "parse_body",
    "relation",
    "safe_filename",
    "seed_demo",
    "start_worker_thread",
]
