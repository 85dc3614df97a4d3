"""What the care services announce to the apps above them.

``fall_saved`` is sent inside the transaction that records or changes a fall, with the
fall's ``patient``: the reminders app answers it by checking, under the same transaction,
whether the fall made the patient high-risk (SPEC §3 rule 5). care stays below reminders.
"""

from django.dispatch import Signal

fall_saved = Signal()
