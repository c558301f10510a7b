"""Newsletters: the backbone's editor (list, compose, preview in both languages, audience with
its count, test, send with progress, suggestions, engagement), the public archive, the member's
suggestion form, and the endpoints a mail's reader reaches without signing in: the click
counter, the open pixel (only when the ecosystem counts opens), the one-click unsubscribe
(RFC 8058) and the bounce webhook. The rules live in services.newsletters, .sending,
.subscriptions and .bounces."""

from __future__ import annotations

import base64
import hmac
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.directory.models import Program
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response
from ecotone.mentoring.models import Opportunity

from .. import access
from ..forms.newsletters import (
    ArchiveSearchForm,
    ItemForm,
    NewsletterForm,
    NewsletterSearchForm,
    PickForm,
    SectionForm,
    SegmentForm,
    SuggestionForm,
    TestSendForm,
)
from ..models import Item, Newsletter, NewsletterSection, NewsletterStatus, settings_of
from ..services import bounces, sending, subscriptions
from ..services import newsletters as service
from ..services.segments import mailable_in

VIEW = "network.view_newsletters"
MANAGE = "network.manage_newsletters"
SUGGEST = "network.suggest_items"
PAGE_SIZE = 25
# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _compose_url(newsletter: Newsletter) -> str:
    return reverse("network:newsletter", args=[newsletter.ecosystem.slug, newsletter.pk])


def _language(request: HttpRequest) -> str:
    language = (get_language() or "en")[:2]
    return language if language in dict(settings.LANGUAGES) else "en"


# --- the editor ----------------------------------------------------------------------------------


