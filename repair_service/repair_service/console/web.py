"""Wire the console into the service's app: its routes, static files and error pages."""

import inspect
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from repair_service.console import admin, auth, board, labels, orders, overview, pages
from repair_service.console.settings import get_console_settings
from repair_service.console.templating import render
from repair_service.errors import DomainError, Forbidden, NotFound

PREFIX = "/console"
_HERE = Path(__file__).parent
# Only the dist folders of the two libraries the pages load are served, not all of node_modules.
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


async def _login_required(request: Request, _error: Exception) -> Response:
    target = f"{PREFIX}/login"
    if request.method == "GET" and request.url.path != f"{PREFIX}/":
        target += f"?next={request.url.path}"
    if request.headers.get("hx-request"):
        # htmx follows redirects inside fetch; tell it to load the sign-in page as a page.
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _csrf_refused(request: Request, _error: Exception) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"message": "The form has expired. Reload the page and try again.", "status": 403},
        status_code=403,
    )


def _error_page(request: Request, error: DomainError) -> HTMLResponse:
    status = 404 if isinstance(error, NotFound) else 403 if isinstance(error, Forbidden) else 409
    context = {"message": error.template, "params": error.params, "status": status}
    return render(request, "error.html", context, status_code=status)
