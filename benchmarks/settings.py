"""Settings for ``make bench``: the real settings, a benchmark-only key, fast password hashing
for the synthetic staff, and the test client's host name allowed."""

import os

os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_bench")

from clinic.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405
# The benchmark's test client talks plain HTTP.
SECURE_SSL_REDIRECT = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# The pages name their static files; without `collectstatic` there is no manifest to look them up in.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
