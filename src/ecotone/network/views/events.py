"""Events: the public list (upcoming or past, by kind) and an event's page, registration and
cancelling it, .ics downloads and the public calendar feed, the backbone's editing, publishing
and cancelling, the check-in page for a phone, recordings and slides, and registration-to-
attendance rates (table, chart, CSV/XLSX)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone import charts
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import access
from ..forms.gatherings import ArchiveForm, EventFilterForm, EventForm, SearchForm
from ..models import Event, EventKind, RegistrationStatus
from ..services import calendar
from ..services import events as services

VIEW = "network.view_events"
REGISTER = "network.register_for_events"
MANAGE = "network.manage_events"
PAGE_SIZE = 20


def _back(event: Event) -> HttpResponseBase:
    return redirect("network:event", event.ecosystem.slug, event.pk)


@ecosystem_view(VIEW, public=True)
def event_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = EventFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    found = access.events_visible_to(request.user, ecosystem).select_related("workgroup")
    past = data.get("when") == "past"
    found = (
        found.filter(ends_at__lt=now).order_by("-starts_at")
        if past
        else found.filter(ends_at__gte=now).order_by("starts_at")
    )
    if kind := data.get("kind"):
        found = found.filter(kind=kind)
    return render(
        request,
        "network/gatherings/event_list.html",
        {
            "form": form,
            "past": past,
            "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
            "manage": request.user.has_perm(MANAGE, ecosystem),
        },
    )


@ecosystem_view(VIEW, public=True)
def event_page(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    event = access.get_event(request, pk)
    member = access.member_of(request.user, ecosystem)
    registration = services.registration_of(member, event)
    return render(
        request,
        "network/gatherings/event.html",
        {
            "event": event,
            "member": member,
            "registration": registration,
            "sees_video": services.sees_video(request.user, member, event),
            "refusal": services.may_register(event, member) if member else None,
            "manage": request.user.has_perm(MANAGE, ecosystem),
            "over": event.ends_at < timezone.now(),
        },
    )


@ecosystem_view(REGISTER)
@require_POST
def event_register(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    event = access.get_event(request, pk)
    member = access.member_of(request.user, current_ecosystem(request))
    if member is None:
        messages.error(request, _("Only members of the network register."))
        return _back(event)
    try:
        registration = services.register(member, event)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if registration.status == RegistrationStatus.WAITLISTED:
            messages.success(request, _("The event is full: you are on the waitlist."))
        else:
            messages.success(request, _("You are registered. The invite is in your mail."))
    return _back(event)


@ecosystem_view(REGISTER)
@require_http_methods(["GET", "POST"])
def event_unregister(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    event = access.get_event(request, pk)
    member = access.member_of(request.user, current_ecosystem(request))
    registration = services.registration_of(member, event)
    if registration is None:
        raise Http404
    if request.method == "POST":
        services.cancel_registration(registration)
        messages.success(request, _("Your registration is cancelled."))
        return _back(event)
    return render(
        request,
        "network/gatherings/confirm.html",
        {
            "title": _("Cancel your registration for “%(title)s”?") % {"title": event.title},
            "text": _("Your seat goes to the first person on the waitlist."),
            "button": _("Cancel my registration"),
            "back": request.path.rsplit("unregister/", 1)[0],
        },
    )


def _ics(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@ecosystem_view(VIEW, public=True)
def event_ics(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    event = access.get_event(request, pk)
    member = access.member_of(request.user, current_ecosystem(request))
    with_video = services.sees_video(request.user, member, event)
    return _ics(calendar.download(event, with_video=with_video), f"event-{event.pk}.ics")


@ecosystem_view(VIEW, public=True)
def event_feed(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The public feed of published events (never the video link or anyone's data)."""
    ecosystem = current_ecosystem(request)
    events = Event.objects.filter(ecosystem=ecosystem, published_at__isnull=False).order_by(
        "starts_at"
    )
    response = _ics(
        calendar.feed(ecosystem.name, ecosystem.timezone, events), f"{ecosystem.slug}.ics"
    )
    response["Content-Disposition"] = f'inline; filename="{ecosystem.slug}.ics"'
    return response


# --- the backbone's events ----------------------------------------------------------------


