from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo cohort and ``seed_demo``: on top of every app, because it records through their services."""

    name = "demo"
