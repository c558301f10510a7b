"""Verifying a credential: the public verification page, a credential's page and downloads.

- `/badges/verify/`: paste a credential (the JWS, or JSON holding it) or upload a file (.json,
  .jwt or a baked .png); the answer in plain words. Any input: never an error page.
- `/badges/<uuid>/`: one credential's page (achievement, issuer, date, status, verified now).
- `/badges/<uuid>/credential.json`: the credential as the VC-JOSE spec's JSON, an
  `EnvelopedVerifiableCredential` whose id is `data:application/vc+jwt,<JWS>`: the signed
  credential itself (a decoded copy would carry no proof). `/badges/<uuid>/badge.png`: the
  achievement's image with the JWS baked in.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from .. import baking, openbadges
from ..forms.badges import VerifyForm
from ..models import Award, AwardStatus
from ..services import awards as services


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            result = services.verify(form.cleaned_data["credential"])
    else:
        form = VerifyForm()
    return render(request, "pathways/verify/verify.html", {"form": form, "result": result})


def _award(public_id: str) -> Award:
    found = get_object_or_404(
        Award.objects.select_related("achievement__organization", "ecosystem"),
        public_id=public_id,
    )
    if found.status == AwardStatus.DELETED or not found.credential:
        raise Http404
    return found


@require_GET
def credential(request: HttpRequest, public_id: str) -> HttpResponse:
    found = _award(public_id)
    result = services.verify(found.credential)
    return render(
        request,
        "pathways/verify/credential.html",
        {"award": found, "result": result, "achievement": found.achievement},
    )


@require_GET
def credential_json(request: HttpRequest, public_id: str) -> HttpResponse:
    found = _award(public_id)
    body = json.dumps(openbadges.envelope(found.credential), indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="badge-{found.public_id}.json"'
    return response


@require_GET
def credential_png(request: HttpRequest, public_id: str) -> HttpResponse:
    found = _award(public_id)
    image = None
    if found.achievement.image:
        try:
            with found.achievement.image.open("rb") as handle:
                image = handle.read(baking.MAX_PIXELS)
        except OSError:
            image = None
    response = HttpResponse(baking.bake(found.credential, image), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="badge-{found.public_id}.png"'
    return response


urlpatterns = [
    path("verify/", verify, name="verify"),
    path("<uuid:public_id>/", credential, name="credential"),
    path("<uuid:public_id>/credential.json", credential_json, name="credential_json"),
    path("<uuid:public_id>/badge.png", credential_png, name="credential_png"),
]
