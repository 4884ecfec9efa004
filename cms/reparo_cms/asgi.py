"""ASGI entry point: ``uvicorn --app-dir cms reparo_cms.asgi:application``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reparo_cms.settings")

application = get_asgi_application()
