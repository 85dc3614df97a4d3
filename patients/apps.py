from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_role_groups(sender, **kwargs):
    from .services import role_groups_ensure

    role_groups_ensure()


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients and clinics"

    def ready(self):
        # Permissions exist only after every app has migrated, so groups are set up then.
        post_migrate.connect(_ensure_role_groups, dispatch_uid="patients.role_groups")
