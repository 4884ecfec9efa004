"""Every route lives under ``/cms/``: the gateway forwards that prefix unchanged."""

from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from reparo_cms import health
from reparo_cms.api import api_router
from reparo_cms.media import serve_media
from reparo_shared.metrics import StateGauges, django_metrics_view, watch_django_outbox

metrics_state = StateGauges()
watch_django_outbox(metrics_state)

urlpatterns = [
    # Scraped by Prometheus inside the network; the gateway and nginx do not serve it publicly.
    path("cms/metrics", django_metrics_view(metrics_state), name="metrics"),
    path("cms/healthz", health.healthz, name="healthz"),
    path("cms/readyz", health.readyz, name="readyz"),
    # Local disk or the bucket, with byte ranges; nginx serves the bucket directly in production.
    re_path(r"^cms/media/(?P<path>.+)$", serve_media, name="media"),
    path("cms/admin/", include(wagtailadmin_urls)),
    path("cms/documents/", include(wagtaildocs_urls)),
    path("cms/api/v2/", api_router.urls),
    path("cms/api/engagement/", include("reparo_cms.engagement.urls")),
    # Page URLs exist so Wagtail can compute paths; serving one redirects to the gateway's page.
    path("cms/pages/", include(wagtail_urls)),
]
