"""OpenAPI: the error responses every API v1 operation may give, documented in one place, and
the request bodies' closed shapes (unknown fields are refused)."""

from django.conf import settings

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


def _response(schema_name, description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


def _errors_of(path, method):
    is_list = "{" not in path and method == "get"
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
    if path.endswith("/transition/"):
        yield (
            409,
            "Detail",
            "A status move the referral workflow does not allow; the message names both states.",
        )
    if path.endswith("/diary-link/") and method == "post":
        yield 409, "Detail", "The patient is discharged or marked entered in error: no diary link."


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
    """drf-spectacular post-processing hook adding the error responses to each operation.

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
            for code, schema_name, description in _errors_of(path, method):
                operation["responses"].setdefault(str(code), _response(schema_name, description))
    return result
