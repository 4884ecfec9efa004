"""``/pages/<id>/``: the customer page of any published cms page, found by its id.

Related items and links inside article bodies name pages by id only; this sends the customer to
the page's own address (its ``public_url``), whatever its type.
"""

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from gateway.content.cms_client import CmsClient
from gateway.content.rendering import not_found_page, page_path
from gateway.routing import page_router

router = page_router()


@router.get("/pages/{page_id:int}/")
async def page_by_id(request: Request, page_id: int) -> Response:
    page = await CmsClient.for_request(request).page(page_id, fields=("public_url",))
    path = page_path(page)
    if path == f"/pages/{page_id}/":
        # A page without an address of its own (an index page): nothing to send them to.
        return not_found_page(request)
    return RedirectResponse(path, status_code=302)
