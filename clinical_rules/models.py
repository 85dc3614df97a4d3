"""What the rules found in each assessment, recorded when the patient's assessments change.

Rule 18 (strength review due) asks, for every active patient at once, whether their latest
assessment shows a finding; working rules 1–17 out in SQL for a whole clinic network would
repeat them a second time in another language. Instead the services record each
assessment's findings (``clinical_rules.findings``) in the transaction that changes the
patient's assessments, medication events or exercise plans, and the sweep and the strength report read these rows. The property
tests hold them to the rules run afresh.
"""

from django.db import models
from django.db.models import Q

from .rules import Findings


class AssessmentFindings(models.Model):
    """The rules' findings for ``assessment`` as they stood when it was its patient's latest."""

    assessment = models.OneToOneField(
        "assessments.Assessment", on_delete=models.CASCADE, primary_key=True, related_name="findings"
    )
    decline = models.BooleanField()
    decline_from_best = models.BooleanField()
    mrc_sum_drop = models.BooleanField()
    mrc_sum_drop_from_best = models.BooleanField()
    walking_slowed = models.BooleanField()
    edss_worsening = models.BooleanField()
    improvement = models.BooleanField()
    spasticity_increase = models.BooleanField(default=False)
    medication_review = models.BooleanField(default=False)
    plan_conflict = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "assessment findings"

    def __str__(self):
        return f"Findings of assessment {self.assessment_id}"

    @classmethod
    def call_for_review(cls, prefix=""):
        """Rule 18's findings as a condition (``prefix``: the path to these rows from the query's model)."""
        condition = Q()
        for name in Findings.CALL_FOR_REVIEW:
            condition |= Q(**{f"{prefix}{name}": True})
        return condition
