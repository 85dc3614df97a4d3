from django.apps import AppConfig


class ClinicalRulesConfig(AppConfig):
    name = "clinical_rules"
    verbose_name = "Clinical rules"
