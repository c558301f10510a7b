"""Which network records a person reaches, each from the request's ecosystem or 404: one rule
for pages, the API and services. Each area adds its own helpers here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems.models import Ecosystem

from .models import (
    Event,
    Member,
    MemberStatus,
    Newsletter,
    NewsletterStatus,
    Suggestion,
    Workgroup,
)


def roll(ecosystem: Ecosystem) -> QuerySet[Member]:
    """Everyone on the ecosystem's roll who has not left (pending confirmations included)."""
    return Member.objects.filter(ecosystem=ecosystem).exclude(status=MemberStatus.LEFT)


def member_of(user: Any, ecosystem: Ecosystem) -> Member | None:
    """The person's own active member record in this ecosystem, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(ecosystem=ecosystem, user=user, status=MemberStatus.ACTIVE).first()


def get_member(request: HttpRequest, pk: int) -> Member:
    """A member of the request's ecosystem's roll (for the backbone's pages), or 404."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(roll(ecosystem), pk=pk)


def workgroups(ecosystem: Ecosystem) -> QuerySet[Workgroup]:
    return Workgroup.objects.filter(ecosystem=ecosystem, archived_at__isnull=True)


def get_workgroup(request: HttpRequest, slug: str) -> Workgroup:
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(Workgroup.objects.filter(ecosystem=ecosystem), slug=slug)


def events_visible_to(user: Any, ecosystem: Ecosystem) -> QuerySet[Event]:
    """Published events, and every event for those who manage them."""
    found = Event.objects.filter(ecosystem=ecosystem)
    if user is not None and user.has_perm("network.manage_events", ecosystem):
        return found
    return found.filter(published_at__isnull=False)


def get_event(request: HttpRequest, pk: int) -> Event:
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(events_visible_to(request.user, ecosystem), pk=pk)


# --- newsletters ---------------------------------------------------------------------------------


def newsletters_visible_to(user: Any, ecosystem: Ecosystem) -> QuerySet[Newsletter]:
    """Sent newsletters (the public archive); every newsletter for those who manage them."""
    found = Newsletter.objects.filter(ecosystem=ecosystem)
    if user is not None and user.has_perm("network.manage_newsletters", ecosystem):
        return found
    return found.filter(status=NewsletterStatus.SENT)


def get_newsletter(request: HttpRequest, pk: int) -> Newsletter:
    """Any newsletter of the request's ecosystem (for the editor's pages), or 404."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(
        Newsletter.objects.filter(ecosystem=ecosystem).select_related("ecosystem"), pk=pk
    )


def get_sent_newsletter(request: HttpRequest, pk: int) -> Newsletter:
    """A sent newsletter of the request's ecosystem (the archive, the click counter), or 404."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(
        Newsletter.objects.filter(ecosystem=ecosystem)
        .exclude(status=NewsletterStatus.DRAFT)
        .select_related("ecosystem"),
        pk=pk,
    )


def get_suggestion(request: HttpRequest, pk: int) -> Suggestion:
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(Suggestion.objects.filter(ecosystem=ecosystem), pk=pk)
