"""Reads of patients with their follow-up state as the rules derive it."""

from patients.selectors import patient_list

from .querysets import with_follow_up


def patient_list_with_follow_up(user, *, today):
    """The patients of ``user``'s clinics, each with last assessment, next due date and fall risk."""
    return with_follow_up(patient_list(user), today)


def caseload_by_name(user, *, today):
    """The valid patients of ``user``'s clinics with their follow-up state, by name: the patient list page."""
    return patient_list_with_follow_up(user, today=today).valid().order_by("family_name", "given_name", "id")
