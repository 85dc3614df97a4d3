"""Request bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (SPEC §2: 1 MiB) answer 413, not 400.

Django refuses such a body with ``RequestDataTooBig``, which it turns into a 400 "Bad
Request" page even under /api/. Here a declared ``Content-Length`` over the limit is refused
before anything reads the body, and a chunked body (no length) is counted as it is read;
within the limit, Django then reads no more than that, so it never raises.
"""

import io

from django.conf import settings

from .errors import body_too_large


def _declared_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _has_unsized_body(request):
    """A chunked body that the WSGI server marks readable to its end (PEP 3333's
    ``wsgi.input_terminated``, as gunicorn does).

    Django's WSGI request reads only ``Content-Length`` bytes, so without this such a body
    would reach the views empty: a chunked PATCH would change nothing and answer 200.
    """
    return (
        not request.META.get("CONTENT_LENGTH")
        and "HTTP_TRANSFER_ENCODING" in request.META
        and request.META.get("wsgi.input_terminated", False)
    )


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if _declared_length(request) > limit:
            return body_too_large(request)
        if _has_unsized_body(request):
            body = request.META["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return body_too_large(request)
            # From here on the request reads as if the body had come with its length.
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = io.BytesIO(body)
        return self.get_response(request)
