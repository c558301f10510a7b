"""What a partner's own codes mean: the per-ecosystem crosswalk, and the one reader of a code.

`Resolver` is what every import asks: a value is first read as any standard spelling
(`codes.common_code`: the common code, EDFacts, Ed-Fi, OneRoster), then looked up in the
crosswalk, the organization's own entries before the ecosystem's. It reads the crosswalk once,
so an upload of a million rows asks the database once. The dynamic dimensions' codes are read
once too, when a file first uses them: `program` is one of the partner's own programs in the
directory (by its slug or its HSDS id; another partner's is unknown), `area` one of the
ecosystem's population areas in the atlas (by its code).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ecotone.atlas.models import PopulationArea
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import codes
from ..models import CodeCrosswalk


def _local(value: str) -> str:
    return " ".join(value.split()).casefold()


def save_entry(
    ecosystem: Ecosystem,
    actor: Any,
    *,
    dimension: str,
    local_code: str,
    code: str,
    organization: Organization | None = None,
    note: str = "",
    entry: CodeCrosswalk | None = None,
) -> CodeCrosswalk:
    """Say that `local_code` means the common `code` of `dimension` (for one organization, or
    the whole ecosystem); saying it again for the same local code changes its meaning. With
    `entry`, change that entry (refused when another entry already says the same local code)."""
    if dimension not in codes.OPTION_SETS:
        raise DomainError(_("Unknown dimension: %(name)s.") % {"name": dimension})
    if codes.option_set(dimension).get(code) is None:
        raise DomainError(
            _("%(code)s is no code of %(dimension)s.")
            % {"code": code, "dimension": codes.option_set(dimension).en}
        )
    if organization is not None and organization.ecosystem_id != ecosystem.pk:
        raise DomainError(_("This organization is not a partner of this ecosystem."))
    local = " ".join(local_code.split())
    if not local:
        raise DomainError(_("Give the partner's own code."))
    if entry is not None and entry.ecosystem_id != ecosystem.pk:
        raise DomainError(_("This entry is another ecosystem's."))
    with acting(actor):
        existing = CodeCrosswalk.objects.filter(
            ecosystem=ecosystem, organization=organization, dimension=dimension
        )
        same = next((e for e in existing if _local(e.local_code) == _local(local)), None)
        if entry is not None and same is not None and same.pk != entry.pk:
            raise DomainError(
                _("“%(code)s” already has an entry for this partner and dimension.")
                % {"code": local}
            )
        entry = entry or same
        if entry is None:
            entry = CodeCrosswalk(
                ecosystem=ecosystem, organization=organization, dimension=dimension
            )
        entry.organization, entry.dimension = organization, dimension
        entry.local_code, entry.code, entry.note = local, code, note
        entry.save()
    return entry


def delete_entry(entry: CodeCrosswalk, actor: Any) -> None:
    """Forget what a local code means: files that use it are refused again (`unknown_code`)."""
    with acting(actor):
        entry.delete()


@dataclass(frozen=True)
class ImportProblem:
    row: int
    message: str


def import_entries(
    ecosystem: Ecosystem, actor: Any, rows: Iterable[Mapping[str, str]]
) -> tuple[int, list[ImportProblem]]:
    """Save the crosswalk entries of a CSV (columns `partner`, the organization's slug or
    empty; `dimension`, `local_code`, `code`, `note`), all or none: (saved, problems)."""
    partners = {o.slug: o for o in Organization.objects.filter(ecosystem=ecosystem)}
    problems: list[ImportProblem] = []
    saved = 0
    with acting(actor):
        for number, row in enumerate(rows, start=2):
            cells = {k.strip().casefold(): (v or "").strip() for k, v in row.items() if k}
            if not any(cells.values()):
                continue
            slug = cells.get("partner", "")
            if slug and slug not in partners:
                problems.append(
                    ImportProblem(number, _("“%(slug)s” is no partner here.") % {"slug": slug})
                )
                continue
            try:
                with transaction.atomic():
                    save_entry(
                        ecosystem,
                        actor,
                        dimension=cells.get("dimension", ""),
                        local_code=cells.get("local_code", ""),
                        code=cells.get("code", ""),
                        organization=partners.get(slug) if slug else None,
                        note=cells.get("note", "")[:300],
                    )
            except DomainError as error:
                problems.append(ImportProblem(number, str(error)))
                continue
            saved += 1
        if problems:
            transaction.set_rollback(True)
            saved = 0
    return saved, problems


class Resolver:
    """Reads codes for one ecosystem (and, when given, one partner's own crosswalk)."""

    def __init__(self, ecosystem: Ecosystem, organization: Organization | None = None) -> None:
        mine = Q(organization__isnull=True)
        if organization is not None:
            mine |= Q(organization=organization)
        entries = CodeCrosswalk.objects.filter(mine, ecosystem=ecosystem)
        self._map: dict[tuple[str, str], str] = {}
        # The ecosystem's entries first, so that the organization's own overwrite them.
        for entry in sorted(entries, key=lambda e: e.organization_id is not None):
            self._map[(entry.dimension, _local(entry.local_code))] = entry.code
        self._ecosystem, self._organization = ecosystem, organization
        self._dynamic: dict[str, dict[str, str]] = {}

    def _records(self, dimension: str) -> dict[str, str]:
        """Spelling (case-folded) -> code of a dynamic dimension, read on first use."""
        found = self._dynamic.get(dimension)
        if found is None:
            found = self._dynamic[dimension] = dynamic_codes(
                dimension, self._ecosystem, self._organization
            )
        return found

    def code(self, dimension: str, value: str) -> str:
        """The common code of `value`, or codes.UnknownCode."""
        if dimension in codes.DYNAMIC:
            code = self._records(dimension).get(value.strip().casefold())
            if code is None:
                raise codes.UnknownCode(dimension, value)
            return code
        try:
            return codes.common_code(dimension, value)
        except codes.UnknownCode:
            found = self._map.get((dimension, _local(value)))
            if found is None:
                raise
            return found

    def local_codes(self, dimension: str) -> dict[str, str]:
        """The crosswalk's local codes of a dimension (as `_local` reads them) -> common code:
        what `code` reads after the standard spellings, the organization's own winning."""
        return {local: code for (found, local), code in self._map.items() if found == dimension}


def code_tables(
    ecosystem: Ecosystem, organizations: Iterable[Organization], dimensions: Iterable[str]
) -> dict[str, Any]:
    """What `Resolver.code` accepts for static `dimensions`, for a page that reads codes in the
    browser (the roster page): `codes`, every standard spelling by `codes._key`, shared; and
    `local`, per organization's slug, its crosswalk (the ecosystem's entries and its own) by
    `_local`. A value is read as `Resolver.code` reads it: a standard spelling first, then the
    crosswalk. Ed-Fi descriptor URIs are left out (`codes.spellings`)."""
    wanted = [d for d in dimensions if d not in codes.DYNAMIC]
    return {
        "codes": {d: codes.spellings(d) for d in wanted},
        "local": {
            organization.slug: {
                d: resolver.local_codes(d)
                for resolver in [Resolver(ecosystem, organization)]
                for d in wanted
            }
            for organization in organizations
        },
    }


def dynamic_codes(
    dimension: str, ecosystem: Ecosystem, organization: Organization | None
) -> dict[str, str]:
    """The codes of a dynamic dimension a partner may report: every spelling (case-folded)
    -> its code. Programs: the organization's own (none without one); areas: the ecosystem's."""
    found: dict[str, str] = {}
    if dimension == "program":
        if organization is None:
            return found
        programs = Program.objects.filter(ecosystem=ecosystem, organization=organization)
        for slug, hsds_id in programs.values_list("slug", "hsds_id"):
            found[slug.casefold()] = slug
            found[str(hsds_id)] = slug
    elif dimension == "area":
        areas = PopulationArea.objects.filter(ecosystem=ecosystem)
        for code in areas.values_list("code", flat=True):
            found[code.strip().casefold()] = code
    return found
