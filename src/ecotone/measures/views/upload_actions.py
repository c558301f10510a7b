"""The confirm-and-act buttons of a measures upload's page (submissions, public files)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecotone.ecosystems.access import ecosystem_view
from ecotone.uploads import act_on_upload


def upload_action(
    permission: str,
    get_run: Callable[[HttpRequest, int], Any],
    url_of: Callable[[Any], str],
    action: Callable[..., Any],
) -> Callable[..., HttpResponse]:
    """A POST view that runs `action(run, user=...)` on the upload `get_run` finds (404 outside
    the ecosystem), once the person ticked the confirm box, then goes back to its page."""

    @ecosystem_view(permission)
    @require_POST
    def view(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
        run = get_run(request, pk)
        return act_on_upload(
            request,
            url_of(run),
            lambda: action(run, user=request.user),
            unconfirmed=_("Tick the box to confirm."),
        )

    return view
