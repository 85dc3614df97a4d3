"""Page-number pagination of the API's lists."""

import re

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

WHOLE_NUMBER = re.compile(r"[0-9]+")


class PageNumber(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (up to 500); answers with count, next, previous, results.

    A page or page size that is not a whole number from 1 is a 400 naming it, where DRF would
    answer a page size of ``ten`` with the default page as if it had been read (empty, like an
    empty filter, is absent). A page size past 500 is the documented 500; a page past the last
    is DRF's 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        self._refuse_unless_whole(
            request, self.page_size_query_param, f"A whole number from 1 to {self.max_page_size}."
        )
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        self._refuse_unless_whole(
            request, self.page_query_param, "A whole number from 1, or last.", also=self.last_page_strings
        )
        return super().get_page_number(request, paginator)

    @staticmethod
    def _refuse_unless_whole(request, name, message, also=()):
        value = request.query_params.get(name)
        if not value or value in also or (WHOLE_NUMBER.fullmatch(value) and int(value) >= 1):
            return
        raise serializers.ValidationError({name: [message]})
