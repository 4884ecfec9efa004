"""The gateway's calls to cms: Wagtail API v2 for pages, and the engagement API.

Every customer content page reads cms through one ``CmsClient``. Build it for the request with
``CmsClient.for_request(request)``: it then carries the signed-in customer's token (anonymous
callers get none), and ``CmsClient.for_service(request)`` carries the gateway's own service token.

Failures come back as exceptions a page can turn into an answer for the customer:

- ``CmsNotFound``: no such (published) page, preview or object; the page shows a friendly 404;
- ``CmsUnavailable``: cms did not answer, timed out or failed (5xx); the page says "try again";
- ``CmsRefused``: cms refused the call (400, 401, 403, ...), with cms's own ``detail``.

All three derive from ``CmsError``, so ``except CmsError`` catches any failure.
"""

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from fastapi import Request

from gateway.identity import current_customer
from reparo_shared.logs import CORRELATION_HEADER, correlation_id

logger = logging.getLogger(__name__)

API_PATH = "/cms/api/v2"
ENGAGEMENT_PATH = "/cms/api/engagement"
# cms answers API reads in milliseconds; a page should not hang on it for the proxy's minute.
CMS_API_TIMEOUT = httpx.Timeout(8.0, connect=3.0)

FilterValue = str | int | bool
ReactionKind = Literal["like", "favourite"]


@dataclass
class CmsError(Exception):
    """A call to cms failed; ``status_code`` is cms's answer (or 503 when it gave none)."""

    status_code: int
    detail: str

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"


class CmsNotFound(CmsError):
    """cms has no such published page, preview or object (HTTP 404)."""


class CmsUnavailable(CmsError):
    """cms did not answer, timed out, or failed with a server error."""


class CmsRefused(CmsError):
    """cms refused the call (a 4xx other than 404): bad parameters, no token, not allowed."""


@dataclass(frozen=True)
class PageList:
    """One slice of a page listing: the items asked for and how many match in all."""

    items: list[dict[str, Any]]
    total_count: int
    offset: int = 0
    limit: int = 20

    @property
    def ids(self) -> list[int]:
        return [int(item["id"]) for item in self.items]

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total_count


