"""The reminders' tests share a day in the clinic and staff with email addresses."""

from datetime import date

import pytest

# The worker tests' fixtures: PostgreSQL and Redis (or a skip; a failure in CI), a Redis of their own.
from tests.support.workers import private_redis, services  # noqa: F401

# A fixed clinic-local day: every rule takes "today" as an argument.
TODAY = date(2026, 11, 22)


@pytest.fixture
def staff(nora, phil, ada, sam):
    for user in (nora, phil, ada, sam):
        user.email = f"{user.username}@clinic.example"
        user.save()
    return {"nora": nora, "phil": phil, "ada": ada, "sam": sam}
