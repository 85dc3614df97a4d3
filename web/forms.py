"""The pages' forms: they parse what was typed; the services decide what is clinically valid.

A service's ``ValidationError`` is put back on the form (``add_service_errors``), so the page
shows every message next to its field with everything the user typed still in place.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from assessments.grades import MASGrade, MRCGrade, MuscleGroup, Side, WeaknessType, grade_jump_to_confirm
from care.models import (
    DEVICE_IN_USE_CHOICES,
    ContributingFactor,
    DeviceSide,
    DeviceType,
    Drug,
    FallLocation,
    Injury,
    MedicationEventKind,
    PlanKind,
    PlanSide,
    PlanStatus,
    ReferralService,
    ReferralStatus,
    Urgency,
)
from clinical_rules.querysets import at_high_fall_risk, due_for_reassessment
from clinical_rules.rules import OPEN_REFERRAL_STATUSES
from patients.forms import ClinicChoiceField
from patients.models import TEXT_MAX_LENGTH, MSType, PatientStatus, Sex
from patients.selectors import patient_search
from webhooks.models import EventType

from .labels import muscle_label

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientFilterForm(forms.Form):
    q = forms.CharField(
        label="Name or MRN",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *PatientStatus.choices]
    )
    ms_type = forms.ChoiceField(
        label="MS type", required=False, choices=[("", "Any MS type"), *MSType.choices]
    )
    due = forms.BooleanField(label="Due for reassessment", required=False)
    high_fall_risk = forms.BooleanField(label="High fall risk", required=False)

    def filter(self, patients, *, today):
        data = self.cleaned_data
        patients = patient_search(patients, data["q"])
        if data["status"]:
            patients = patients.filter(status=data["status"])
        if data["ms_type"]:
            patients = patients.filter(ms_type=data["ms_type"])
        if data["due"]:
            patients = due_for_reassessment(patients, today)
        if data["high_fall_risk"]:
            patients = at_high_fall_risk(patients)
        return patients


class TypedWholeNumberField(forms.IntegerField):
    """A whole number typed in a text box, read like ``TypedDecimalField``: "12,0" is 12 as
    "12.0" is, and "1,2" is refused as "1.2" is (never read as 12)."""

    def to_python(self, value):
        return super().to_python(value.replace(",", ".") if isinstance(value, str) else value)


class PatientForm(forms.Form):
    """A patient's details (SPEC §2); the clinic is chosen only at registration."""

    mrn = forms.CharField(
        label="MRN",
        max_length=50,
        help_text="Medical record number, unique within the clinic.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    given_name = forms.CharField(
        label="Given name", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    family_name = forms.CharField(
        label="Family name", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, initial=Sex.UNKNOWN)
    ms_type = forms.ChoiceField(label="MS type", choices=MSType.choices, initial=MSType.UNKNOWN)
    diagnosis_date = forms.DateField(
        label="Diagnosis date", required=False, help_text="Optional.", widget=DateInput
    )
    status = forms.ChoiceField(label="Status", choices=PatientStatus.choices, initial=PatientStatus.ACTIVE)
    reassessment_interval_weeks = TypedWholeNumberField(
        label="Reassessment interval (weeks)",
        min_value=1,
        max_value=104,
        initial=12,
        help_text="1 to 104 weeks between assessments.",
        # Text, not type="number": Chromium would send "1,2" as 12 (see TypedDecimalField).
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PatientRegistrationForm(PatientForm):
    """A new patient, at one of ``clinics`` (preselected when there is only one)."""

    clinic = ClinicChoiceField(label="Clinic")

    field_order = ["clinic"]

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].offer(clinics)


class PatientEditForm(PatientForm):
    """A registered patient's details, with the version the user started from.

    ``version`` is the ``record_version`` the page was drawn from: when the patient has changed
    since, the save is held back and the page shows what is stored now, rather than silently
    overwriting another person's edit.
    """

    version = forms.CharField(required=False, widget=forms.HiddenInput)


# A grid cell: short, and no spelling help or autofill for a typed score. The scores hold "+" and
# "-", so a numeric keypad cannot type them: a tablet gets the grid's picker (mmt-grid.js) instead,
# and "next" on its keyboard's Enter key, which moves on rather than saving.
SCORE_INPUT_ATTRS = {
    "size": 3,
    "maxlength": 3,
    "autocomplete": "off",
    "autocapitalize": "off",
    "autocorrect": "off",
    "spellcheck": "false",
    "inputmode": "text",
    "enterkeyhint": "next",
    "class": "grade-input",
}


class GradeField(forms.CharField):
    """An MRC grade typed as its label (``4-``); blank when the muscle was not tested."""

    # What people type for a minus sign besides "-": the Unicode minus and the dashes.
    MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})

    def __init__(self, **kwargs):
        attrs = SCORE_INPUT_ATTRS | {"data-scale": " ".join(MRCGrade.labels)}
        super().__init__(required=False, widget=forms.TextInput(attrs=attrs), **kwargs)

    def clean(self, value):
        text = super().clean(value).translate(self.MINUS_SIGNS).replace(" ", "")
        if not text:
            return None
        try:
            return MRCGrade.from_label(text)
        except ValueError:
            raise ValidationError(
                "“%(value)s” is not an MRC grade. Allowed: %(allowed)s.",
                code="invalid_grade",
                params={"value": value.strip(), "allowed": ", ".join(MRCGrade.labels)},
            ) from None


