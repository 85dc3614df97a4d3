"""Reading FHIR search parameters (FHIR R4 "Search"): each kind of value, refused in words when
it cannot be read, so that a bad parameter is a 400 OperationOutcome and never a silent miss."""

import datetime
import re
from dataclasses import dataclass

DEFAULT_COUNT = 50
MAX_COUNT = 500
DATE_PREFIXES = {"eq", "ge", "le", "gt", "lt"}
WHOLE_NUMBER = re.compile(r"[0-9]+")
FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Parameters every search takes, besides its own.
PAGING = ("_count", "_page", "_format")
# ``_format`` (FHIR's override of Accept): only JSON is served.
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}


class BadParameter(Exception):
    """A search parameter that cannot be read: a 400, its message naming the parameter."""


@dataclass(frozen=True)
class Token:
    system: str | None  # None: any system; "" : no system (FHIR's "|code")
    code: str | None  # None: any code of the system ("system|")

    def matches(self, coding):
        return (self.system is None or coding.get("system", "") == self.system) and (
            self.code is None or coding.get("code") == self.code
        )


def tokens(name, value):
    """A token parameter's values (comma-separated: any of them): ``code``, ``system|code``,
    ``|code`` or ``system|``."""
    parsed = []
    for part in value.split(","):
        system, bar, code = part.rpartition("|")
        if not part or (bar and not system and not code):
            raise BadParameter(f"{name}: {value!r} is not a token (code, system|code, |code or system|).")
        parsed.append(Token(system if bar else None, code or None))
    return parsed


def dates(name, values):
    """Date parameters (``2026-03-01``, with a prefix ``eq``, ``ge``, ``le``, ``gt`` or ``lt``):
    ``[(prefix, date)]``, every one to hold (a range is ``ge`` and ``le`` given together)."""
    parsed = []
    for value in values:
        prefix, day = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
        try:
            if not FULL_DATE.fullmatch(day):
                raise ValueError
            parsed.append((prefix, datetime.date.fromisoformat(day)))
        except ValueError:
            raise BadParameter(
                f"{name}: {value!r} is not a date; write YYYY-MM-DD, optionally after eq, ge, le, gt or lt "
                "(such as ge2026-01-31)."
            ) from None
    return parsed


DATE_LOOKUPS = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}


def date_filter(field, parsed):
    """The queryset filter for parsed date parameters on the date ``field``."""
    return {f"{field}{DATE_LOOKUPS[prefix]}": day for prefix, day in parsed}


def patient_id(name, value):
    """A reference to a patient: ``123`` or ``Patient/123`` (the id alone)."""
    reference = value.removeprefix("Patient/")
    if not WHOLE_NUMBER.fullmatch(reference):
        raise BadParameter(f"{name}: {value!r} is not a patient; write its id or Patient/<id>.")
    return int(reference)


def whole_number(name, value, *, least):
    if not WHOLE_NUMBER.fullmatch(value) or int(value) < least:
        raise BadParameter(f"{name}: {value!r} is not a whole number from {least}.")
    return int(value)


@dataclass(frozen=True)
class Criteria:
    """A search's own parameters (one value each, dates as lists) and its page."""

    params: dict
    count: int
    page: int


def criteria_of(query, accepted):
    """Read the query string ``query`` (a QueryDict) of a search whose own parameters are
    ``accepted``: anything else, and a parameter given twice (dates aside), is refused by name."""
    unknown = sorted(set(query) - set(accepted) - set(PAGING))
    if unknown:
        raise BadParameter(
            f"Unknown search parameter {', '.join(unknown)}; this search takes "
            f"{', '.join(sorted(accepted)) or 'no parameters'} and {', '.join(PAGING)}."
        )
    params = {}
    for name, values in query.lists():
        if name in PAGING or accepted[name] == "date":
            continue
        if len(values) > 1:
            raise BadParameter(
                f"{name} is given more than once; give it once, with its values separated by commas."
            )
        if not values[0]:
            raise BadParameter(f"{name} is empty.")
        params[name] = values[0]
    for name, kind in accepted.items():
        if kind == "date" and name in query:
            params[name] = dates(name, query.getlist(name))
    for value in query.getlist("_format"):
        if value.split(";")[0].strip() not in JSON_FORMATS:
            raise BadParameter(
                f"_format: {value!r} is not served; this server answers JSON only (_format=json)."
            )
    # Past 500, the 500 a page holds at most (SPEC §6; as the REST API's page_size).
    count = min(whole_number("_count", query.get("_count", str(DEFAULT_COUNT)), least=0), MAX_COUNT)
    page = whole_number("_page", query.get("_page", "1"), least=1)
    return Criteria(params, count, page)
