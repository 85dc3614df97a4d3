import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing strings that are not valid Unicode.

    JSON may escape a lone surrogate (``"\\ud800"``), which no database can store: refused
    here as malformed input rather than failing when it is saved.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ParseError(
                "JSON parse error - strings must be valid Unicode (no lone surrogates)."
            ) from None
        return data
