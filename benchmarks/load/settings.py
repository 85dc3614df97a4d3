"""Settings for ``make loadtest``: the benchmark's (production settings, the generated staff's password
hasher), with static files served from where they lie rather than collected and hashed first.

Locust fetches no static file; what the pages link needs only to resolve, and ``collectstatic``
(every file hashed and compressed) took minutes of the run's start on a busy machine.
"""

from benchmarks.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
