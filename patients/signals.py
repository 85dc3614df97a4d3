"""What the ground floor announces to the apps above it.

``record_entered_in_error`` is sent inside the transaction that marks a clinical record (a
patient included) entered in error, with the ``record``: the reminders app resolves at once
the open reminders whose reason went with it (SPEC §2 Reminder), and the webhooks app writes
its event to the outbox.

``patient_created`` is sent inside the transaction that registers a ``patient``: the webhooks
app writes its event to the outbox.

``patient_discharged`` is sent inside the transaction that discharges a ``patient``: the diary
ends their link.
"""

from django.dispatch import Signal

record_entered_in_error = Signal()
patient_created = Signal()
patient_discharged = Signal()
