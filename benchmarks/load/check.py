"""After a load run: was every acknowledged write saved exactly once, and every reminder emailed once?

Runs in a process with Django set up on the run's database (``benchmarks.load.run`` calls it).
"""

import email
import json
import re
from collections import Counter
from pathlib import Path

from django.db.models import Count

from assessments.models import Assessment, TrendReview
from care.models import FallEvent
from reminders.models import ReminderRecipient

# Where each kind of write keeps the marker the load test put in it.
MARKED = {
    "assessment": (Assessment, "notes"),
    "fall": (FallEvent, "notes"),
    "trend_review": (TrendReview, "note"),
}
MESSAGE_SEPARATOR = "-" * 79
DIGEST_SUBJECT = re.compile(r"\] (\d+) new reminder")


def check_writes(writes_log, run_id):
    """Every write answered 2xx is in the database exactly once; none is there twice; a write never
    acknowledged (under faults: still a 503 after every retry) is there at most once."""
    writes = (
        [json.loads(line) for line in Path(writes_log).read_text().splitlines()]
        if Path(writes_log).exists()
        else []
    )
    problems = []
    summary = {}
    for kind, (model, field) in MARKED.items():
        sent = [write for write in writes if write["kind"] == kind]
        stored = dict(
            model.objects.filter(**{f"{field}__startswith": f"load-{run_id}-"})
            .values_list(field)
            .annotate(n=Count("id"))
        )
        acknowledged = [write["marker"] for write in sent if 200 <= write["status"] < 300]
        unacknowledged = [write["marker"] for write in sent if not 200 <= write["status"] < 300]
        missing = [marker for marker in acknowledged if stored.get(marker, 0) == 0]
        doubled = [marker for marker, n in stored.items() if n > 1]
        unknown = set(stored) - {write["marker"] for write in sent}
        saved_unacknowledged = [marker for marker in unacknowledged if stored.get(marker)]
        summary[kind] = {
            "sent": len(sent),
            "acknowledged": len(acknowledged),
            "in the database": sum(stored.values()),
            "retried after a 503": sum(1 for write in sent if write["attempts"] > 1),
            "never acknowledged": len(unacknowledged),
            "never acknowledged but saved": len(saved_unacknowledged),
        }
        if missing:
            problems.append(
                f"{kind}: {len(missing)} acknowledged writes are not in the database, e.g. {missing[:3]}"
            )
        if doubled:
            problems.append(
                f"{kind}: {len(doubled)} writes are in the database more than once, e.g. {doubled[:3]}"
            )
        if unknown:
            problems.append(
                f"{kind}: {len(unknown)} rows carry a marker no client sent, e.g. {sorted(unknown)[:3]}"
            )
    return summary, problems


def emailed_reminders(mail_dir):
    """How many reminders the digest emails in ``mail_dir`` announced, by recipient address."""
    announced = Counter()
    emails = 0
    for path in sorted(Path(mail_dir).glob("*.log")):
        for text in path.read_text().split(MESSAGE_SEPARATOR):
            if not text.strip():
                continue
            message = email.message_from_string(text.strip())
            subject = " ".join(str(message["Subject"]).split())
            announced[message["To"]] += int(DIGEST_SUBJECT.search(subject).group(1))
            emails += 1
    return emails, announced


def check_reminders(mail_dir, since):
    """Each reminder announced to a recipient since ``since`` was emailed to them once: the digests'
    counts add up, recipient by recipient, to the deliveries the database marks announced, and none
    is left unannounced (call after the last sweep's digests have run)."""
    emails, announced_by_email = emailed_reminders(mail_dir)
    announced_in_db = Counter(
        dict(
            ReminderRecipient.objects.filter(notified_at__gte=since)
            .values_list("user__email")
            .annotate(n=Count("id"))
        )
    )
    unannounced = ReminderRecipient.objects.unannounced().count()
    problems = []
    for address in sorted(set(announced_by_email) | set(announced_in_db)):
        if announced_by_email[address] != announced_in_db[address]:
            problems.append(
                f"reminders to {address}: emailed {announced_by_email[address]}, "
                f"marked announced {announced_in_db[address]}"
            )
    if unannounced:
        problems.append(f"{unannounced} reminder deliveries were never announced")
    summary = {
        "digest emails": emails,
        "reminders emailed": sum(announced_by_email.values()),
        "reminders marked announced": sum(announced_in_db.values()),
        "left unannounced": unannounced,
    }
    return summary, problems
