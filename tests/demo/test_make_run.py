"""``make run`` fills the demo inbox at once: after seed_demo and before serving, it runs the
reminder sweep through ``send_reminders``, the command the scheduler's sweep also is (SPEC §8)."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from reminders.models import Reminder, ReminderKind, ReminderRecipient

pytestmark = pytest.mark.django_db

MAKEFILE = Path(settings.BASE_DIR) / "Makefile"


def run_recipe_commands():
    """The ``manage.py`` commands of the ``run`` target, in the order it runs them."""
    recipe = re.search(r"^run: setup\n((?:\t.*\n)+)", MAKEFILE.read_text(), re.MULTILINE).group(1)
    return re.findall(r"^\t\$\(MANAGE\) (\S+)", recipe, re.MULTILINE)


def test_make_run_sweeps_once_after_seeding_and_before_serving():
    assert run_recipe_commands() == ["migrate", "seed_demo", "send_reminders", "runserver"]


def test_the_commands_make_run_calls_leave_reminders_in_the_demo_inbox():
    out = io.StringIO()
    for command in run_recipe_commands():
        if command not in ("migrate", "runserver"):
            call_command(command, stdout=out)

    assert "Sweep done" in out.getvalue()
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert {ReminderKind.REASSESSMENT_DUE, ReminderKind.FALL_RISK, ReminderKind.STRENGTH_REVIEW} <= kinds
    for username in ("nurse_north", "physio_north", "nurse_south", "physio_south"):
        assert ReminderRecipient.objects.filter(user__username=username).exists(), username
