"""Which network records a person reaches, each from the request's ecosystem or 404: one rule
for pages, the API and services. Each area adds its own helpers here."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems.models import Ecosystem

from .models import (
    Event,
    Member,
    MemberImport,
    MemberStatus,
    Newsletter,
    NewsletterStatus,
    Question,
    Section,
    Suggestion,
    Survey,
    Welcome,
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


# --- the members area ----------------------------------------------------------------------------


def own_member(request: HttpRequest) -> Member | None:
    """The signed-in person's own active member record in the request's ecosystem."""
    return member_of(request.user, request.ecosystem)  # type: ignore[attr-defined]


def directory(ecosystem: Ecosystem) -> QuerySet[Member]:
    """The member directory: active members who chose to be listed."""
    return Member.objects.filter(ecosystem=ecosystem, status=MemberStatus.ACTIVE, in_directory=True)


def welcomes_for(user: Any, ecosystem: Ecosystem) -> QuerySet[Welcome]:
    """Every welcome for the backbone; a welcomer's own for a welcomer; none for others."""
    found = Welcome.objects.filter(ecosystem=ecosystem).select_related("newcomer", "welcomer")
    if user.has_perm("network.manage_members", ecosystem):
        return found
    mine = member_of(user, ecosystem)
    if mine is None:
        return found.none()
    return found.filter(welcomer=mine)


def get_welcome(request: HttpRequest, pk: int) -> Welcome:
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(welcomes_for(request.user, ecosystem), pk=pk)


def get_member_import(request: HttpRequest, pk: int) -> MemberImport:
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(MemberImport.objects.filter(ecosystem=ecosystem), pk=pk)


def claimable(found: QuerySet[Member]) -> QuerySet[Member]:
    """Members a confirmation link may confirm: pending ones, and those on the roll without an
    account (imported), who claim their membership with it."""
    return found.filter(
        Q(status=MemberStatus.PENDING) | Q(status=MemberStatus.ACTIVE, user__isnull=True)
    )


# --- gatherings: workgroups' records and registrations -------------------------------------


def get_open_workgroup(request: HttpRequest, slug: str) -> Workgroup:
    """A workgroup not archived (for joining, posting, sharing), or 404."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(workgroups(ecosystem), slug=slug)


def get_goal(workgroup: Workgroup, pk: int) -> Any:
    return get_object_or_404(workgroup.goals.all(), pk=pk)


def get_task(workgroup: Workgroup, pk: int) -> Any:
    return get_object_or_404(workgroup.tasks.select_related("goal"), pk=pk)


def get_post(workgroup: Workgroup, pk: int) -> Any:
    return get_object_or_404(workgroup.posts.filter(parent__isnull=True), pk=pk)


def get_file(workgroup: Workgroup, pk: int) -> Any:
    return get_object_or_404(workgroup.files.all(), pk=pk)


def get_invitation(workgroup: Workgroup, member: Member | None) -> Any:
    from .models import WorkgroupInvitation

    return get_object_or_404(
        WorkgroupInvitation.objects.filter(
            workgroup=workgroup, member=member, answered_at__isnull=True
        )
    )


def get_registration(event: Event, pk: int) -> Any:
    return get_object_or_404(event.registrations.select_related("member"), pk=pk)


def steering_committee(ecosystem: Ecosystem) -> Workgroup | None:
    return workgroups(ecosystem).filter(is_steering_committee=True).first()


def reads_reports(user: Any, ecosystem: Ecosystem) -> bool:
    """The steering committee's reports: the backbone and the committee's members."""
    if user.has_perm("network.manage_workgroups", ecosystem):
        return True
    committee = steering_committee(ecosystem)
    return committee is not None and user.has_perm("network.view_workgroup_space", committee)


def surveys(ecosystem: Ecosystem) -> QuerySet[Survey]:
    return Survey.objects.filter(ecosystem=ecosystem)


def get_survey(request: HttpRequest, pk: int) -> Survey:
    """A survey of the request's ecosystem (the backbone's pages), or 404."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(surveys(ecosystem).select_related("ecosystem"), pk=pk)


def get_section(survey: Survey, pk: int) -> Section:
    return get_object_or_404(Section.objects.filter(survey=survey), pk=pk)


def get_question(survey: Survey, pk: int) -> Question:
    return get_object_or_404(Question.objects.filter(survey=survey).select_related("survey"), pk=pk)


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
