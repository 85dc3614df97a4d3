from django.db import migrations, models


class Migration(migrations.Migration):
    """A reminder resolves itself when its reason has gone: status ``resolved`` with ``resolved_at``."""

    dependencies = [
        ("reminders", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="reminder", name="reminder_status_valid"),
        migrations.RemoveConstraint(model_name="reminder", name="reminder_sent_has_sent_at"),
        migrations.AddField(
            model_name="reminder",
            name="resolved_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sent", "Sent"),
                    ("acknowledged", "Acknowledged"),
                    ("resolved", "Resolved"),
                ],
                default="pending",
                max_length=12,
            ),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "sent", "acknowledged", "resolved"])),
                name="reminder_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "resolved"]), ("sent_at__isnull", False), _connector="OR"),
                name="reminder_sent_has_sent_at",
            ),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("resolved_at__isnull", False), ("status", "resolved")),
                    models.Q(models.Q(("status", "resolved"), _negated=True), ("resolved_at__isnull", True)),
                    _connector="OR",
                ),
                name="reminder_resolved_has_resolved_at",
            ),
        ),
    ]
