from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def demo_secret_key_not_deployed(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.SECRET_KEY == settings.DEMO_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the public demo key.",
                hint="Set SECRET_KEY in the environment to a long random value.",
                id="ecotone.E001",
            )
        ]
    return []


@register(Tags.caches, deploy=True)
def shared_cache_deployed(app_configs: Any, **kwargs: Any) -> list[Warning]:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The cache is per-process memory, so sign-in rate limits and one-use "
                "two-factor codes are not shared between web workers.",
                hint="Set CACHE_URL, e.g. dbcache://ecotone_cache (then run createcachetable) "
                "or redis://host:6379/0.",
                id="ecotone.W001",
            )
        ]
    return []
