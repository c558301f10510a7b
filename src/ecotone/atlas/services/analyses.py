"""Analyses: an ecosystem's ways of measuring access, and their settings.

Every ecosystem has a default analysis (created with the default settings when first read);
backbone staff may add others (e.g. the Dallas rule) and change any one's settings. Settings are
`parameters.Parameters`, checked field by field: `InvalidInputError` names each bad one.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.directory import stem_profile
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import Analysis
from ..parameters import ParameterError, Parameters


class InvalidInputError(DomainError):
    """Some fields are not valid; `errors` maps each one to readable messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(
            " ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        )


def vocabulary() -> dict[str, list[str]]:
    """The codes analyses may filter by: the directory's STEM taxonomy."""
    return {
        "stem_fields": [code for code, _label in stem_profile.STEM_FIELDS.terms],
        "activity_types": [code for code, _label in stem_profile.ACTIVITY_TYPES.terms],
    }


def parse_parameters(data: Any) -> Parameters:
    """Settings from a form or the API; InvalidInputError naming each bad field."""
    try:
        return Parameters.from_dict(data, vocabulary=vocabulary())
    except ParameterError as error:
        raise InvalidInputError(error.messages(_)) from error


def parameters_of(analysis: Analysis) -> Parameters:
    try:
        return Parameters.from_dict(analysis.parameters or {}, vocabulary=vocabulary())
    except ParameterError as error:
        # Only an edit bypassing update_parameters can store these; say so, do not guess.
        raise DomainError(
            _("The settings of “%(name)s” are not valid: %(reasons)s")
            % {"name": analysis.name, "reasons": error}
        ) from error


def default_analysis(ecosystem: Ecosystem) -> Analysis:
    """The ecosystem's default analysis, created with the default settings the first time."""
    found = Analysis.objects.filter(ecosystem=ecosystem, is_default=True).first()
    if found is not None:
        found.ecosystem = ecosystem  # the caller's, already loaded
        return found
    with translation.override(ecosystem.default_language or "en"):
        name = _("Access to STEM programs")
    try:
        with transaction.atomic():
            return Analysis.objects.create(
                ecosystem=ecosystem,
                name=name,
                parameters=Parameters().to_dict(),
                is_default=True,
            )
    except IntegrityError:  # created meanwhile by another request
        return Analysis.objects.get(ecosystem=ecosystem, is_default=True)


def analyses(ecosystem: Ecosystem) -> QuerySet[Analysis]:
    return Analysis.objects.filter(ecosystem=ecosystem).order_by("-is_default", "name", "pk")


def create_analysis(
    ecosystem: Ecosystem, *, user: Any, name: str, description: str = "", data: Any = None
) -> Analysis:
    """Another way of measuring access, beside the default (e.g. the Dallas rule)."""
    params = parse_parameters(data or {})
    name = clean_name(name)
    with acting(user):
        return Analysis.objects.create(
            ecosystem=ecosystem,
            name=name,
            description=description.strip(),
            parameters=params.to_dict(),
            created_by=user if getattr(user, "pk", None) else None,
        )


def update_parameters(
    analysis: Analysis,
    *,
    user: Any,
    data: Any,
    name: str | None = None,
    description: str | None = None,
    expected_version: str | None = None,
) -> Analysis:
    """Change an analysis's settings (every field checked; InvalidInputError names the bad ones).

    Its cached runs become stale through their fingerprint; nothing is deleted here. A stale
    `expected_version` (the settings someone else saved meanwhile) raises `EditConflictError`.
    """
    params = parse_parameters(data)
    if name is not None:
        name = clean_name(name)
    with acting(user):
        concurrency.require(expected_version, concurrency.locked_version(analysis))
        analysis.parameters = params.to_dict()
        if name is not None:
            analysis.name = name
        if description is not None:
            analysis.description = description.strip()
        analysis.save()
    return analysis


def clean_name(name: str) -> str:
    """A name as saved: trimmed, given, at most 200 characters (InvalidInputError otherwise)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInputError({"name": [_("Give it a name.")]})
    if len(name) > 200:
        raise InvalidInputError({"name": [_("Keep the name to 200 characters.")]})
    return name
