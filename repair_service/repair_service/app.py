"""The repair service's ASGI app: ``uvicorn repair_service.app:app --port 8001``."""

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from repair_service import deps
from repair_service.billing import api as billing_api
from repair_service.catalogue import api as catalogue_api
from repair_service.console.web import install_console
from repair_service.customers import api as customers_api
from repair_service.db import make_engine
from repair_service.errors import (
    DomainError,
    Forbidden,
    IllegalMove,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    StaleVersion,
    Unavailable,
)
from repair_service.files import api as files_api
from repair_service.notifications import api as notifications_api
from repair_service.observability import instrument
from repair_service.orders import api_customer, api_public, api_staff
from repair_service.process import api as process_api
from repair_service.settings import Settings, get_settings
from repair_service.staff import api as staff_api
from repair_service.wechat_pay import api as wechat_pay_api
from reparo_shared.asgi import CorrelationIdMiddleware, health_router
from reparo_shared.files import FileHandler, install_file_error_handlers
from reparo_shared.identity import TokenVerifier, load_public_keys
from reparo_shared.logs import configure_logging

logger = logging.getLogger(__name__)

API_PREFIX = "/api/repair"

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotAuthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    IllegalMove: 409,
    StaleVersion: 409,
    InvalidInput: 422,
    Unavailable: 503,
}
# The message of a 422 from request validation; ``{fields}`` lists the refused fields' paths.
INVALID_REQUEST = "Some fields are missing or not valid: {fields}"


def _load_verifier(settings: Settings) -> TokenVerifier:
    try:
        return TokenVerifier(load_public_keys(settings.public_keys_source))
    except (OSError, ValueError):
        # Without keys the service still serves staff and public pages; every customer or
        # service call is refused with 401 until keys are configured.
        logger.warning("customer token public keys not found; customer API calls will be refused")
        return TokenVerifier({})


async def _invalid_request(_request: Request, error: Exception) -> JSONResponse:
    """A body or query the schema refuses: FastAPI's list of problems stays in ``detail`` (each
    with ``loc`` and ``type``, without the submitted values) and a template like a domain error's
    names the fields, so clients can show one translated sentence."""
    assert isinstance(error, RequestValidationError)
    problems = [
        {key: problem[key] for key in ("loc", "type", "msg", "ctx") if key in problem}
        for problem in error.errors()
    ]
    fields = [".".join(str(part) for part in problem["loc"][1:]) for problem in problems]
    body = {
        "detail": jsonable_encoder(problems),
        "code": "invalid_request",
        "message_id": INVALID_REQUEST,
        "params": {"fields": ", ".join(field for field in fields if field)},
    }
    return JSONResponse(body, status_code=422)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    verifier: TokenVerifier | None = None,
    files: FileHandler | None = None,
) -> FastAPI:
    """Build the app; tests pass their own engine and verifier."""
    settings = settings or get_settings()
    configure_logging("repair_service", json_logs=settings.log_json)
    engine = engine or make_engine(settings.database_url)
    deps.configure_verifier(verifier or _load_verifier(settings))

    app = FastAPI(
        title="Reparo repair service",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.add_middleware(CorrelationIdMiddleware)
    instrument(app, engine)
    app.state.files = files or FileHandler.from_settings()
    install_file_error_handlers(app)

    async def readiness() -> dict[str, bool]:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return {"database": True}
        except Exception:
            logger.exception("readiness.database_failed")
            return {"database": False}

    health = health_router(readiness)
    app.include_router(health)
    app.include_router(health, prefix=API_PREFIX)

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        customers_api,
        api_customer,
        billing_api,
        api_public,
        staff_api,
        api_staff,
        process_api,
        files_api,
        wechat_pay_api,
        catalogue_api,
        notifications_api,
    ):
        api.include_router(module.router)
    app.include_router(api)

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        status_code = STATUS_BY_ERROR.get(type(error), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
        body = {
            "detail": error.message,
            "code": error.code,
            "message_id": error.template,
            "params": error.params,
        }
        return JSONResponse(body, status_code=status_code, headers=headers)

    app.add_exception_handler(RequestValidationError, _invalid_request)

    install_console(app)
    return app


def __getattr__(name: str) -> FastAPI:
    # ``uvicorn repair_service.app:app`` builds the app on first access, so importing this
    # module (tests, the CLI) does not open the configured database.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
