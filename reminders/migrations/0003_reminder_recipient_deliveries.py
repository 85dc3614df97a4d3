import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def announced_when_sent(apps, schema_editor):
    """Recipients of a reminder sent before deliveries were kept per recipient were told when it was sent."""
    Reminder = apps.get_model("reminders", "Reminder")
    ReminderRecipient = apps.get_model("reminders", "ReminderRecipient")
    sent_at = Reminder.objects.filter(pk=OuterRef("reminder_id")).values("sent_at")[:1]
    ReminderRecipient.objects.filter(reminder__sent_at__isnull=False).update(notified_at=Subquery(sent_at))


class Migration(migrations.Migration):
    """``Reminder.recipients`` through a model of its own, which records when each recipient was told.

    The table Django created for the many-to-many field stays (the state changes, the database
    does not); then it gains ``notified_at``, filled in for reminders already sent, and its
    unique pair becomes a named constraint.
    """

    dependencies = [
        ("reminders", "0002_reminder_resolved"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReminderRecipient",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "reminder",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, to="reminders.reminder"
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reminders_reminder_recipients",
                        "unique_together": {("reminder", "user")},
                    },
                ),
                migrations.AlterField(
                    model_name="reminder",
                    name="recipients",
                    field=models.ManyToManyField(
                        related_name="reminders",
                        through="reminders.ReminderRecipient",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="reminderrecipient",
            name="notified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(announced_when_sent, migrations.RunPython.noop),
        migrations.AlterUniqueTogether(name="reminderrecipient", unique_together=set()),
        migrations.AddConstraint(
            model_name="reminderrecipient",
            constraint=models.UniqueConstraint(fields=("reminder", "user"), name="unique_reminder_recipient"),
        ),
        migrations.AddIndex(
            model_name="reminderrecipient",
            index=models.Index(
                condition=models.Q(("notified_at__isnull", True)),
                fields=["user"],
                name="reminder_recipient_unannounced",
            ),
        ),
    ]