class CmsClient:
    """Reads pages from Wagtail API v2 and calls the engagement API, as one caller.

    ``authorization`` is the whole ``Authorization`` header value to send, or None for an
    anonymous caller; the factories below choose it from the request.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        cms_url: str,
        *,
        authorization: str | None = None,
        timeout: httpx.Timeout = CMS_API_TIMEOUT,
    ) -> None:
        self._http = http
        self._base = cms_url.rstrip("/")
        self._authorization = authorization
        self._timeout = timeout

    @classmethod
    def for_request(cls, request: Request) -> "CmsClient":
        """A client acting as the request's signed-in customer, or anonymously."""
        state = request.app.state
        customer = current_customer(request)
        authorization = None
        if customer is not None:
            token = state.signer.sign_customer(customer.customer_id, customer.openid)
            authorization = f"Bearer {token}"
        return cls(state.http, state.settings.cms_url, authorization=authorization)

    @classmethod
    def for_service(cls, request: Request) -> "CmsClient":
        """A client acting as the gateway itself (for calls cms allows a service token)."""
        state = request.app.state
        authorization = f"Bearer {state.signer.sign_service('gateway')}"
        return cls(state.http, state.settings.cms_url, authorization=authorization)

    @property
    def as_customer(self) -> bool:
        """Whether calls carry a token (engagement writes need a customer's)."""
        return self._authorization is not None

    # Pages (Wagtail API v2)

    async def pages(
        self,
        page_type: str | None = None,
        *,
        fields: Sequence[str] = (),
        filters: Mapping[str, FilterValue] | None = None,
        order: str | None = None,
        offset: int = 0,
        limit: int = 20,
        search: str | None = None,
        child_of: int | None = None,
        descendant_of: int | None = None,
    ) -> PageList:
        """Published pages, newest API shape: ``page_type`` like ``content.ArticlePage``.

        ``fields`` adds fields to Wagtail's default listing ones (``*`` for all); ``filters``
        are field filters cms knows (``category``, ``slug``, ``product``, ``pn``...); ``order``
        is a field name, ``-`` first for descending, or ``random``; ``search`` is a customer's
        query (Chinese works: cms splits it); with ``search`` and no ``order`` the most
        relevant come first.
        """
        params: dict[str, FilterValue] = {"offset": max(0, offset), "limit": max(1, limit)}
        if page_type:
            params["type"] = page_type
        if fields:
            params["fields"] = ",".join(fields)
        if order:
            params["order"] = order
        if search is not None:
            params["search"] = search
        if child_of is not None:
            params["child_of"] = child_of
        if descendant_of is not None:
            params["descendant_of"] = descendant_of
        params.update(filters or {})
        body = await self._get(f"{API_PATH}/pages/", params)
        return PageList(
            items=list(body.get("items", [])),
            total_count=int(body.get("meta", {}).get("total_count", 0)),
            offset=int(params["offset"]),
            limit=int(params["limit"]),
        )

    async def page(self, page_id: int, *, fields: Sequence[str] = ()) -> dict[str, Any]:
        """One published page with all its own fields (``fields`` can add or remove some)."""
        params = {"fields": ",".join(fields)} if fields else {}
        return await self._get(f"{API_PATH}/pages/{int(page_id)}/", params)

    async def page_by_slug(
        self, page_type: str, slug: str, *, fields: Sequence[str] = ("*",)
    ) -> dict[str, Any]:
        """The published page of ``page_type`` with this slug; ``CmsNotFound`` if none."""
        found = await self.pages(page_type, fields=fields, filters={"slug": slug}, limit=1)
        if not found.items:
            raise CmsNotFound(404, f"no published {page_type} with this slug")
        return found.items[0]

    async def preview(self, content_type: str, token: str) -> dict[str, Any]:
        """The draft an editor is previewing, in the same shape as ``page``.

        ``content_type`` (``content.articlepage``) and ``token`` come from the preview link
        wagtail-headless-preview gives the editor; an unknown or forged token is ``CmsNotFound``.
        """
        params = {"content_type": content_type, "token": token}
        return await self._get(f"{API_PATH}/page_preview/", params)

    # Engagement (likes, favourites, download counts)

    async def engagement(self, page_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Counts and the caller's own reactions for several pages, by page id."""
        ids = [int(page_id) for page_id in dict.fromkeys(page_ids)]
        if not ids:
            return {}
        body = await self._get(f"{ENGAGEMENT_PATH}/pages/", {"ids": ",".join(str(i) for i in ids)})
        return {int(item["page_id"]): item for item in body.get("items", [])}

    async def page_engagement(self, page_id: int) -> dict[str, Any]:
        """``{page_id, likes, favourites, liked, favourited}`` of one video or article."""
        return await self._get(f"{ENGAGEMENT_PATH}/pages/{int(page_id)}/", {})

    async def react(self, page_id: int, kind: ReactionKind, *, on: bool) -> dict[str, Any]:
        """Like or favourite a page (``on=True``) or take it back; idempotent either way.

        Needs a customer's token (``CmsRefused`` with 401 otherwise); answers the new counts.
        """
        method = "PUT" if on else "DELETE"
        return await self._call(method, f"{ENGAGEMENT_PATH}/pages/{int(page_id)}/{kind}/")

    async def my_favourites(self, *, offset: int = 0, limit: int = 20) -> dict[str, Any]:
        """The signed-in customer's favourites, newest first, as cms pages them."""
        params = {"offset": max(0, offset), "limit": max(1, limit)}
        return await self._get(f"{ENGAGEMENT_PATH}/me/favourites/", params)

    async def record_download(self, version_id: int, idempotency_key: str) -> dict[str, Any]:
        """Count one started software download; the same key counts once however often sent."""
        body = {"version_id": int(version_id), "idempotency_key": idempotency_key}
        return await self._call("POST", f"{ENGAGEMENT_PATH}/software-downloads/", json=body)

    async def download_counts(self, software_page_id: int) -> dict[str, Any]:
        """Started downloads per version of a published software page."""
        return await self._get(f"{ENGAGEMENT_PATH}/software/{int(software_page_id)}/downloads/", {})

    # Transport

    async def _get(self, path: str, params: Mapping[str, FilterValue]) -> dict[str, Any]:
        return await self._call("GET", path, params=params)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, FilterValue] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        headers = {CORRELATION_HEADER: correlation_id(), "Accept": "application/json"}
        if self._authorization:
            headers["Authorization"] = self._authorization
        try:
            response = await self._http.request(
                method,
                f"{self._base}{path}",
                params=_query(params),
                json=json,
                headers=headers,
                timeout=self._timeout,
            )
        except httpx.HTTPError as error:
            logger.warning("cms_api.unreachable", extra={"path": path, "error": repr(error)})
            raise CmsUnavailable(503, "cms is not answering") from error
        if response.status_code >= 400:
            raise _error_for(response, path)
        if not response.content:
            return {}
        try:
            body = response.json()
        except ValueError as error:
            raise CmsUnavailable(503, "cms answered something that is not JSON") from error
        return body if isinstance(body, dict) else {"items": body}


def _query(params: Mapping[str, FilterValue] | None) -> dict[str, str] | None:
    if not params:
        return None
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for key, value in params.items()
    }


def _error_for(response: httpx.Response, path: str) -> CmsError:
    detail = _detail(response)
    status = response.status_code
    if status == 404:
        return CmsNotFound(404, detail)
    if status >= 500:
        logger.warning("cms_api.failed", extra={"path": path, "status": status})
        return CmsUnavailable(503, detail)
    return CmsRefused(status, detail)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "message"):
            if key in body:
                return str(body[key])
    return str(body)[:200]
