"""What the pages of an upload (a directory import, an atlas area import) share.

The start of the one upload lifecycle that design.md asks for (stored as received, checked,
applying, applied, failed): for now, what the pages that apply, retry or discard an import do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext as translate

from ecotone.cells import CellError
from ecotone.errors import DomainError

APPLIED, APPLYING = "applied", "applying"  # the statuses both kinds of import share


def cell_message(error: CellError) -> str:
    """What a cell that cannot be used says to the person, in their language: the shared
    parsers of `ecotone.cells` give an English msgid and its parameters, an app's own parser a
    message already translated (which the catalogue gives back as it is)."""
    message = translate(error.message)  # a msgid held in a variable: not for makemessages
    return message % error.params if error.params else message


def announce_apply(request: HttpRequest, status: str) -> None:
    """Tell the person what became of an import they applied, or applied again."""
    if status == APPLIED:
        messages.success(request, _("The import is applied."))
    elif status == APPLYING:
        messages.info(request, _("The import is being applied; this page updates itself."))
    else:
        messages.error(request, _("The import was not applied: see the problems below."))


def act_on_upload(
    request: HttpRequest,
    url: str,
    action: Callable[[], Any],
    *,
    unconfirmed: str,
    done: str | None = None,
) -> HttpResponse:
    """What the apply, retry and discard buttons of an import's page do: nothing unless the
    person ticked the confirm box (`unconfirmed` says so); else run `action` (the service) and
    say how it went, `done` or, when there is none, what became of the import; then back to the
    import's page (`url`)."""
    if request.POST.get("confirm") != "yes":
        messages.error(request, unconfirmed)
        return redirect(url)
    try:
        run = action()
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if done is not None:
            messages.success(request, done)
        else:
            announce_apply(request, run.status)
    return redirect(url)
