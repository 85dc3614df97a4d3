from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self):
        from care.signals import fall_saved
        from patients.signals import record_entered_in_error

        from .services import reminders_resolve_on_entered_in_error
        from .sweep import fall_risk_check_on_fall_saved

        fall_saved.connect(fall_risk_check_on_fall_saved, dispatch_uid="reminders.fall_risk_check")
        record_entered_in_error.connect(
            reminders_resolve_on_entered_in_error, dispatch_uid="reminders.resolve_on_entered_in_error"
        )
