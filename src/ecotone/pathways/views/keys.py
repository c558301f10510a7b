"""The issuer's public records: issuer profiles, achievements, public keys and the status list
(JSON, public, each the address a credential names); the backbone admin's key page (list,
rotate behind a confirmation)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view, get_organization

from .. import keys as issuer_keys
from ..models import Achievement, IssuerKey
from ..services import awards as services

VIEW = "pathways.view_pathways"
MANAGE_KEYS = "pathways.manage_issuer_keys"
LD_JSON = "application/ld+json"


def _json(data: object, content_type: str = "application/json") -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Type"] = content_type
    response["Access-Control-Allow-Origin"] = "*"  # verifiers fetch these from anywhere
    return response


@require_GET
@ecosystem_view(VIEW, public=True)
def issuer(request: HttpRequest, ecosystem_slug: str, org_slug: str) -> JsonResponse:
    """The organization's OB 3.0 issuer Profile."""
    # archived organizations too: the credentials they issued name this address for good
    organization = get_organization(request, org_slug, include_archived=True)
    profile = services.issuer_profile(organization).as_json()
    return _json({"@context": services.openbadges.OB_CONTEXTS, **profile}, LD_JSON)


@require_GET
@ecosystem_view(VIEW, public=True)
def achievement(request: HttpRequest, ecosystem_slug: str, public_id: str) -> JsonResponse:
    """An achievement's OB 3.0 `Achievement` (public: the credentials link to it)."""
    found = get_object_or_404(
        Achievement.objects.select_related("organization", "ecosystem"),
        ecosystem=current_ecosystem(request),
        public_id=public_id,
    )
    document = services.achievement_info(found).as_json()
    return _json({"@context": services.openbadges.OB_CONTEXTS, **document}, LD_JSON)


@require_GET
@ecosystem_view(VIEW, public=True)
def key(request: HttpRequest, ecosystem_slug: str, kid: str) -> JsonResponse:
    """One public key (a JWK): the address each credential names in its header's `kid`."""
    found = get_object_or_404(IssuerKey, ecosystem=current_ecosystem(request), kid=kid)
    return _json(issuer_keys.public_jwk(found))


@require_GET
@ecosystem_view(VIEW, public=True)
def key_set(request: HttpRequest, ecosystem_slug: str) -> JsonResponse:
    """Every key of the ecosystem, active and retired (a JWK set)."""
    return _json(issuer_keys.jwks(current_ecosystem(request)), "application/jwk-set+json")


@require_GET
@cache_control(public=True, max_age=300)
@ecosystem_view(VIEW, public=True)
def status(request: HttpRequest, ecosystem_slug: str, org_slug: str) -> HttpResponse:
    """A partner's revocation list, a signed BitstringStatusListCredential (compact JWS,
    vc+jwt); cached five minutes, so a revocation shows within five minutes."""
    # archived organizations too: their credentials keep naming this list
    organization = get_organization(request, org_slug, include_archived=True)
    token = services.published_status_list(organization)
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@ecosystem_view(MANAGE_KEYS)
def key_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    return render(
        request,
        "pathways/keys/list.html",
        {"ecosystem": ecosystem, "keys": issuer_keys.keys_of(ecosystem)},
    )


@require_http_methods(["GET", "POST"])
@ecosystem_view(MANAGE_KEYS)
def rotate(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    if request.method == "POST":
        made = issuer_keys.rotate(request.user, ecosystem)
        messages.success(
            request,
            _("A new key signs from now on: %(kid)s. The old one still verifies.")
            % {"kid": made.kid},
        )
        return redirect("badges:key_list", ecosystem.slug)
    active = IssuerKey.objects.filter(ecosystem=ecosystem, retired_at__isnull=True).first()
    return render(request, "pathways/keys/rotate.html", {"ecosystem": ecosystem, "active": active})


urlpatterns = [
    path("issuers/<slug:org_slug>/", issuer, name="issuer"),
    path("achievements/<uuid:public_id>/", achievement, name="achievement"),
    path("keys/", key_set, name="keys"),
    path("keys/<str:kid>/", key, name="key"),
    path("issuers/<slug:org_slug>/status/", status, name="status"),
    path("issuer-keys/", key_list, name="key_list"),
    path("issuer-keys/rotate/", rotate, name="rotate_key"),
]
