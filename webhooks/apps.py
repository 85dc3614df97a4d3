from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from patients.signals import patient_created, record_entered_in_error

        from .events import patient_created_event, record_entered_in_error_event

        patient_created.connect(patient_created_event, dispatch_uid="webhooks.patient_created")
        record_entered_in_error.connect(
            record_entered_in_error_event, dispatch_uid="webhooks.record_entered_in_error"
        )
