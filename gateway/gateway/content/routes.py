"""Every content route of the gateway, in one router for the app to include."""

from fastapi import APIRouter

from gateway.content import articles, home, links, preview, products, search

router = APIRouter(include_in_schema=False)
for module in (home, articles, products, search, preview, links):
    router.include_router(module.router)
