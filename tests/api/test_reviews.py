"""Trend reviews through the API (SPEC §2 Trend review, §4 ``patients/{id}/reviews/``) and the
trends' ``reviewed`` and ``last_review``."""

import datetime

import pytest
from django.urls import reverse

from assessments.grades import MRCGrade
from assessments.services import assessment_record
from audit.models import AccessRecord
from patients.models import TEXT_MAX_LENGTH
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


def grade(label):
    return [{"muscle_group": "ankle_dorsiflexion", "side": "left", "grade": MRCGrade.from_label(label)}]


@pytest.fixture
def declined(north_patient, nora):
    """Two assessments of north's patient: the left ankle 4 → 3 (a decline, rule 1)."""
    earlier = assessment_record(patient=north_patient, assessor=nora, assessed_on=DAY, scores=grade("4"))
    latest = assessment_record(
        patient=north_patient, assessor=nora, assessed_on=DAY + datetime.timedelta(days=28), scores=grade("3")
    )
    return earlier, latest


def reviews_url(patient):
    return reverse("api:patient-reviews", kwargs={"pk": patient.pk})


def trends(client, patient):
    return client.get(reverse("api:patient-trends", kwargs={"pk": patient.pk})).json()


def test_a_review_is_of_the_latest_assessment_and_shows_in_the_trends(phil_api, north_patient, declined):
    _, latest = declined
    assert trends(phil_api, north_patient)["reviewed"] is False
    assert trends(phil_api, north_patient)["last_review"] is None
    response = phil_api.post(
        reviews_url(north_patient), {"note": "  Ankle weaker: AFO discussed.  "}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["patient"], body["assessment"], body["reviewed_by"], body["note"]) == (
        north_patient.pk,
        latest.pk,
        "phil",
        "Ankle weaker: AFO discussed.",
    )
    assert body["entered_in_error"] is False
    after = trends(phil_api, north_patient)
    assert after["reviewed"] is True
    assert after["last_review"] == {
        "reviewed_by": "phil",
        "reviewed_at": body["reviewed_at"],
        "note": "Ankle weaker: AFO discussed.",
        "assessment": latest.pk,
    }


def test_the_client_cannot_choose_the_assessment(phil_api, north_patient, declined):
    earlier, latest = declined
    response = phil_api.post(
        reviews_url(north_patient), {"note": "Seen.", "assessment": earlier.pk}, format="json"
    )
    assert response.status_code == 400
    assert "assessment" in response.json()
    assert not latest.reviews.exists() and not earlier.reviews.exists()


def test_a_new_assessment_is_not_reviewed_until_someone_reviews_it(phil_api, nora, north_patient, declined):
    _, latest = declined
    phil_api.post(reviews_url(north_patient), {"note": "Seen."}, format="json")
    newer = assessment_record(
        patient=north_patient, assessor=nora, assessed_on=DAY + datetime.timedelta(days=56), scores=grade("3")
    )
    after = trends(phil_api, north_patient)
    assert after["reviewed"] is False
    assert after["last_review"]["assessment"] == latest.pk  # the last review stays shown
    assert newer.pk != latest.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "note"),
        ({"note": ""}, "note"),
        ({"note": "   "}, "note"),
        ({"note": "x" * (TEXT_MAX_LENGTH + 1)}, "note"),
        ({"note": None}, "note"),
        ({"note": ["Seen"]}, "note"),
        ({"note": "Seen.", "reviewed_by": "ada"}, "reviewed_by"),
        ({"note": "Seen.", "reviewed_at": "2020-01-01T00:00:00Z"}, "reviewed_at"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_records_nothing(
    phil_api, north_patient, declined, body, field
):
    response = phil_api.post(reviews_url(north_patient), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not north_patient.trend_reviews.exists()


def test_a_patient_without_an_assessment_has_nothing_to_review(phil_api, north_patient):
    response = phil_api.post(reviews_url(north_patient), {"note": "Seen."}, format="json")
    assert response.status_code == 400
    assert response.json()["assessment"] == [
        "This patient has no assessment yet: there are no findings to review."
    ]


def test_another_clinics_patient_is_not_found_for_reading_or_reviewing(sam_api, north_patient, declined):
    assert sam_api.get(reviews_url(north_patient)).status_code == 404
    assert sam_api.post(reviews_url(north_patient), {"note": "Seen."}, format="json").status_code == 404
    # Even a bad body: the patient is looked for first.
    assert sam_api.post(reviews_url(north_patient), {"note": ""}, format="json").status_code == 404


def test_a_review_in_error_leaves_the_list_and_the_trends_and_stays_retrievable(
    phil_api, ada_api, north_patient, declined
):
    review = phil_api.post(
        reviews_url(north_patient), {"note": "Wrong patient's notes."}, format="json"
    ).json()
    url = reverse(
        "api:patient-review-entered-in-error", kwargs={"pk": north_patient.pk, "review_id": review["id"]}
    )
    assert phil_api.post(url, {"reason": "Meant for another patient"}, format="json").status_code == 200
    assert phil_api.post(url, {"reason": "again"}, format="json").status_code == 409
    listed = phil_api.get(reviews_url(north_patient)).json()
    assert listed["count"] == 0
    with_errors = phil_api.get(reviews_url(north_patient), {"include_errors": "true"}).json()
    assert [(r["id"], r["entered_in_error"]) for r in with_errors["results"]] == [(review["id"], True)]
    after = trends(ada_api, north_patient)
    assert (after["reviewed"], after["last_review"]) == (False, None)


def test_a_review_of_another_patient_is_not_found_under_this_one(
    phil_api, north, north_patient, declined, phil
):
    other = factories.PatientFactory(clinic=north)
    assessment_record(patient=other, assessor=phil, assessed_on=DAY, scores=grade("4"))
    review = phil_api.post(reviews_url(other), {"note": "Seen."}, format="json").json()
    url = reverse("api:patient-review", kwargs={"pk": north_patient.pk, "review_id": review["id"]})
    assert phil_api.get(url).status_code == 404
    eie = reverse(
        "api:patient-review-entered-in-error", kwargs={"pk": north_patient.pk, "review_id": review["id"]}
    )
    assert phil_api.post(eie, {"reason": "x"}, format="json").status_code == 404


def test_reviews_are_never_changed_nor_deleted(phil_api, north_patient, declined):
    review = phil_api.post(reviews_url(north_patient), {"note": "Seen."}, format="json").json()
    url = reverse("api:patient-review", kwargs={"pk": north_patient.pk, "review_id": review["id"]})
    assert phil_api.patch(url, {"note": "Changed"}, format="json").status_code == 405
    assert phil_api.delete(url).status_code == 405
    assert phil_api.get(url).json()["note"] == "Seen."


def test_reading_reviews_is_in_the_access_log(nora_api, north_patient, declined):
    nora_api.post(reviews_url(north_patient), {"note": "Seen."}, format="json")
    before = AccessRecord.objects.count()
    assert nora_api.get(reviews_url(north_patient)).status_code == 200
    (record,) = AccessRecord.objects.with_patient_ids().order_by("id")[before:]
    assert (record.action, record.patient_ids) == ("patient_list", [north_patient.pk])
