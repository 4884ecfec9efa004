"""Likes and favourites on videos and articles, and the customer's "my favourites".

Pages show the buttons with ``templates/content/_reactions.html``; its forms post here. With
scripts on, ``static/reactions.js`` posts them in the background and the counts change at once;
without, the browser posts and comes back. Signed-out customers are sent to sign-in and come back
to the page they were on.
"""

from typing import Literal

from fastapi import APIRouter, Form, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from gateway.content.cms_client import CmsClient
from gateway.content.links import PAGE_SIZE, page_offset, signin_url
from gateway.errors import wants_json
from gateway.identity import current_customer
from gateway.pages import render, safe_next
from gateway.repair_pages import local_time

router = APIRouter(include_in_schema=False)


@router.post("/reactions/{page_id}/{kind}")
async def react(
    request: Request,
    page_id: int,
    kind: Literal["like", "favourite"],
    on: bool = Form(True),
    next: str = Form("/"),
) -> Response:
    """Like or favourite a video or article (``on``), or take it back; idempotent."""
    target = safe_next(next)
    if current_customer(request) is None:
        if wants_json(request):
            return JSONResponse(
                {"detail": "sign in first", "signin_url": signin_url(target)}, status_code=401
            )
        return RedirectResponse(signin_url(target), status_code=303)
    counts = await CmsClient.for_request(request).react(page_id, kind, on=on)
    if wants_json(request):
        return JSONResponse(counts)
    return RedirectResponse(target, status_code=303)


@router.get("/favourites")
async def my_favourites(request: Request, page: int = 1) -> Response:
    """The signed-in customer's favourite videos and articles, newest first."""
    if current_customer(request) is None:
        return RedirectResponse(signin_url("/favourites"), status_code=303)
    listing = await CmsClient.for_request(request).my_favourites(
        offset=page_offset(page), limit=PAGE_SIZE
    )
    return render(
        request,
        "content/favourites.html",
        favourites=listing.get("results", []),
        has_next=bool(listing.get("next")),
        page=max(page, 1),
        local_time=local_time,
    )