class MASField(forms.CharField):
    """A Modified Ashworth score typed as its label (``1+``); blank when spasticity was not scored."""

    def __init__(self, **kwargs):
        attrs = SCORE_INPUT_ATTRS | {"data-scale": " ".join(MASGrade.labels)}
        super().__init__(required=False, widget=forms.TextInput(attrs=attrs), **kwargs)

    def clean(self, value):
        text = super().clean(value).replace(" ", "")
        if not text:
            return None
        try:
            return MASGrade.from_label(text)
        except ValueError:
            raise ValidationError(
                "“%(value)s” is not a Modified Ashworth score. Allowed: %(allowed)s.",
                code="invalid_mas",
                params={"value": value.strip(), "allowed": ", ".join(MASGrade.labels)},
            ) from None


class TypedDecimalField(forms.DecimalField):
    """A decimal number typed in a text box, with a comma or a point: "8,4" is 8.4.

    Anything but digits with at most one comma or point ("4+", "8.4 s", "1,234.5") is refused
    in words, never guessed at. Not ``<input type="number">``: Chromium takes the comma there
    for a thousands separator ("8,4" arrives as 84) and sends nothing at all for text it cannot
    read ("4+"), so the server could neither read the one nor refuse the other. The range is
    the model's and the service's to check.
    """

    PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:[.,]\d*)?|[.,]\d+)")

    def __init__(self, *, example, **kwargs):
        self.example = example
        attrs = {"inputmode": "decimal", "autocomplete": "off", "size": 6}
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        if not self.PLAIN_NUMBER.fullmatch(text):
            raise ValidationError(
                "“%(value)s” is not a number: type digits with a point or a comma, such as %(example)s.",
                code="invalid",
                params={"value": text, "example": self.example},
            )
        return Decimal(text.replace(",", "."))


