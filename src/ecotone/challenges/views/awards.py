"""Awards of a call for backbone staff (list and funds, a new award, editing, milestones, the
signed agreement, the announcement with its confirmation, publishing), the payments due in
the ecosystem, and the public winners page. The rules are `services.awards`'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from .. import access
from ..forms.awards import AgreementForm, AwardForm, MilestoneForm, NewAwardForm
from ..models import Award, AwardMilestone, Call
from ..services import awards as award_services

MANAGE = "challenges.manage_calls"
PUBLIC = "challenges.view_calls"


def _award(request: HttpRequest, call: Call, pk: int) -> Award:
    return get_object_or_404(
        Award.objects.select_related("application__call"), pk=pk, application__call=call
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def award_list(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    choices = [(a.pk, a.title) for a in award_services.candidates(call)]
    form = NewAwardForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        application = get_object_or_404(
            access.applications_of(request.user, current_ecosystem(request)).filter(call=call),
            pk=form.cleaned_data["application"],
        )
        try:
            award_services.award(
                application,
                by=request.user,
                amount=form.cleaned_data["amount"],
                in_kind=form.cleaned_data["in_kind"],
                citation=form.cleaned_data["citation"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Award recorded for “%(title)s”.") % {"title": application.title}
            )
            return redirect("challenges:awards", ecosystem_slug, call.slug)
    awards = list(award_services.awards_of(call))
    return render(
        request,
        "challenges/awards/list.html",
        {
            "call": call,
            "awards": awards,
            "funds": award_services.funds(call),
            "form": form,
            "has_candidates": bool(choices),
            "unannounced": sum(1 for a in awards if a.announced_at is None),
            "last_round": award_services.last_round(call),
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def award_detail(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, pk: int
) -> HttpResponse:
    call = access.get_call(request, call_slug)
    granted = _award(request, call, pk)
    form = AwardForm(
        request.POST or None,
        initial={
            "amount": granted.amount,
            "in_kind": granted.in_kind,
            "citation": granted.citation,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            award_services.update_award(granted, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Award saved."))
            return redirect("challenges:award", ecosystem_slug, call.slug, granted.pk)
    return _detail(request, call, granted, form=form)


def _detail(request: HttpRequest, call: Call, granted: Award, **forms: Any) -> HttpResponse:
    context = {
        "call": call,
        "award": granted,
        "milestones": granted.milestones.all(),
        "form": forms.get("form")
        or AwardForm(
            initial={
                "amount": granted.amount,
                "in_kind": granted.in_kind,
                "citation": granted.citation,
            }
        ),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(),
        "agreement_form": forms.get("agreement_form") or AgreementForm(),
    }
    return render(request, "challenges/awards/detail.html", context)


@ecosystem_view(MANAGE)
@require_POST
def add_milestone(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, pk: int
) -> HttpResponse:
    call = access.get_call(request, call_slug)
    granted = _award(request, call, pk)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            award_services.add_milestone(granted, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Milestone added."))
            return redirect("challenges:award", ecosystem_slug, call.slug, granted.pk)
    return _detail(request, call, granted, milestone_form=form)


@ecosystem_view(MANAGE)
@require_POST
def milestone_done(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, pk: int, milestone: int
) -> HttpResponse:
    call = access.get_call(request, call_slug)
    granted = _award(request, call, pk)
    found = get_object_or_404(AwardMilestone, pk=milestone, award=granted)
    try:
        award_services.mark_done(found, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Marked done."))
    return redirect("challenges:award", ecosystem_slug, call.slug, granted.pk)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def agreement(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, pk: int
) -> HttpResponseBase:
    """GET: the signed agreement (staff only); POST: upload it."""
    call = access.get_call(request, call_slug)
    granted = _award(request, call, pk)
    if request.method == "GET":
        if not granted.agreement:
            raise Http404
        return FileResponse(granted.agreement.open("rb"), as_attachment=True)
    form = AgreementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            award_services.attach_agreement(
                granted,
                by=request.user,
                file=form.cleaned_data["file"],
                signed_on=form.cleaned_data["signed_on"],
            )
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("Signed agreement kept."))
            return redirect("challenges:award", ecosystem_slug, call.slug, granted.pk)
    return _detail(request, call, granted, agreement_form=form)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def announce(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    """GET: what would be announced, to confirm; POST: announce."""
    call = access.get_call(request, call_slug)
    waiting = [a for a in award_services.awards_of(call) if a.announced_at is None]
    if request.method == "POST":
        try:
            done = award_services.announce(call, by=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(n)s awards announced: the winners are emailed.") % {"n": len(done)},
            )
        return redirect("challenges:awards", ecosystem_slug, call.slug)
    return render(request, "challenges/awards/announce.html", {"call": call, "waiting": waiting})


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def decline_rest(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    """GET: the last round's applications not awarded, to confirm; POST: decline them."""
    call = access.get_call(request, call_slug)
    if request.method == "POST":
        try:
            n = award_services.decline_rest(call, by=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("%(n)s applications declined: their applicants are emailed.") % {"n": n}
            )
        return redirect("challenges:awards", ecosystem_slug, call.slug)
    return render(
        request,
        "challenges/awards/decline_rest.html",
        {"call": call, "rest": award_services.candidates(call)},
    )


@ecosystem_view(MANAGE)
@require_POST
def publish(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    try:
        award_services.publish_winners(call, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The winners page is public."))
    return redirect("challenges:awards", ecosystem_slug, call.slug)


@ecosystem_view(MANAGE)
def payments_due(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    return render(
        request,
        "challenges/awards/payments_due.html",
        {
            "milestones": award_services.payments_due(ecosystem),
            "days": award_services.DUE_SOON_DAYS,
        },
    )


@ecosystem_view(PUBLIC, public=True)
def winners(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    if call.winners_published_at is None:
        raise Http404
    return render(
        request,
        "challenges/awards/winners.html",
        {"call": call, "winners": award_services.winners(call)},
    )


CALL = "calls/<slug:call_slug>/"
urlpatterns = [
    path(f"{CALL}awards/", award_list, name="awards"),
    path(f"{CALL}awards/announce/", announce, name="announce_awards"),
    path(f"{CALL}awards/publish/", publish, name="publish_winners"),
    path(f"{CALL}awards/decline-rest/", decline_rest, name="decline_rest"),
    path(f"{CALL}awards/<int:pk>/", award_detail, name="award"),
    path(f"{CALL}awards/<int:pk>/milestones/", add_milestone, name="add_milestone"),
    path(
        f"{CALL}awards/<int:pk>/milestones/<int:milestone>/done/",
        milestone_done,
        name="milestone_done",
    ),
    path(f"{CALL}awards/<int:pk>/agreement/", agreement, name="award_agreement"),
    path(f"{CALL}winners/", winners, name="winners"),
    path("payments-due/", payments_due, name="payments_due"),
]
