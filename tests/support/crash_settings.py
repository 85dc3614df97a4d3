"""The real settings, with the server process dying between commit and response (tests.support.crash)."""

from clinic.settings import *  # noqa: F403
from clinic.settings import MIDDLEWARE

MIDDLEWARE = ["tests.support.crash.DieAfterCommitMiddleware", *MIDDLEWARE]