class TypedDateField(forms.DateField):
    """A date typed in a text box as the clinic writes it: day/month/year ("28/11/2026").

    Not ``<input type="date">``: Chromium splits that into day, month and year parts that Tab
    walks through one by one, so a nurse tabbing on typed the next field into the date. The day
    and month may have one digit and be separated by "/", ".", "-" or a space; "28 Nov 2026"
    and the ISO "2026-11-28" are read too. A two-digit year or a day that does not exist is
    refused in words, never guessed at.
    """

    FORMAT = "%d/%m/%Y"
    DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d+)")
    ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
    MONTH_NAMES = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
    # "nov" and "november" alike; English whatever the server's locale.
    MONTHS = {
        name: number for number, month in enumerate(MONTH_NAMES, start=1) for name in (month, month[:3])
    }
    WORDS = re.compile(r"(\d{1,2}) ([A-Za-z]+) (\d+)")

    def __init__(self, **kwargs):
        attrs = {"autocomplete": "off", "spellcheck": "false", "size": 12}
        super().__init__(widget=forms.DateInput(attrs=attrs, format=self.FORMAT), **kwargs)

    def to_python(self, value):
        if isinstance(value, date):
            return value
        text = " ".join(str(value or "").split())
        if not text:
            return None
        day, month, year = self._parts(text)
        if len(year) != 4:
            raise self._error("“%(value)s”: type the year in full, such as 28/11/2026.", text)
        try:
            return date(int(year), month, int(day))
        except ValueError:
            raise self._error(
                "“%(value)s” is not a day of the calendar: type day/month/year.", text
            ) from None

    def _parts(self, text):
        """(day, month number, year as typed) of ``text``, or a refusal in words."""
        if match := self.ISO.fullmatch(text):
            year, month, day = match.groups()
            return day, int(month), year
        if match := self.DAY_MONTH_YEAR.fullmatch(text):
            day, month, year = match.groups()
            return day, int(month), year
        if (match := self.WORDS.fullmatch(text)) and match[2].lower() in self.MONTHS:
            return match[1], self.MONTHS[match[2].lower()], match[3]
        raise self._error("“%(value)s” is not a date: type day/month/year, such as 28/11/2026.", text)

    @staticmethod
    def _error(message, text):
        return ValidationError(message, code="invalid", params={"value": text})


@dataclass(frozen=True)
class GradeJump:
    """A grade two whole grades or more from the muscle-side's previous grading (on ``since``)."""

    muscle_group: str
    side: str
    before: MRCGrade
    after: MRCGrade
    since: date

    @property
    def key(self):
        return f"{self.muscle_group}:{self.side}:{self.before.label}:{self.after.label}"

    def __str__(self):
        return (
            f"{muscle_label(self.muscle_group)}, {self.side}: {self.after.label}, "
            f"from {self.before.label} on {self.since:%d %b %Y}."
        )


# Short labels keep the grid within a tablet's width; the page explains them once.
GRID_WEAKNESS_CHOICES = [(value, label.split(" (")[0]) for value, label in WeaknessType.choices]


