"""A Bulk Data export (SPEC §6, HL7 Bulk Data Access): asked for by one user, run by the worker.

Not a clinical record: a request and its files, removed with them when they expire or when the
requester deletes it.
"""

import uuid

from django.conf import settings
from django.db import models


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    # The id is in the status and file URLs: random, so one requester cannot guess another's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Group/<clinic code>/$export: that clinic only; Patient/$export: every clinic of the requester.
    clinic = models.ForeignKey(
        "patients.Clinic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    resource_types = models.JSONField()
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.TextField()
    status = models.CharField(max_length=10, choices=ExportStatus, default=ExportStatus.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    # Written by the worker as it goes: a run whose heartbeat stopped is taken over (export_run).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the worker's snapshot of the database was taken: nothing changed later is in the files.
    transaction_time = models.DateTimeField(null=True, blank=True)
    # [{"type": "Observation", "count": 1234}], in the order the types were written.
    output = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["requester", "status"], name="fhir_export_requester_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ExportStatus.values), name="fhir_export_status_valid"
            )
        ]

    def __str__(self):
        return f"FHIR export {self.pk} ({self.status})"
