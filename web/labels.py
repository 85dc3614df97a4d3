"""How codes read on the pages."""

from assessments.grades import MuscleGroup
from care.models import DeviceType, PlanKind, ReferralService, ReferralStatus
from clinical_rules.rules import FollowUpKind
from patients.models import MSType


def muscle_label(value):
    """``ankle_dorsiflexion`` → ``Ankle dorsiflexion``."""
    return MuscleGroup(value).label.capitalize()


# The reports' columns (``reports.queries``) as their tables' headings and charts' legends say
# them. The API and its CSV keep the column names: they are the fields integrations read.
REPORT_COLUMN_LABELS = {
    "clinic": "Clinic",
    "ms_type": "MS type",
    "active_patients": "Active patients",
    "assessed_in_interval": "Assessed within their interval",
    "overdue": "Overdue",
    "due_for_reassessment": "Due for reassessment (within a week or overdue)",
    "never_assessed": "Never assessed",
    "assessed_in_period": "Assessed in the period",
    "on_antispasticity_drugs": "On an antispasticity drug",
    "with_active_plans": "With an active exercise plan",
    "month": "Month",
    "falls": "Falls",
    "near_falls": "Near-falls",
    "injuries": "Injuries",
    "serious_injuries": "Moderate or severe injuries",
    "medical_attention": "Needed medical attention",
    "patients_who_fell": "Patients who fell",
    "falls_per_patient": "Falls per active patient",
    "high_fall_risk_patients": "Patients at high fall risk",
    "high_fall_risk_share": "Share at high fall risk",
    "to_service": "Service",
    "total": "Referrals",
    **{status.value: status.label for status in ReferralStatus},
    "reached_seen": "Seen (or closed since)",
    "median_days_sent_to_seen": "Median days from sent to seen",
    "device_type": "Device",
    "active": "Active prescriptions",
    "review_due": "Review due",
    "patients": "Patients",
    "assessments": "Assessments",
    "patients_with_decline": "Patients with a decline",
    "patients_with_improvement": "Patients with an improvement",
    "strength_reviews": "Strength reviews",
    "median_days_to_review": "Median days to review",
}

# Where one report's column means more than the shared word says: the caseload's "overdue"
# is the reassessment's.
REPORT_COLUMN_LABELS_OF = {"caseload": {"overdue": "Reassessment overdue"}}


def report_column_label(report, column):
    return REPORT_COLUMN_LABELS_OF.get(report, {}).get(column) or REPORT_COLUMN_LABELS[column]


# Report columns holding a code, and the choices that word it.
REPORT_CODE_CHOICES = {
    "ms_type": MSType,
    "to_service": ReferralService,
    "device_type": DeviceType,
}

# What the overdue report's ``detail`` names, by the kind of follow-up.
FOLLOW_UP_DETAIL_CHOICES = {
    FollowUpKind.REFERRAL_OVERDUE: ReferralService,
    FollowUpKind.DEVICE_REVIEW_DUE: DeviceType,
    FollowUpKind.PLAN_REVIEW_DUE: PlanKind,
}


def code_words(choices, value):
    """The label of ``value`` among ``choices``; an unknown code as it is rather than an error."""
    try:
        return choices(value).label
    except ValueError:
        return value
