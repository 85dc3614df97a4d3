"""The reads behind the pages: scoped by ``visible_to`` first, set-based where they feed a list."""

from django.db.models import Prefetch, Q

from assessments.models import Assessment, MuscleScore
from patients.models import Patient
from reminders.models import Reminder, ReminderStatus


def patients_of(user, *, today):
    """The valid patients of the user's clinics with their follow-up state, in one query a page."""
    return (
        Patient.objects.visible_to(user)
        .valid()
        .with_follow_up(today)
        .select_related("clinic")
        .order_by("family_name", "given_name", "id")
    )


def patient_search(patients, text):
    """Every word of ``text`` must match the given name, family name or MRN."""
    for word in text.split():
        patients = patients.filter(
            Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(mrn__icontains=word)
        )
    return patients


def reminders_of(user):
    """Reminders addressed to the user about valid patients and records of their clinics."""
    return Reminder.objects.valid().visible_to(user).filter(recipients=user)


def open_reminders_of(user):
    return reminders_of(user).exclude(status=ReminderStatus.ACKNOWLEDGED)


def assessments_of(patient):
    """The patient's valid assessments, newest first, each with its MRC sum and scores."""
    return (
        Assessment.objects.valid()
        .filter(patient=patient)
        .with_mrc_sum()
        .latest_first()
        .select_related("assessor")
        .prefetch_related(Prefetch("scores", queryset=MuscleScore.objects.order_by()))
    )


def latest_assessment_of(patient):
    return (
        Assessment.objects.valid()
        .filter(patient=patient)
        .latest_first()
        .prefetch_related(Prefetch("scores", queryset=MuscleScore.objects.order_by()))
        .first()
    )
