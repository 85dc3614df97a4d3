"""Writes about clinics, staff and roles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Clinic, Role, StaffMembership

# Model permissions of each role group, as "<app_label>.<action>_<model>". They drive the
# Django admin; nobody gets "delete": clinical records are marked entered-in-error instead.
_CLINICAL_MODELS = (
    "patients.patient",
    "assessments.assessment",
    "assessments.musclescore",
    "care.fallevent",
    "care.deviceprescription",
    "care.referral",
    "care.referralstatuschange",
    "reminders.reminder",
)
_VIEW_ALL = {f"view_{m}" for m in _CLINICAL_MODELS} | {"view_clinic"}
ROLE_PERMISSIONS = {
    Role.NURSE: _VIEW_ALL
    | {"add_patient", "change_patient", "add_assessment", "add_musclescore", "add_fallevent"}
    | {"add_referral", "change_referral"},
    Role.PHYSIO: _VIEW_ALL
    | {"add_assessment", "add_musclescore", "add_fallevent", "add_deviceprescription"}
    | {"change_deviceprescription", "add_referral", "change_referral"},
    Role.ADMIN: _VIEW_ALL
    | {f"add_{m.split('.')[1]}" for m in _CLINICAL_MODELS}
    | {f"change_{m.split('.')[1]}" for m in _CLINICAL_MODELS},
}


def role_groups_ensure():
    """Create the three role groups with their permissions (idempotent; runs after migrate)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(Permission.objects.filter(codename__in=codenames))


@transaction.atomic
def staff_add(*, username, role, clinic_code, password, email=""):
    """Create or update a staff user in ``role`` and make them a member of the clinic.

    Raises ``ValidationError`` for an unknown role or clinic, or a weak password.
    """
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.") from None
    try:
        clinic = Clinic.objects.get(code=clinic_code)
    except Clinic.DoesNotExist:
        known = ", ".join(Clinic.objects.values_list("code", flat=True)) or "none yet"
        raise ValidationError(f"Unknown clinic {clinic_code!r}; known clinics: {known}.") from None
    if not password:
        raise ValidationError("A password is required.")

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.email = email or user.email
    user.is_staff = True
    user.set_password(password)
    user.save()
    role_groups_ensure()
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name=role.value))
    user.groups.add(Group.objects.get(name=role.value))
    StaffMembership.objects.get_or_create(user=user, clinic=clinic)
    return user
