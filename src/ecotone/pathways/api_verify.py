"""POST /api/v1/badges/verify/: verify an Open Badges 3.0 credential issued here (public, no
sign-in): the same check as the /badges/verify/ page, as JSON."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import openbadges
from .services import awards as services


class CredentialInputSerializer(serializers.Serializer[Any]):
    credential = serializers.CharField(
        max_length=openbadges.MAX_TOKEN,
        trim_whitespace=True,
        help_text="The compact JWS (VC-JOSE), or JSON holding it (an "
        "EnvelopedVerifiableCredential).",
    )


class VerificationSerializer(serializers.Serializer[Any]):
    valid = serializers.BooleanField()
    problems = serializers.ListField(
        child=serializers.CharField(), help_text="Each problem in words; empty when valid."
    )
    codes = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(openbadges.WORDS)),
        help_text="The problems as stable codes.",
    )
    issuer = serializers.CharField(allow_blank=True)
    achievement = serializers.CharField(allow_blank=True)
    identity_hash = serializers.CharField(allow_blank=True)
    valid_from = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateTimeField(allow_null=True)
    credential = serializers.DictField(help_text="The decoded credential; {} when unreadable.")


class VerifyView(APIView):
    """Verify a credential: signature against the issuer's published key, validity dates and
    the revocation list."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=CredentialInputSerializer,
        responses={200: VerificationSerializer},
        auth=[],
        description="Answers 200 with `valid` and the problems for any credential text, "
        "readable or not; 400 only when `credential` is missing.",
    )
    def post(self, request: Request) -> Response:
        given = CredentialInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        result = services.verify(given.validated_data["credential"])
        return Response(
            VerificationSerializer(
                {
                    "valid": result.valid,
                    "problems": result.problems,
                    "codes": result.codes,
                    "issuer": result.issuer_name,
                    "achievement": str(result.achievement.get("name", "")),
                    "identity_hash": result.identity_hash,
                    "valid_from": result.valid_from,
                    "valid_until": result.valid_until,
                    "credential": result.credential,
                }
            ).data
        )
