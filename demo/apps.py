from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo cohort and ``seed_demo``: on top, since nothing may depend on it.

    It adds the staff through ``patients.services`` and writes the back-dated cohort straight to
    the models of the apps below it.
    """

    name = "demo"