def _save(request: HttpRequest, event: Event | None) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    initial = {name: getattr(event, name) for name in services.EVENT_FIELDS} if event else {}
    form = EventForm(request.POST or None, initial=initial, workgroups=access.workgroups(ecosystem))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_event(request.user, ecosystem, form.cleaned_data, event)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Event saved."))
            return _back(saved)
    return render(
        request,
        "network/gatherings/form.html",
        {"form": form, "event": event, "title": event.title if event else _("New event")},
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    return _save(request, None)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    return _save(request, access.get_event(request, pk))


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def event_status(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    """Publish or cancel (`action`), after a confirmation."""
    event = access.get_event(request, pk)
    action = request.POST.get("action") or request.GET.get("action")
    if action not in ("publish", "cancel"):
        raise Http404
    if request.method == "POST":
        try:
            if action == "publish":
                services.publish(request.user, event)
                messages.success(request, _("Event published."))
            else:
                services.cancel_event(request.user, event)
                messages.success(request, _("Event cancelled; registrants are told by mail."))
        except DomainError as error:
            messages.error(request, str(error))
        return _back(event)
    if action == "publish":
        title = _("Publish “%(title)s”?") % {"title": event.title}
        text = _("It appears in the public list and the calendar feed, open for registration.")
        button = _("Publish")
    else:
        title = _("Cancel “%(title)s”?") % {"title": event.title}
        text = _("Everyone registered or on the waitlist is told by mail.")
        button = _("Cancel the event")
    return render(
        request,
        "network/gatherings/confirm.html",
        {
            "title": title,
            "text": text,
            "button": button,
            "back": request.path.rsplit("status/", 1)[0],
            "fields": [("action", action)],
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    """The check-in page, for a phone: search by name, one tap to check in or undo."""
    event = access.get_event(request, pk)
    if request.method == "POST":
        given = request.POST.get("registration", "")
        if not given.isdigit() or len(given) > 12:
            raise Http404
        registration = access.get_registration(event, int(given))
        try:
            services.check_in(request.user, registration, undo=request.POST.get("undo") == "1")
        except DomainError as error:
            messages.error(request, str(error))
        query = request.POST.get("q", "")
        return redirect(request.path + (f"?q={query}" if query else ""))
    form = SearchForm(request.GET)
    q = form.cleaned_data.get("q") if form.is_valid() else ""
    found = event.registrations.filter(status=RegistrationStatus.REGISTERED).select_related(
        "member"
    )
    if q:
        found = found.filter(Q(member__name__icontains=q) | Q(member__email__icontains=q))
    found = found.order_by("member__name", "pk")
    return render(
        request,
        "network/gatherings/check_in.html",
        {
            "event": event,
            "form": form,
            "q": q or "",
            "registrations": found[:200],
            "checked": event.registrations.filter(attended_at__isnull=False).count(),
            "registered": event.registrations.filter(status=RegistrationStatus.REGISTERED).count(),
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def event_archive(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    """After the event: the recording's link, the slides, the follow-up survey; and sending
    "recording and slides" to the attendees."""
    event = access.get_event(request, pk)
    initial = {"recording_url": event.recording_url, "follow_up_url": event.follow_up_url}
    form = ArchiveForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_archive(
                request.user, event, data["recording_url"], data["follow_up_url"], data["slides"]
            )
        except DomainError as error:
            form.add_error("slides", str(error))
        else:
            messages.success(request, _("Saved with the event."))
            return redirect("network:event_archive", ecosystem_slug, event.pk)
    return render(
        request,
        "network/gatherings/archive.html",
        {
            "event": event,
            "form": form,
            "attendees": services.attendees(event).count(),
            "unsent": event.registrations.filter(
                status=RegistrationStatus.REGISTERED, recording_sent_at__isnull=True
            ).count(),
        },
    )


@ecosystem_view(MANAGE)
@require_POST
def send_recording(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    event = access.get_event(request, pk)
    try:
        count = services.send_recording(
            request.user, event, include_absent=request.POST.get("absent") == "1"
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Recording and slides sent to %(count)s people.") % {"count": count}
        )
    return redirect("network:event_archive", ecosystem_slug, event.pk)


@ecosystem_view(VIEW, public=True)
def event_slides(request: HttpRequest, ecosystem_slug: str, pk: int) -> FileResponse:
    event = access.get_event(request, pk)
    member = access.member_of(request.user, current_ecosystem(request))
    if not services.sees_video(request.user, member, event):
        raise Http404
    if not event.slides:
        raise Http404
    try:
        stream = event.slides.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=event.slides_name,
        content_type=event.slides_content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- registration to attendance -----------------------------------------------------------


def _percent(rate: services.Rate) -> float | None:
    return None if rate.rate is None else round(rate.rate * 100, 1)


@ecosystem_view(MANAGE)
def attendance(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in EventKind.values else ""
    events = list(services.past_events(ecosystem, kind))
    by_event = services.rates_by_event(events)
    by_quarter = services.rates_by_quarter(events, ecosystem.timezone)
    fmt = request.GET.get("format")
    headers = [_("Event"), _("Kind"), _("Date"), _("Registered"), _("Attended"), _("Rate (%)")]
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-attendance",
            fmt,
            headers,
            (
                [
                    e.title,
                    e.get_kind_display(),
                    timezone.localtime(e.starts_at).date().isoformat(),
                    r.registered,
                    r.attended,
                    _percent(r),
                ]
                for e, r in by_event
            ),
        )
    points = [
        {"period": q, "group": k, "value": _percent(r), "shown": r.shown} for q, k, r in by_quarter
    ]
    spec = charts.line_spec(
        points,
        period_title=_("Quarter"),
        value_title=_("Attended of registered (%)"),
        group_title=_("Kind"),
    )
    chart = charts.chart(
        "attendance",
        _("Registration to attendance by quarter"),
        spec,
        [_("Quarter"), _("Kind"), _("Registered"), _("Attended"), _("Rate")],
        [[q, k, r.registered, r.attended, r.shown] for q, k, r in by_quarter],
    )
    return render(
        request,
        "network/gatherings/attendance.html",
        {
            "charts": [chart] if by_quarter else [],
            "by_event": by_event,
            "kind": kind,
            "kinds": EventKind.choices,
        },
    )


urlpatterns: list[URLPattern] = [
    path("events/", event_list, name="events"),
    path("events.ics", event_feed, name="event_feed"),
    path("events/new/", event_new, name="event_new"),
    path("events/attendance/", attendance, name="attendance"),
    path("events/<int:pk>/", event_page, name="event"),
    path("events/<int:pk>/event.ics", event_ics, name="event_ics"),
    path("events/<int:pk>/edit/", event_edit, name="event_edit"),
    path("events/<int:pk>/status/", event_status, name="event_status"),
    path("events/<int:pk>/register/", event_register, name="event_register"),
    path("events/<int:pk>/unregister/", event_unregister, name="event_unregister"),
    path("events/<int:pk>/check-in/", check_in, name="event_check_in"),
    path("events/<int:pk>/archive/", event_archive, name="event_archive"),
    path("events/<int:pk>/send-recording/", send_recording, name="event_send_recording"),
    path("events/<int:pk>/slides/", event_slides, name="event_slides"),
]
