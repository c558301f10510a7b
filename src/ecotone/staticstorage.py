"""Static files as whitenoise serves them: hashed names, gzip copies, no brotli.

whitenoise also writes brotli copies whenever the `brotli` package is importable. Ecotone does
not depend on it, but the load test's locust brings it into development and CI environments,
where brotli at its highest quality made `collectstatic` take minutes instead of seconds. Gzip
alone keeps every environment the same as production.
"""

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class GzipManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(**{**kwargs, "use_brotli": False})
