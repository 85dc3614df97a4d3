"""Every resource the FHIR API serves is checked by both validators SPEC §6 names: the FHIR R4
(4.0.1) JSON schema (codes, patterns, unknown elements) and the ``fhir.resources`` R4B models
(cardinality and types the schema leaves loose). Each misses what the other catches."""

import json
from functools import cache

import jsonschema
from django.conf import settings
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

SCHEMA_PATH = settings.BASE_DIR / "var" / "fhir" / "fhir.schema.v4.json"

# How many resources the suite has validated, for the report at the end of a run.
validated = {"count": 0}


class InvalidResource(AssertionError):
    pass


@cache
def _schema():
    if not SCHEMA_PATH.exists():
        raise InvalidResource(f"{SCHEMA_PATH} is missing: `make setup` fetches the FHIR R4 JSON schema")
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _schema_validator(resource_type):
    definitions = _schema()["definitions"]
    if resource_type not in definitions:
        raise InvalidResource(f"{resource_type!r} is not a FHIR R4 resource type")
    schema = {"$ref": f"#/definitions/{resource_type}", "definitions": definitions}
    return jsonschema.Draft6Validator(schema)


def assert_valid(resource):
    """Raise ``InvalidResource`` naming every problem either validator finds in ``resource``
    (a FHIR resource as a dict, as served); a Bundle's entries are checked one by one too."""
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(resource_type, str):
        raise InvalidResource(f"not a FHIR resource (no resourceType): {resource!r:.200}")
    if resource_type == "Bundle":
        # Each entry on its own, then the Bundle without them: the schema's own check of an entry
        # tries it against every resource type (slow) and says no more than that none matched.
        for entry in resource.get("entry", []):
            if "resource" in entry:
                assert_valid(entry["resource"])
        resource = {
            **resource,
            "entry": [
                {key: value for key, value in entry.items() if key != "resource"}
                for entry in resource.get("entry", [])
            ],
        }
        if not resource["entry"]:
            del resource["entry"]
    problems = [
        f"schema: at {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message:.300}"
        for error in _schema_validator(resource_type).iter_errors(resource)
    ]
    try:
        get_fhir_model_class(resource_type).model_validate(resource)
    except ValidationError as error:
        problems.extend(
            f"R4B model: at {'.'.join(map(str, detail['loc'])) or '(root)'}: {detail['msg']}"
            for detail in error.errors()
        )
    if problems:
        raise InvalidResource(
            f"{resource_type}/{resource.get('id', '(no id)')} is not valid FHIR R4:\n  "
            + "\n  ".join(problems)
        )
    validated["count"] += 1
