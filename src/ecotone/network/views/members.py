"""The network's home and joining: what the network is and the join button for visitors (and
a one-click join for partners' staff and mentors), the member's own page for those on the
roll; the public join page with its double opt-in, the confirmation link (with a password for
a new account), the profile and leaving."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.clientip import client_address
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from .. import access
from ..forms.members import ConfirmForm, JoinForm, ProfileForm, StaffJoinForm
from ..models import MemberStatus
from ..services import members as services
from ..services import nearby
from ..services.workgroups import invitations_of

# A visitor's address may send this many join requests an hour; an email address receives at
# most this many confirmation mails an hour (nobody floods someone's inbox through the page).
JOINS_PER_HOUR = 10
CONFIRMATIONS_PER_HOUR = 3


def _over_limit(key: str, limit: int) -> bool:
    """Count one more request under `key` this hour; True once past `limit` (the cache keeps
    the counts, as allauth's rate limits do)."""
    cache.add(key, 0, 3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 3600)
        count = 1
    return count > limit


# The network's pages, as its home lists them to each person: (label, URL name, permission
# on the ecosystem). The site's menu has the one entry "Network"; this is its second level.
HUB = (
    (gettext_lazy("Workgroups"), "network:workgroups", "network.view_workgroups"),
    (gettext_lazy("Events"), "network:events", "network.view_events"),
    (gettext_lazy("Newsletters"), "network:newsletter_archive", "network.view_newsletters"),
    (gettext_lazy("Member directory"), "network:directory", "network.view_member_directory"),
    (gettext_lazy("Resource library"), "network:resources", "network.view_resources"),
    (
        gettext_lazy("Suggest a news item"),
        "network:newsletter_suggest",
        "network.suggest_items",
    ),
    (gettext_lazy("Welcomes"), "network:welcomes", "network.welcome_members"),
    (gettext_lazy("Members"), "network:members", "network.manage_members"),
    (gettext_lazy("Welcome rotation"), "network:rotation", "network.manage_members"),
    (gettext_lazy("Import a member list"), "network:member_imports", "network.manage_members"),
    (gettext_lazy("Compose newsletters"), "network:newsletters", "network.manage_newsletters"),
    (gettext_lazy("Surveys"), "network:surveys", "network.manage_surveys"),
    (gettext_lazy("Network health"), "network:health", "network.view_health"),
)


def hub(user: Any, ecosystem: Any) -> list[tuple[str, str]]:
    """The network's pages this person may open, for its home."""
    return [
        (str(label), reverse(name, kwargs={"ecosystem_slug": ecosystem.slug}))
        for label, name, permission in HUB
        if user.has_perm(permission, ecosystem)
    ]


@ecosystem_view("network.join", public=True)
def network_home(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    member = access.member_of(request.user, ecosystem)
    context: dict[str, Any] = {
        "ecosystem": ecosystem,
        "member": member,
        "backbone": request.user.has_perm("network.manage_members", ecosystem),
        "hub": hub(request.user, ecosystem),
        # gatherings: invitations to workgroups, accepted from here or the group's page
        "workgroup_invitations": invitations_of(member),
    }
    if member is not None:
        context["interests"] = member.interests.all()
        context["to_welcome"] = member.welcomes_to_send.filter(
            sent_at__isnull=True, newcomer__status=MemberStatus.ACTIVE
        ).select_related("newcomer")
        context["near"] = nearby.members_near(member)
    else:
        context["staff_join"] = services.staff_source(request.user, ecosystem) is not None
        context["staff_form"] = StaffJoinForm()
    return render(request, "network/home.html", context)


@ecosystem_view("network.join", public=True)
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    if access.member_of(request.user, ecosystem) is not None:
        return redirect("network:home", ecosystem_slug=ecosystem.slug)
    initial = {"language": request.LANGUAGE_CODE or ecosystem.default_language}
    if request.user.is_authenticated:
        initial |= {"name": request.user.name, "email": request.user.email}
    form = JoinForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if _over_limit(f"network-join:{ecosystem.pk}:{client_address(request)}", JOINS_PER_HOUR):
            return render(
                request, "network/members/join.html", {"form": form, "limited": True}, status=429
            )
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            # a robot filled the hidden field: it hears what a person hears, and nothing is kept
            if not form.cleaned_data.get("website") and not _over_limit(
                f"network-confirm:{ecosystem.pk}:{email}", CONFIRMATIONS_PER_HOUR
            ):
                services.join(
                    ecosystem, email, form.profile(), form.cleaned_data.get("interests") or []
                )
            # the same answer whether or not the address is on the roll already
            return render(request, "network/members/join_sent.html", {"email": email})
    return render(request, "network/members/join.html", {"form": form})


@ecosystem_view("network.join", public=True)
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, ecosystem_slug: str, token: str) -> HttpResponse:
    """The link of the confirmation mail: a page with a button (a mail scanner that opens the
    link confirms nothing), and a password for a new account when the address has none."""
    ecosystem = current_ecosystem(request)
    member = services.pending_by_token(ecosystem, token)
    if member is None:
        return render(request, "network/members/confirm_used.html", status=404)
    has_account = services.account_for(member.email) is not None
    # an account with this address that is not verified yet is not linked: its owner signs in
    # and verifies it first
    blocked = not has_account and services.account_exists(member.email)
    needs_password = not has_account and not blocked
    form = ConfirmForm(request.POST or None) if needs_password else None
    if request.method == "POST" and (form is None or form.is_valid()):
        password = form.cleaned_data["password1"] if form is not None else None
        try:
            user = services.confirm(member, password)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("network:home", ecosystem_slug=ecosystem.slug)
        messages.success(request, _("Welcome to the network! You are now a member."))
        if user is not None and needs_password:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("network:home", ecosystem_slug=ecosystem.slug)
        if request.user.is_authenticated and request.user == user:
            return redirect("network:home", ecosystem_slug=ecosystem.slug)
        messages.info(request, _("Sign in to reach your member page."))
        home = reverse("network:home", kwargs={"ecosystem_slug": ecosystem.slug})
        return redirect(f"{reverse('account_login')}?{urlencode({'next': home})}")
    return render(
        request,
        "network/members/confirm.html",
        {"member": member, "form": form, "has_account": has_account, "blocked": blocked},
    )


@ecosystem_view("network.join", public=True)
@require_POST
def join_as_staff(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """One click for a partner's staff member or a mentor who agrees to be a member."""
    ecosystem = current_ecosystem(request)
    if services.staff_source(request.user, ecosystem) is None:
        raise Http404
    form = StaffJoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick “Yes, I want to be a member of the network” to join."))
        return redirect("network:home", ecosystem_slug=ecosystem.slug)
    try:
        services.join_as_staff(
            ecosystem,
            request.user,
            email_consent=form.cleaned_data["email_consent"],
            in_directory=form.cleaned_data["in_directory"],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Welcome to the network! You are now a member."))
    return redirect("network:home", ecosystem_slug=ecosystem.slug)


def _own(request: HttpRequest) -> Any:
    member = access.own_member(request)
    if member is None:
        raise Http404
    return member


@ecosystem_view("network.view_network")
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    member = _own(request)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_from(member))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(
                member, form.profile(), form.cleaned_data.get("interests") or []
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("network:home", ecosystem_slug=member.ecosystem.slug)
    return render(request, "network/members/profile.html", {"form": form, "member": member})


@ecosystem_view("network.view_network")
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    member = _own(request)
    if request.method == "POST":
        services.leave(member)
        messages.success(
            request, _("You have left the network. We erased your name, address and profile.")
        )
        return redirect("network:home", ecosystem_slug=member.ecosystem.slug)
    return render(request, "network/members/leave.html", {"member": member})


urlpatterns: list[URLPattern] = [
    path("", network_home, name="home"),
    path("join/", join, name="join"),
    path("join/staff/", join_as_staff, name="join_staff"),
    path("confirm/<str:token>/", confirm, name="confirm"),
    path("me/", profile, name="profile"),
    path("me/leave/", leave, name="leave"),
]
