import io
import json
import re
from itertools import accumulate

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# SPEC §2 "Plausible input": the outermost object or list is level 1. Python's JSON decoder
# recurses once a level, so a body of a few thousand brackets would end in a RecursionError.
MAX_JSON_DEPTH = 32

_LEVEL_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text):
    """How deep objects and lists nest in JSON ``text``, found without parsing it (no recursion).

    Escapes go first (escaped backslashes, then escaped quotes), so every quote left opens or
    closes a string; of the text outside strings only the brackets count. Malformed JSON
    gets a depth too: the decoder refuses it afterwards.
    """
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    outside_strings = "".join(unescaped.split('"')[::2])
    brackets = _NOT_A_BRACKET.sub("", outside_strings)
    return max(accumulate(map(_LEVEL_CHANGE.__getitem__, brackets)), default=0)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing JSON nested deeper than ``MAX_JSON_DEPTH`` and strings that
    are not valid Unicode.

    The depth is checked before the decoder sees the body. JSON may escape a lone surrogate
    (``"\\ud800"``), which no database can store: refused here as malformed input rather than
    failing when it is saved.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        try:
            text = raw.decode(parsers.get_encoding(parser_context or {}))
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        # Fewer brackets than the limit cannot nest past it: most bodies skip the scan.
        brackets = text.count("[") + text.count("{")
        if brackets > MAX_JSON_DEPTH and json_depth(text) > MAX_JSON_DEPTH:
            raise ParseError(
                f"JSON nested too deeply: the limit is {MAX_JSON_DEPTH} levels of objects and lists."
            )
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ParseError(
                "JSON parse error - strings must be valid Unicode (no lone surrogates)."
            ) from None
        return data
