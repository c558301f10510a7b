"""The confirm-and-act buttons of an upload's page: apply, retry and discard of the directory's
imports, the atlas's area imports, and the measures app's submissions and public files."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecotone.uploads import act_on_upload

from .access import ecosystem_view

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def upload_action(
    permission: str,
    get_run: Callable[[HttpRequest, int], Any],
    url_of: Callable[[Any], str],
    action: Callable[..., Any],
    *,
    id_name: str = "pk",
    unconfirmed: StrOrPromise | None = None,
    done: StrOrPromise | None = None,
) -> Callable[..., HttpResponse]:
    """A POST view that runs `action(run, user=...)` on the upload `get_run` finds (404 outside
    the ecosystem) by the URL's `id_name`, once the person ticked the confirm box (`unconfirmed`
    says so, if they did not), then goes back to the upload's page with `done` or, when there
    is none, what became of the upload."""

    @ecosystem_view(permission)
    @require_POST
    def view(request: HttpRequest, ecosystem_slug: str, **ids: int) -> HttpResponse:
        run = get_run(request, ids[id_name])
        return act_on_upload(
            request,
            url_of(run),
            lambda: action(run, user=request.user),
            unconfirmed=unconfirmed or _("Tick the box to confirm."),
            done=done,
        )

    return view
