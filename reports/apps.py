from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_median(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        from .aggregates import SQLiteMedian

        connection.connection.create_aggregate("MEDIAN", 1, SQLiteMedian)


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        # SQLite has no median: the embedded setup gets one as a user-defined aggregate.
        connection_created.connect(_register_sqlite_median, dispatch_uid="reports.sqlite_median")
