"""Likes and favourites on videos and articles, and the customer's "my favourites".

Pages show the buttons with ``templates/content/_reactions.html`` and the counts from
``page_reactions``; its forms post here. With scripts on, ``static/reactions.js`` posts them in
the background and the counts change at once; without, the browser posts and comes back.
Signed-out customers are sent to sign-in and come back to the page they were on.

A page with the buttons may come from the content cache only for anonymous visitors, whose
buttons show counts and nothing of their own; a signed-in customer's page is always rendered
for them, so the buttons show what they liked and favourited.
"""

from typing import Any, Literal

from fastapi import Form, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from gateway.content.cms_client import CmsClient, CmsNotFound
from gateway.content.rendering import (
    PAGE_SIZE,
    page_number,
    page_offset,
    render_content,
)
from gateway.errors import wants_json
from gateway.identity import current_customer
from gateway.pages import safe_next
from gateway.routing import page_router
from gateway.wechat_signin import signin_url

router = page_router()

FAVOURITES_PATH = "/favourites/"


async def page_reactions(client: CmsClient, page_id: int) -> dict[str, Any]:
    """Counts of one video or article and the caller's own reactions, for ``_reactions.html``.

    A page that was never published (an editor's preview of a new draft) has none yet.
    """
    try:
        return await client.page_engagement(page_id)
    except CmsNotFound:
        return {"page_id": page_id, "likes": 0, "favourites": 0, "liked": False,
                "favourited": False}  # fmt: skip


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
@router.get(FAVOURITES_PATH)
async def my_favourites(request: Request, page: str = "1") -> Response:
    """The signed-in customer's favourite videos and articles, newest first."""
    if current_customer(request) is None:
        return RedirectResponse(signin_url(FAVOURITES_PATH), status_code=303)
    number = page_number(page)
    listing = await CmsClient.for_request(request).my_favourites(
        offset=page_offset(number), limit=PAGE_SIZE
    )
    return render_content(
        request,
        "content/favourites.html",
        listing=listing,
        page_number=number,
    )
