"""Test settings: real PostgreSQL and Redis on localhost unless told otherwise."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caseload")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
# Tests run without collectstatic; let WhiteNoise find files from the finders instead of warning.
WHITENOISE_AUTOREFRESH = True
