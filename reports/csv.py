"""CSV export of a report as a stream: the header, then the rows as the database yields them."""

import csv
import re
from itertools import islice

# Rows are written to the response this many at a time: few, mid-sized chunks.
ROWS_PER_CHUNK = 500

# Where a spreadsheet may start a new cell inside one of ours: at the cell's start, and after
# a character it may take for a separator. Every text cell is quoted, so a reader splitting on
# commas keeps it whole; but a spreadsheet set to split on semicolons (or tabs) ignores
# quotes that do not open its own cells, and a line break ends the row for it. Quotes right
# after the separator are skipped over: such a reader drops them (``""=1`` reads as ``=1``).
_FORMULA_AT_A_CELL_START = re.compile(r'(^|[;\t\r\n])("*)(?=[=+\-@\t\r])')


class _Echo:
    """A file-like object whose ``write`` returns what it was given, for ``csv.writer``."""

    def write(self, value):
        return value


def _cell(value):
    """A value as written: text that a spreadsheet could run as a formula gets a ``'`` first.

    Only text is escaped (and quoted): a number such as -3 days overdue stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return _FORMULA_AT_A_CELL_START.sub(r"\1\2'", value)
    return value


def csv_chunks(columns, rows):
    """The CSV text of ``columns`` and then ``rows``, a chunk of lines at a time.

    ``rows`` is consumed lazily, so memory holds one chunk whatever the number of rows.
    """
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_NONNUMERIC)
    yield writer.writerow([_cell(column) for column in columns])
    rows = iter(rows)
    while chunk := list(islice(rows, ROWS_PER_CHUNK)):
        yield "".join(writer.writerow([_cell(value) for value in row]) for row in chunk)
