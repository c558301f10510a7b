"""Workgroups: the backbone keeps them (charter, chairs, contact, open or closed, archived);
members join open groups or accept an invitation, and leave; chairs and the backbone keep goals
with tasks and write the monthly progress note; the backbone compiles a month's steering
committee report from every group's latest note; members share files and links and talk in the
group's discussion, with a daily digest of new posts (`send_digests`, never a post twice)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ecotone.attachments import check_attachment
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import hooks
from .. import notifications_gatherings as notify
from ..models import (
    DigestEntry,
    Goal,
    Member,
    MemberStatus,
    Post,
    ProgressNote,
    SteeringReport,
    Task,
    TaskStatus,
    Workgroup,
    WorkgroupFile,
    WorkgroupInvitation,
    WorkgroupMembership,
    WorkgroupRole,
)

MANAGE = "network.manage_workgroups"
CHAIR = "network.chair_workgroup"
WORKGROUP_FIELDS = ("name", "charter", "backbone_contact", "is_open", "is_steering_committee")


def _require(actor: Any, permission: str, obj: Any) -> None:
    if not actor.has_perm(permission, obj):
        raise DomainError(_("You may not do this in this workgroup."))


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# --- the backbone's workgroups ------------------------------------------------------------


# the list's own addresses (workgroups/new/, workgroups/reports/)
RESERVED_SLUGS = frozenset({"new", "reports"})


def _unique_slug(ecosystem: Ecosystem, name: str) -> str:
    base = slugify(name)[:70] or "workgroup"
    if base in RESERVED_SLUGS:
        base = f"{base}-group"
    slug, n = base, 1
    while Workgroup.objects.filter(ecosystem=ecosystem, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def save_workgroup(
    actor: Any,
    ecosystem: Ecosystem,
    data: dict[str, Any],
    chairs: list[Member],
    workgroup: Workgroup | None = None,
) -> Workgroup:
    """Create or change a workgroup; `chairs` become its chairs (members of it), the other
    chairs members."""
    _require(actor, MANAGE, ecosystem)
    if any(m.ecosystem_id != ecosystem.pk or m.status != MemberStatus.ACTIVE for m in chairs):
        raise DomainError(_("Chairs are active members of this network."))
    with acting(actor):
        if workgroup is None:
            workgroup = Workgroup(ecosystem=ecosystem, slug=_unique_slug(ecosystem, data["name"]))
        for name in WORKGROUP_FIELDS:
            if name in data:
                setattr(workgroup, name, data[name])
        if workgroup.is_steering_committee:
            others = Workgroup.objects.filter(ecosystem=ecosystem, is_steering_committee=True)
            if workgroup.pk:
                others = others.exclude(pk=workgroup.pk)
            others.update(is_steering_committee=False)
        workgroup.save()
        chair_ids = {m.pk for m in chairs}
        workgroup.memberships.filter(role=WorkgroupRole.CHAIR).exclude(
            member_id__in=chair_ids
        ).update(role=WorkgroupRole.MEMBER)
        for member in chairs:
            WorkgroupMembership.objects.update_or_create(
                workgroup=workgroup, member=member, defaults={"role": WorkgroupRole.CHAIR}
            )
    hooks.forget(actor)
    return workgroup


def archive(actor: Any, workgroup: Workgroup) -> Workgroup:
    _require(actor, MANAGE, workgroup.ecosystem)
    with acting(actor):
        workgroup.archived_at = workgroup.archived_at or timezone.now()
        workgroup.save(update_fields=["archived_at", "updated_at"])
    return workgroup


# --- joining, invitations, leaving --------------------------------------------------------


def membership_of(member: Member | None, workgroup: Workgroup) -> WorkgroupMembership | None:
    if member is None:
        return None
    return WorkgroupMembership.objects.filter(workgroup=workgroup, member=member).first()


def open_invitation(member: Member | None, workgroup: Workgroup) -> WorkgroupInvitation | None:
    if member is None:
        return None
    return WorkgroupInvitation.objects.filter(
        workgroup=workgroup, member=member, answered_at__isnull=True
    ).first()


def invitations_of(member: Member | None) -> QuerySet[WorkgroupInvitation]:
    if member is None:
        return WorkgroupInvitation.objects.none()
    return WorkgroupInvitation.objects.filter(
        member=member, answered_at__isnull=True, workgroup__archived_at__isnull=True
    ).select_related("workgroup")


def _add(member: Member, workgroup: Workgroup) -> WorkgroupMembership:
    if workgroup.archived_at is not None:
        raise DomainError(_("This workgroup is archived."))
    if member.status != MemberStatus.ACTIVE or member.ecosystem_id != workgroup.ecosystem_id:
        raise DomainError(_("Only members of the network join workgroups."))
    found, _created = WorkgroupMembership.objects.get_or_create(workgroup=workgroup, member=member)
    if member.user is not None:
        hooks.forget(member.user)
    return found


def join(member: Member, workgroup: Workgroup) -> WorkgroupMembership:
    """Join an open workgroup (a closed one only with an invitation: `answer`)."""
    if not workgroup.is_open and open_invitation(member, workgroup) is None:
        raise DomainError(_("This workgroup is closed: join it by invitation."))
    with acting(member.user):
        found = _add(member, workgroup)
        WorkgroupInvitation.objects.filter(
            workgroup=workgroup, member=member, answered_at__isnull=True
        ).update(answered_at=timezone.now(), accepted=True)
    return found


def invite(actor: Any, workgroup: Workgroup, member: Member) -> WorkgroupInvitation:
    _require(actor, CHAIR, workgroup)
    if member.ecosystem_id != workgroup.ecosystem_id or member.status != MemberStatus.ACTIVE:
        raise DomainError(_("Invite an active member of this network."))
    if membership_of(member, workgroup) is not None:
        raise DomainError(_("%(name)s is already in this workgroup.") % {"name": member.name})
    with acting(actor):
        found = open_invitation(member, workgroup)
        if found is None:
            found = WorkgroupInvitation.objects.create(
                workgroup=workgroup, member=member, invited_by=actor
            )
    return found


def answer(member: Member, invitation: WorkgroupInvitation, *, accept: bool) -> None:
    if invitation.member_id != member.pk or invitation.answered_at is not None:
        raise DomainError(_("This invitation is not open."))
    with acting(member.user):
        if accept:
            _add(member, invitation.workgroup)
        invitation.answered_at = timezone.now()
        invitation.accepted = accept
        invitation.save(update_fields=["answered_at", "accepted", "updated_at"])


def leave(member: Member, workgroup: Workgroup) -> None:
    with acting(member.user):
        WorkgroupMembership.objects.filter(workgroup=workgroup, member=member).delete()
        Task.objects.filter(workgroup=workgroup, owner=member).update(owner=None)
    if member.user is not None:
        hooks.forget(member.user)


def set_digest(member: Member, workgroup: Workgroup, on: bool) -> None:
    WorkgroupMembership.objects.filter(workgroup=workgroup, member=member).update(digest=on)


# --- goals and tasks ----------------------------------------------------------------------


def save_goal(actor: Any, workgroup: Workgroup, data: dict[str, Any], goal: Goal | None) -> Goal:
    _require(actor, CHAIR, workgroup)
    with acting(actor):
        goal = goal or Goal(workgroup=workgroup)
        goal.title = data["title"]
        goal.description = data.get("description", "")
        goal.save()
    return goal


def group_members(workgroup: Workgroup) -> QuerySet[Member]:
    return Member.objects.filter(workgroups__workgroup=workgroup, status=MemberStatus.ACTIVE)


def save_task(actor: Any, goal: Goal, data: dict[str, Any], task: Task | None) -> Task:
    """A goal's task; its owner is a member of the group."""
    workgroup = goal.workgroup
    _require(actor, CHAIR, workgroup)
    owner = data.get("owner")
    if owner is not None and not group_members(workgroup).filter(pk=owner.pk).exists():
        raise DomainError(_("The owner is a member of the workgroup."))
    with acting(actor):
        task = task or Task(goal=goal, workgroup=workgroup)
        for name in ("title", "owner", "due_on", "status"):
            if name in data:
                setattr(task, name, data[name])
        task.save()
    return task


