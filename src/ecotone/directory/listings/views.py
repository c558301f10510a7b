"""Partner self-service and moderation pages (mounted under /e/<slug>/listings/)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone import concurrency
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Organization
from ecotone.errors import DomainError

from ..access import (
    get_listing_change,
    get_managed_location,
    get_managed_organization,
    get_managed_program,
)
from ..forms import CapacityFormSet, LocationForm, ProgramForm, ScheduleForm, ScheduleFormSet
from ..models import ChangeStatus, ListingChange, Location, Program
from ..services import listings as listing_services
from ..services import locations as location_services
from ..services import moderation as moderation_services
from ..services import verification as verification_services
from . import steps
from .state import diff, empty_state, program_state

PAGE_SIZE = 25


def _mine_url(request: HttpRequest) -> str:
    return reverse("listings:mine", kwargs={"ecosystem_slug": current_ecosystem(request).slug})


# Our programs ----------------------------------------------------------------------------------


@ecosystem_view("directory.manage_listings")
def mine(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The listings, pending changes and locations of the person's organizations."""
    ecosystem = current_ecosystem(request)
    organizations = listing_services.managed_organizations(request.user, ecosystem).order_by("name")
    chosen = request.GET.get("organization", "")
    scope = organizations.filter(slug=chosen) if chosen else organizations
    programs = (
        Program.objects.filter(ecosystem=ecosystem, organization__in=scope)
        .select_related("organization", "ecosystem")
        .order_by("archived_at", "name", "pk")
    )
    page = Paginator(programs, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = dict(
        ListingChange.objects.pending()
        .filter(program__in=[p.pk for p in page])
        .values_list("program_id", "pk")
    )
    changes = (
        ListingChange.objects.filter(ecosystem=ecosystem, organization__in=scope)
        .filter(status__in=[ChangeStatus.PENDING, ChangeStatus.REJECTED])
        .select_related("organization", "program", "ecosystem")
        .order_by("-submitted_at")[:20]
    )
    return render(
        request,
        "directory/listings_mine.html",
        {
            "organizations": organizations,
            "chosen": chosen,
            "page": page,
            "rows": [(p, pending.get(p.pk)) for p in page],
            "changes": changes,
            "locations": Location.objects.filter(ecosystem=ecosystem, organization__in=scope)
            .select_related("organization")
            .order_by("name")[:100],
            "stale_ids": set(
                verification_services.stale_programs(ecosystem)
                .filter(pk__in=[p.pk for p in page])
                .values_list("pk", flat=True)
            ),
            "is_backbone": listing_services.publishes_directly(request.user, ecosystem),
        },
    )


# The listing form ------------------------------------------------------------------------------


def _listing_form(
    request: HttpRequest,
    organization: Organization,
    program: Program | None,
    change: ListingChange | None,
) -> HttpResponse:
    """Create or edit a listing: one form in steps (`steps.py`), the program with its schedules
    and capacity."""
    ecosystem = current_ecosystem(request)
    if change is not None and change.is_pending:
        state = change.proposed
    elif program is not None:
        state = program_state(program)
    else:
        state = empty_state()
    locations = Location.objects.filter(ecosystem=ecosystem).filter(
        organization=organization
    ) | Location.objects.filter(ecosystem=ecosystem, hsds_id__in=state["locations"])
    data = request.POST if request.method == "POST" else None
    form = ProgramForm(
        data,
        initial=ProgramForm.initial_from(state),
        locations=locations.distinct().order_by("name"),
    )
    schedules = ScheduleFormSet(
        data,
        initial=[ScheduleForm.initial_from(e) for e in state["schedules"]],
        prefix="schedules",
    )
    capacities = CapacityFormSet(data, initial=state["capacities"], prefix="capacities")
    edit = concurrency.EditPage(
        request.POST, listing_services.listing_version(program, change), state
    )
    formsets = {"schedules": schedules, "capacities": capacities}
    # A post naming a step moves between steps; any other post saves.
    moving = request.method == "POST" and "step" in request.POST
    page = steps.page_for(request.POST.get("step"), form, formsets)
    if (
        request.method == "POST"
        and not moving
        and all([form.is_valid(), schedules.is_valid(), capacities.is_valid()])
    ):
        new_state = {
            **form.state_parts(),
            "schedules": schedules.entries(),
            "capacities": capacities.entries(),
        }
        try:
            saved = listing_services.save_listing(
                ecosystem,
                organization,
                program,
                new_state,
                request.user,
                change=change,
                expected_version=edit.expected_version,
            )
        except concurrency.EditConflictError as error:
            assert edit.loaded is not None
            edit.conflict = concurrency.Conflict(
                str(error),
                [
                    concurrency.FieldChange(
                        str(line.label), ", ".join(line.before) or "—", ", ".join(line.after) or "—"
                    )
                    for line in diff(edit.loaded.snapshot, state)
                ],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if saved.status == ChangeStatus.APPROVED:
                messages.success(request, _("The listing was saved and is public."))
                assert saved.program is not None
                return redirect(saved.program)
            messages.success(
                request,
                _(
                    "Thank you. Your listing was sent for review; the public directory shows it "
                    "once the backbone team approves it."
                ),
            )
            return redirect(saved)
    if request.method == "POST" and not moving:
        page = steps.page_after_failed_save(form, formsets, request.POST.get("current"))
    step_list = page.steps(form)
    return render(
        request,
        "directory/listing_form.html",
        {
            "form": form,
            "schedules": schedules,
            "capacities": capacities,
            "steps": step_list,
            "step": step_list[page.current],
            "previous_step": step_list[page.current - 1] if page.current else None,
            "next_step": step_list[page.current + 1] if page.current + 1 < len(step_list) else None,
            "step_count": len(step_list),
            "summary": page.summary(form, formsets),
            "can_save": program is not None or change is not None,
            "organization": organization,
            "program": program,
            "change": change,
            "moderated": not listing_services.publishes_directly(request.user, ecosystem),
            **edit.context(),
        },
    )


@ecosystem_view("directory.manage_listings")
@require_http_methods(["GET", "POST"])
def program_create(
    request: HttpRequest, ecosystem_slug: str, organization_slug: str
) -> HttpResponse:
    organization = get_managed_organization(request, organization_slug)
    return _listing_form(request, organization, None, None)


@ecosystem_view("directory.manage_listings")
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, ecosystem_slug: str, program_slug: str) -> HttpResponse:
    program = get_managed_program(request, program_slug)
    if program.is_archived:
        messages.error(request, _("An archived listing cannot be changed. Restore it first."))
        return redirect(_mine_url(request))
    change = program.changes.pending().first()
    return _listing_form(request, program.organization, program, change)


@ecosystem_view("directory.manage_listings")
@require_http_methods(["GET", "POST"])
def change_edit(request: HttpRequest, ecosystem_slug: str, change_id: int) -> HttpResponse:
    """Edit a new listing again while it waits for review."""
    change = get_listing_change(request, change_id)
    if not change.is_pending:
        raise Http404
    if change.program is not None:
        return redirect("listings:program_edit", ecosystem_slug, change.program.slug)
    return _listing_form(request, change.organization, None, change)


@ecosystem_view("directory.manage_listings")
@require_POST
def program_verify(request: HttpRequest, ecosystem_slug: str, program_slug: str) -> HttpResponse:
    program = get_managed_program(request, program_slug)
    try:
        verification_services.verify_program(program, request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Thank you: %(name)s is marked as verified today.") % {"name": program.name}
        )
    return redirect(request.POST.get("next") or _mine_url(request))


@ecosystem_view("directory.manage_listings")
@require_http_methods(["GET", "POST"])
def program_archive(request: HttpRequest, ecosystem_slug: str, program_slug: str) -> HttpResponse:
    program = get_managed_program(request, program_slug)
    restoring = program.is_archived
    if request.method == "POST":
        try:
            if restoring:
                listing_services.restore_program(program, request.user)
                messages.success(request, _("%(name)s was restored.") % {"name": program.name})
            else:
                listing_services.archive_program(program, request.user)
                messages.success(request, _("%(name)s was archived.") % {"name": program.name})
        except DomainError as error:
            messages.error(request, str(error))
        return redirect(_mine_url(request))
    return render(
        request, "directory/program_archive.html", {"program": program, "restoring": restoring}
    )


# Changes and moderation ------------------------------------------------------------------------


@ecosystem_view("directory.manage_listings")
def change_detail(request: HttpRequest, ecosystem_slug: str, change_id: int) -> HttpResponse:
    change = get_listing_change(request, change_id)
    if change.is_pending:
        before = program_state(change.program) if change.program is not None else None
    else:
        before = change.previous
    can_moderate = request.user.has_perm("directory.moderate_listings", current_ecosystem(request))
    return render(
        request,
        "directory/change_detail.html",
        {
            "change": change,
            "differences": diff(before, change.proposed),
            "version": concurrency.version_of(change),
            "can_moderate": can_moderate,
            "can_decide": change.is_pending and can_moderate,
        },
    )


@ecosystem_view("directory.moderate_listings")
@require_http_methods(["GET", "POST"])
def change_decide(request: HttpRequest, ecosystem_slug: str, change_id: int) -> HttpResponse:
    """Approve or reject, after a confirmation page with room for a note."""
    change = get_listing_change(request, change_id)
    decision = request.POST.get("decision") or request.GET.get("decision")
    if decision not in ("approve", "reject"):
        raise Http404
    if not change.is_pending:
        messages.error(request, _("This change was already decided."))
        return redirect(change)
    error = ""
    # The version of the change the moderator read, carried from the change page.
    version = request.POST.get("version") or request.GET.get("version") or None
    conflict = False
    if request.method == "POST":
        note = request.POST.get("note", "")
        try:
            if decision == "approve":
                program = moderation_services.approve_change(
                    change, request.user, note, expected_version=version
                )
                messages.success(request, _("%(name)s is now public.") % {"name": program.name})
            else:
                moderation_services.reject_change(
                    change, request.user, note, expected_version=version
                )
                messages.success(request, _("The change was rejected; the partner was told why."))
        except concurrency.EditConflictError:
            conflict = True
            error = _("The partner changed this listing after you opened it. Read it again.")
            version = None
        except DomainError as refused:
            error = str(refused)
        else:
            return redirect("listings:moderation", ecosystem_slug=ecosystem_slug)
    return render(
        request,
        "directory/change_decide.html",
        {
            "change": change,
            "decision": decision,
            "error": error,
            "conflict": conflict,
            "version": version,
            "note": request.POST.get("note", ""),
        },
    )


@ecosystem_view("directory.manage_listings")
@require_POST
def change_withdraw(request: HttpRequest, ecosystem_slug: str, change_id: int) -> HttpResponse:
    change = get_listing_change(request, change_id)
    try:
        moderation_services.withdraw_change(change, request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The change was withdrawn."))
    return redirect(_mine_url(request))


@ecosystem_view("directory.moderate_listings")
def moderation(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The queue, oldest first; or the listings due for re-verification (`?stale=1`)."""
    ecosystem = current_ecosystem(request)
    status = request.GET.get("status", ChangeStatus.PENDING)
    organization = request.GET.get("organization", "")
    stale = request.GET.get("stale") == "1"
    context: dict[str, Any] = {
        "statuses": ChangeStatus.choices,
        "status": status,
        "organization": organization,
        "organizations": ecosystem.organizations.order_by("name"),
        "stale": stale,
        "pending_count": ecosystem.listing_changes.pending().count(),
    }
    if stale:
        programs = verification_services.stale_programs(ecosystem).select_related(
            "organization", "ecosystem"
        )
        if organization:
            programs = programs.filter(organization__slug=organization)
        programs = programs.order_by("assured_date", "created_at", "pk")
        context["page"] = Paginator(programs, PAGE_SIZE).get_page(request.GET.get("page"))
        context["days"] = ecosystem.reverify_after_days
    else:
        changes = ecosystem.listing_changes.select_related(
            "organization", "program", "submitted_by", "ecosystem"
        )
        if status in ChangeStatus.values:
            changes = changes.filter(status=status)
        if organization:
            changes = changes.filter(organization__slug=organization)
        changes = changes.order_by("submitted_at", "pk")
        context["page"] = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "directory/moderation.html", context)


# Locations -------------------------------------------------------------------------------------


def _location_form(
    request: HttpRequest, organization: Organization, location: Location | None
) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    edit = concurrency.EditPage(
        request.POST,
        concurrency.version_of(location) if location else "",
        concurrency.form_snapshot(LocationForm(instance=location, ecosystem=ecosystem))
        if location
        else {},
    )
    form = LocationForm(request.POST or None, instance=location, ecosystem=ecosystem)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data.get(name) for name in location_services.LOCATION_FIELDS}
        try:
            fresh = Location.objects.get(pk=location.pk) if location is not None else None
            saved = location_services.save_location(
                ecosystem,
                organization,
                fresh,
                request.user,
                expected_version=edit.expected_version,
                **fields,
            )
        except concurrency.EditConflictError as error:
            edit.refused(error, form)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if saved.is_approximate:
                messages.warning(
                    request,
                    _("%(name)s was saved at its ZIP code's center: its map pin is approximate.")
                    % {"name": saved.name},
                )
            else:
                messages.success(request, _("%(name)s was saved.") % {"name": saved.name})
            return redirect(_mine_url(request))
    return render(
        request,
        "directory/location_form.html",
        {**edit.context(), "form": form, "location": location, "organization": organization},
    )


@ecosystem_view("directory.manage_listings")
@require_http_methods(["GET", "POST"])
def location_create(
    request: HttpRequest, ecosystem_slug: str, organization_slug: str
) -> HttpResponse:
    return _location_form(request, get_managed_organization(request, organization_slug), None)


@ecosystem_view("directory.manage_listings")
@require_http_methods(["GET", "POST"])
def location_edit(request: HttpRequest, ecosystem_slug: str, location_id: Any) -> HttpResponse:
    location = get_managed_location(request, location_id)
    if location.organization is None:
        raise PermissionDenied
    return _location_form(request, location.organization, location)
