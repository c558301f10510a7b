"""Workgroups: the public list of charters and a workgroup's page (its members' space: goals
and tasks, progress notes, files and links, the discussion), the backbone's editing, joining,
invitations and leaving, and the steering committee's monthly report (printable, CSV)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.accounts.models import User
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Role
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import access
from ..forms.gatherings import (
    FileForm,
    GoalForm,
    InviteForm,
    MonthForm,
    NoteForm,
    PostForm,
    ReplyForm,
    SearchForm,
    TaskForm,
    WorkgroupForm,
)
from ..models import MemberStatus, SteeringReport, Workgroup, WorkgroupRole
from ..services import workgroups as services

VIEW = "network.view_workgroups"
SPACE = "network.view_workgroup_space"
CHAIR = "network.chair_workgroup"
MANAGE = "network.manage_workgroups"
JOIN = "network.join_workgroup"
PAGE_SIZE = 20


def _member(request: HttpRequest) -> Any:
    return access.member_of(request.user, current_ecosystem(request))


def _need(request: HttpRequest, permission: str, obj: Any) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


def _back(workgroup: Workgroup) -> HttpResponseBase:
    return redirect("network:workgroup", workgroup.ecosystem.slug, workgroup.slug)


# --- the list and a workgroup's page ------------------------------------------------------


@ecosystem_view(VIEW, public=True)
def workgroup_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = SearchForm(request.GET)
    q = form.cleaned_data.get("q") if form.is_valid() else ""
    found = access.workgroups(ecosystem).annotate(member_count=Count("memberships", distinct=True))
    if q:
        found = found.filter(Q(name__icontains=q) | Q(charter__icontains=q))
    found = found.order_by("-is_steering_committee", "name")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-workgroups",
            fmt,
            [_("Workgroup"), _("Charter"), _("Open"), _("Members")],
            ((w.name, w.charter, w.is_open, w.member_count) for w in found),
        )
    member = _member(request)
    return render(
        request,
        "network/gatherings/workgroup_list.html",
        {
            "form": form,
            "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
            "filtered": bool(q),
            "manage": request.user.has_perm(MANAGE, ecosystem),
            "invitations": services.invitations_of(member),
            "mine": set(member.workgroups.values_list("workgroup_id", flat=True) if member else []),
        },
    )


@ecosystem_view(VIEW, public=True)
def workgroup_page(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    workgroup = access.get_workgroup(request, slug)
    if workgroup.archived_at and not request.user.has_perm(MANAGE, ecosystem):
        raise Http404
    member = _member(request)
    space = request.user.has_perm(SPACE, workgroup)
    context: dict[str, Any] = {
        "workgroup": workgroup,
        "member": member,
        "membership": services.membership_of(member, workgroup),
        "invitation": services.open_invitation(member, workgroup),
        "chairs": workgroup.memberships.filter(role=WorkgroupRole.CHAIR).select_related("member"),
        "space": space,
        "chair": request.user.has_perm(CHAIR, workgroup),
        "manage": request.user.has_perm(MANAGE, ecosystem),
        "may_join": request.user.has_perm(JOIN, ecosystem) and member is not None,
    }
    if space:
        today = timezone.localdate()
        context.update(
            {
                "members": workgroup.memberships.select_related("member"),
                "goals": workgroup.goals.prefetch_related("tasks__owner"),
                "notes": workgroup.progress_notes.all()[:6],
                # each with whether this person may remove it (services.may_remove_file)
                "files": [
                    (f, services.may_remove_file(request.user, member, f))
                    for f in workgroup.files.select_related("added_by", "workgroup")
                ],
                "recent_posts": workgroup.posts.filter(parent__isnull=True).order_by("-created_at")[
                    :5
                ],
                "figures": services.task_figures(workgroup, today),
                "today": today,
            }
        )
    if workgroup.is_steering_committee and access.reads_reports(request.user, ecosystem):
        context["report"] = SteeringReport.objects.filter(ecosystem=ecosystem).first()
    return render(request, "network/gatherings/workgroup.html", context)


# --- the backbone keeps workgroups --------------------------------------------------------


def _workgroup_form(request: HttpRequest, workgroup: Workgroup | None) -> WorkgroupForm:
    ecosystem = current_ecosystem(request)
    initial: dict[str, Any] = {}
    if workgroup is not None:
        initial = {name: getattr(workgroup, name) for name in services.WORKGROUP_FIELDS}
        initial["chairs"] = [
            m.member_id for m in workgroup.memberships.filter(role=WorkgroupRole.CHAIR)
        ]
    staff = User.objects.filter(
        memberships__ecosystem=ecosystem,
        memberships__role__in=[Role.BACKBONE_STAFF, Role.BACKBONE_ADMIN],
    ).distinct()
    return WorkgroupForm(
        request.POST or None,
        initial=initial,
        members=access.roll(ecosystem).filter(status="active"),
        staff=staff,
    )


def _save(request: HttpRequest, workgroup: Workgroup | None) -> HttpResponseBase:
    form = _workgroup_form(request, workgroup)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_workgroup(
                request.user, current_ecosystem(request), data, list(data["chairs"]), workgroup
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Workgroup saved."))
            return _back(saved)
    return render(
        request,
        "network/gatherings/form.html",
        {
            "form": form,
            "workgroup": workgroup,
            "title": workgroup.name if workgroup else _("New workgroup"),
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def workgroup_new(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    return _save(request, None)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def workgroup_edit(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    return _save(request, access.get_open_workgroup(request, slug))


def _confirm(
    request: HttpRequest,
    workgroup: Workgroup | None,
    title: str,
    text: str,
    button: str,
    back: str,
) -> HttpResponse:
    return render(
        request,
        "network/gatherings/confirm.html",
        {"workgroup": workgroup, "title": title, "text": text, "button": button, "back": back},
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def workgroup_archive(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    if request.method == "POST":
        services.archive(request.user, workgroup)
        messages.success(request, _("Workgroup archived."))
        return redirect("network:workgroups", ecosystem_slug)
    return _confirm(
        request,
        workgroup,
        _("Archive the workgroup “%(name)s”?") % {"name": workgroup.name},
        _("It leaves the list; its notes, tasks and discussion are kept for the record."),
        _("Archive the workgroup"),
        request.path.rsplit("archive/", 1)[0],
    )


# --- joining, invitations, leaving, digest ------------------------------------------------


@ecosystem_view(JOIN)
@require_POST
def workgroup_join(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    member = _member(request)
    if member is None:
        raise PermissionDenied
    try:
        services.join(member, workgroup)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You joined %(name)s.") % {"name": workgroup.name})
    return _back(workgroup)


@ecosystem_view(JOIN)
@require_POST
def invitation_answer(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    member = _member(request)
    invitation = access.get_invitation(workgroup, member)
    accept = request.POST.get("answer") == "accept"
    services.answer(member, invitation, accept=accept)
    if accept:
        messages.success(request, _("You joined %(name)s.") % {"name": workgroup.name})
    else:
        messages.success(request, _("Invitation declined."))
    return _back(workgroup)


@ecosystem_view(JOIN)
@require_http_methods(["GET", "POST"])
def workgroup_leave(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    member = _member(request)
    if services.membership_of(member, workgroup) is None:
        raise Http404
    if request.method == "POST":
        services.leave(member, workgroup)
        messages.success(request, _("You left %(name)s.") % {"name": workgroup.name})
        return _back(workgroup)
    return _confirm(
        request,
        workgroup,
        _("Leave “%(name)s”?") % {"name": workgroup.name},
        _("Your tasks in the group lose their owner; your posts stay."),
        _("Leave the workgroup"),
        request.path.rsplit("leave/", 1)[0],
    )


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def workgroup_invite(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    _need(request, CHAIR, workgroup)
    members = (
        access.roll(current_ecosystem(request))
        .filter(status=MemberStatus.ACTIVE)
        .exclude(workgroups__workgroup=workgroup)
    )
    form = InviteForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(request.user, workgroup, form.cleaned_data["member"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Invitation sent: it waits on the member's pages."))
            return _back(workgroup)
    return render(
        request,
        "network/gatherings/form.html",
        {"form": form, "workgroup": workgroup, "title": _("Invite a member")},
    )


@ecosystem_view(JOIN)
@require_POST
def workgroup_digest(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    member = _member(request)
    if services.membership_of(member, workgroup) is None:
        raise Http404
    on = request.POST.get("digest") == "on"
    services.set_digest(member, workgroup, on)
    messages.success(request, _("Daily digest turned on.") if on else _("Daily digest turned off."))
    return _back(workgroup)


# --- goals, tasks, notes ------------------------------------------------------------------


def _goal(request: HttpRequest, workgroup: Workgroup, goal: Any | None) -> HttpResponseBase:
    initial = {"title": goal.title, "description": goal.description} if goal else {}
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_goal(request.user, workgroup, form.cleaned_data, goal)
        messages.success(request, _("Goal saved."))
        return _back(workgroup)
    return render(
        request,
        "network/gatherings/form.html",
        {"form": form, "workgroup": workgroup, "title": goal.title if goal else _("New goal")},
    )


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    _need(request, CHAIR, workgroup)
    return _goal(request, workgroup, None)


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, ecosystem_slug: str, slug: str, goal: int) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    _need(request, CHAIR, workgroup)
    return _goal(request, workgroup, access.get_goal(workgroup, goal))


def _task(
    request: HttpRequest, workgroup: Workgroup, goal: Any, task: Any | None
) -> HttpResponseBase:
    initial = {n: getattr(task, n) for n in ("title", "owner", "due_on", "status")} if task else {}
    form = TaskForm(
        request.POST or None, initial=initial, members=services.group_members(workgroup)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_task(request.user, goal, form.cleaned_data, task)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Task saved."))
            return _back(workgroup)
    return render(
        request,
        "network/gatherings/form.html",
        {"form": form, "workgroup": workgroup, "title": goal.title},
    )


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest, ecosystem_slug: str, slug: str, goal: int) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    _need(request, CHAIR, workgroup)
    return _task(request, workgroup, access.get_goal(workgroup, goal), None)


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, ecosystem_slug: str, slug: str, task: int) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    _need(request, CHAIR, workgroup)
    found = access.get_task(workgroup, task)
    return _task(request, workgroup, found.goal, found)


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    """The chair's note of this month."""
    workgroup = access.get_open_workgroup(request, slug)
    _need(request, CHAIR, workgroup)
    month = services.month_start(timezone.localdate())
    note = workgroup.progress_notes.filter(month=month).first()
    initial = {"moved": note.moved, "blocked": note.blocked, "next": note.next} if note else {}
    form = NoteForm(request.POST or None, initial=initial)
    locked = note is not None and note.report_id is not None
    if request.method == "POST" and form.is_valid():
        try:
            services.save_note(request.user, workgroup, month, form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Progress note saved."))
            return _back(workgroup)
    return render(
        request,
        "network/gatherings/form.html",
        {
            "form": form,
            "workgroup": workgroup,
            "title": _("Progress note of %(month)s") % {"month": month.strftime("%Y-%m")},
            "locked": locked,
        },
    )


# --- files and links ----------------------------------------------------------------------


@ecosystem_view(JOIN)
@require_http_methods(["GET", "POST"])
def file_new(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    workgroup = access.get_open_workgroup(request, slug)
    member = _member(request)
    if services.membership_of(member, workgroup) is None:
        raise PermissionDenied
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_file(member, workgroup, data["title"], data["url"], data.get("file"))
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Shared with the workgroup."))
            return _back(workgroup)
    return render(
        request,
        "network/gatherings/form.html",
        {
            "form": form,
            "workgroup": workgroup,
            "title": _("Share a file or a link"),
            "multipart": True,
        },
    )


@ecosystem_view(VIEW)
def file_download(request: HttpRequest, ecosystem_slug: str, slug: str, pk: int) -> FileResponse:
    workgroup = access.get_workgroup(request, slug)
    _need(request, SPACE, workgroup)
    shared = access.get_file(workgroup, pk)
    if not shared.file:
        raise Http404
    try:
        stream = shared.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        stream, as_attachment=True, filename=shared.name, content_type=shared.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def file_remove(request: HttpRequest, ecosystem_slug: str, slug: str, pk: int) -> HttpResponseBase:
    """Remove a shared file or link: the member who shared it, a chair or the backbone."""
    workgroup = access.get_open_workgroup(request, slug)
    shared = access.get_file(workgroup, pk)
    member = _member(request)
    if not services.may_remove_file(request.user, member, shared):
        raise PermissionDenied
    if request.method == "POST":
        services.remove_file(request.user, member, shared)
        messages.success(request, _("Removed from the workgroup."))
        return _back(workgroup)
    return _confirm(
        request,
        workgroup,
        _("Remove “%(title)s”?") % {"title": shared.title},
        _("The members of the group no longer find it here."),
        _("Remove"),
        request.path.rsplit("files/", 1)[0],
    )


# --- discussion ---------------------------------------------------------------------------


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def discussion(request: HttpRequest, ecosystem_slug: str, slug: str) -> HttpResponseBase:
    workgroup = access.get_workgroup(request, slug)
    _need(request, SPACE, workgroup)
    member = _member(request)
    form = PostForm(request.POST or None)
    if request.method == "POST":
        if member is None or workgroup.archived_at:
            raise PermissionDenied
        if form.is_valid():
            created = services.post(
                member, workgroup, form.cleaned_data["body"], form.cleaned_data["title"]
            )
            return redirect("network:post", ecosystem_slug, slug, created.pk)
    posts = (
        workgroup.posts.filter(parent__isnull=True)
        .select_related("author")
        .annotate(reply_count=Count("replies"))
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "network/gatherings/discussion.html",
        {
            "workgroup": workgroup,
            "form": form,
            "page": Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page")),
            "may_post": member is not None and not workgroup.archived_at,
        },
    )


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def post_page(request: HttpRequest, ecosystem_slug: str, slug: str, pk: int) -> HttpResponseBase:
    workgroup = access.get_workgroup(request, slug)
    _need(request, SPACE, workgroup)
    post = access.get_post(workgroup, pk)
    member = _member(request)
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if member is None or workgroup.archived_at:
            raise PermissionDenied
        if form.is_valid():
            services.post(member, workgroup, form.cleaned_data["body"], parent=post)
            last = Paginator(post.replies.all(), PAGE_SIZE).num_pages
            return redirect(f"{request.path}?page={last}")
    replies = post.replies.select_related("author").order_by("created_at", "pk")
    return render(
        request,
        "network/gatherings/post.html",
        {
            "workgroup": workgroup,
            "post": post,
            "form": form,
            "page": Paginator(replies, PAGE_SIZE).get_page(request.GET.get("page")),
            "may_post": member is not None and not workgroup.archived_at,
        },
    )


# --- the steering committee's reports -----------------------------------------------------


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = MonthForm(request.POST or None, initial={"month": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        report = services.compile_report(request.user, ecosystem, form.cleaned_data["month"])
        messages.success(request, _("Report compiled."))
        return redirect("network:report", ecosystem_slug, report.month.strftime("%Y-%m"))
    return render(
        request,
        "network/gatherings/reports.html",
        {"form": form, "reports": SteeringReport.objects.filter(ecosystem=ecosystem)},
    )


@ecosystem_view(VIEW)
def report_page(request: HttpRequest, ecosystem_slug: str, month: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    if not access.reads_reports(request.user, ecosystem):
        raise PermissionDenied
    try:
        day = datetime.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404 from None
    report = get_object_or_404(SteeringReport, ecosystem=ecosystem, month=day)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-steering-report-{month}",
            fmt,
            [
                _("Workgroup"),
                _("Note of"),
                _("What moved"),
                _("What is blocked"),
                _("What is next"),
                _("Tasks"),
                _("Done"),
                _("Overdue"),
                _("Blocked tasks"),
            ],
            services.report_rows(report),
        )
    return render(request, "network/gatherings/report.html", {"report": report})


urlpatterns: list[URLPattern] = [
    path("workgroups/", workgroup_list, name="workgroups"),
    path("workgroups/new/", workgroup_new, name="workgroup_new"),
    path("workgroups/reports/", reports, name="reports"),
    path("workgroups/reports/<str:month>/", report_page, name="report"),
    path("workgroups/<slug:slug>/", workgroup_page, name="workgroup"),
    path("workgroups/<slug:slug>/edit/", workgroup_edit, name="workgroup_edit"),
    path("workgroups/<slug:slug>/archive/", workgroup_archive, name="workgroup_archive"),
    path("workgroups/<slug:slug>/join/", workgroup_join, name="workgroup_join"),
    path("workgroups/<slug:slug>/invitation/", invitation_answer, name="invitation_answer"),
    path("workgroups/<slug:slug>/leave/", workgroup_leave, name="workgroup_leave"),
    path("workgroups/<slug:slug>/invite/", workgroup_invite, name="workgroup_invite"),
    path("workgroups/<slug:slug>/digest/", workgroup_digest, name="workgroup_digest"),
    path("workgroups/<slug:slug>/goals/new/", goal_new, name="goal_new"),
    path("workgroups/<slug:slug>/goals/<int:goal>/", goal_edit, name="goal_edit"),
    path("workgroups/<slug:slug>/goals/<int:goal>/tasks/new/", task_new, name="task_new"),
    path("workgroups/<slug:slug>/tasks/<int:task>/", task_edit, name="task_edit"),
    path("workgroups/<slug:slug>/note/", note_edit, name="note"),
    path("workgroups/<slug:slug>/files/new/", file_new, name="file_new"),
    path("workgroups/<slug:slug>/files/<int:pk>/", file_download, name="file"),
    path("workgroups/<slug:slug>/files/<int:pk>/remove/", file_remove, name="file_remove"),
    path("workgroups/<slug:slug>/discussion/", discussion, name="discussion"),
    path("workgroups/<slug:slug>/discussion/<int:pk>/", post_page, name="post"),
]
