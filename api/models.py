"""What the API keeps of its own: the responses to POSTs sent with an ``Idempotency-Key``."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKeyQuerySet(models.QuerySet):
    def expired(self, *, now=None):
        """Keys older than ``API_IDEMPOTENCY_TTL``: a retry with one runs the request afresh."""
        now = now or timezone.now()
        return self.filter(created_at__lt=now - settings.API_IDEMPOTENCY_TTL)


class IdempotencyKey(models.Model):
    """A user's key and the response its request answered, written in the request's own transaction.

    Only a request that changed something is kept (a 2xx): an error changed nothing, so its key
    stays free and a retry runs afresh.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of the method, the path with its query string and the body, as received.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    headers = models.JSONField(default=dict)
    body = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self):
        return f"{self.key} ({self.status_code})"
