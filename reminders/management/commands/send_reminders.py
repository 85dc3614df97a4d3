from django.core.management.base import BaseCommand
from django.db import transaction

from patients.clock import clinic_today
from reminders.sweep import reminder_sweep


class Command(BaseCommand):
    help = (
        "Run the reminder sweep the scheduler runs: resolve reminders whose reason has gone, create "
        "due reminders once and queue the digests that announce them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="show what the sweep would create, and change nothing"
        )

    def handle(self, *args, dry_run, **options):
        with transaction.atomic():
            created = reminder_sweep(today=clinic_today())
            for kind, ids in created.items():
                self.stdout.write(f"{kind}: {len(ids)} new")
            if dry_run:
                # Rolling back also drops the deliveries queued on commit.
                transaction.set_rollback(True)
                self.stdout.write(self.style.WARNING("Dry run: nothing was saved or queued."))
            else:
                self.stdout.write(
                    self.style.SUCCESS("Sweep done; digests queued for what is not yet announced.")
                )
