"""Addresses shared by the content pages: where a cms page lives on the gateway, sign-in links,
and list paging."""

from urllib.parse import quote, urlsplit

from fastapi import Request

PAGE_SIZE = 20


def gateway_path(public_url: str | None) -> str:
    """The path part of a page's ``public_url``, so links stay on whatever host serves them."""
    return urlsplit(public_url or "/").path or "/"


def signin_url(target: str) -> str:
    """Sign-in that comes back to ``target`` (a same-site path) afterwards."""
    return f"/signin?next={quote(target, safe='/')}"


def current_path(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def page_offset(page: int) -> int:
    """The list offset of a 1-based page number; nonsense numbers count as the first page."""
    return (max(page, 1) - 1) * PAGE_SIZE
