"""What the pages of an upload (a directory import, an atlas area import) share.

The start of the one upload lifecycle that design.md asks for (stored as received, checked,
applying, applied, failed): for now, what a person is told after applying an import.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

APPLIED, APPLYING = "applied", "applying"  # the statuses both kinds of import share


def announce_apply(request: HttpRequest, status: str) -> None:
    """Tell the person what became of an import they applied, or applied again."""
    if status == APPLIED:
        messages.success(request, _("The import is applied."))
    elif status == APPLYING:
        messages.info(request, _("The import is being applied; this page updates itself."))
    else:
        messages.error(request, _("The import was not applied: see the problems below."))
