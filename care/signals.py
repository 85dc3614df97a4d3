"""What the care services announce to the apps above them.

``fall_saved`` is sent inside the transaction that records or changes a fall, with the
fall's ``patient``: the reminders app answers it by checking, under the same transaction,
whether the fall made the patient high-risk (SPEC §3 rule 5).

``care_changed`` is sent inside the transaction that records or changes one of a patient's
medication events or exercise plans, with that ``patient``: the clinical rules answer it by
recording again what the patient's assessments show (rules 16 and 17 read these records; rule
18 reads the findings); one marked entered in error reaches them through
``patients.signals.record_entered_in_error``. care stays below reminders and clinical_rules.
"""

from django.dispatch import Signal

fall_saved = Signal()
care_changed = Signal()
