from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ecotone.ecosystems.models import Membership, NetworkOperator

from .models import User


class MeView(APIView):
    """Who the caller is, and every role they hold."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "email": serializers.EmailField(),
                "name": serializers.CharField(),
                "preferred_language": serializers.CharField(),
                "memberships": serializers.ListField(child=serializers.DictField()),
                "networks": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated
        memberships = (
            Membership.objects.filter(user=user)
            .select_related("ecosystem")
            .prefetch_related("organizations")
            .order_by("ecosystem__slug", "role")
        )
        return Response(
            {
                "email": user.email,
                "name": user.name,
                "preferred_language": user.preferred_language,
                "memberships": [
                    {
                        "ecosystem": m.ecosystem.slug,
                        "role": m.role,
                        "organizations": [o.slug for o in m.organizations.all()],
                    }
                    for m in memberships
                ],
                "networks": list(
                    NetworkOperator.objects.filter(user=user).values_list(
                        "network__slug", flat=True
                    )
                ),
            }
        )
