from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "Patient diary"

    def ready(self):
        from patients.signals import patient_discharged, record_entered_in_error

        from .services import diary_link_end_on_discharge, diary_link_end_on_entered_in_error

        patient_discharged.connect(diary_link_end_on_discharge, dispatch_uid="diary.end_on_discharge")
        record_entered_in_error.connect(
            diary_link_end_on_entered_in_error, dispatch_uid="diary.end_on_entered_in_error"
        )
