"""Optimistic concurrency: an edit based on a version of a record that is no longer stored is refused.

A reader (a page, an API client) keeps the ``record_version`` it was shown; the update service
locks the row with ``record_lock`` and refuses the edit with ``EditedMeanwhile`` when someone
else has changed the record since, before anything is written.
"""

import hashlib
import json


def record_version(record):
    """A short digest of the record's row as stored: it changes whenever any stored column does.

    Every concrete field counts, ``updated_at`` and the entered-in-error marking included, so a
    write that touches only some columns (``mark_entered_in_error``) changes it too. Give it an
    instance as read from the database: a value set in memory and not saved would count as stored.
    """
    values = [field.value_to_string(record) for field in record._meta.concrete_fields]
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:16]


class EditedMeanwhile(Exception):
    """The record changed after the version the edit is based on; ``current`` is the record as stored now."""

    def __init__(self, current):
        super().__init__(f"{type(current).__name__} {current.pk} has changed since the edit's version.")
        self.current = current


def record_lock(record, *, expected_version=None, version=record_version):
    """Lock the record's row for the rest of the transaction and return it as read again.

    ``expected_version`` is the version the caller's edit is based on, or a collection of
    acceptable versions; ``EditedMeanwhile`` unless the record, as stored now, has one of them.
    ``None`` checks nothing. ``version`` computes a record's version: ``record_version`` for the
    services and the pages; the API compares its ETags, which cover what a client was shown
    (derived fields included), so it passes its own, read under the same lock.
    """
    current = type(record).objects.select_for_update().get(pk=record.pk)
    if expected_version is not None:
        acceptable = {expected_version} if isinstance(expected_version, str) else set(expected_version)
        if version(current) not in acceptable:
            raise EditedMeanwhile(current)
    return current