@ecosystem_view(MANAGE)
def newsletter_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = NewsletterSearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = service.search(
        Newsletter.objects.filter(ecosystem=ecosystem),
        q=data.get("q") or "",
        sort=data.get("sort") or "-created",
        status=data.get("status") or "",
    )
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-newsletters",
            fmt,
            service.export_headers(),
            service.export_rows(service.engagement(ecosystem, found)),
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "network/newsletters/list.html",
        {
            "ecosystem": ecosystem,
            "form": form,
            "page": page,
            "filtered": bool(data.get("q") or data.get("status")),
            "suggestions": service.pending_suggestions(ecosystem).count(),
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def newsletter_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = NewsletterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        newsletter = service.create_newsletter(ecosystem, request.user, **form.cleaned_data)
        return redirect(_compose_url(newsletter))
    return render(
        request,
        "network/newsletters/form.html",
        {"ecosystem": ecosystem, "form": form, "newsletter": None},
    )


def _compose_context(request: HttpRequest, newsletter: Newsletter, **forms: Any) -> dict[str, Any]:
    ecosystem = newsletter.ecosystem
    return {
        "ecosystem": ecosystem,
        "newsletter": newsletter,
        "sections": newsletter.sections.prefetch_related("items").order_by("position", "pk"),
        "form": forms.get("form") or NewsletterForm(instance=newsletter),
        "section_form": forms.get("section_form") or SectionForm(prefix="section"),
        "item_form": forms.get("item_form") or ItemForm(newsletter=newsletter, prefix="item"),
        "pick_form": forms.get("pick_form") or PickForm(newsletter=newsletter, prefix="pick"),
        "test_form": TestSendForm(initial={"language": _language(request)}, prefix="test"),
        "recipients": service.audience(newsletter).count() if newsletter.is_draft else None,
        "progress": service.progress(newsletter) if not newsletter.is_draft else None,
        "engagement": service.engagement_of(newsletter)
        if newsletter.status == NewsletterStatus.SENT
        else None,
    }


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def newsletter_detail(
    request: HttpRequest, ecosystem_slug: str, newsletter_id: int
) -> HttpResponse:
    """The compose page: the newsletter, its sections and items; progress once sending."""
    newsletter = access.get_newsletter(request, newsletter_id)
    form = NewsletterForm(request.POST or None, instance=newsletter)
    if request.method == "POST":
        if form.is_valid():
            try:
                service.update_newsletter(newsletter, **form.cleaned_data)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Saved."))
            return redirect(_compose_url(newsletter))
        newsletter.refresh_from_db()
    return render(
        request,
        "network/newsletters/compose.html",
        _compose_context(request, newsletter, form=form if request.method == "POST" else None),
    )


@ecosystem_view(MANAGE)
def newsletter_progress(
    request: HttpRequest, ecosystem_slug: str, newsletter_id: int
) -> HttpResponse:
    """Sent out of total (the compose page polls it while sending)."""
    newsletter = access.get_newsletter(request, newsletter_id)
    return render(
        request,
        "network/newsletters/_progress.html",
        {
            "ecosystem": newsletter.ecosystem,
            "newsletter": newsletter,
            "progress": service.progress(newsletter),
        },
    )


def _on_error(request: HttpRequest, newsletter: Newsletter, action: Any) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        messages.error(request, str(error))
    return redirect(_compose_url(newsletter))


@ecosystem_view(MANAGE)
@require_POST
def section_add(request: HttpRequest, ecosystem_slug: str, newsletter_id: int) -> HttpResponse:
    newsletter = access.get_newsletter(request, newsletter_id)
    form = SectionForm(request.POST, prefix="section")
    if not form.is_valid():
        return render(
            request,
            "network/newsletters/compose.html",
            _compose_context(request, newsletter, section_form=form),
            status=400,
        )
    return _on_error(
        request, newsletter, lambda: service.add_section(newsletter, **form.cleaned_data)
    )


def _section(newsletter: Newsletter, pk: int) -> NewsletterSection:
    return get_object_or_404(NewsletterSection.objects.filter(newsletter=newsletter), pk=pk)


@ecosystem_view(MANAGE)
@require_POST
def section_remove(
    request: HttpRequest, ecosystem_slug: str, newsletter_id: int, section_id: int
) -> HttpResponse:
    newsletter = access.get_newsletter(request, newsletter_id)
    section = _section(newsletter, section_id)
    return _on_error(request, newsletter, lambda: service.remove_section(section))


@ecosystem_view(MANAGE)
@require_POST
def item_add(request: HttpRequest, ecosystem_slug: str, newsletter_id: int) -> HttpResponse:
    newsletter = access.get_newsletter(request, newsletter_id)
    form = ItemForm(request.POST, newsletter=newsletter, prefix="item")
    if not form.is_valid():
        return render(
            request,
            "network/newsletters/compose.html",
            _compose_context(request, newsletter, item_form=form),
            status=400,
        )
    data = dict(form.cleaned_data)
    section = _section(newsletter, data.pop("section"))
    kind = data.pop("kind")
    return _on_error(request, newsletter, lambda: service.add_item(section, kind, **data))


@ecosystem_view(MANAGE)
@require_POST
def item_pick(request: HttpRequest, ecosystem_slug: str, newsletter_id: int) -> HttpResponse:
    newsletter = access.get_newsletter(request, newsletter_id)
    ecosystem = newsletter.ecosystem
    form = PickForm(request.POST, newsletter=newsletter, prefix="pick")
    if not form.is_valid():
        return render(
            request,
            "network/newsletters/compose.html",
            _compose_context(request, newsletter, pick_form=form),
            status=400,
        )
    section = _section(newsletter, form.cleaned_data["section"])
    kind, pk = form.picked()
    text_es = form.cleaned_data["text_es"]

    def pick() -> Item:
        if kind == "program":
            program = get_object_or_404(Program.objects.filter(ecosystem=ecosystem), pk=pk)
            return service.add_program(section, program, text_es=text_es)
        if kind == "need":
            need = get_object_or_404(Opportunity.objects.filter(ecosystem=ecosystem), pk=pk)
            return service.add_need(section, need, text_es=text_es)
        item = service.pick_suggestion(section, access.get_suggestion(request, pk))
        if text_es:
            item.text_es = text_es
            item.save(update_fields=["text_es"])
        return item

    return _on_error(request, newsletter, pick)


@ecosystem_view(MANAGE)
@require_POST
def item_remove(
    request: HttpRequest, ecosystem_slug: str, newsletter_id: int, item_id: int
) -> HttpResponse:
    newsletter = access.get_newsletter(request, newsletter_id)
    item = get_object_or_404(Item.objects.filter(section__newsletter=newsletter), pk=item_id)
    return _on_error(request, newsletter, lambda: service.remove_item(item))


@ecosystem_view(MANAGE)
def newsletter_preview(
    request: HttpRequest, ecosystem_slug: str, newsletter_id: int, language: str
) -> HttpResponse:
    newsletter = access.get_newsletter(request, newsletter_id)
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return render(
        request,
        "network/newsletters/preview.html",
        {
            "ecosystem": newsletter.ecosystem,
            "newsletter": newsletter,
            "content": service.content(newsletter, language, counted=False),
            "language": language,
            "languages": settings.LANGUAGES,
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def newsletter_audience(
    request: HttpRequest, ecosystem_slug: str, newsletter_id: int
) -> HttpResponse:
    """Choose the segment; the count of recipients follows the form (GET counts, POST saves)."""
    newsletter = access.get_newsletter(request, newsletter_id)
    ecosystem = newsletter.ecosystem
    if request.method == "POST":
        form = SegmentForm(request.POST, ecosystem=ecosystem)
        if form.is_valid():
            try:
                service.set_segment(newsletter, form.segment())
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Audience saved."))
            return redirect(_compose_url(newsletter))
    elif "count" in request.GET:
        form = SegmentForm(request.GET, ecosystem=ecosystem)
    else:
        form = SegmentForm(initial=newsletter.segment, ecosystem=ecosystem)
    segment = (
        form.segment() if form.is_bound and form.is_valid() else service.segment_of(newsletter)
    )
    context = {
        "ecosystem": ecosystem,
        "newsletter": newsletter,
        "form": form,
        "count": mailable_in(ecosystem, segment).count(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "network/newsletters/_count.html", context)
    return render(
        request, "network/newsletters/audience.html", context, status=400 if form.errors else 200
    )


@ecosystem_view(MANAGE)
@require_POST
def newsletter_test(request: HttpRequest, ecosystem_slug: str, newsletter_id: int) -> HttpResponse:
    newsletter = access.get_newsletter(request, newsletter_id)
    form = TestSendForm(request.POST, prefix="test")
    language = form.cleaned_data["language"] if form.is_valid() else _language(request)
    sending.send_test(newsletter, request.user.email, language)  # type: ignore[union-attr]
    messages.success(
        request,
        _("A test was sent to %(address)s.") % {"address": request.user.email},  # type: ignore[union-attr]
    )
    return redirect(_compose_url(newsletter))


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def newsletter_send(request: HttpRequest, ecosystem_slug: str, newsletter_id: int) -> HttpResponse:
    """Confirm (with the count), then queue the send as a background task."""
    newsletter = access.get_newsletter(request, newsletter_id)
    if request.method == "POST":
        try:
            count = sending.request_send(newsletter, request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Sending to %(count)s members. The progress is shown below.") % {"count": count},
            )
        return redirect(_compose_url(newsletter))
    return render(
        request,
        "network/newsletters/send.html",
        {
            "ecosystem": newsletter.ecosystem,
            "newsletter": newsletter,
            "count": service.audience(newsletter).count() if newsletter.is_draft else 0,
        },
    )


@ecosystem_view(MANAGE)
def suggestion_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    found = service.pending_suggestions(ecosystem).select_related("member")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-newsletter-suggestions",
            fmt,
            [_("Title"), _("Kind"), _("Text"), _("Link"), _("Suggested by"), _("Date")],
            (
                [
                    s.title,
                    s.get_kind_display(),
                    s.text,
                    s.link,
                    s.member.name if s.member else "",
                    s.created_at.date(),
                ]
                for s in found
            ),
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    drafts = Newsletter.objects.filter(ecosystem=ecosystem, status=NewsletterStatus.DRAFT)
    return render(
        request,
        "network/newsletters/suggestions.html",
        {"ecosystem": ecosystem, "page": page, "drafts": drafts},
    )


@ecosystem_view(MANAGE)
@require_POST
def suggestion_decline(
    request: HttpRequest, ecosystem_slug: str, suggestion_id: int
) -> HttpResponse:
    suggestion = access.get_suggestion(request, suggestion_id)
    try:
        service.decline(suggestion)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Suggestion declined."))
    return redirect("network:newsletter_suggestions", ecosystem_slug)


@ecosystem_view(MANAGE)
def engagement_view(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    figures = service.engagement(ecosystem)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-newsletter-engagement",
            fmt,
            service.export_headers(),
            service.export_rows(figures),
        )
    return render(
        request,
        "network/newsletters/engagement.html",
        {
            "ecosystem": ecosystem,
            "figures": figures,
            "counting_opens": settings_of(ecosystem).count_newsletter_opens,
        },
    )


# --- the archive and suggestions -----------------------------------------------------------------


@ecosystem_view(VIEW, public=True)
def archive(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = ArchiveSearchForm(request.GET)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    found = service.search(service.sent(ecosystem), q=q, sort="-sent")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "network/newsletters/archive.html",
        {
            "ecosystem": ecosystem,
            "form": form,
            "page": page,
            "language": _language(request),
            "can_suggest": request.user.has_perm(SUGGEST, ecosystem),
        },
    )


@ecosystem_view(VIEW, public=True)
def archive_detail(request: HttpRequest, ecosystem_slug: str, newsletter_id: int) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    newsletter = get_object_or_404(service.sent(ecosystem), pk=newsletter_id)
    return render(
        request,
        "network/newsletters/archive_detail.html",
        {
            "ecosystem": ecosystem,
            "newsletter": newsletter,
            "content": service.content(newsletter, _language(request), counted=True),
        },
    )


@ecosystem_view(SUGGEST)
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service.suggest(ecosystem, access.member_of(request.user, ecosystem), **form.cleaned_data)
        messages.success(
            request, _("Thank you: the newsletter's editor will read your suggestion.")
        )
        return redirect("network:newsletter_archive", ecosystem_slug)
    return render(
        request, "network/newsletters/suggest.html", {"ecosystem": ecosystem, "form": form}
    )


# --- what a mail's reader reaches, without signing in --------------------------------------------


def _signed(request: HttpRequest, newsletter_id: int, index: int) -> bool:
    given = request.GET.get("s", "")
    return hmac.compare_digest(given, service.link_signature(newsletter_id, index))


@ecosystem_view(VIEW, public=True)
def click(
    request: HttpRequest, ecosystem_slug: str, newsletter_id: int, index: int
) -> HttpResponse:
    """Count one click on the newsletter's link `index` (not who) and go there. The target is
    the newsletter's own link, never one from the address: no open redirect."""
    newsletter = access.get_sent_newsletter(request, newsletter_id)
    if not _signed(request, newsletter.pk, index):
        raise Http404
    target = service.count_click(newsletter, index)
    if target is None:
        raise Http404
    return HttpResponseRedirect(target)


@ecosystem_view(VIEW, public=True)
def open_pixel(request: HttpRequest, ecosystem_slug: str, newsletter_id: int) -> HttpResponse:
    """Opens are counted (in aggregate) only when the ecosystem turned counting on."""
    newsletter = access.get_sent_newsletter(request, newsletter_id)
    if _signed(request, newsletter.pk, -1):
        service.count_open(newsletter)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # RFC 8058: the mail client POSTs with no session and no token
@ecosystem_view(VIEW, public=True)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, ecosystem_slug: str, token: str) -> HttpResponse:
    """GET: a page with one button. POST: unsubscribed at once, no confirmation, no sign-in."""
    ecosystem = current_ecosystem(request)
    member = subscriptions.member_by_token(ecosystem, token)
    if member is None:
        raise Http404
    done = False
    if request.method == "POST":
        subscriptions.unsubscribe(member)
        done = True
    return render(
        request,
        "network/newsletters/unsubscribe.html",
        {"ecosystem": ecosystem, "done": done or not member.email_consent},
    )


@csrf_exempt  # a mail system posts the raw report, authenticated by the shared secret
@ecosystem_view(VIEW, public=True)
@require_POST
def bounce_webhook(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    secret = str(getattr(settings, "NETWORK_BOUNCE_SECRET", "") or "")
    given = request.headers.get("X-Bounce-Secret", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        raise PermissionDenied
    outcome = bounces.record(request.body, current_ecosystem(request))
    return HttpResponse(
        f"hard {outcome.hard} soft {outcome.soft} members {outcome.members}\n",
        content_type="text/plain",
    )


urlpatterns: list[URLPattern] = [
    path("newsletters/", archive, name="newsletter_archive"),
    path("newsletters/<int:newsletter_id>/", archive_detail, name="newsletter_archive_detail"),
    path("newsletters/suggest/", suggest, name="newsletter_suggest"),
    path("newsletters/manage/", newsletter_list, name="newsletters"),
    path("newsletters/manage/new/", newsletter_create, name="newsletter_create"),
    path("newsletters/manage/suggestions/", suggestion_list, name="newsletter_suggestions"),
    path(
        "newsletters/manage/suggestions/<int:suggestion_id>/decline/",
        suggestion_decline,
        name="newsletter_suggestion_decline",
    ),
    path("newsletters/manage/engagement/", engagement_view, name="newsletter_engagement"),
    path("newsletters/manage/<int:newsletter_id>/", newsletter_detail, name="newsletter"),
    path(
        "newsletters/manage/<int:newsletter_id>/progress/",
        newsletter_progress,
        name="newsletter_progress",
    ),
    path(
        "newsletters/manage/<int:newsletter_id>/sections/",
        section_add,
        name="newsletter_section_add",
    ),
    path(
        "newsletters/manage/<int:newsletter_id>/sections/<int:section_id>/remove/",
        section_remove,
        name="newsletter_section_remove",
    ),
    path("newsletters/manage/<int:newsletter_id>/items/", item_add, name="newsletter_item_add"),
    path("newsletters/manage/<int:newsletter_id>/pick/", item_pick, name="newsletter_item_pick"),
    path(
        "newsletters/manage/<int:newsletter_id>/items/<int:item_id>/remove/",
        item_remove,
        name="newsletter_item_remove",
    ),
    path(
        "newsletters/manage/<int:newsletter_id>/preview/<str:language>/",
        newsletter_preview,
        name="newsletter_preview",
    ),
    path(
        "newsletters/manage/<int:newsletter_id>/audience/",
        newsletter_audience,
        name="newsletter_audience",
    ),
    path("newsletters/manage/<int:newsletter_id>/test/", newsletter_test, name="newsletter_test"),
    path("newsletters/manage/<int:newsletter_id>/send/", newsletter_send, name="newsletter_send"),
    path("r/<int:newsletter_id>/<int:index>/", click, name="newsletter_click"),
    path("o/<int:newsletter_id>/", open_pixel, name="newsletter_open"),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("bounces/", bounce_webhook, name="newsletter_bounces"),
]