def task_figures(workgroup: Workgroup, on: datetime.date) -> dict[str, int]:
    tasks = list(workgroup.tasks.values_list("status", "due_on"))
    return {
        "tasks": len(tasks),
        "done": sum(1 for status, _due in tasks if status == TaskStatus.DONE),
        "blocked_tasks": sum(1 for status, _due in tasks if status == TaskStatus.BLOCKED),
        "overdue": sum(
            1 for status, due in tasks if status != TaskStatus.DONE and due and due < on
        ),
    }


# --- progress notes and the steering committee's report -----------------------------------


def save_note(
    actor: Any, workgroup: Workgroup, month: datetime.date, data: dict[str, Any]
) -> ProgressNote:
    """The chair's note of `month` (one per group per month), editable until the month's
    report is compiled."""
    _require(actor, CHAIR, workgroup)
    month = month_start(month)
    with acting(actor):
        note = ProgressNote.objects.filter(workgroup=workgroup, month=month).first()
        if note is not None and note.report_id is not None:
            raise DomainError(_("This month's report is compiled: the note can no longer change."))
        note = note or ProgressNote(workgroup=workgroup, month=month)
        note.moved = data["moved"]
        note.blocked = data.get("blocked", "")
        note.next = data.get("next", "")
        note.written_by = actor
        note.save()
    return note


