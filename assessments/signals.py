"""What the assessment services announce to the apps above them.

``assessments_changed`` is sent inside the transaction that records or corrects one of a
patient's assessments, with that ``patient``: the clinical rules answer it by recording again
what each of the patient's assessments shows (SPEC §3 rule 18 reads that); an assessment marked
entered in error reaches them through ``patients.signals.record_entered_in_error``.
assessments stays below clinical_rules.
"""

from django.dispatch import Signal

assessments_changed = Signal()
