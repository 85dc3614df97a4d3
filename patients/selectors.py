"""Reads of patients: each scoped by ``visible_to`` first, with what its callers show loaded."""

from django.db.models import Q

from .models import Patient


def patient_list(user):
    """The patients of ``user``'s clinics, entered-in-error ones included (the API shows them on request)."""
    return Patient.objects.visible_to(user).select_related("clinic", "entered_in_error_by")


def patient_search(patients, text):
    """Every word of ``text`` must match the given name, family name or MRN."""
    for word in text.split():
        patients = patients.filter(
            Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(mrn__icontains=word)
        )
    return patients
