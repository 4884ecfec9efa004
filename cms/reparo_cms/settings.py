"""Django settings for the Reparo CMS, read from environment variables.

Every variable has a default that works for local development (SQLite and files under
``.local/``); production sets the database URL, the secret key, the hosts and S3 storage.
The full list with defaults is in the README.
"""

import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url

from reparo_cms.locales import LOCALE_DIR, compile_catalogues
from reparo_shared.identity import TokenVerifier, load_public_keys
from reparo_shared.logs import configure_logging

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("REPARO_DATA_DIR", REPO_ROOT / ".local"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    """A per-checkout key kept under the data folder, so development needs no committed secret."""
    path = DATA_DIR / "cms-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _token_verifier() -> TokenVerifier:
    """Public keys for gateway tokens: ``CUSTOMER_TOKEN_PUBLIC_KEYS`` (JSON text or file path),
    else the demo key file ``make run`` writes; with neither, every token is refused."""
    source = os.environ.get("CUSTOMER_TOKEN_PUBLIC_KEYS", "")
    default_file = DATA_DIR / "keys" / "customer-token-public-keys.json"
    if not source and default_file.exists():
        source = str(default_file)
    if not source:
        logger.warning("cms.tokens.no_public_keys")
        return TokenVerifier({})
    return TokenVerifier(load_public_keys(source))


def _wechat_import_secrets() -> dict[str, str]:
    """AppID to secret for the accounts articles may be imported from: the service's own account
    (``WECHAT_APPID``/``WECHAT_SECRET``) and any listed in ``CMS_WECHAT_IMPORT_ACCOUNTS`` (a JSON
    object, or the path of a file holding one)."""
    accounts: dict[str, str] = {}
    if os.environ.get("WECHAT_APPID") and os.environ.get("WECHAT_SECRET"):
        accounts[os.environ["WECHAT_APPID"]] = os.environ["WECHAT_SECRET"]
    extra = os.environ.get("CMS_WECHAT_IMPORT_ACCOUNTS", "").strip()
    if extra and not extra.startswith("{"):
        extra = Path(extra).read_text(encoding="utf-8")
    if extra:
        accounts.update({str(appid): str(secret) for appid, secret in json.loads(extra).items()})
    return accounts


def _wechat_hosts(name: str, default: str) -> list[str]:
    """Hosts the importer may fetch from; the sandbox's host joins them when one is configured."""
    hosts = _env_list(name, default)
    sandbox = urlsplit(os.environ.get("WECHAT_SANDBOX_URL", "")).hostname
    return [*hosts, sandbox] if sandbox else hosts


# Core

DEBUG = _env_bool("CMS_DEBUG", False)
SECRET_KEY = os.environ.get("CMS_SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = _env_list("CMS_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = _env_list("CMS_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000")
GATEWAY_PUBLIC_URL = os.environ.get("GATEWAY_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# The gateway (and nginx before it) terminates TLS and forwards the original host and scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True

INSTALLED_APPS = [
    "reparo_shared.events.django_outbox",
    "reparo_shared.scheduler.django_claims",
    "reparo_cms.content",
    "reparo_cms.engagement",
    "reparo_cms.wechat_import",
    "wagtail_headless_preview",
    "wagtail.api.v2",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "reparo_shared.metrics.DjangoMetricsMiddleware",
    "reparo_cms.middleware.CorrelationIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "reparo_cms.urls"
WSGI_APPLICATION = "reparo_cms.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# Database

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("CMS_DATABASE_URL", f"sqlite:///{DATA_DIR / 'cms.sqlite3'}"),
        conn_max_age=int(os.environ.get("CMS_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process, the worker and management commands share one file. A deferred transaction
    # that reads and then writes fails at once with "database is locked" when another process
    # writes meanwhile; taking the write lock up front makes it wait (up to the timeout) instead,
    # and WAL lets readers go on while a writer holds that lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Languages: the admin follows the editor's browser or profile among these three.

LANGUAGE_CODE = os.environ.get("CMS_LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English"), ("pt-br", "Português (Brasil)")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
TIME_ZONE = os.environ.get("CMS_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Our own labels; the .mo files are compiled from the committed .po sources (reparo_cms.locales).
LOCALE_PATHS = [LOCALE_DIR]
compile_catalogues()

# Files: local disk by default, S3-compatible object storage when a bucket is configured. Media
# keeps its /cms/media/ addresses either way (see reparo_cms.media).

STATIC_URL = "/cms/static/"
STATIC_ROOT = Path(os.environ.get("CMS_STATIC_ROOT", DATA_DIR / "cms-static"))
MEDIA_URL = "/cms/media/"
MEDIA_ROOT = Path(os.environ.get("CMS_MEDIA_ROOT", DATA_DIR / "cms-media"))
S3_BUCKET = os.environ.get("CMS_S3_BUCKET", "")

STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if S3_BUCKET:
    # Credentials: CMS_S3_ACCESS_KEY_ID and CMS_S3_SECRET_ACCESS_KEY, else boto3's own chain
    # (AWS_* variables, an instance role). Path-style addressing suits MinIO and AWS alike.
    STORAGES["default"] = {
        "BACKEND": "reparo_cms.media.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("CMS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("CMS_S3_REGION") or None,
            "access_key": os.environ.get("CMS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("CMS_S3_SECRET_ACCESS_KEY") or None,
            "addressing_style": "path",
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
WHITENOISE_USE_FINDERS = DEBUG

# Wagtail

# ASCII slugs: a Chinese slug turns into a long run of %XX escapes in every shared link. Pages
# whose title gives no ASCII slug get a short random one (HeadlessPage).
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# The admin must work from mainland China, where releases.wagtail.org (the dashboard's "new
# version" check) and gravatar.com (avatars) are unreachable: each would stall or break a page
# load. Upgrades are done by the deployment, and avatars fall back to Wagtail's default picture.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_SITE_NAME = os.environ.get("CMS_SITE_NAME", "Reparo")
WAGTAILADMIN_BASE_URL = f"{GATEWAY_PUBLIC_URL}/cms/admin"
WAGTAILAPI_BASE_URL = GATEWAY_PUBLIC_URL
WAGTAILAPI_LIMIT_MAX = 100
WAGTAILDOCS_DOCUMENT_MODEL = "content.ContentDocument"
WAGTAILDOCS_SERVE_METHOD = "direct"
WAGTAILDOCS_EXTENSIONS = _env_list(
    "CMS_DOCUMENT_EXTENSIONS",
    "pdf,zip,7z,gz,tgz,bz2,xz,rar,bin,hex,img,iso,apk,exe,msi,dmg,pkg,deb,rpm,"
    "mp4,mov,m4v,webm,doc,docx,xls,xlsx,ppt,pptx,txt,csv",
)
CMS_UPLOAD_LIMITS = {
    "video": int(os.environ.get("CMS_VIDEO_MAX_BYTES", 200 * 1024 * 1024)),
    "pdf": int(os.environ.get("CMS_PDF_MAX_BYTES", 20 * 1024 * 1024)),
    "software": int(os.environ.get("CMS_SOFTWARE_MAX_BYTES", 2 * 1024 * 1024 * 1024)),
}
WAGTAILIMAGES_MAX_UPLOAD_SIZE = int(os.environ.get("CMS_IMAGE_MAX_BYTES", 20 * 1024 * 1024))
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "simple"}
}
WAGTAIL_I18N_ENABLED = False

# Previews are rendered by the gateway's own pages from the preview API.
WAGTAIL_HEADLESS_PREVIEW = {
    "CLIENT_URLS": {"default": f"{GATEWAY_PUBLIC_URL}/preview/"},
    "SERVE_BASE_URL": None,
    "REDIRECT_ON_PREVIEW": False,
    "ENFORCE_TRAILING_SLASH": True,
}

# WeChat article import. Articles by URL and their images are fetched only from these hosts, so
# the importer cannot be pointed at the internal network.

WECHAT_IMPORT_SECRETS = _wechat_import_secrets()
WECHAT_IMPORT_ARTICLE_HOSTS = _wechat_hosts("CMS_WECHAT_ARTICLE_HOSTS", "mp.weixin.qq.com")
WECHAT_IMPORT_IMAGE_HOSTS = _wechat_hosts(
    "CMS_WECHAT_IMAGE_HOSTS", "mmbiz.qpic.cn,mmbiz.qlogo.cn,mmecoa.qpic.cn"
)
WECHAT_IMPORT_TIMEOUT_SECONDS = float(os.environ.get("CMS_WECHAT_IMPORT_TIMEOUT", "15"))

# Logging: the shared set-up owns the root logger; Django adds nothing of its own.

LOGGING_CONFIG = None
configure_logging(
    "cms",
    json_logs=_env_bool("LOG_JSON", False),
    level=os.environ.get("LOG_LEVEL", "INFO"),
)

LOGIN_URL = "wagtailadmin_login"

# Gateway tokens: the engagement API names its authentication per view, so the Wagtail admin's
# own API keeps Django's session authentication.

REPARO_TOKEN_VERIFIER = _token_verifier()

# Wagtail 8 runs its search-index and reference-index updates as tasks that log every run.
logging.getLogger("django_tasks").setLevel(logging.WARNING)
