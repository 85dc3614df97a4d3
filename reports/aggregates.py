"""Database functions the reports need that Django does not ship, portable to SQLite and PostgreSQL.

``Median`` is ``PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x)`` on PostgreSQL. SQLite has no
percentile aggregate, so ``reports.apps`` registers ``MEDIAN`` on every SQLite connection as
a user-defined aggregate (``SQLiteMedian``): either way the median is taken inside the
database engine, within the GROUP BY, and never by fetching the values into the view.
"""

import statistics

from django.db import models


class Median(models.Aggregate):
    """The median of a numeric expression (NULLs ignored, ``None`` over no values)."""

    function = "MEDIAN"
    name = "Median"
    output_field = models.FloatField()
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra_context,
        )


class SQLiteMedian:
    """The SQLite side of ``Median``: a user-defined aggregate (step/finalize)."""

    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return float(statistics.median(self.values)) if self.values else None


class DaysBetween(models.Func):
    """``end - start`` in days (fractional), for two datetimes: ``DaysBetween(end, start)``."""

    arity = 2
    output_field = models.FloatField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)::double precision",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class DaysBetweenDates(models.Func):
    """``end - start`` in whole days, for two dates: ``DaysBetweenDates(end, start)``."""

    arity = 2
    output_field = models.IntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # Subtracting one date from another gives whole days in PostgreSQL.
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )
