"""Page-number pagination of the API's lists."""

import re

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

WHOLE_NUMBER = re.compile(r"[0-9]+")


class PageNumber(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (up to 500); answers with count, next, previous, results.

    Either given as anything but a whole number in its range (empty, ``0``, ``ten``, a page size
    of 501) is a 400 naming it, where DRF would answer the default page, or 500 rows, as if it had
    been read (SPEC §4: a documented parameter's invalid value is refused, never read as a
    default). A page past the last is DRF's 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    # Clients follow ``next``; DRF's ``?page=last`` is one more spelling the schema would carry.
    last_page_strings = ()

    def refuse_invalid_parameters(self, request):
        """The 400 of a bad ``page`` or ``page_size``, for a view that may not paginate (a CSV export)."""
        self.get_page_size(request)
        self.get_page_number(request, paginator=None)

    def get_page_size(self, request):
        self._refuse_unless_whole(
            request,
            self.page_size_query_param,
            self.max_page_size,
            f"A whole number from 1 to {self.max_page_size}.",
        )
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        self._refuse_unless_whole(request, self.page_query_param, None, "A whole number from 1.")
        return super().get_page_number(request, paginator)

    @staticmethod
    def _refuse_unless_whole(request, name, maximum, message):
        value = request.query_params.get(name)
        if value is None or (WHOLE_NUMBER.fullmatch(value) and 1 <= int(value) <= (maximum or int(value))):
            return
        raise serializers.ValidationError({name: [message]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
