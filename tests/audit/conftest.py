"""The access log's tests: besides Nora, Phil, Ada (north) and Sam (south) there is Stella, the
admin of clinic south, who must see nothing of what was read about north."""

import pytest

from audit.models import AccessRecord
from patients.services import staff_add
from tests.support.clients import api_client_of

from ..conftest import PASSWORD


@pytest.fixture
def stella(south):
    return staff_add(username="stella", role="admin", clinic_code=south.code, password=PASSWORD)


@pytest.fixture
def stella_api(stella):
    return api_client_of(stella)


def only_record():
    """The one access record written, with the ids of the patients it read."""
    [record] = AccessRecord.objects.with_patient_ids()
    return record


def clinics_of(record):
    """The clinics an access record is about, by id."""
    return sorted(record.subjects.values_list("clinic_id", flat=True).distinct())