class AssessmentForm(forms.Form):
    """One MMT assessment: a grid of the 12 muscle groups × left/right, with optional EDSS and T25FW.

    Each muscle-side has a grade (typed) and a weakness type, pre-filled from the previous
    assessment so that a physiotherapist's classification carries over, and an optional
    Modified Ashworth score of its spasticity (typed, in a section of its own). A grade two whole
    grades or more from the muscle-side's previous grading is saved only once the assessor has
    confirmed it (``confirm_grade_jumps``): the form comes back listing the jumps, with the box
    to tick. ``last_gradings(day)`` gives the previous gradings, ``{(group, side): MuscleScore}``.
    """

    assessed_on = TypedDateField(label="Assessed on", help_text="Day/month/year, such as 28/11/2026.")
    edss = TypedDecimalField(
        label="EDSS",
        required=False,
        example="4.5 or 4,5",
        help_text="Optional, 0 to 10 in steps of 0.5.",
    )
    timed_25ft_walk_seconds = TypedDecimalField(
        label="Timed 25-foot walk (seconds)",
        required=False,
        example="8.4 or 8,4",
        help_text="Optional, 1.0 to 180.0 seconds.",
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm_grade_jumps = forms.BooleanField(label="These grades are right", required=False)
    # The jumps the page asked about: ticking the box confirms those, not others typed since.
    grade_jumps_shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, previous=None, last_gradings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous = {(s.muscle_group, s.side): s for s in previous.scores.all()} if previous else {}
        self.last_gradings = last_gradings or (lambda day: {})
        self.grade_jumps = []
        if not self.is_bound:
            # The page opens ready to type; after a failed save the error summary takes focus.
            self.fields["assessed_on"].widget.attrs["autofocus"] = True
        for group in MuscleGroup:
            for side in Side:
                name = muscle_label(group)
                before = self.previous.get((group, side))
                self.fields[self.grade_name(group, side)] = GradeField(label=f"{name}, {side}: grade")
                self.fields[self.weakness_name(group, side)] = forms.ChoiceField(
                    label=f"{name}, {side}: weakness type",
                    choices=GRID_WEAKNESS_CHOICES,
                    initial=before.weakness_type if before else WeaknessType.UNKNOWN,
                )
                self.fields[self.mas_name(group, side)] = MASField(label=f"{name}, {side}: spasticity (MAS)")

    @staticmethod
    def grade_name(group, side):
        return f"{group}_{side}_grade"

    @staticmethod
    def weakness_name(group, side):
        return f"{group}_{side}_weakness"

    @staticmethod
    def mas_name(group, side):
        return f"{group}_{side}_mas"

    def rows(self):
        """The grid as the template lays it out: a row per muscle group, left then right."""
        for group in MuscleGroup:
            cells = []
            for side in Side:
                before = self.previous.get((group, side))
                cells.append(
                    {
                        "side": side,
                        "grade": self[self.grade_name(group, side)],
                        "weakness": self[self.weakness_name(group, side)],
                        "previous": MRCGrade(before.grade).label if before else None,
                    }
                )
            yield {"group": group, "label": muscle_label(group), "cells": cells}

    def spasticity_rows(self):
        """The spasticity section as the template lays it out: a row per muscle group, left then right."""
        for group in MuscleGroup:
            cells = [{"side": side, "mas": self[self.mas_name(group, side)]} for side in Side]
            yield {"group": group, "label": muscle_label(group), "cells": cells}

    def spasticity_shown(self):
        """Whether the spasticity section starts open: when it holds a score or an error."""
        return any(self[name].value() or name in self.errors for name in self.fields if name.endswith("_mas"))

    def clean(self):
        data = super().clean()
        graded = [name for name in self.fields if name.endswith("_grade") and data.get(name) is not None]
        grade_errors = any(name.endswith("_grade") for name in self.errors)
        if not graded and not grade_errors:
            raise ValidationError("Enter a grade for at least one muscle group.", code="no_grades")
        if data.get("assessed_on"):
            self._check_grade_jumps(data)
        return data

    def _check_grade_jumps(self, data):
        before = self.last_gradings(data["assessed_on"])
        jumps = []
        for score in self.scores():
            earlier = before.get((score["muscle_group"], score["side"]))
            if earlier and grade_jump_to_confirm(earlier.grade, score["grade"]):
                jumps.append(
                    GradeJump(
                        score["muscle_group"],
                        score["side"],
                        MRCGrade(earlier.grade),
                        score["grade"],
                        earlier.assessment.assessed_on,
                    )
                )
        shown = ";".join(jump.key for jump in jumps)
        if not jumps or (data["confirm_grade_jumps"] and data["grade_jumps_shown"] == shown):
            return
        self.grade_jumps = jumps
        # Shown again: the jumps asked about now, and the box to tick for them.
        self.data = self.data.copy()
        self.data["grade_jumps_shown"] = shown
        self.data.pop("confirm_grade_jumps", None)
        raise ValidationError(
            [
                "A grade differs by two whole grades or more from the muscle's previous grading: "
                + " ".join(str(jump) for jump in jumps),
                "If the grades are right, tick “These grades are right” and save again.",
            ],
            code="confirm_grade_jumps",
        )

    def scores(self):
        data = self.cleaned_data
        return [
            {
                "muscle_group": group,
                "side": side,
                "grade": data[self.grade_name(group, side)],
                "weakness_type": data[self.weakness_name(group, side)],
            }
            for group in MuscleGroup
            for side in Side
            if data.get(self.grade_name(group, side)) is not None
        ]

    def spasticity(self):
        data = self.cleaned_data
        return [
            {"muscle_group": group, "side": side, "mas": data[self.mas_name(group, side)]}
            for group in MuscleGroup
            for side in Side
            if data.get(self.mas_name(group, side)) is not None
        ]

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "assessed_on": data["assessed_on"],
            "scores": self.scores(),
            "spasticity": self.spasticity(),
            "notes": data["notes"],
            "edss": data["edss"],
            "timed_25ft_walk_seconds": data["timed_25ft_walk_seconds"],
        }


