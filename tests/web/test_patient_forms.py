"""Registering a patient and editing their details: through the patient services, by nurses and
admins only, every error shown by its field with what was typed still in place."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.concurrency import record_version
from patients.models import Patient
from patients.services import patient_update
from tests import factories
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db

NEW = reverse("web:patient_new")


def _edit(patient):
    return reverse("web:patient_edit", args=[patient.pk])


def _dashboard(patient):
    return reverse("web:patient_dashboard", args=[patient.pk])


def _tomorrow():
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def _typed(north, **changes):
    return {
        "clinic": str(north.pk),
        "mrn": "N-7001",
        "given_name": "Mairi",
        "family_name": "Campbell",
        "date_of_birth": "1968-11-02",
        "sex": "female",
        "ms_type": "SPMS",
        "diagnosis_date": "1999-06-15",
        "status": "active",
        "reassessment_interval_weeks": "26",
    } | changes


def _assert_kept(html, data):
    """Every value typed is back in its field (text, date and number inputs, or the chosen option)."""
    for name in ("mrn", "given_name", "family_name", "date_of_birth", "diagnosis_date"):
        if data[name]:
            assert f'name="{name}" value="{data[name]}"' in html, name
    assert f'name="reassessment_interval_weeks" value="{data["reassessment_interval_weeks"]}"' in html
    for value in (data["sex"], data["ms_type"], data["status"]):
        assert f'<option value="{value}" selected>' in html, value


# Registering ----------------------------------------------------------------------------------


def test_the_registration_page_labels_every_field_and_preselects_my_only_clinic(nora_web, north):
    response = nora_web.get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    for field, label in [
        ("clinic", "Clinic"),
        ("mrn", "MRN"),
        ("given_name", "Given name"),
        ("family_name", "Family name"),
        ("date_of_birth", "Date of birth"),
        ("sex", "Sex"),
        ("ms_type", "MS type"),
        ("diagnosis_date", "Diagnosis date"),
        ("status", "Status"),
        ("reassessment_interval_weeks", "Reassessment interval (weeks)"),
    ]:
        assert f'<label for="id_{field}">{label}:</label>' in html, field
    assert f'<option value="{north.pk}" selected>North</option>' in html
    assert "Choose a clinic" not in html
    assert 'name="reassessment_interval_weeks" value="12"' in html
    assert '<option value="active" selected>' in html and '<option value="unknown" selected>' in html


@pytest.mark.parametrize("user", ["nora", "ada"])
def test_a_nurse_or_an_admin_registers_a_patient(request, north, user):
    staff = request.getfixturevalue(user)
    client = web_client_of(staff)
    response = client.post(NEW, _typed(north))
    patient = Patient.objects.get(mrn="N-7001")
    assert response.status_code == 302 and response["Location"] == _dashboard(patient)
    assert (patient.clinic, patient.given_name, patient.family_name) == (north, "Mairi", "Campbell")
    assert (patient.date_of_birth, patient.diagnosis_date) == (
        datetime.date(1968, 11, 2),
        datetime.date(1999, 6, 15),
    )
    assert (patient.sex, patient.ms_type, patient.status, patient.reassessment_interval_weeks) == (
        "female",
        "SPMS",
        "active",
        26,
    )
    # The registering user is the author of the first history row.
    (row,) = patient.history.all()
    assert (row.history_type, row.history_user) == ("+", staff)
    page = client.get(response["Location"]).content.decode()
    assert "Campbell, Mairi (MRN N-7001) registered." in page


def test_the_diagnosis_date_is_optional(nora_web, north):
    response = nora_web.post(NEW, _typed(north, diagnosis_date=""))
    assert response.status_code == 302
    assert Patient.objects.get(mrn="N-7001").diagnosis_date is None


def test_a_member_of_two_clinics_chooses_one_of_them_only(north, south, ada, sam):
    factories.ClinicFactory(code="east", name="East")
    ada.clinic_memberships.create(clinic=south)
    client = web_client_of(ada)
    html = client.get(NEW).content.decode()
    assert '<option value="" selected>Choose a clinic</option>' in html
    assert ">North</option>" in html and ">South</option>" in html and "East" not in html

    response = client.post(NEW, _typed(north, clinic=""))
    assert response.status_code == 200 and "clinic" in response.context["form"].errors

    response = client.post(NEW, _typed(north, clinic=str(south.pk)))
    assert response.status_code == 302
    assert Patient.objects.get(mrn="N-7001").clinic == south


def test_a_clinic_i_do_not_belong_to_is_refused(nora_web, north, south):
    response = nora_web.post(NEW, _typed(north, clinic=str(south.pk)))
    assert response.status_code == 200
    assert response.context["form"].errors["clinic"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"mrn": "N-0001"}, "mrn", "A patient with this MRN is already registered at this clinic."),
        ({"date_of_birth": "tomorrow", "diagnosis_date": ""}, "date_of_birth", "Must not be in the future."),
        ({"diagnosis_date": "tomorrow"}, "diagnosis_date", "Must not be in the future."),
        ({"diagnosis_date": "1960-01-01"}, "diagnosis_date", "Must not be before the date of birth."),
        (
            {"reassessment_interval_weeks": "0"},
            "reassessment_interval_weeks",
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            {"reassessment_interval_weeks": "105"},
            "reassessment_interval_weeks",
            "Ensure this value is less than or equal to 104.",
        ),
        ({"date_of_birth": "31/02/1968"}, "date_of_birth", "Enter a valid date."),
    ],
)
def test_a_registration_error_is_shown_by_its_field_with_the_input_kept(
    nora_web, north, changes, field, message
):
    existing = factories.PatientFactory(clinic=north, mrn="N-0001")
    changes = {k: _tomorrow() if v == "tomorrow" else v for k, v in changes.items()}
    data = _typed(north, **changes)
    response = nora_web.post(NEW, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    html = response.content.decode()
    assert 'id="error-summary"' in html and f'<a href="#id_{field}">' in html
    _assert_kept(html, data)
    assert f'<option value="{north.pk}" selected>North</option>' in html
    assert list(Patient.objects.all()) == [existing]


def test_the_same_mrn_at_another_clinic_is_allowed(nora_web, north, south):
    factories.PatientFactory(clinic=south, mrn="N-7001")
    assert nora_web.post(NEW, _typed(north)).status_code == 302
    assert Patient.objects.filter(mrn="N-7001").count() == 2


def test_a_physio_may_not_register_a_patient(phil_web, north):
    assert phil_web.get(NEW).status_code == 403
    assert phil_web.post(NEW, _typed(north)).status_code == 403
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("user", "offered"), [("nora", True), ("ada", True), ("phil", False), ("rolf", False)]
)
def test_the_patient_list_offers_registration_to_nurses_and_admins(request, rolf, user, offered):
    html = web_client_of(request.getfixturevalue(user)).get(reverse("web:patient_list")).content.decode()
    assert ("Register patient" in html) == offered
    assert (f'href="{NEW}"' in html) == offered


# Editing --------------------------------------------------------------------------------------


@pytest.fixture
def patient(north, nora):
    from patients.services import patient_create

    return patient_create(
        clinic=north,
        created_by=nora,
        mrn="N-0100",
        given_name="Iris",
        family_name="Reid",
        date_of_birth=datetime.date(1970, 3, 1),
        ms_type="RRMS",
        diagnosis_date=datetime.date(2001, 5, 20),
    )


def _as_typed(patient, **changes):
    """The edit form as the page draws it, with ``changes`` typed over it."""
    return {
        "version": record_version(patient),
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "ms_type": patient.ms_type,
        "diagnosis_date": patient.diagnosis_date.isoformat() if patient.diagnosis_date else "",
        "status": patient.status,
        "reassessment_interval_weeks": str(patient.reassessment_interval_weeks),
    } | changes


def test_the_edit_page_shows_the_details_and_the_clinic_as_fixed(nora_web, patient):
    response = nora_web.get(_edit(patient))
    assert response.status_code == 200
    html = response.content.decode()
    _assert_kept(html, _as_typed(patient))
    assert 'name="clinic"' not in html
    assert "Clinic: <strong>North</strong>" in html
    assert f'<input type="hidden" name="version" value="{record_version(patient)}"' in html


@pytest.mark.parametrize("user", ["nora", "ada"])
def test_a_nurse_or_an_admin_edits_the_details(request, south, patient, user):
    staff = request.getfixturevalue(user)
    client = web_client_of(staff)
    data = _as_typed(patient, family_name="Reid-Munro", status="discharged", reassessment_interval_weeks="8")
    # The clinic is fixed: a clinic sent along is ignored.
    response = client.post(_edit(patient), data | {"clinic": str(south.pk)})
    assert response.status_code == 302 and response["Location"] == _dashboard(patient)
    patient.refresh_from_db()
    assert (patient.family_name, patient.status, patient.reassessment_interval_weeks) == (
        "Reid-Munro",
        "discharged",
        8,
    )
    assert patient.clinic.code == "north"
    latest, registered = patient.history.all()[:2]
    assert (latest.history_type, latest.history_user, latest.family_name) == ("~", staff, "Reid-Munro")
    assert registered.family_name == "Reid"
    assert "Details of Reid-Munro, Iris saved." in client.get(response["Location"]).content.decode()


def test_saving_unchanged_details_writes_no_history(nora_web, patient):
    response = nora_web.post(_edit(patient), _as_typed(patient))
    assert response.status_code == 302
    assert patient.history.count() == 1
    assert "No changes to the details of Reid, Iris." in nora_web.get(_dashboard(patient)).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"mrn": "N-0200"}, "mrn", "A patient with this MRN is already registered at this clinic."),
        ({"date_of_birth": "tomorrow", "diagnosis_date": ""}, "date_of_birth", "Must not be in the future."),
        ({"diagnosis_date": "tomorrow"}, "diagnosis_date", "Must not be in the future."),
        ({"date_of_birth": "2005-01-01"}, "diagnosis_date", "Must not be before the date of birth."),
        (
            {"reassessment_interval_weeks": "0"},
            "reassessment_interval_weeks",
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            {"reassessment_interval_weeks": "105"},
            "reassessment_interval_weeks",
            "Ensure this value is less than or equal to 104.",
        ),
        ({"given_name": ""}, "given_name", "This field is required."),
    ],
)
def test_an_edit_error_is_shown_by_its_field_with_the_input_kept(
    nora_web, north, patient, changes, field, message
):
    factories.PatientFactory(clinic=north, mrn="N-0200")
    changes = {k: _tomorrow() if v == "tomorrow" else v for k, v in changes.items()}
    data = _as_typed(patient, status="discharged", sex="other", **changes)
    response = nora_web.post(_edit(patient), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    html = response.content.decode()
    assert f'<a href="#id_{field}">' in html
    if field != "given_name":
        _assert_kept(html, data)
    assert patient.history.count() == 1


def test_an_edit_made_meanwhile_is_not_overwritten(nora_web, ada, patient):
    drawn = _as_typed(patient)
    # Ada discharges the patient while Nora has the edit page open.
    patient_update(patient=patient, by=ada, status="discharged")
    response = nora_web.post(_edit(patient), drawn | {"given_name": "Irene"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this patient&#x27;s details while you were editing." in html
    assert "Stored now: Given name: Iris; Status: Discharged." in html
    assert 'name="given_name" value="Irene"' in html and '<option value="active" selected>' in html
    patient.refresh_from_db()
    assert (patient.given_name, patient.status) == ("Iris", "discharged")

    # Saving again, from the page as redrawn, is a deliberate choice: it goes through.
    form = response.context["form"]
    assert form.data["version"] == record_version(patient)
    response = nora_web.post(_edit(patient), form.data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.given_name, patient.status) == ("Irene", "active")


def test_a_physio_may_not_edit_the_details(phil_web, patient):
    assert phil_web.get(_edit(patient)).status_code == 403
    assert phil_web.post(_edit(patient), _as_typed(patient, given_name="Irene")).status_code == 403
    patient.refresh_from_db()
    assert patient.given_name == "Iris" and patient.history.count() == 1


def test_another_clinics_patient_is_not_found(sam_web, patient):
    assert sam_web.get(_edit(patient)).status_code == 404
    assert sam_web.post(_edit(patient), _as_typed(patient, given_name="Irene")).status_code == 404
    patient.refresh_from_db()
    assert patient.given_name == "Iris"


def test_a_patient_entered_in_error_cannot_be_edited(nora_web, nora, patient):
    patient.mark_entered_in_error(by=nora, reason="Registered twice")
    assert "Edit details" not in nora_web.get(_dashboard(patient)).content.decode()
    assert nora_web.get(_edit(patient)).status_code == 404
    assert nora_web.post(_edit(patient), _as_typed(patient, given_name="Irene")).status_code == 404


@pytest.mark.parametrize("page", ["new", "edit"])
def test_anonymous_is_sent_to_log_in(anonymous, patient, page):
    url = NEW if page == "new" else _edit(patient)
    for response in (anonymous.get(url), anonymous.post(url, _as_typed(patient))):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('web:login')}?next={url}"
