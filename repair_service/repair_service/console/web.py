"""Wire the console into the service's app: its routes, static files and error pages."""

import inspect
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from repair_service.console import admin, auth, board, labels, orders, overview, pages
from repair_service.console.settings import get_console_settings
from repair_service.console.templating import render
from repair_service.deps import vouch_for_cookie_writes
from repair_service.errors import DomainError, Forbidden, InvalidInput, NotFound, ParamValue

PREFIX = "/console"
_HERE = Path(__file__).parent
# Only the dist folders of the two libraries the pages load are served, not all of node_modules.
INVALID_REQUEST = "Part of this address or form is not valid. Check it and try again."
VENDOR = {"htmx": ("htmx.org", "dist"), "chart.js": ("chart.js", "dist")}


def install_console(app: FastAPI) -> None:
    """Add the console's routes and static files to ``app`` (called by ``create_app``)."""
    for module in (pages, board, orders, labels, overview, admin):
        app.include_router(module.router, prefix=PREFIX)
    node_modules = get_console_settings().console_node_modules
    for name, parts in VENDOR.items():
        app.mount(
            f"{PREFIX}/static/vendor/{name}",
            StaticFiles(directory=node_modules.joinpath(*parts), check_dir=False),
            name=f"console-vendor-{name}",
        )
    app.mount(f"{PREFIX}/static", StaticFiles(directory=_HERE / "static"), name="console-static")

    vouch_for_cookie_writes(auth.api_write_carries_csrf)
    app.add_exception_handler(auth.LoginRequired, _login_required)
    app.add_exception_handler(auth.CsrfRefused, _csrf_refused)
    api_handler = app.exception_handlers.get(DomainError)

    async def domain_error(request: Request, error: Exception) -> Response:
        if request.url.path.startswith(f"{PREFIX}/") and isinstance(error, DomainError):
            return _error_page(request, error)
        assert api_handler is not None
        answer = api_handler(request, error)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(DomainError, domain_error)
    _console_pages_for(app, HTTPException)
    _console_pages_for(app, RequestValidationError)


def _console_pages_for(app: FastAPI, kind: type[Exception]) -> None:
    """Unknown console paths and malformed ids (``/console/orders/abc``) get the console's "not
    found" page, any other malformed query or form (``?page=abc``) its "not valid" page; elsewhere
    ``kind`` keeps the handler it had (FastAPI's JSON answer by default)."""
    fallback = app.exception_handlers.get(kind, http_exception_handler)

    async def handler(request: Request, error: Exception) -> Response:
        wants_page = request.url.path == PREFIX or request.url.path.startswith(f"{PREFIX}/")
        if wants_page and _is_not_found(error):
            return _render_error(request, "Not found.", 404)
        if wants_page and isinstance(error, RequestValidationError):
            return _render_error(request, INVALID_REQUEST, 400)
        answer = fallback(request, error)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(kind, handler)


def _is_not_found(error: Exception) -> bool:
    """An unknown path, or a path parameter that cannot be an id (a form's bad field is not)."""
    if isinstance(error, HTTPException):
        return error.status_code == 404
    if isinstance(error, RequestValidationError):
        return any(problem.get("loc", ("",))[0] == "path" for problem in error.errors())
    return False


async def _login_required(request: Request, _error: Exception) -> Response:
    target = f"{PREFIX}/login"
    if request.method == "GET" and request.url.path != f"{PREFIX}/":
        target += f"?next={request.url.path}"
    if request.headers.get("hx-request"):
        # htmx follows redirects inside fetch; tell it to load the sign-in page as a page.
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


# Each error page's title and heading, by status.
ERROR_HEADINGS = {
    400: "Not valid",
    403: "Not allowed",
    404: "Not found",
    409: "This cannot be done now",
}


async def _csrf_refused(request: Request, _error: Exception) -> HTMLResponse:
    message = "The form has expired. Reload the page and try again."
    return _render_error(request, message, 403, heading="Form expired")


def _error_page(request: Request, error: DomainError) -> HTMLResponse:
    statuses = {NotFound: 404, Forbidden: 403, InvalidInput: 400}
    status = next((code for kind, code in statuses.items() if isinstance(error, kind)), 409)
    return _render_error(request, error.template, status, params=error.params)


def _render_error(
    request: Request,
    message: str,
    status: int,
    *,
    heading: str | None = None,
    params: dict[str, ParamValue] | None = None,
) -> HTMLResponse:
    context = {
        "message": message,
        "params": params or {},
        "status": status,
        "heading": heading or ERROR_HEADINGS[status],
    }
    return render(request, "error.html", context, status_code=status)
