"""WSGI entry point: ``gunicorn --chdir cms reparo_cms.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reparo_cms.settings")

application = get_wsgi_application()
