"""Writes about clinics, staff, roles and patients, and what every clinical record shares."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min

from .clock import clinic_date, clinic_today
from .concurrency import record_lock
from .models import (
    EARLIEST_CLINICAL_DATE,
    Clinic,
    MSType,
    Patient,
    PatientStatus,
    Role,
    Sex,
    StaffMembership,
)
from .signals import patient_created, patient_discharged

# Model permissions of each role group in the Django admin, as "<action>_<model>". Only clinic
# admins use the admin, to look things up: every write goes through the pages or the API, whose
# services validate it, keep its history and queue its reminders. Nobody gets "delete".
_CLINICAL_MODELS = (
    "patient",
    "assessment",
    "musclescore",
    "fallevent",
    "deviceprescription",
    "referral",
    "referralstatuschange",
    "devicereview",
    "spasticityscore",
    "medicationevent",
    "exerciseplan",
    "reminder",
)
ROLE_PERMISSIONS = {
    Role.NURSE: set(),
    Role.PHYSIO: set(),
    Role.ADMIN: {f"view_{model}" for model in _CLINICAL_MODELS} | {"view_clinic"},
}


def role_groups_ensure():
    """Create the three role groups with their permissions (idempotent; runs after migrate)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(Permission.objects.filter(codename__in=codenames))


def role_parse(value):
    """The ``Role`` named ``value``; ``ValidationError`` in words for any other name."""
    try:
        return Role(value)
    except ValueError:
        raise ValidationError(f"Unknown role {value!r}; choose one of: {', '.join(Role.values)}.") from None


def staff_enrol(*, user, role, clinic):
    """Put a saved ``user`` in ``role``'s group (and no other role's) and make them a member of ``clinic``.

    Shared by ``add_staff`` and the staff pages, so an account means the same whichever made it.
    Only clinic admins are ``is_staff``: the Django admin is for them to look records up.
    """
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
    role_groups_ensure()
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name=role.value))
    user.groups.add(Group.objects.get(name=role.value))
    StaffMembership.objects.get_or_create(user=user, clinic=clinic)
    return user


@transaction.atomic
def staff_add(*, username, role, clinic_code, password, email=""):
    """Create or update a staff user in ``role`` and make them a member of the clinic.

    Raises ``ValidationError`` for an unknown role or clinic, or a password the validators of
    ``AUTH_PASSWORD_VALIDATORS`` refuse.
    """
    role = role_parse(role)
    try:
        clinic = Clinic.objects.get(code=clinic_code)
    except Clinic.DoesNotExist:
        known = ", ".join(Clinic.objects.values_list("code", flat=True)) or "none yet"
        raise ValidationError(f"Unknown clinic {clinic_code!r}; known clinics: {known}.") from None
    if not password:
        raise ValidationError("A password is required.")

    User = get_user_model()
    user = User.objects.filter(username=username).first() or User(username=username)
    user.email = email or user.email
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return staff_enrol(user=user, role=role, clinic=clinic)


# What every clinical record shares ---------------------------------------------------------


def record_validate(record, errors=None):
    """Raise the model's field errors and the caller's domain ``errors`` together, by field.

    Cross-field rules and uniqueness are the caller's ``errors``, so that every message names
    its field; the database constraints stay as the last line of defence.
    """
    errors = dict(errors or {})
    try:
        record.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


class EnteredInErrorConflict(ValidationError):
    """A change to a record marked entered in error, or to a record of a patient so marked.

    Sound input that the record's state refuses: the pages show it as any other error, the API
    answers 409 (a schema can say what a field takes, not which records are still open to change).
    """


def record_check_editable(record):
    """Refuse a change to a record marked entered in error, or to any record of such a patient."""
    if record.entered_in_error:
        raise EnteredInErrorConflict("This record is marked entered in error and can no longer be changed.")
    if record.patient_record.entered_in_error:
        raise EnteredInErrorConflict(
            "This record's patient is marked entered in error; their records can no longer be changed."
        )


def record_apply_changes(record, changes, *, editable):
    """Set ``changes`` on ``record``; refused if it is entered in error. Returns the changed fields."""
    if unknown := set(changes) - set(editable):
        raise TypeError(f"{type(record).__name__} has no editable field(s) {', '.join(sorted(unknown))}")
    record_check_editable(record)
    for field, value in changes.items():
        setattr(record, field, value)
    return list(changes)


EARLIEST_CLINICAL_DATE_MESSAGE = "Must not be before 1 Jan 1900."
# How far ahead a follow-up date (a review, a referral's due date) may be set from its record's start.
FOLLOW_UP_YEARS = 5


def clinical_date_errors(field, day, patient):
    """A clinical event's date: not in the future, not before 1900 and not before the patient was born."""
    if day > clinic_today():
        return {field: ["Must not be in the future."]}
    if day < EARLIEST_CLINICAL_DATE:
        return {field: [EARLIEST_CLINICAL_DATE_MESSAGE]}
    if day < patient.date_of_birth:
        return {field: ["Must not be before the patient's date of birth."]}
    return {}


def latest_follow_up_date(start):
    """Five calendar years after ``start``: the same day and month (29 February → 28 February);
    the last date there is for a start in the last five years of the calendar (refused anyway)."""
    if start.year + FOLLOW_UP_YEARS > date.max.year:
        return date.max
    try:
        return start.replace(year=start.year + FOLLOW_UP_YEARS)
    except ValueError:
        return start.replace(year=start.year + FOLLOW_UP_YEARS, day=28)


