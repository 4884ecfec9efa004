"""Friendly error answers: an HTML page for people, JSON for API callers."""

from fastapi import Request
from starlette.responses import JSONResponse, Response

from gateway.i18n import request_language, translations


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith(("/api/", "/cms/api/")) or (
        "application/json" in accept and "text/html" not in accept
    )


def error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    """Render the friendly error page (or JSON) with already-translated texts."""
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status_code)
    from gateway.pages import templates  # deferred: pages imports this module

    return templates.TemplateResponse(
        request,
        "error.html",
        {"status_code": status_code, "title": title, "message": message},
        status_code=status_code,
    )


def upstream_unavailable(request: Request, upstream_name: str, status_code: int) -> Response:
    """A service behind the gateway did not answer: say so at once instead of hanging."""
    _ = translations(request_language(request)).gettext
    if wants_json(request):
        return JSONResponse(
            {"detail": f"the {upstream_name} service is not available; try again shortly"},
            status_code=status_code,
        )
    return error_page(
        request,
        status_code,
        _("Service temporarily unavailable"),
        _("Part of the system is not answering right now. Please try again in a moment."),
    )
