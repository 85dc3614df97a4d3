"""What the project's own responses (errors, lockout, second factor) need to know of a request."""


def is_api_request(request):
    """Whether ``request`` is for the API, which answers in JSON (errors included).

    ``path_info``: the path inside the site, the same behind a proxy that mounts it under a prefix.
    """
    return request.path_info.startswith("/api/")
