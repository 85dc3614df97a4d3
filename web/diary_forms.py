"""The patient's diary form (SPEC §7): one day, in plain words, for a phone and a screen reader.

The form parses what was sent; ``diary.services.diary_day_record`` decides what is kept.
"""

from django import forms
from django.forms import formset_factory

from care.models import FallLocation, Injury
from diary.models import DiaryEntry
from diary.services import FALLS_MAX, NEAR_FALLS_MAX, fall_moment

from .labels import muscle_label

SCALE = range(DiaryEntry.SCALE_MAX + 1)
YES_NO = [("yes", "Yes"), ("no", "No")]
NOTES_MAX_LENGTH = 1000

PLACES = [
    (FallLocation.HOME, "At home"),
    (FallLocation.OUTDOORS, "Outdoors (garden, street, park)"),
    (FallLocation.COMMUNITY, "Out and about (shops, bus, someone else's home)"),
    (FallLocation.CLINIC, "At a clinic or hospital"),
    (FallLocation.OTHER, "Somewhere else"),
]
HURT = [
    (Injury.NONE, "Not hurt"),
    (Injury.MINOR, "A little: a bruise, a scrape"),
    (Injury.MODERATE, "Needed treatment: a cut that needed care, a sprain"),
    (Injury.SEVERE, "Badly: a broken bone, or a stay in hospital"),
]
PLAN_KIND_WORDS = {
    "progressive_resistance": "Strength exercises",
    "maintenance": "Exercises to keep it moving",
    "stretching": "Stretches",
    "balance": "Balance exercises",
    "aerobic": "Exercise to get out of breath",
}
PLAN_SIDE_WORDS = {"left": "left side", "right": "right side", "both": "both sides"}


def _scale(low, high):
    return [("", "Choose a number")] + [
        (str(n), f"{n}: {low}" if n == 0 else f"{n}: {high}" if n == SCALE[-1] else str(n)) for n in SCALE
    ]


def plan_in_words(plan):
    """``Stretches: ankle dorsiflexion, both sides``."""
    return f"{PLAN_KIND_WORDS[plan.kind]}: {muscle_label(plan.muscle_group).lower()}, {PLAN_SIDE_WORDS[plan.side]}"


class YesNoField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=YES_NO,
            coerce=lambda value: value == "yes",
            widget=forms.RadioSelect,
            error_messages={"required": "Choose yes or no.", "invalid_choice": "Choose yes or no."},
            **kwargs,
        )


class ScaleField(forms.TypedChoiceField):
    def __init__(self, *, low, high, **kwargs):
        super().__init__(
            choices=_scale(low, high),
            coerce=int,
            error_messages={
                "required": "Choose a number from 0 to 10.",
                "invalid_choice": "Choose a number from 0 to 10.",
            },
            **kwargs,
        )


class DiaryDayForm(forms.Form):
    """A day's answers besides the falls; one yes/no field ``plan_<id>`` per exercise plan asked."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    near_falls = forms.IntegerField(
        label="How many near-falls?",
        help_text="Times you lost your balance but did not end up on the ground. 0 if none.",
        min_value=0,
        max_value=NEAR_FALLS_MAX,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 3}),
        error_messages={
            "required": "Give a number: 0 if you had no near-falls.",
            "invalid": "Give a number, such as 0, 1 or 2.",
            "min_value": "Give a number: 0 if you had no near-falls.",
            "max_value": f"Give a number up to {NEAR_FALLS_MAX}; tell your clinic about more.",
        },
    )
    fatigue = ScaleField(
        label="How tired were you?",
        help_text="0 means not tired at all, 10 the most tired you can imagine.",
        low="not tired",
        high="as tired as can be",
    )
    heat_worse = YesNoField(label="Were your symptoms worse in the heat?")
    spasms = ScaleField(
        label="How bad were spasms or stiffness?",
        help_text="0 means none, 10 the worst you can imagine.",
        low="none",
        high="the worst",
    )

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.plans = plans
        for plan in plans:
            self.fields[f"plan_{plan.pk}"] = YesNoField(label=f"{plan_in_words(plan)}. Did you do them?")

    def plan_fields(self):
        return [self[f"plan_{plan.pk}"] for plan in self.plans]

    def exercises(self):
        return {plan.pk: self.cleaned_data[f"plan_{plan.pk}"] for plan in self.plans}


class DiaryFallForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    time = forms.TimeField(
        label="About what time?",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        error_messages={
            "required": "Give the time, roughly: such as 14:30.",
            "invalid": "Give the time as hours and minutes, such as 14:30.",
        },
    )
    location = forms.ChoiceField(
        label="Where were you?",
        choices=[("", "Choose a place"), *PLACES],
        error_messages={"required": "Choose where you were.", "invalid_choice": "Choose where you were."},
    )
    injury = forms.ChoiceField(
        label="Were you hurt?",
        choices=HURT,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how much you were hurt.",
            "invalid_choice": "Choose how much you were hurt.",
        },
    )
    notes = forms.CharField(
        label="What happened?",
        help_text="A few words: what you were doing, what made you fall.",
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, day, now, **kwargs):
        super().__init__(*args, **kwargs)
        self.day, self.now = day, now

    def clean(self):
        data = super().clean()
        if data.get("time") and fall_moment(self.day, data["time"]) > self.now:
            self.add_error("time", "That time has not come yet today.")
        return data

    def fall(self):
        data = self.cleaned_data
        return {
            "id": data.get("id"),
            "occurred_at": fall_moment(self.day, data["time"]),
            "location": data["location"],
            "injury": data["injury"],
            "notes": data.get("notes", "").strip(),
        }


class BaseDiaryFallFormSet(forms.BaseFormSet):
    """The day's falls; a fall ticked to be taken out is not checked (formsets skip it)."""

    deletion_widget = forms.CheckboxInput

    def _construct_form(self, i, **kwargs):
        # Every fall on the page was asked for: a blank one is an unanswered question, not "no fall".
        return super()._construct_form(i, empty_permitted=False, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = "Take this fall out of my diary"
        form.fields["DELETE"].label_suffix = ""

    def falls(self):
        return [form.fall() for form in self.forms if form not in self.deleted_forms]


DiaryFallFormSet = formset_factory(
    DiaryFallForm,
    formset=BaseDiaryFallFormSet,
    extra=0,
    can_delete=True,
    max_num=FALLS_MAX,
    validate_max=True,
    absolute_max=FALLS_MAX,
)
