from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff accounts and sign-in"

    def ready(self):
        from . import signals  # noqa: F401  (connects the token revocation)
