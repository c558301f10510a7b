from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


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
