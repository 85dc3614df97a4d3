from django.apps import AppConfig


class ClinicalRulesConfig(AppConfig):
    name = "clinical_rules"
    verbose_name = "Clinical rules"

    def ready(self):
        from assessments.signals import assessments_changed
        from care.signals import care_changed
        from patients.signals import record_entered_in_error

        from .findings import findings_record_on_entered_in_error, findings_record_on_records_changed

        assessments_changed.connect(
            findings_record_on_records_changed, dispatch_uid="clinical_rules.findings"
        )
        care_changed.connect(
            findings_record_on_records_changed, dispatch_uid="clinical_rules.findings_of_care"
        )
        record_entered_in_error.connect(
            findings_record_on_entered_in_error, dispatch_uid="clinical_rules.findings_on_entered_in_error"
        )