def compile_report(actor: Any, ecosystem: Ecosystem, month: datetime.date) -> SteeringReport:
    """Compile (or compile again) the month's report: for every workgroup not archived, its
    latest note up to that month and its task figures. The month's notes are locked."""
    _require(actor, MANAGE, ecosystem)
    month = month_start(month)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    on = next_month - datetime.timedelta(days=1)
    with acting(actor):
        report, _created = SteeringReport.objects.get_or_create(ecosystem=ecosystem, month=month)
        rows = []
        groups = Workgroup.objects.filter(ecosystem=ecosystem, archived_at__isnull=True).exclude(
            is_steering_committee=True
        )
        for workgroup in groups.order_by("name"):
            note = workgroup.progress_notes.filter(month__lte=month).order_by("-month").first()
            rows.append(
                {
                    "workgroup": workgroup.name,
                    "slug": workgroup.slug,
                    "note_month": note.month.isoformat() if note else None,
                    "moved": note.moved if note else "",
                    "blocked": note.blocked if note else "",
                    "next": note.next if note else "",
                    **task_figures(workgroup, on),
                }
            )
            if note is not None and note.month == month:
                note.report = report
                note.save(update_fields=["report", "updated_at"])
        report.rows = rows
        report.compiled_by = actor
        report.save()
    return report


REPORT_HEADERS = (
    "workgroup",
    "note_month",
    "moved",
    "blocked",
    "next",
    "tasks",
    "done",
    "overdue",
    "blocked_tasks",
)


def report_rows(report: SteeringReport) -> list[list[Any]]:
    return [
        [
            r["workgroup"],
            r["note_month"] or "",
            r["moved"],
            r["blocked"],
            r["next"],
            r["tasks"],
            r["done"],
            r["overdue"],
            r["blocked_tasks"],
        ]
        for r in report.rows
    ]


# --- files and links ----------------------------------------------------------------------


def add_file(
    member: Member,
    workgroup: Workgroup,
    title: str,
    url: str,
    file: IO[bytes] | File[Any] | None,
) -> WorkgroupFile:
    if not url and file is None:
        raise DomainError(_("Give a link or a file."))
    checked = check_attachment(file) if file is not None else None
    with acting(member.user):
        shared = WorkgroupFile(workgroup=workgroup, title=title, url=url, added_by=member)
        if checked is not None and file is not None:
            shared.name, shared.content_type, shared.size = (
                checked.name,
                checked.content_type,
                checked.size,
            )
            shared.file.save(checked.name, file if isinstance(file, File) else File(file), False)
        shared.save()
    return shared


def may_remove_file(user: Any, member: Member | None, shared: WorkgroupFile) -> bool:
    """A shared file or link is removed by the member who shared it, a chair or the backbone."""
    mine = member is not None and shared.added_by_id == member.pk
    return mine or bool(user.has_perm(CHAIR, shared.workgroup))


def remove_file(actor: Any, member: Member | None, shared: WorkgroupFile) -> None:
    if not may_remove_file(actor, member, shared):
        raise DomainError(_("You may not do this in this workgroup."))
    with acting(actor):
        storage, name = shared.file.storage, shared.file.name
        shared.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


# --- discussion and digests ---------------------------------------------------------------


def post(
    member: Member, workgroup: Workgroup, body: str, title: str = "", parent: Post | None = None
) -> Post:
    if parent is not None and (parent.workgroup_id != workgroup.pk or parent.parent_id):
        raise DomainError(_("Reply to a post of this workgroup."))
    if parent is None and not title.strip():
        raise DomainError(_("Give the post a subject."))
    return Post.objects.create(
        workgroup=workgroup, author=member, body=body, title=title, parent=parent
    )


def send_digests(ecosystem: Ecosystem | None = None) -> int:
    """One mail per member listing the posts of their groups (digest on) they have not been
    sent yet, by others; none without new posts. Each post is recorded as sent to the member
    in the transaction that claims it, before the mail goes: never the same post twice."""
    memberships = WorkgroupMembership.objects.filter(
        digest=True,
        member__status=MemberStatus.ACTIVE,
        member__email_bounced_at__isnull=True,
        workgroup__archived_at__isnull=True,
    )
    if ecosystem is not None:
        memberships = memberships.filter(workgroup__ecosystem=ecosystem)
    groups: dict[int, list[int]] = defaultdict(list)
    for member_id, workgroup_id in memberships.values_list("member_id", "workgroup_id"):
        groups[member_id].append(workgroup_id)
    sent = 0
    for member_id, workgroup_ids in sorted(groups.items()):
        with transaction.atomic():
            member = Member.objects.select_for_update().get(pk=member_id)
            already = DigestEntry.objects.filter(member=member).values("post_id")
            posts = list(
                Post.objects.filter(workgroup_id__in=workgroup_ids)
                .exclude(pk__in=already)
                .exclude(author=member)
                .select_related("workgroup", "author", "parent")
                .order_by("workgroup__name", "created_at", "pk")
            )
            if not posts:
                continue
            DigestEntry.objects.bulk_create(DigestEntry(member=member, post=p) for p in posts)
        notify.send_digest(member, posts)
        sent += 1
    return sent
