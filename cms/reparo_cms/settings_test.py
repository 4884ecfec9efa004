"""Settings for the CMS test suite: the normal settings with a throw-away database.

Without ``TEST_DATABASE_ADMIN_URL`` the suite runs on SQLite in memory. With it, Django connects
to that PostgreSQL server and pytest-django creates, through that admin connection, a test
database with a random name and drops it at the end, so parallel runs never meet.

The database must be chosen here, before Django starts: Wagtail's search backend reads the
database vendor when the apps load, so switching later (in a conftest) breaks PostgreSQL search.
"""

import uuid

import dj_database_url

from reparo_cms.settings import *  # noqa: F403
from reparo_shared.testing import postgres_admin_url

_admin_url = postgres_admin_url()
if _admin_url is None:
    DATABASES = {"default": dj_database_url.parse("sqlite://:memory:")}
else:
    DATABASES = {"default": dj_database_url.parse(_admin_url)}
    DATABASES["default"]["TEST"] = {"NAME": f"test_cms_{uuid.uuid4().hex[:12]}"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
