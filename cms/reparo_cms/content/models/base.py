"""What every Reparo page shares: headless preview and the customer-facing URL."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from wagtail.api import APIField
from wagtail.models import Page, Site
from wagtail_headless_preview.models import HeadlessPreviewMixin


class HeadlessPage(HeadlessPreviewMixin, Page):
    """A page the gateway renders; Wagtail only stores and delivers it."""

    api_fields = [APIField("public_url")]

    class Meta:
        abstract = True

    def public_url(self) -> str:
        """The page's address on the gateway: its path below the site's root page."""
        return f"{settings.GATEWAY_PUBLIC_URL}{gateway_path(self)}"

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # "View live" in the admin lands on the gateway, which is where customers see pages.
        return HttpResponseRedirect(self.public_url())


def gateway_path(page: Page) -> str:
    """The path of ``page`` on the gateway: its path below the root page of its site.

    Reads the site roots from Wagtail's cache, so listing many pages costs no query per page.
    """
    url_path = page.url_path or "/"
    for root in Site.get_site_root_paths():
        if url_path.startswith(root.root_path):
            return url_path[len(root.root_path) - 1 :]
    return url_path
