"""What every Reparo page shares: headless preview and the customer-facing URL."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from wagtail.api import APIField
from wagtail.models import Page
from wagtail_headless_preview.models import HeadlessPreviewMixin


class HeadlessPage(HeadlessPreviewMixin, Page):
    """A page the gateway renders; Wagtail only stores and delivers it."""

    api_fields = [APIField("public_url")]

    class Meta:
        abstract = True

    def public_url(self) -> str:
        """The page's address on the gateway: its path below the site's root page."""
        site = self.get_site()
        root_path = site.root_page.url_path if site else "/"
        relative = self.url_path[len(root_path) - 1 :] if self.url_path else "/"
        return f"{settings.GATEWAY_PUBLIC_URL}{relative}"

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # "View live" in the admin lands on the gateway, which is where customers see pages.
        return HttpResponseRedirect(self.public_url())
