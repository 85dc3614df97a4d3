"""API tokens die with the password or the account they were issued to (SPEC §5).

A signal rather than a call in each view: a password is changed on the account page, through
a reset link, by ``add_staff`` and by ``changepassword``, and an account is deactivated by a
clinic admin or a superuser; none of them may leave an old token working.
"""

from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver
from knox.models import AuthToken


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.revoke_tokens")
def revoke_tokens_on_new_password_or_deactivation(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. the last_login update of every sign-in
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before and (before["password"] != instance.password or not instance.is_active):
        AuthToken.objects.filter(user_id=instance.pk).delete()
