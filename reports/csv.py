"""CSV export of a report as a stream: the header, then the rows as the database yields them."""

import csv
from itertools import islice

# Rows are written to the response this many at a time: few, mid-sized chunks.
ROWS_PER_CHUNK = 500

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose ``write`` returns what it was given, for ``csv.writer``."""

    def write(self, value):
        return value


def _cell(value):
    """A value as written: text that a spreadsheet would run as a formula is quoted with ``'``.

    Only text is escaped: a number such as -3 days overdue stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_chunks(columns, rows):
    """The CSV text of ``columns`` and then ``rows``, a chunk of lines at a time.

    ``rows`` is consumed lazily, so memory holds one chunk whatever the number of rows.
    """
    writer = csv.writer(_Echo())
    yield writer.writerow([_cell(column) for column in columns])
    rows = iter(rows)
    while chunk := list(islice(rows, ROWS_PER_CHUNK)):
        yield "".join(writer.writerow([_cell(value) for value in row]) for row in chunk)
