"""Every content route of the gateway, in one router for the app to include."""

from gateway.content import (
    articles,
    by_id,
    engagement,
    home,
    preview,
    products,
    search,
    software,
    videos,
)
from gateway.routing import page_router

router = page_router()
for module in (home, articles, products, search, preview, by_id, videos, software, engagement):
    router.include_router(module.router)
