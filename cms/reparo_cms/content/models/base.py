"""What every Reparo page shares: headless preview and the customer-facing URL."""

import re
import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.text import slugify
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.api import APIField
from wagtail.models import Page, Site
from wagtail_headless_preview.models import HeadlessPreviewMixin


class HeadlessPageForm(WagtailAdminPageForm):
    """The admin form of every page: the slug may be left empty for the page to make one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            # The admin fills the slug from the title as the editor types, but with ASCII slugs a
            # Chinese title gives nothing; the page then makes one instead of refusing the form.
            self.fields["slug"].required = False

    def clean_slug(self) -> str:
        # Tidied here, before the form checks the slug is free among the page's siblings.
        return tidy_slug(self.cleaned_data.get("slug") or "")


class HeadlessPage(HeadlessPreviewMixin, Page):
    """A page the gateway renders; Wagtail only stores and delivers it."""

    api_fields = [APIField("public_url")]
    base_form_class = HeadlessPageForm

    # Page's own field, declared for the type checker since Wagtail ships no types.
    slug: str

    class Meta:
        abstract = True

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        self._tidy_slug()
        super().full_clean(*args, **kwargs)

    def minimal_clean(self) -> None:
        self._tidy_slug()
        super().minimal_clean()

    def _tidy_slug(self) -> None:
        self.slug = tidy_slug(self.slug or "")
        # Slugs are ASCII (WAGTAIL_ALLOW_UNICODE_SLUGS off) so shared links stay readable, and
        # Wagtail leaves the slug empty when the title has no Latin letters or digits, as a
        # Chinese title has: such a page gets a short random slug, which an editor may replace.
        if not self.slug and not slugify(self.title or ""):
            kind = self._meta.model_name.removesuffix("page") or "page"
            self.slug = f"{kind}-{secrets.token_hex(3)}"

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


def tidy_slug(slug: str) -> str:
    """``slug`` without leading, trailing or doubled hyphens.

    The admin fills the slug from the title as the editor types and, keeping slugs ASCII, drops
    the Chinese words but not the spaces between them: "换镜片培训 trialzeta-video" arrives as
    "-trialzeta-video", and a title of Chinese words only as "-" or "".
    """
    return re.sub(r"-{2,}", "-", slug).strip("-")
