"""Static files picked one by one out of npm packages.

`STATICFILES_DIRS` collects whole folders, which suits packages whose `dist` holds only what
a browser loads. Vega-Lite's `build` folder also holds some 380 modules and type files a page
never asks for; `STATICFILES_PACKAGE_FILES` ({served path: file}) names the few it does (the
bundle and its source map, which the hashed-name storage follows), and this finder serves
exactly those.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage


class PackageFilesFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files = {
            name: Path(source) for name, source in settings.STATICFILES_PACKAGE_FILES.items()
        }

    # Django's finders answer [] for a file they lack, whatever `find_all` (the stubs say None).
    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        source = self.files.get(path)
        found: list[str] = [str(source)] if source is not None and source.is_file() else []
        if find_all or not found:
            return found
        return found[0]

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for name, source in self.files.items():
            if not source.is_file():
                continue
            storage = FileSystemStorage(location=str(source.parent))
            prefix = str(Path(name).parent)
            storage.prefix = prefix  # type: ignore[attr-defined]
            yield Path(name).name, storage
