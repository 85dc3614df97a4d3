from django.core.management.base import BaseCommand

from demo.cohort import seed_demo


class Command(BaseCommand):
    help = "Create the demo clinics, staff and synthetic cohort. Safe to run again: it creates nothing twice."

    def handle(self, *args, **options):
        created = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data in place ({created} new patients)."))
