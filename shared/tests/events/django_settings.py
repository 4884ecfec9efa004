"""Django settings for running the outbox app alone in the events tests (``DATABASE_URL``)."""

import os

import dj_database_url

SECRET_KEY = "events-tests-only"
INSTALLED_APPS = ["reparo_shared.events.django_outbox"]
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "sqlite:///:memory:").replace("+psycopg", "")
    )
}
USE_TZ = True
TIME_ZONE = "UTC"
