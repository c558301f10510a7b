"""The demo's name tables (people, places, organizations, programs, careers), kept as JSON
files in demo/data/ so that they can be read and changed without touching the generators.
Their order matters: the demo draws from them with a seeded random generator."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def table(name: str) -> Any:
    """The parsed contents of demo/data/<name>.json, read once."""
    text = resources.files("ecotone.demo").joinpath("data", f"{name}.json").read_text("utf-8")
    return json.loads(text)
