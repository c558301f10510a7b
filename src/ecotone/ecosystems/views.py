from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from ecotone import concurrency, overview
from ecotone.accounts import services as account_services
from ecotone.accounts import tokens
from ecotone.accounts.forms import ProfileForm
from ecotone.accounts.models import User
from ecotone.exports import FORMATS, table_response
from ecotone.replicas import read_replica

from . import audit, network_page, roles, services, stats
from .access import (
    current_ecosystem,
    ecosystem_view,
    get_invitation,
    get_membership,
    get_organization,
)
from .forms import (
    ContactFormSet,
    EcosystemSettingsForm,
    InvitationForm,
    MemberFilterForm,
    MembershipForm,
    OrganizationFilterForm,
    OrganizationForm,
    contacts_from,
)
from .mfa import has_mfa, lacks_required_mfa
from .models import Ecosystem, Invitation, Membership, Network, Organization, Role, Sector

PAGE_SIZE = 25


def _page(request: HttpRequest, queryset: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(queryset, size).get_page(request.GET.get("page"))


# Landing ---------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """Everyone's front door: the ecosystems here; for people with roles, where they work."""
    user = request.user
    if user.is_authenticated:
        ecosystem_ids = roles.ecosystem_ids(user)
        networks = list(Network.objects.filter(pk__in=roles.operated_network_ids(user)))
        if len(ecosystem_ids) == 1 and not networks and request.GET.get("all") is None:
            only = Ecosystem.objects.filter(pk__in=ecosystem_ids, is_active=True).first()
            if only is not None:
                return redirect(only.get_absolute_url())
    ecosystems = Ecosystem.objects.filter(is_active=True).annotate(
        partner_count=Count("organizations", filter=Q(organizations__archived_at__isnull=True))
    )
    return render(request, "ecosystems/home.html", {"ecosystems": ecosystems})


@ecosystem_view("ecosystems.view_ecosystem", public=True)
def ecosystem_home(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    user = request.user
    active = ecosystem.organizations.active()
    by_sector = dict(active.values_list("sector").annotate(n=Count("pk")).order_by())
    context: dict[str, Any] = {
        "sectors": [(label, by_sector.get(value, 0)) for value, label in Sector.choices],
        "partner_count": sum(by_sector.values()),
        "my_roles": roles.roles_in(user, ecosystem),
        "overview_cards": overview.cards_for(user, ecosystem),
    }
    if user.has_perm("ecosystems.view_members", ecosystem):
        by_role = dict(ecosystem.memberships.values_list("role").annotate(n=Count("pk")).order_by())
        context["members_by_role"] = [
            (label, by_role.get(value, 0)) for value, label in Role.choices
        ]
        context["pending_invitations"] = ecosystem.invitations.pending().count()
    if Role.PARTNER_STAFF in context["my_roles"]:
        context["my_organizations"] = active.filter(pk__in=roles.organizations_in(user, ecosystem))
    if user.has_perm("ecosystems.view_audit_log", ecosystem):
        context["recent_changes"] = audit.log_for(ecosystem)[:5]
    return render(request, "ecosystems/ecosystem_home.html", context)


# Partner organizations -------------------------------------------------------------------------


def _filtered_organizations(request: HttpRequest, form: OrganizationFilterForm) -> Any:
    ecosystem = current_ecosystem(request)
    organizations = ecosystem.organizations.all()
    data = form.cleaned_data if form.is_valid() else {}
    if not (
        data.get("archived") and request.user.has_perm("ecosystems.archive_organization", ecosystem)
    ):
        organizations = organizations.active()
    if q := data.get("q"):
        organizations = organizations.filter(
            Q(name__icontains=q)
            | Q(alternate_name__icontains=q)
            | Q(city__icontains=q)
            | Q(description__icontains=q)
        )
    if sector := data.get("sector"):
        organizations = organizations.filter(sector=sector)
    return organizations.order_by(data.get("sort") or "name", "pk")


@read_replica
@ecosystem_view("ecosystems.view_organization", public=True)
def organization_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = OrganizationFilterForm(request.GET)
    organizations = _filtered_organizations(request, form)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        if not request.user.has_perm("ecosystems.export_organizations", ecosystem):
            raise Http404
        return table_response(
            f"{ecosystem.slug}-partners",
            fmt,
            [
                _("Name"),
                _("Sector"),
                _("Role in the coalition"),
                _("City"),
                _("ZIP code"),
                _("Website"),
                _("Email"),
                _("Phone"),
                _("Archived"),
            ],
            (
                (
                    o.name,
                    o.get_sector_display(),
                    o.get_coalition_role_display(),
                    o.city,
                    o.postal_code,
                    o.website,
                    o.email,
                    o.phone,
                    o.archived_at.date().isoformat() if o.archived_at else "",
                )
                for o in organizations.iterator()
            ),
        )
    return render(
        request,
        "ecosystems/organization_list.html",
        {"form": form, "page": _page(request, organizations)},
    )


@ecosystem_view("ecosystems.view_organization", public=True)
def organization_detail(
    request: HttpRequest, ecosystem_slug: str, organization_slug: str
) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    may_see_archived = request.user.has_perm("ecosystems.archive_organization", ecosystem)
    organization = get_organization(request, organization_slug, include_archived=may_see_archived)
    show_contacts = request.user.has_perm("ecosystems.view_organization_contacts", organization)
    return render(
        request,
        "ecosystems/organization_detail.html",
        {
            "organization": organization,
            "contacts": organization.contacts.all() if show_contacts else None,
            "can_change": request.user.has_perm("ecosystems.change_organization", organization),
            "can_archive": request.user.has_perm("ecosystems.archive_organization", organization),
        },
    )


@ecosystem_view("ecosystems.add_organization")
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.create_organization(ecosystem, request.user, **form.cleaned_data)
        messages.success(request, _("%(name)s was added.") % {"name": organization.name})
        return redirect(organization)
    return render(request, "ecosystems/organization_form.html", {"form": form})


def _organization_snapshot(organization: Organization) -> dict[str, Any]:
    """What the edit page shows of a partner, to tell a second writer what changed."""
    snapshot = concurrency.form_snapshot(OrganizationForm(instance=organization))
    snapshot["contacts"] = [
        {name: getattr(contact, name) for name in services.CONTACT_FIELDS}
        for contact in organization.contacts.order_by("pk")
    ]
    return snapshot


@ecosystem_view("ecosystems.enter_member_area")
@require_http_methods(["GET", "POST"])
def organization_edit(
    request: HttpRequest, ecosystem_slug: str, organization_slug: str
) -> HttpResponse:
    organization = get_organization(request, organization_slug)
    if not request.user.has_perm("ecosystems.change_organization", organization):
        raise PermissionDenied
    edit = concurrency.EditPage(
        request.POST, concurrency.version_of(organization), _organization_snapshot(organization)
    )
    # Validation writes into the instances it is given; the service gets fresh ones.
    form = OrganizationForm(request.POST or None, instance=organization)
    contacts = ContactFormSet(request.POST or None, instance=organization, prefix="contacts")
    # A post without the contacts part (a script, an old form) leaves the contacts alone.
    with_contacts = request.method == "GET" or "contacts-TOTAL_FORMS" in request.POST
    if request.method == "POST" and form.is_valid() and (not with_contacts or contacts.is_valid()):
        try:
            services.update_organization(
                get_organization(request, organization_slug),
                request.user,
                contacts=contacts_from(contacts) if with_contacts else None,
                expected_version=edit.expected_version,
                **form.cleaned_data,
            )
        except concurrency.EditConflictError as error:
            edit.refused(error, OrganizationForm(), {"contacts": _("Contacts")})
        except services.DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(organization)
    return render(
        request,
        "ecosystems/organization_form.html",
        {**edit.context(), "form": form, "contacts": contacts, "organization": organization},
    )


@ecosystem_view("ecosystems.archive_organization")
@require_http_methods(["GET", "POST"])
def organization_archive(
    request: HttpRequest, ecosystem_slug: str, organization_slug: str
) -> HttpResponse:
    organization = get_organization(request, organization_slug, include_archived=True)
    restoring = organization.is_archived
    if request.method == "POST":
        try:
            if restoring:
                services.restore_organization(organization, request.user)
                messages.success(request, _("%(name)s was restored.") % {"name": organization.name})
            else:
                services.archive_organization(organization, request.user)
                messages.success(request, _("%(name)s was archived.") % {"name": organization.name})
        except services.DomainError as error:
            messages.error(request, str(error))
        return redirect(organization)
    return render(
        request,
        "ecosystems/organization_archive.html",
        {"organization": organization, "restoring": restoring},
    )


# Members and invitations -----------------------------------------------------------------------


@read_replica
@ecosystem_view("ecosystems.view_members")
def member_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = MemberFilterForm(request.GET)
    memberships = ecosystem.memberships.select_related("user").prefetch_related(
        Prefetch("organizations", queryset=Organization.objects.select_related("ecosystem"))
    )
    if form.is_valid():
        if q := form.cleaned_data["q"]:
            memberships = memberships.filter(
                Q(user__email__icontains=q) | Q(user__name__icontains=q)
            )
        if role := form.cleaned_data["role"]:
            memberships = memberships.filter(role=role)
    memberships = memberships.order_by("user__name", "user__email", "role")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        if not request.user.has_perm("ecosystems.export_members", ecosystem):
            raise Http404
        return table_response(
            f"{ecosystem.slug}-members",
            fmt,
            [_("Name"), _("Email"), _("Role"), _("Organizations"), _("Since")],
            (
                (
                    m.user.name,
                    m.user.email,
                    m.get_role_display(),
                    "; ".join(o.name for o in m.organizations.all()),
                    m.created_at.date().isoformat(),
                )
                for m in memberships
            ),
        )
    return render(
        request,
        "ecosystems/member_list.html",
        {
            "form": form,
            "page": _page(request, memberships),
            "can_change": request.user.has_perm("ecosystems.change_membership", ecosystem),
        },
    )


@ecosystem_view("ecosystems.change_membership")
@require_http_methods(["GET", "POST"])
def membership_edit(request: HttpRequest, ecosystem_slug: str, membership_id: int) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    membership = get_membership(request, membership_id)
    edit = concurrency.EditPage(
        request.POST,
        concurrency.version_of(membership),
        concurrency.form_snapshot(MembershipForm(instance=membership, ecosystem=ecosystem)),
    )
    form = MembershipForm(request.POST or None, instance=membership, ecosystem=ecosystem)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_membership(
                get_membership(request, membership_id),
                request.user,
                role=form.cleaned_data["role"],
                organizations=form.cleaned_data["organizations"],
                expected_version=edit.expected_version,
            )
        except concurrency.EditConflictError as error:
            edit.refused(error, form)
        except services.DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The role was changed."))
            return redirect("ecosystems:members", ecosystem_slug=ecosystem.slug)
    return render(
        request,
        "ecosystems/membership_form.html",
        {**edit.context(), "form": form, "membership": membership},
    )


@ecosystem_view("ecosystems.change_membership")
@require_http_methods(["GET", "POST"])
def membership_remove(
    request: HttpRequest, ecosystem_slug: str, membership_id: int
) -> HttpResponse:
    membership = get_membership(request, membership_id)
    if request.method == "POST":
        try:
            services.remove_membership(membership, request.user)
        except services.DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(user)s no longer holds the role %(role)s.")
                % {"user": membership.user, "role": membership.get_role_display()},
            )
        return redirect("ecosystems:members", ecosystem_slug=ecosystem_slug)
    return render(request, "ecosystems/membership_remove.html", {"membership": membership})


@ecosystem_view("ecosystems.invite_members")
@require_http_methods(["GET", "POST"])
def invitation_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = InvitationForm(request.POST or None, ecosystem=ecosystem)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite(
                ecosystem,
                request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organizations=form.cleaned_data["organizations"],
                message=form.cleaned_data["message"],
            )
        except services.DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("An invitation was sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("ecosystems:invitations", ecosystem_slug=ecosystem.slug)
    invitations = ecosystem.invitations.select_related("invited_by").prefetch_related(
        "organizations"
    )
    return render(
        request,
        "ecosystems/invitation_list.html",
        {"form": form, "page": _page(request, invitations)},
    )


@ecosystem_view("ecosystems.invite_members")
@require_POST
def invitation_revoke(
    request: HttpRequest, ecosystem_slug: str, invitation_id: int
) -> HttpResponse:
    invitation = get_invitation(request, invitation_id)
    try:
        services.revoke_invitation(invitation, request.user)
    except services.DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect("ecosystems:invitations", ecosystem_slug=ecosystem_slug)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Reached from the emailed link; the token is the only key, so nothing else is shown."""
    invitation = get_object_or_404(Invitation.objects.select_related("ecosystem"), token=token)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            services.accept_invitation(invitation, request.user)
        except services.DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Welcome to %(ecosystem)s!") % {"ecosystem": invitation.ecosystem.name},
            )
            return redirect(invitation.ecosystem)
    return render(request, "ecosystems/invitation_accept.html", {"invitation": invitation})


# Administration --------------------------------------------------------------------------------


@ecosystem_view("ecosystems.view_audit_log")
def audit_log(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    kind = request.GET.get("kind", "")
    page = _page(request, audit.log_for(current_ecosystem(request), kind), 50)
    audit.readable(page.object_list)
    return render(
        request,
        "ecosystems/audit_log.html",
        {"page": page, "kind": kind, "kinds": audit.kind_choices()},
    )


@ecosystem_view("ecosystems.change_ecosystem")
@require_http_methods(["GET", "POST"])
def ecosystem_settings(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = Ecosystem.objects.get(pk=current_ecosystem(request).pk)
    edit = concurrency.EditPage(
        request.POST,
        concurrency.version_of(ecosystem),
        concurrency.form_snapshot(EcosystemSettingsForm(instance=ecosystem)),
    )
    form = EcosystemSettingsForm(request.POST or None, instance=ecosystem)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_ecosystem(
                Ecosystem.objects.get(pk=ecosystem.pk),
                request.user,
                expected_version=edit.expected_version,
                **form.cleaned_data,
            )
        except concurrency.EditConflictError as error:
            edit.refused(error, form)
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("ecosystems:settings", ecosystem_slug=ecosystem.slug)
    return render(
        request,
        "ecosystems/settings.html",
        {**edit.context(), "form": form},
    )


# Networks --------------------------------------------------------------------------------------


@read_replica
@login_required
def network_detail(request: HttpRequest, network_slug: str) -> HttpResponseBase:
    """Each member ecosystem's figures with links into its pages, charts comparing them, a map
    and the last 12 months; `?format=csv` (or xlsx) gives the table of figures."""
    network = get_object_or_404(Network, slug=network_slug)
    if not request.user.has_perm("ecosystems.view_network", network):
        raise Http404
    ecosystems = stats.member_ecosystems(network)
    summary = stats.network_summary(network, ecosystems)
    measures = stats.measures()
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{network.slug}-ecosystems",
            fmt,
            [_("Ecosystem"), _("Public page"), *(m.label for m in measures)],
            (
                [
                    row["ecosystem"].name,
                    request.build_absolute_uri(row["ecosystem"].get_absolute_url()),
                    *(network_page.exported(row["figures"].get(m.key), m) for m in measures),
                ]
                for row in summary
            ),
        )
    trends = stats.network_trends(network, ecosystems)
    return render(
        request,
        "ecosystems/network_detail.html",
        {
            "network": network,
            "summary": summary,
            "measures": measures,
            "measure_labels": [m.label for m in measures],
            "rows": network_page.ecosystem_rows(summary, measures, request.user),
            "charts": network_page.comparison_charts(summary, measures),
            "trend_charts": network_page.trend_charts(trends),
            "places": network_page.places(summary, measures),
            "tile_url": settings.TILE_URL,
            "tile_attribution": settings.TILE_ATTRIBUTION,
        },
    )


# Your account (roles and tokens live here because they are ecosystem business) ---------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        response = redirect("profile")
        translation.activate(user.preferred_language)
        response.set_cookie("django_language", user.preferred_language, samesite="Lax")
        return response
    memberships = Membership.objects.held_by(user)
    token = Token.objects.filter(user=user).first()
    return render(
        request,
        "account/profile.html",
        {
            "form": form,
            "memberships": memberships,
            "has_mfa": has_mfa(user),
            "token": token,
            "token_expires_at": tokens.expires_at(token) if token else None,
            "token_last_used_at": tokens.last_used_at(token) if token else None,
            "api_token_max_age_days": settings.API_TOKEN_MAX_AGE_DAYS,
        },
    )


@login_required
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the personal API token, or revoke it with action=revoke."""
    user = cast(User, request.user)  # login_required
    Token.objects.filter(user=user).delete()
    if request.POST.get("action") == "revoke":
        messages.success(request, _("Your API token was revoked."))
        return redirect("profile")
    if lacks_required_mfa(user):
        messages.error(request, _("Set up two-factor authentication before creating a token."))
        return redirect("profile")
    token = Token.objects.create(user=user)
    # Shown once: the key is not displayed again after this page.
    return render(
        request,
        "account/api_token_created.html",
        {"key": token.key, "expires_at": tokens.expires_at(token)},
    )


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the person, this one included, and revoke their API token."""
    account_services.sign_out_everywhere(cast(User, request.user))  # login_required
    logout(request)
    messages.success(
        request, _("You were signed out on every device, and your API token was revoked.")
    )
    return redirect("account_login")
