"""The registry of clinical record types: every concrete ``ClinicalRecord`` model, by its slug.

A new kind of record declares its ``RecordType`` and ``describe`` on its model and is found
here: the pages' entered-in-error route and the reminders' subjects read the types from here
instead of keeping lists of their own, and the roles policy and the access log ask the record
itself what its type declares (``entered_by_id``, ``patient_record_id``).
"""

from functools import cache

from django.apps import apps

from .models import ClinicalRecord


@cache
def record_types():
    """``{slug: model}`` of every clinical record type, in the order the apps were installed."""
    return {
        model.record_type.slug: model
        for model in apps.get_models()
        if issubclass(model, ClinicalRecord) and not model._meta.abstract
    }


def record_model(slug):
    """The model of the record type ``slug``, or ``None``."""
    return record_types().get(slug)


def reminder_subject_types():
    """The slugs of the record types a reminder may be about (each a foreign key of the reminder)."""
    return [slug for slug, model in record_types().items() if model.record_type.reminder_subject]
