"""Panels a later domain adds to a program's public page, without the directory knowing it.

The program page belongs to the directory, left of the apps that say more about a program
(pathways' "next steps"), so it cannot import them. An app registers a panel here in its
`AppConfig.ready()`: a template and a function giving its context for this request and program,
or None when the panel has nothing to show. The page renders the panels in the order they were
registered, after the program's details.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class ProgramPanel:
    key: str
    template: str
    # (request, program) -> the template's context under `panel`, or None: not shown.
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]


_PANELS: dict[str, ProgramPanel] = {}


def register(panel: ProgramPanel) -> None:
    """Add a panel (idempotent: ready() may run more than once in tests)."""
    _PANELS[panel.key] = panel


def panels_for(request: HttpRequest, program: Any) -> list[dict[str, Any]]:
    """The panels to show on this program's page: [{"template", "context"}]."""
    shown = []
    for panel in _PANELS.values():
        context = panel.context(request, program)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, "context": context})
    return shown
