"""What the ground floor announces to the apps above it.

``record_entered_in_error`` is sent inside the transaction that marks a clinical record (a
patient included) entered in error, with the ``record``: the reminders app resolves at once
the open reminders whose reason went with it (SPEC §2 Reminder).
"""

from django.dispatch import Signal

record_entered_in_error = Signal()
patient_discharged = Signal()
