"""Ecotone settings.

Every value that differs between a laptop demo and a production deployment comes from the
environment. The defaults below are the demo's, and docs/configuration.md lists them all in one
table; docs/production.env.example is a production environment that `check --deploy` accepts
(SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL, EMAIL_URL, CACHE_URL, HTTPS=true,
TASKS_BACKEND=database, SITE_URL, ...).
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# The demo secret is public on purpose; the `ecotone.E001` deploy check refuses it.
DEMO_SECRET_KEY = "ecotone-demo-secret-key-public-on-purpose-never-use-in-production-3f9a1c"

env = environ.Env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, DEMO_SECRET_KEY),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, f"sqlite:///{VAR_DIR / 'ecotone.sqlite3'}"),
    EMAIL_URL=(str, "consolemail://"),
    DEFAULT_FROM_EMAIL=(str, "Ecotone <noreply@ecotone.invalid>"),
    NETWORK_BOUNCE_SECRET=(str, ""),
    NEWSLETTER_BATCH_SIZE=(int, 200),
    HTTPS=(bool, False),
    SESSION_HOURS=(int, 12),
    TASKS_BACKEND=(str, "immediate"),
    IMPORT_STALE_AFTER=(int, 15),
    AXES_FAILURE_LIMIT=(int, 5),
    AXES_COOLOFF_MINUTES=(int, 15),
    TRUSTED_PROXIES=(list, []),
    API_TOKEN_MAX_AGE_DAYS=(int, 90),
    STATIC_ROOT=(str, str(VAR_DIR / "static")),
    MEDIA_ROOT=(str, str(VAR_DIR / "media")),
    TILE_URL=(str, "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    TILE_ATTRIBUTION=(str, "© OpenStreetMap contributors"),
    SITE_URL=(str, "http://127.0.0.1:8000"),
    LOG_LEVEL=(str, "INFO"),
    CACHE_URL=(str, "locmemcache://"),
    DATABASE_REPLICA_URLS=(list, []),
    DATABASE_REPLICA_PIN_SECONDS=(int, 15),
    ATLAS_STATE_CACHE_SECONDS=(float, 60.0),
    ATLAS_SYNC_MAX_AREAS=(int, 5000),
    MATCHING_SYNC_MAX_MENTORS=(int, 2000),
    ATTACHMENT_MAX_BYTES=(int, 10 * 1024 * 1024),
    BADGE_LOOKUP_KEY=(str, ""),
    BADGE_KEY_SECRET=(str, ""),
)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")


def _derived(info: bytes) -> str:
    # HKDF-SHA-256 (RFC 5869) of SECRET_KEY under its own `info`, hex: a default for a secret
    # that should be set on its own (changing SECRET_KEY would otherwise change it too).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info)
    return hkdf.derive(SECRET_KEY.encode()).hex()


# Badges (pathways/identity.py, pathways/keys.py, docs/badges.md). BADGE_LOOKUP_KEY keys the
# HMAC of a recipient's address by which their badges are found (Award.recipient_lookup):
# changing it loses every learner's link to their badges. BADGE_KEY_SECRET encrypts the issuer
# keys' private halves at rest (Fernet): the database backup holds them encrypted, so back this
# secret up SEPARATELY; without it no new credential can be signed with the old keys. Both
# default to a derivation of SECRET_KEY; set them explicitly in production.
BADGE_LOOKUP_KEY = env("BADGE_LOOKUP_KEY") or _derived(b"ecotone badges lookup v1")
BADGE_KEY_SECRET = env("BADGE_KEY_SECRET") or _derived(b"ecotone badges key encryption v1")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "auditlog",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Ecotone domains, in dependency order (design.md section 2).
    "ecotone.accounts",
    "ecotone.ecosystems",
    "ecotone.directory",
    "ecotone.pathways",
    "ecotone.atlas",
    "ecotone.measures",
    "ecotone.mentoring",
    "ecotone.quality",
    "ecotone.challenges",
    "ecotone.network",
    "ecotone.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ecotone.accounts.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "ecotone.ecosystems.middleware.EcosystemMiddleware",
    "ecotone.ecosystems.mfa.RequireMFAMiddleware",
    # Axes last, as its documentation asks, so it sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]
if env("DATABASE_REPLICA_URLS"):
    # Before the ecosystem is looked up, so that a page read from a replica reads it there too.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("ecotone.ecosystems.middleware.EcosystemMiddleware"),
        "ecotone.replicas.ReplicaMiddleware",
    )

ROOT_URLCONF = "ecotone.urls"
WSGI_APPLICATION = "ecotone.wsgi.application"
ASGI_APPLICATION = "ecotone.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "src" / "ecotone" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ecotone.navigation.navigation",
            ],
            "libraries": {"ecotone": "ecotone.templatetags.ecotone"},
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
if "DATABASE_URL" not in env.ENVIRON:
    VAR_DIR.mkdir(exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web process share the embedded database.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif "postgresql" in DATABASES["default"]["ENGINE"]:
    # No JIT: a directory search is a short query whose estimated cost at national scale
    # crosses jit_above_cost, and compiling it takes longer than running it.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")

# Streaming replicas of the primary, read by the views that ask for it (ecotone/replicas.py).
# In tests each mirrors `default`, so the suite runs unchanged with replicas configured.
DATABASE_REPLICAS: list[str] = []
for number, url in enumerate(env("DATABASE_REPLICA_URLS"), start=1):
    alias = f"replica_{number}"
    DATABASES[alias] = {
        **env.db_url_config(url),
        "ATOMIC_REQUESTS": False,
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_REPLICAS.append(alias)
# A client that wrote reads from the primary only for this many seconds: longer than the
# replicas ever lag (docs/scaling.md).
DATABASE_REPLICA_PIN_SECONDS = env("DATABASE_REPLICA_PIN_SECONDS")
# How long the atlas keeps an ecosystem's counts that decide whether a run is current (0: never).
ATLAS_STATE_CACHE_SECONDS = env("ATLAS_STATE_CACHE_SECONDS")
# Below these sizes an analysis run, or a matching round's re-solve, is computed in the request;
# from them on it is a task the page follows with its progress.
ATLAS_SYNC_MAX_AREAS = env("ATLAS_SYNC_MAX_AREAS")
MATCHING_SYNC_MAX_MENTORS = env("MATCHING_SYNC_MAX_MENTORS")
DATABASE_ROUTERS = ["ecotone.replicas.ReplicaRouter"] if DATABASE_REPLICAS else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in rate limits, API throttles and one-use TOTP codes live in the cache: with several
# web workers it must be shared (dbcache:// after `createcachetable`, or redis://).
CACHES = {"default": env.cache_url("CACHE_URL")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: email is the identity; addresses must be verified before sign-in.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Ecotone] "
ACCOUNT_ADAPTER = "ecotone.accounts.adapter.AccountAdapter"
# Failed sign-ins: django-axes locks an account+address pair (below); allauth damps floods from
# one address, and its per-key limit bounds wrong two-factor codes per account (allauth's
# default has one; an override without it dropped it). Passwords share that limit, keyed per
# account+address by the adapter; it sits above axes' limit so axes' lockout page shows first.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip,10/15m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Ecotone"

# django-axes: lock an account+address pair out after repeated failed sign-ins.
AXES_FAILURE_LIMIT = env("AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=env("AXES_COOLOFF_MINUTES"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "ecotone.accounts.security.axes_username"
AXES_CLIENT_IP_CALLABLE = "ecotone.clientip.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_VERBOSE = False

# Addresses (or networks) of the reverse proxies in front: only from them is X-Forwarded-For
# believed (ecotone.clientip). Empty: every request's client is its socket address.
TRUSTED_PROXIES = [
    str(ipaddress.ip_network(value, strict=False)) for value in env("TRUSTED_PROXIES")
]

# Sessions expire after SESSION_HOURS without activity, renewed at most once an hour
# (ecotone.accounts.middleware), not written on every request.
SESSION_COOKIE_AGE = env("SESSION_HOURS") * 3600
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Behind TLS (every production deployment), everything insists on it.
HTTPS = env("HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

# Content Security Policy: nothing from other origins but map tiles, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # A nonce only where a page asks for one (request.csp_nonce): Redoc's run-time styles.
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", env("TILE_URL").split("/{")[0] if env("TILE_URL") else SELF],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
TILE_URL = env("TILE_URL")
# Shown on every map as plain text; tile providers require it (OpenStreetMap does).
TILE_ATTRIBUTION = env("TILE_ATTRIBUTION")
# Absolute links in emails sent from tasks, which have no request to build them from.
SITE_URL = env("SITE_URL")

EMAIL_CONFIG = env.email_url("EMAIL_URL")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Newsletters (docs/network-newsletters.md): mails per SMTP connection, and the secret a mail
# system sends (X-Bounce-Secret) with bounce reports POSTed to /e/<slug>/network/bounces/.
NEWSLETTER_BATCH_SIZE = env("NEWSLETTER_BATCH_SIZE")
NETWORK_BOUNCE_SECRET = env("NETWORK_BOUNCE_SECRET")

# Background work. "immediate" runs tasks inline (demo, tests); "database" queues them for
# `manage.py db_worker`.
TASKS_BACKEND = env("TASKS_BACKEND")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
            "dummy": "django_tasks.backends.dummy.DummyBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
# Minutes after which an import still applying, or a matching round still queued or computing,
# counts as interrupted and may be retried or discarded (ecotone/stale_runs.py).
IMPORT_STALE_AFTER = env("IMPORT_STALE_AFTER")

# A personal API token is refused this many days after it was created (ecotone.accounts.tokens).
API_TOKEN_MAX_AGE_DAYS = env("API_TOKEN_MAX_AGE_DAYS")

# The largest file a person may attach (assessment evidence, a signed agreement), in bytes;
# every attachment is checked by ecotone/attachments.py.
ATTACHMENT_MAX_BYTES = env("ATTACHMENT_MAX_BYTES")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so unauthenticated calls get 401 with a WWW-Authenticate header.
        "ecotone.ecosystems.mfa.MFATokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": [
        "ecotone.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "ecotone.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "ecotone.api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "ecotone.api.exceptions.handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "600/min"},
    "DEFAULT_THROTTLE_CLASSES": [
        "ecotone.api.throttling.AnonRateThrottle",
        "ecotone.api.throttling.UserRateThrottle",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ecotone API",
    "DESCRIPTION": "The open API of an Ecotone STEM learning ecosystem platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # A match's status and the status it had before a hold are one choice set: one enum.
    "ENUM_NAME_OVERRIDES": {
        "MatchStatusEnum": "ecotone.mentoring.models.MatchStatus",
        "PeriodTypeEnum": "ecotone.measures.models.PeriodType",
        "UploadStatusEnum": "ecotone.uploads.UploadStatus",
        "AssessmentStatusEnum": "ecotone.quality.models.AssessmentStatus",
        "ActionStatusEnum": "ecotone.quality.models.ActionStatus",
        # challenges (area api): their statuses and kinds beside other apps' of the same name
        "CallStatusEnum": "ecotone.challenges.models.CallStatus",
        "ChallengeApplicationStatusEnum": "ecotone.challenges.models.ApplicationStatus",
        "ChallengeReviewStatusEnum": "ecotone.challenges.models.ReviewStatus",
        "ChallengeRoundStatusEnum": "ecotone.challenges.models.RoundStatus",
        "ChallengeRoundKindEnum": "ecotone.challenges.models.RoundKind",
        "QuestionKindEnum": "ecotone.challenges.models.QuestionKind",
        "MilestoneKindEnum": "ecotone.challenges.models.MilestoneKind",
        # challenges (area api2): a round's ranking names each row's decision, bids their value
        "ChallengeOutcomeEnum": "ecotone.challenges.models.Outcome",
        "BidValueEnum": "ecotone.challenges.models.BidValue",
        "SectorEnum": "ecotone.ecosystems.models.Sector",
        # the network (issue 19): each area's statuses beside the others'
        "NetworkMemberStatusEnum": "ecotone.network.models.MemberStatus",
        "RegistrationStatusEnum": "ecotone.network.models.RegistrationStatus",
        "WorkgroupTaskStatusEnum": "ecotone.network.models.TaskStatus",
        "NewsletterStatusEnum": "ecotone.network.models.NewsletterStatus",
        "SuggestionStatusEnum": "ecotone.network.models.SuggestionStatus",
        "SurveyStatusEnum": "ecotone.network.models.SurveyStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ecotone.api.schema.add_error_responses",
    ],
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "src" / "ecotone" / "locale"]
# Dates written out ("6 Dec 2026", "6 dic 2026"), in every language: ecotone/formats/.
FORMAT_MODULE_PATH = ["ecotone.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT")
STATICFILES_DIRS = [
    BASE_DIR / "src" / "ecotone" / "static",
    # Only the built files of each npm package are collected, never node_modules whole.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/pico", BASE_DIR / "node_modules" / "@picocss" / "pico" / "css"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/markercluster", BASE_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
]
# Single files of npm packages whose build folder holds far more than pages load
# (ecotone/staticfinders.py): the chart library, Vega-Lite rendered by vega-embed; and MD5 for
# the roster encoder (Web Crypto has none), spark-md5, whose bundle lies beside its sources.
STATICFILES_PACKAGE_FILES = {
    f"vendor/{package}/{name}": BASE_DIR / "node_modules" / package / "build" / name
    for package, names in (
        ("vega", ("vega.min.js",)),
        ("vega-lite", ("vega-lite.min.js", "vega-lite.min.js.map")),
        ("vega-embed", ("vega-embed.min.js", "vega-embed.min.js.map")),
    )
    for name in names
}
STATICFILES_PACKAGE_FILES["vendor/spark-md5/spark-md5.min.js"] = (
    BASE_DIR / "node_modules" / "spark-md5" / "spark-md5.min.js"
)
# The roster page reads a partner's file in the browser (docs/reach.md): CSV with papaparse,
# XLSX with read-excel-file's browser bundle (window.readXlsxFile).
STATICFILES_PACKAGE_FILES["vendor/papaparse/papaparse.min.js"] = (
    BASE_DIR / "node_modules" / "papaparse" / "papaparse.min.js"
)
for _name in ("read-excel-file.min.js", "read-excel-file.min.js.map"):
    STATICFILES_PACKAGE_FILES[f"vendor/read-excel-file/{_name}"] = (
        BASE_DIR / "node_modules" / "read-excel-file" / "bundle" / _name
    )
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "ecotone.staticfinders.PackageFilesFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "ecotone.staticstorage.GzipManifestStaticFilesStorage"},
}
MEDIA_ROOT = env("MEDIA_ROOT")
MEDIA_URL = "/media/"

AUDITLOG_INCLUDE_ALL_MODELS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    "loggers": {"axes": {"level": "WARNING"}},
}
