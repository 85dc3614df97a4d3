"""The staff pages' form: it parses what the admin typed; ``accounts.staff`` decides the rest."""

from django import forms
from django.contrib.auth import get_user_model

from patients.forms import ClinicChoiceField
from patients.models import Role

User = get_user_model()


def _max_length(field):
    return User._meta.get_field(field).max_length


class StaffCreateForm(forms.Form):
    """A new nurse, physio or clinic admin at one of ``clinics`` (preselected when there is only one).

    No password: the new member of staff chooses it through the link they are emailed.
    """

    username = forms.CharField(
        label="Username",
        max_length=_max_length("username"),
        validators=[User.username_validator],
        help_text="What they sign in with: letters, digits and @ . + - _ only.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    first_name = forms.CharField(
        label="First name",
        max_length=_max_length("first_name"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=_max_length("last_name"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=_max_length("email"),
        help_text="Their work address: the link to choose a password is sent there.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose a role"), *Role.choices],
        error_messages={"invalid_choice": f"Choose one of: {', '.join(Role.labels)}."},
    )
    clinic = ClinicChoiceField(
        label="Clinic",
        to_field_name="code",
        error_messages={"invalid_choice": "Choose one of your clinics."},
    )

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].offer(clinics)
