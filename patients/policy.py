"""Who may do what: the roles table of SPEC §4, in one place for the API and the pages alike.

Each function answers for a user acting in their own clinics; whether a record is in those
clinics at all is ``visible_to``'s question, asked first (an outsider gets 404, not 403).
Superusers may do everything a clinic admin may.
"""

from .models import Patient, Role, role_of


def _role(user):
    return Role.ADMIN if user.is_superuser else role_of(user)


def _has_role(user, *roles):
    return user.is_authenticated and _role(user) in roles


def may_edit_patient(user):
    """Register a patient or change their details."""
    return _has_role(user, Role.NURSE, Role.ADMIN)


def may_record_assessment(user):
    return _has_role(user, Role.NURSE, Role.PHYSIO, Role.ADMIN)


def may_record_fall(user):
    return _has_role(user, Role.NURSE, Role.PHYSIO, Role.ADMIN)


def may_prescribe_device(user):
    """Prescribe a device or change a prescription."""
    return _has_role(user, Role.PHYSIO, Role.ADMIN)


def may_manage_referral(user):
    """Create or change a referral, and move its status."""
    return _has_role(user, Role.NURSE, Role.PHYSIO, Role.ADMIN)


def may_run_reports(user):
    return _has_role(user, Role.ADMIN)


# The user who entered each kind of record: the one whose mistake it may be.
_ENTERED_BY = {
    "assessments.assessment": "assessor_id",
    "care.fallevent": "recorded_by_id",
    "care.deviceprescription": "prescribed_by_id",
    "care.referral": "created_by_id",
}


def entered_by_id(record):
    """The id of the user who entered ``record``.

    A patient has no author field: the user who registered them is the author of their
    first history row.
    """
    if isinstance(record, Patient):
        first = record.history.order_by("history_date", "history_id").first()
        return first.history_user_id if first else None
    return getattr(record, _ENTERED_BY[record._meta.label_lower])


def may_mark_entered_in_error(user, record):
    """Admins may mark any record; nurses and physios only the records they entered themselves."""
    if _has_role(user, Role.ADMIN):
        return True
    return _has_role(user, Role.NURSE, Role.PHYSIO) and entered_by_id(record) == user.pk


def may_acknowledge_reminder(user, reminder):
    """Only a recipient acknowledges a reminder."""
    return reminder.recipients.filter(pk=user.pk).exists()
