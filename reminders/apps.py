from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self):
        from care.signals import fall_saved

        from .sweep import fall_risk_check_on_fall_saved

        fall_saved.connect(fall_risk_check_on_fall_saved, dispatch_uid="reminders.fall_risk_check")
