"""Who may do what: the roles table of SPEC §4, in one place for the API and the pages alike.

Each function answers for a user acting in their own clinics; whether a record is in those
clinics at all is ``visible_to``'s question, asked first (an outsider gets 404, not 403).
Superusers may do everything a clinic admin may.
"""

from .models import Role, role_of


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


def may_review_device(user):
    """Record a review of a device (and so set its next review date)."""
    return _has_role(user, Role.PHYSIO, Role.ADMIN)


def may_record_medication(user):
    """Record or change a medication event."""
    return _has_role(user, Role.NURSE, Role.PHYSIO, Role.ADMIN)


def may_prescribe_plan(user):
    """Prescribe an exercise plan or change one (nurses read them)."""
    return _has_role(user, Role.PHYSIO, Role.ADMIN)


def may_manage_referral(user):
    """Create or change a referral, and move its status."""
    return _has_role(user, Role.NURSE, Role.PHYSIO, Role.ADMIN)


def may_record_trend_review(user):
    """SPEC §4 roles: nurses, physios and admins sign off a patient's findings."""
    return _has_role(user, Role.NURSE, Role.PHYSIO, Role.ADMIN)


def may_run_reports(user):
    return _has_role(user, Role.ADMIN)


def may_manage_webhooks(user):
    """Register, change and deactivate a clinic's webhook endpoints and read their delivery log."""
    return _has_role(user, Role.ADMIN)


def may_mark_entered_in_error(user, record):
    """Admins may mark any record; nurses and physios the records they entered themselves, and
    those the patient entered in their diary (no colleague's entry to defer to: SPEC §7)."""
    if _has_role(user, Role.ADMIN):
        return True
    return _has_role(user, Role.NURSE, Role.PHYSIO) and (
        record.entered_by_patient or record.entered_by_id() == user.pk
    )


def may_issue_diary_link(user):
    """Issue or revoke a patient's diary link (SPEC §4 roles)."""
    return _has_role(user, Role.NURSE, Role.PHYSIO, Role.ADMIN)


def may_acknowledge_reminder(user, reminder):
    """Only a recipient acknowledges a reminder."""
    return reminder.recipients.filter(pk=user.pk).exists()
