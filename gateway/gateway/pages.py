"""The gateway's own pages: home, sign-in, language switch. Phone-sized, on WeUI."""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Form, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from gateway.errors import error_page
from gateway.favicon import FAVICON_MEDIA_TYPE, favicon_ico
from gateway.i18n import LANGUAGE_COOKIE, LANGUAGES, html_lang, request_language, translations
from gateway.identity import (
    SignInFailed,
    current_customer,
    find_or_create_customer,
    forget_customer,
    remember_customer,
)
from gateway.routing import page_router

router = page_router()


def _page_context(request: Request) -> dict[str, Any]:
    language = request_language(request)
    catalogue = translations(language)
    return {
        "_": catalogue.gettext,
        "language": language,
        "html_lang": html_lang(language),
        "languages": LANGUAGES,
        "customer": current_customer(request),
        "sandbox_enabled": request.app.state.settings.sandbox_enabled,
        "jssdk_url": jssdk_url(request),
    }


def jssdk_url(request: Request) -> str | None:
    """The JS-SDK only works inside WeChat (or where the sandbox stands in for it)."""
    state = request.app.state
    in_wechat = "micromessenger" in request.headers.get("user-agent", "").lower()
    if in_wechat or state.settings.sandbox_enabled:
        return str(state.wechat_settings.jssdk_url)
    return None


templates = Jinja2Templates(
    directory=Path(__file__).parent / "templates", context_processors=[_page_context]
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def safe_next(target: str | None) -> str:
    """Only same-site paths may be redirect targets, never another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@router.get("/signin/dev")
async def signin_dev_page(request: Request, next: str = "/") -> Response:
    """The development sign-in form; only with the sandbox configured."""
    if not request.app.state.settings.sandbox_enabled:
        _ = translations(request_language(request)).gettext
        return error_page(
            request, 503, _("Sign-in unavailable"), _("Please open this page inside WeChat.")
        )
    return render(request, "signin.html", next=safe_next(next))


@router.post("/signin/dev")
async def signin_dev(request: Request, openid: str = Form(...), next: str = Form("/")) -> Response:
    """Development sign-in standing in for WeChat OAuth; only with the sandbox configured."""
    state = request.app.state
    _ = translations(request_language(request)).gettext
    if not state.settings.sandbox_enabled:
        return error_page(request, 404, _("Not found"), _("This page does not exist."))
    openid = openid.strip()
    if not openid or len(openid) > 64 or not openid.replace("-", "").replace("_", "").isalnum():
        return render(request, "signin.html", 422, next=safe_next(next), error=True)
    try:
        customer = await find_or_create_customer(
            state.http, state.signer, state.settings.repair_url, openid
        )
    except SignInFailed:
        return error_page(
            request, 502, _("Sign-in failed"), _("We could not sign you in. Please try again.")
        )
    remember_customer(request, customer)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/signout")
async def signout(request: Request) -> Response:
    forget_customer(request)
    return RedirectResponse("/", status_code=303)


@router.get("/favicon.ico")
async def favicon() -> Response:
    """The site icon; browsers ask for it on every site, the console's pages included."""
    return Response(
        favicon_ico(),
        media_type=FAVICON_MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/lang/{language}")
async def switch_language(request: Request, language: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    return response
