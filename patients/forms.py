"""Form fields the pages share about clinics and staff."""

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
