"""OpenAPI: the error responses every API v1 operation may give, documented in one place, the
headers of the integration contract (Idempotency-Key, If-None-Match; SPEC §4), and the request
bodies' closed shapes (unknown fields are refused)."""

from django.conf import settings

from .idempotency import HEADER as IDEMPOTENCY_KEY
from .idempotency import KEY_MAX_LENGTH, KEY_PATTERN, KEY_RULE

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Messages by field name (a list of strings, or nested for nested fields); "
        "`non_field_errors` for the request as a whole, `detail` for a body that is not JSON or "
        "is nested too deeply. A field the request may not set is named too: "
        '`{"given_nmae": ["Unknown field; accepted fields: ..."]}`, '
        '`{"id": ["Read-only field: it cannot be set here."]}`.'
    ),
    "additionalProperties": {},
}
TOKEN_PATH = "/api/v1/auth/token/"
AUTH_PATHS = "/api/v1/auth/"
REPORT_PATHS = "/api/v1/reports/"
# Records that are never marked entered in error.
NOT_CLINICAL_PATHS = ("/api/v1/webhooks/", "/api/v1/reminders/", "/api/v1/clinics/")

IDEMPOTENCY_KEY_PARAMETER = {
    "name": IDEMPOTENCY_KEY,
    "in": "header",
    "required": False,
    "description": (
        f"{KEY_RULE}, of your choosing, unique per request you mean: a retry with the same key and "
        "the same request answers the stored response (with `Idempotent-Replayed: true`) and runs "
        "nothing again. Kept 24 hours per user; only a success is kept (a retry of an error runs afresh)."
    ),
    # Anchored: a JSON Schema pattern matches anywhere in the value.
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": KEY_MAX_LENGTH,
        "pattern": f"^{KEY_PATTERN.pattern}$",
    },
}
IF_NONE_MATCH_PARAMETER = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags of copies you hold (or `*`); if one is current the answer is 304 without a body.",
    "schema": {"type": "string"},
}
NOT_MODIFIED = {
    "description": "Your copy (named by If-None-Match) is current; no body.",
    "headers": {"ETag": {"schema": {"type": "string"}, "description": "The current ETag."}},
}
# Answered by the HTTP server in front of the app (gunicorn's page), before the app sees the request.
URI_TOO_LONG = {"description": "A request line longer than the server takes (gunicorn: 4,094 bytes)."}
LOCATION_HEADER = {"schema": {"type": "string"}, "description": "The path of the record created."}
RETRY_AFTER_HEADER = {"schema": {"type": "integer"}, "description": "Seconds until a request may succeed."}


def _response(schema_name, description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


def _has_etags(path, method):
    """The records, list pages and trends (``ScopedViewSet``): not reports, not tokens."""
    return method == "get" and not path.startswith((AUTH_PATHS, REPORT_PATHS))


def _takes_idempotency_key(path, method):
    # A diary link's answer holds its secret, which is never stored (PatientViewSet.secret_answer_actions).
    return method == "post" and not path.startswith(AUTH_PATHS) and not path.endswith("/diary-link/")


def _errors_of(path, method):
    # A patient's reviews and an endpoint's deliveries are lists too, under a record's path.
    is_list = method == "get" and ("{" not in path or path.endswith(("/reviews/", "/deliveries/")))
    yield 429, "Detail", "Too many requests with these credentials; `Retry-After` gives the seconds to wait."
    if path != TOKEN_PATH:
        yield 401, "Detail", "No valid credentials."
        yield 403, "Detail", "The user's role may not do this (or a missing CSRF token with a session)."
    if "{" in path:
        yield 404, "Detail", "No such record in the user's clinics."
    if method in ("post", "patch") or is_list:
        yield 400, "FieldErrors", "Bad input."
    if method in ("post", "patch"):
        yield 413, "Detail", f"A body over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
        yield 415, "Detail", "A body in a media type this operation does not take."
    if is_list:
        yield 404, "Detail", "No such page."
    if method == "patch":
        yield 412, "Detail", "If-Match does not match the record's current ETag; nothing was changed."
        yield (
            428,
            "Detail",
            "No If-Match, and this server (API_REQUIRE_IF_MATCH) takes changes only with one.",
        )
    if _takes_idempotency_key(path, method):
        yield 409, "Detail", "A request with this Idempotency-Key is still being processed."
        yield 422, "Detail", "This Idempotency-Key was used for another request (method, path or body)."
    if "{" in path and method in ("post", "patch") and not path.startswith(NOT_CLINICAL_PATHS):
        yield (
            409,
            "Detail",
            "The record, or its patient, is marked entered in error: it can no longer be changed.",
        )
    if path.endswith("/transition/"):
        yield (
            409,
            "Detail",
            "A status move the referral workflow does not allow; the message names both states.",
        )
    if path.endswith("/diary-link/") and method == "post":
        yield 409, "Detail", "The patient is discharged or marked entered in error: no diary link."


def _responses_of(path, method):
    """The hook's responses by status; two reasons for one status share it, both described."""
    responses = {}
    for code, schema_name, description in _errors_of(path, method):
        if str(code) in responses:
            responses[str(code)]["description"] += f" Or: {description}"
        else:
            responses[str(code)] = _response(schema_name, description)
    responses["429"]["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
    responses["414"] = URI_TOO_LONG
    if _has_etags(path, method):
        responses["304"] = NOT_MODIFIED
    return responses


def _add_parameter(operation, parameter):
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("name") == parameter["name"] and p.get("in") == parameter["in"] for p in parameters):
        parameters.append(parameter)


def _request_body_components(result):
    """The names of the component schemas that request bodies use, nested ones included."""
    schemas = result["components"]["schemas"]
    pending = [
        media["schema"]
        for operations in result["paths"].values()
        for operation in operations.values()
        for media in operation.get("requestBody", {}).get("content", {}).values()
    ]
    names = set()
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict) and "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in names:
                names.add(name)
                pending.append(schemas[name])
        elif isinstance(node, dict):
            pending.extend(node.values())
    return names


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook adding the error responses to each operation, and the
    contract's request headers: ``Idempotency-Key`` on POSTs, ``If-None-Match`` on reads with ETags.

    Request bodies are closed (``additionalProperties: false``): the serializers refuse
    unknown fields with a 400 (``api.serializers.StrictInputMixin``).
    """
    schemas = result["components"]["schemas"]
    for name in _request_body_components(result):
        if schemas[name].get("type") == "object":
            schemas[name]["additionalProperties"] = False
    schemas.update(Detail=DETAIL, FieldErrors=FIELD_ERRORS)
    for path, operations in result["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            for code, response in _responses_of(path, method).items():
                operation["responses"].setdefault(code, response)
            if _takes_idempotency_key(path, method):
                _add_parameter(operation, IDEMPOTENCY_KEY_PARAMETER)
                if "201" in operation["responses"]:
                    operation["responses"]["201"].setdefault("headers", {})["Location"] = LOCATION_HEADER
            if _has_etags(path, method):
                _add_parameter(operation, IF_NONE_MATCH_PARAMETER)
    return result
