"""Two edits based on the same version at the same moment: the second waits for the first's row
lock, then finds the version gone and is refused — never a lost update.

Needs PostgreSQL: SQLite runs one writer at a time, so the race cannot happen there.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from care.services import fall_update, referral_transition
from patients.concurrency import EditedMeanwhile, record_version
from patients.services import patient_update
from tests.conftest import skip_or_fail
from tests.factories import FallFactory, PatientFactory, ReferralFactory

pytestmark = pytest.mark.django_db(transaction=True)

EDITS = {
    "patient": (
        PatientFactory,
        lambda record, by, version, n: patient_update(
            patient=record, by=by, expected_version=version, given_name=f"Edit {n}"
        ),
    ),
    "fall": (
        FallFactory,
        lambda record, by, version, n: fall_update(
            fall=record, by=by, expected_version=version, notes=f"Edit {n}"
        ),
    ),
    "referral move": (
        ReferralFactory,
        lambda record, by, version, n: referral_transition(
            referral=record, to_status="sent" if n == 1 else "cancelled", by=by, expected_version=version
        ),
    ),
}


@pytest.mark.parametrize("kind", EDITS)
def test_of_two_concurrent_edits_from_one_version_the_second_is_refused(kind, nora, ada):
    if connection.vendor != "postgresql":
        skip_or_fail("the concurrent-edit test needs PostgreSQL (set DATABASE_URL)")
    factory, edit = EDITS[kind]
    record = factory()
    drawn = record_version(type(record).objects.get(pk=record.pk))
    first_has_written = threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic():
                edit(record, nora, drawn, 1)
                first_has_written.set()
                time.sleep(1.0)  # holds the row lock, uncommitted, while the second tries
            outcomes["first"] = "saved"
        except Exception as error:  # reported by the assertions below
            outcomes["first"] = error
        finally:
            first_has_written.set()
            connection.close()

    def second():
        try:
            first_has_written.wait(timeout=10)
            edit(record, ada, drawn, 2)
            outcomes["second"] = "saved"
        except EditedMeanwhile:
            outcomes["second"] = "refused"
        except Exception as error:
            outcomes["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert outcomes == {"first": "saved", "second": "refused"}
    stored = type(record).objects.get(pk=record.pk)
    assert stored.history.first().history_user == nora
