"""The validation helper itself: it must catch what each of its two validators catches."""

import pytest

from .validate import InvalidResource, assert_valid

PATIENT = {
    "resourceType": "Patient",
    "id": "1",
    "active": True,
    "gender": "female",
    "birthDate": "1968-07-09",
    "name": [{"family": "Reid", "given": ["Iris"]}],
}


def test_a_valid_patient_passes():
    assert_valid(PATIENT)


def test_the_schema_catches_a_code_off_its_value_set():
    # The R4B models take any string as a code; the schema knows gender's four.
    with pytest.raises(InvalidResource, match=r"schema: at gender: 'femal' is not one of"):
        assert_valid({**PATIENT, "gender": "femal"})


def test_unknown_elements_and_bad_dates_are_named():
    with pytest.raises(InvalidResource, match=r"birthDate") as caught:
        assert_valid({**PATIENT, "birthDate": "09/07/1968", "colour": "blue"})
    assert "colour" in str(caught.value)


def test_the_models_catch_a_single_value_where_a_list_belongs():
    with pytest.raises(InvalidResource, match=r"R4B model: at name"):
        assert_valid({**PATIENT, "name": {"family": "Reid"}})


def test_a_bundles_entries_are_each_validated_with_a_readable_message():
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [{"fullUrl": "http://x/Patient/1", "resource": {**PATIENT, "gender": "femal"}}],
    }
    with pytest.raises(InvalidResource, match=r"Patient/1 is not valid FHIR R4"):
        assert_valid(bundle)


def test_a_version_4_0_1_capability_statement_is_accepted_by_the_schema():
    assert_valid(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-01-01",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["json"],
        }
    )


def test_something_without_a_resource_type_is_refused():
    with pytest.raises(InvalidResource, match="no resourceType"):
        assert_valid({"id": "1"})
