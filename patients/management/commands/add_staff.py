import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from patients.models import Role
from patients.services import staff_add


class Command(BaseCommand):
    help = (
        "Create (or update) a staff user with a role in a clinic. The password is prompted for "
        "(or read from standard input when it is not a terminal), or given with --password."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(Role.values)}")
        parser.add_argument("--clinic", required=True, help="the clinic's code, e.g. north")
        parser.add_argument(
            "--password", help="the password; prompted for, or read from standard input, when omitted"
        )
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, clinic, password, email, **options):
        if password is None:
            # At a terminal, ask without echoing it; piped in, it is the first line.
            password = getpass.getpass() if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        try:
            user = staff_add(username=username, role=role, clinic_code=clinic, password=password, email=email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"{user.username} is a {role} in clinic {clinic}."))