def follow_up_date_errors(field, day, *, start, start_name):
    """A follow-up date (``review_due_on``, ``due_by``): from ``start`` to five calendar years after it."""
    if day < start:
        return {field: [f"Must not be before the {start_name}."]}
    if day > (latest := latest_follow_up_date(start)):
        return {
            field: [
                f"Must be at most {FOLLOW_UP_YEARS} years after the {start_name}: {latest:%d %b %Y} at the latest."
            ]
        }
    return {}


@transaction.atomic
def record_mark_entered_in_error(*, record, by, reason, expected_version=None):
    """Mark a clinical record entered in error (who, when, why); it is never deleted."""
    # Locked, so that of two concurrent marks only the first is recorded.
    record = record_lock(record, expected_version=expected_version)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the record is in error."]})
    if record.entered_in_error:
        raise EnteredInErrorConflict("This record is already marked entered in error.")
    record._history_user = by
    record.mark_entered_in_error(by=by, reason=reason)
    return record


# Patients -----------------------------------------------------------------------------------

PATIENT_EDITABLE = (
    "mrn",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "ms_type",
    "diagnosis_date",
    "status",
    "reassessment_interval_weeks",
)


MRN_TAKEN = "A patient with this MRN is already registered at this clinic."


def _mrn_taken(patient):
    return (
        Patient.objects.filter(clinic_id=patient.clinic_id, mrn=patient.mrn).exclude(pk=patient.pk).exists()
    )


def _earliest_record_date(patient):
    """The clinic-local date of the patient's earliest valid clinical record, or ``None``."""
    firsts = [
        patient.assessments.valid().aggregate(first=Min("assessed_on"))["first"],
        patient.devices.valid().aggregate(first=Min("prescribed_on"))["first"],
        patient.referrals.valid().aggregate(first=Min("referred_on"))["first"],
        patient.medication_events.valid().aggregate(first=Min("occurred_on"))["first"],
        patient.exercise_plans.valid().aggregate(first=Min("started_on"))["first"],
    ]
    if first_fall := patient.falls.valid().aggregate(first=Min("occurred_at"))["first"]:
        firsts.append(clinic_date(first_fall))
    return min(filter(None, firsts), default=None)


def _patient_validate(patient, *, changed=()):
    """Field errors of ``patient``; ``changed`` names the fields an edit changes."""
    errors = {}
    today = clinic_today()
    if patient.date_of_birth and patient.date_of_birth > today:
        errors["date_of_birth"] = ["Must not be in the future."]
    elif patient.date_of_birth and patient.date_of_birth < EARLIEST_CLINICAL_DATE:
        errors["date_of_birth"] = [EARLIEST_CLINICAL_DATE_MESSAGE]
    elif patient.date_of_birth and "date_of_birth" in changed:
        # No record of the patient may predate their birth (clinical_date_errors, the other way round).
        earliest = _earliest_record_date(patient)
        if earliest and earliest < patient.date_of_birth:
            errors["date_of_birth"] = [
                f"Must not be after {earliest.isoformat()}, the date of the patient's earliest record."
            ]
    if patient.diagnosis_date:
        if patient.diagnosis_date > today:
            errors["diagnosis_date"] = ["Must not be in the future."]
        elif patient.diagnosis_date < EARLIEST_CLINICAL_DATE:
            errors["diagnosis_date"] = [EARLIEST_CLINICAL_DATE_MESSAGE]
        elif patient.date_of_birth and patient.diagnosis_date < patient.date_of_birth:
            errors["diagnosis_date"] = ["Must not be before the date of birth."]
    if _mrn_taken(patient):
        errors["mrn"] = [MRN_TAKEN]
    record_validate(patient, errors)


def _patient_save(patient, **kwargs):
    """Save ``patient``; an MRN registered by someone else since the check is a field error too.

    The check in ``_patient_validate`` cannot see a registration that commits after it; the
    unique constraint does. The savepoint keeps the caller's transaction usable after it.
    """
    try:
        with transaction.atomic():
            patient.save(**kwargs)
    except IntegrityError:
        if not _mrn_taken(patient):
            raise
        raise ValidationError({"mrn": [MRN_TAKEN]}) from None


@transaction.atomic
def patient_create(
    *,
    clinic,
    created_by,
    mrn,
    given_name,
    family_name,
    date_of_birth,
    sex=Sex.UNKNOWN,
    ms_type=MSType.UNKNOWN,
    diagnosis_date=None,
    status=PatientStatus.ACTIVE,
    reassessment_interval_weeks=12,
):
    """Register a patient at ``clinic``; the registering user is the author of its first history row."""
    patient = Patient(
        clinic=clinic,
        mrn=mrn,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        sex=sex,
        ms_type=ms_type,
        diagnosis_date=diagnosis_date,
        status=status,
        reassessment_interval_weeks=reassessment_interval_weeks,
    )
    _patient_validate(patient)
    patient._history_user = created_by
    _patient_save(patient)
    patient_created.send(sender=Patient, patient=patient)
    return patient


@transaction.atomic
def patient_update(*, patient, by, expected_version=None, **changes):
    """Change a patient's details (any of ``PATIENT_EDITABLE``); the clinic is fixed at registration.

    ``EditedMeanwhile`` if the patient is no longer at ``expected_version`` (``record_lock``).
    """
    patient = record_lock(patient, expected_version=expected_version)
    was_active = patient.status == PatientStatus.ACTIVE
    fields = record_apply_changes(patient, changes, editable=PATIENT_EDITABLE)
    _patient_validate(patient, changed=fields)
    patient._history_user = by
    _patient_save(patient, update_fields=[*fields, "updated_at"])
    if was_active and patient.status == PatientStatus.DISCHARGED:
        patient_discharged.send(sender=Patient, patient=patient, by=by)
    return patient