class AssessmentEditForm(AssessmentForm):
    """A recorded assessment corrected: its grid as stored, with the version the user started from
    (``version``: a save over someone else's meanwhile is held back, as on the patient edit page)."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_of(cls, assessment):
        """The form's values as ``assessment`` holds them, its scores typed as their labels."""
        fields = ("assessed_on", "edss", "timed_25ft_walk_seconds", "notes")
        initial = {field: getattr(assessment, field) for field in fields}
        for score in assessment.scores.all():
            initial[cls.grade_name(score.muscle_group, score.side)] = MRCGrade(score.grade).label
            initial[cls.weakness_name(score.muscle_group, score.side)] = score.weakness_type
        for score in assessment.spasticity.all():
            initial[cls.mas_name(score.muscle_group, score.side)] = MASGrade(score.mas).label
        return initial


class FallForm(forms.Form):
    """A fall as the patient tells it. Nothing is pre-filled that the teller has to say: not the
    time (falls are often told days later, so "now" would be a guess), not the injury, the place
    or the device in use (a pre-chosen "None" or "Home" would be saved whenever nobody changed it)."""

    occurred_at = forms.DateTimeField(
        label="When",
        help_text="Date and time, clinic time.",
        error_messages={"required": "Enter the date and time of the fall."},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    near_fall = forms.BooleanField(
        label="Near-fall (lost balance but did not end on the ground)", required=False
    )
    injury = forms.ChoiceField(
        label="Injury",
        choices=[("", "Choose…"), *Injury.choices],
        error_messages={"required": "Choose the injury: “None” if there was none."},
    )
    location = forms.ChoiceField(
        label="Where",
        choices=[("", "Choose…"), *FallLocation.choices],
        error_messages={"required": "Choose where it happened."},
    )
    activity = forms.CharField(label="Activity at the time", required=False, max_length=200)
    device_in_use = forms.ChoiceField(
        label="Device in use",
        choices=[("", "Choose…"), *DEVICE_IN_USE_CHOICES],
        error_messages={"required": "Choose the device in use: “None” if there was none."},
    )
    contributing_factors = forms.MultipleChoiceField(
        label="Contributing factors",
        required=False,
        choices=ContributingFactor.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    medical_attention = forms.BooleanField(label="Needed medical attention", required=False)
    notes = forms.CharField(
        label="Notes", required=False, max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeviceForm(forms.Form):
    device_type = forms.ChoiceField(label="Device", choices=[("", "Choose a device"), *DeviceType.choices])
    side = forms.ChoiceField(
        label="Side",
        choices=DeviceSide.choices,
        initial=DeviceSide.NA,
        help_text="An AFO or FES is for the left, the right or both sides.",
    )
    prescribed_on = forms.DateField(label="Prescribed on", widget=DateInput)
    review_due_on = forms.DateField(
        label="Review due on",
        required=False,
        help_text="Leave blank for the default: 90 days after the prescription. At most 5 years after it.",
        widget=DateInput,
    )
    reason = forms.CharField(
        label="Reason", required=False, max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeviceReviewForm(forms.Form):
    reviewed_on = forms.DateField(label="Reviewed on", widget=DateInput)
    next_review_due_on = forms.DateField(
        label="Next review due on",
        help_text="From the review date to 5 years after the prescription.",
        widget=DateInput,
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="Fit, skin, how it is used, what changes.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeviceDiscontinueForm(forms.Form):
    discontinued_on = forms.DateField(label="Discontinued on", widget=DateInput)


class ReferralForm(forms.Form):
    to_service = forms.ChoiceField(
        label="Refer to", choices=[("", "Choose a service"), *ReferralService.choices]
    )
    reason = forms.CharField(
        label="Reason", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    urgency = forms.ChoiceField(label="Urgency", choices=Urgency.choices, initial=Urgency.ROUTINE)
    referred_on = forms.DateField(label="Referred on", widget=DateInput)
    due_by = forms.DateField(
        label="Due by",
        required=False,
        help_text="Leave blank for the default: 14 days after referral if urgent, 42 if routine.",
        widget=DateInput,
    )


# A worklist shows by default the open referrals (rule 7) that have reached the service: a
# draft has not been sent to it yet.
RECEIVED_OPEN_STATUSES = tuple(s for s in OPEN_REFERRAL_STATUSES if s != ReferralStatus.DRAFT)


class ReferralWorklistForm(forms.Form):
    """Which referrals a receiving service's worklist shows: its open ones, or those in one status."""

    service = forms.ChoiceField(
        label="Referrals to",
        choices=[("", "Choose a service"), *ReferralService.choices],
        error_messages={
            "required": "Choose the service the referrals go to.",
            "invalid_choice": "“%(value)s” is not a service referrals go to: choose one from the list.",
        },
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", f"Open: {' or '.join(ReferralStatus(s).label.lower() for s in RECEIVED_OPEN_STATUSES)}"),
            *ReferralStatus.choices,
        ],
        error_messages={"invalid_choice": "“%(value)s” is not a referral status: choose one from the list."},
    )

    def statuses(self):
        status = self.cleaned_data["status"]
        return (status,) if status else RECEIVED_OPEN_STATUSES


class MedicationEventForm(forms.Form):
    drug = forms.ChoiceField(label="Drug", choices=[("", "Choose a drug"), *Drug.choices])
    drug_name = forms.CharField(
        label="Name of the medicine",
        required=False,
        max_length=200,
        help_text="Only for a drug of other.",
    )
    event = forms.ChoiceField(label="Event", choices=[("", "Choose an event"), *MedicationEventKind.choices])
    occurred_on = forms.DateField(label="On", widget=DateInput)
    dose = forms.CharField(
        label="Dose", required=False, max_length=200, help_text="Such as “10 mg three times a day”."
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class MedicationEventChangeForm(MedicationEventForm):
    """A recorded medication event corrected, with the version the user started from."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)


class PlanForm(forms.Form):
    """A new exercise plan (SPEC §2 Exercise plan)."""

    muscle_group = forms.ChoiceField(
        label="Muscle group",
        choices=[("", "Choose a muscle group"), *((g.value, muscle_label(g)) for g in MuscleGroup)],
    )
    side = forms.ChoiceField(label="Side", choices=[("", "Choose a side"), *PlanSide.choices])
    kind = forms.ChoiceField(label="Kind", choices=[("", "Choose a kind"), *PlanKind.choices])
    prescription = forms.CharField(
        label="Prescription",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="Load, sets, repetitions, frequency, progression.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    started_on = forms.DateField(label="Started on", widget=DateInput)
    review_on = forms.DateField(
        label="Review on",
        required=False,
        help_text="Leave blank for the default: 42 days after the start. At most 5 years after it.",
        widget=DateInput,
    )


class PlanChangeForm(PlanForm):
    """A plan changed or ended: its review date is set, an ended plan has its end date; with the
    version the user started from."""

    review_on = forms.DateField(
        label="Review on", help_text="From the start date to 5 years after it.", widget=DateInput
    )
    status = forms.ChoiceField(label="Status", choices=PlanStatus.choices)
    ended_on = forms.DateField(
        label="Ended on", required=False, help_text="Only for an ended plan.", widget=DateInput
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)


class TrendReviewForm(forms.Form):
    note = forms.CharField(
        label="Review note",
        max_length=TEXT_MAX_LENGTH,
        help_text="What you looked at and what you decided.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EnteredInErrorForm(forms.Form):
    reason = forms.CharField(
        label="Why is this record in error?",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The record stays in the history with this reason; it leaves lists, trends and reports.",
    )


class WebhookForm(forms.Form):
    """Registering a webhook endpoint (``clinic`` and ``secret``) or changing one (``active``)."""

    clinic = ClinicChoiceField(label="Clinic")
    url = forms.CharField(
        label="URL", max_length=500, help_text="An https URL of yours the events are POSTed to."
    )
    events = forms.MultipleChoiceField(
        label="Events", choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label="Secret",
        required=False,
        max_length=200,
        help_text="Leave empty to have one generated; it is shown once, after saving.",
    )
    active = forms.BooleanField(
        label="Active", required=False, help_text="An inactive endpoint gets nothing more."
    )

    def __init__(self, *args, clinics=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clinics is None:
            del self.fields["clinic"], self.fields["secret"]
        else:
            self.fields["clinic"].offer(clinics)
            del self.fields["active"]
