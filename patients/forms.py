"""What the pages' forms share: the clinic choice, and a service's errors shown on a form."""

from django import forms

from .models import Clinic


class ClinicChoiceField(forms.ModelChoiceField):
    """A clinic among those offered (the user's own); preselected when there is only one."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Clinic.objects.none(), **kwargs)

    def offer(self, clinics):
        self.queryset = clinics
        first_two = list(clinics[:2])
        if len(first_two) == 1:
            self.empty_label = None
            self.initial = getattr(first_two[0], self.to_field_name or "pk")
        else:
            self.empty_label = "Choose a clinic"


def add_service_errors(form, exc):
    """Show a service's ``ValidationError`` on the form: by field where the form has it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
