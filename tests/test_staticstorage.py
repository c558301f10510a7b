"""Static files are compressed with gzip only, whether or not `brotli` is importable (locust
brings it into development and CI, where whitenoise's brotli pass made collectstatic slow)."""

from pathlib import Path

from ecotone import settings as project_settings
from ecotone.staticstorage import GzipManifestStaticFilesStorage


def test_collectstatic_writes_gzip_copies_and_no_brotli(tmp_path: Path) -> None:
    # The tests serve static files by finders (tests/conftest.py): read the project's setting.
    assert project_settings.STORAGES["staticfiles"]["BACKEND"] == (
        "ecotone.staticstorage.GzipManifestStaticFilesStorage"
    )
    style = tmp_path / "site.css"
    style.write_text("body { color: black; }\n" * 200)
    compressor = GzipManifestStaticFilesStorage().create_compressor(quiet=True)
    written = sorted(Path(name).name for name in compressor.compress(str(style)))
    assert written == ["site.css.gz"]
