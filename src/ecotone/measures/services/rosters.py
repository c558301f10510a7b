"""Participation rosters for unduplicated reach (issue 17, docs/reach.md): what the partner's
browser sends, checked and stored all or nothing.

The browser (`static/ecotone/roster-encoder.js`) turns each young person into an exact keyed
hash, a CLK and a keyed blocking key under the ecosystem's linkage secret, and sends those with
the row's dimension values read into common codes there (`crosswalk.code_tables`: "F" is sent
as "Female"); a value that is no accepted spelling is refused in the browser, so a wrongly
chosen column (names as race) never leaves it. Nothing that names a young person reaches the
server. Here each value is checked (shape and length of the
hashes, each dimension value read by the crosswalk's `Resolver`, the one reader of a code), a
problem names its row, field and reason, and a roster with any problem is refused whole.
A new roster for the same program and period replaces the old one in the same transaction.

The check value the page computed from the secret the person typed is sent too and compared
with the epoch's: a roster encoded under a wrong secret would link with nothing.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Field, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError
from ecotone.suppression import Suppressed, suppress

from .. import codes
from ..models import LinkageEpoch, Period, Roster, RosterRow
from . import reach
from .crosswalk import Resolver
from .epochs import ROSTER_DIMENSIONS, ROSTER_PERIOD_TYPE, epoch_of
from .facts import combos, copy_rows

MAX_ROWS = 50_000  # one program's year; a larger file is a mistake, or several programs
CLK_BYTES = 128
HEX_64 = re.compile(r"[0-9a-f]{64}")
HEX_16 = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class RowProblem:
    """One value of a submitted roster that cannot be stored: its row (1 is the file's first
    row of data, as the page numbers them), its field and why."""

    row: int
    field: str
    message: str


class RosterRefusedError(DomainError):
    """The roster was not stored: every problem found, by row and field."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        super().__init__(
            _("The roster was not saved: %(count)s problems; nothing was stored.")
            % {"count": len(self.problems)}
        )


def roster_periods(ecosystem: Ecosystem) -> QuerySet[Period]:
    """The periods a roster may be for, latest first."""
    return Period.objects.filter(ecosystem=ecosystem, type=ROSTER_PERIOD_TYPE).order_by("-start")


def _column(name: str) -> str:
    field = RosterRow._meta.get_field(name)
    if not isinstance(field, Field):
        raise TypeError(name)
    return str(field.column)


def _digest(value: Any, pattern: re.Pattern[str]) -> bytes | None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return None
    return bytes.fromhex(value)


def _clk(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        found = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return found if len(found) == CLK_BYTES else None


def _read_rows(
    rows: Sequence[Any], dimensions: Sequence[str], resolver: Resolver
) -> tuple[list[tuple[bytes, bytes, bytes, dict[str, str]]], list[RowProblem]]:
    read: list[tuple[bytes, bytes, bytes, dict[str, str]]] = []
    problems: list[RowProblem] = []
    known: dict[tuple[str, str], str | None] = {}  # a roster repeats a few values 50,000 times
    language = get_language() or "en"
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            problems.append(RowProblem(number, "row", _("is not a row of encoded values")))
            continue
        exact = _digest(row.get("exact"), HEX_64)
        clk = _clk(row.get("clk"))
        block = _digest(row.get("block"), HEX_16)
        if exact is None:
            problems.append(RowProblem(number, "exact", _("is not an exact hash (64 hex digits)")))
        if clk is None:
            problems.append(RowProblem(number, "clk", _("is not a CLK (128 bytes in base64)")))
        if block is None:
            problems.append(RowProblem(number, "block", _("is not a blocking key (16 hex digits)")))
        given = row.get("codes") or {}
        parts: dict[str, str] = {}
        if not isinstance(given, Mapping):
            problems.append(RowProblem(number, "codes", _("are not dimension values")))
            continue
        for dimension in dimensions:
            value = given.get(dimension)
            if not isinstance(value, str) or not value.strip():
                problems.append(RowProblem(number, dimension, _("is empty")))
                continue
            if (dimension, value) not in known:
                try:
                    known[dimension, value] = resolver.code(dimension, value)
                except codes.UnknownCode:
                    known[dimension, value] = None
            code = known[dimension, value]
            if code is not None:
                parts[dimension] = code
            else:
                problems.append(
                    RowProblem(
                        number,
                        dimension,
                        # never the value: a wrongly chosen column could hold names
                        _("is not a code of %(dimension)s")
                        % {"dimension": codes.option_set(dimension).label(language)},
                    )
                )
        if exact is not None and clk is not None and block is not None:
            read.append((exact, clk, block, parts))
    return read, problems


def submit_roster(
    actor: Any,
    *,
    program: Program,
    period: Period,
    check_value: str,
    dimensions: Sequence[str],
    rows: Sequence[Any],
) -> Roster:
    """Store a partner's encoded roster for `program` and `period`, replacing the one before
    it, or refuse it whole (`RosterRefusedError` with every problem, `DomainError` for the roster as
    a whole). The caller has checked that `actor` may submit for the program's organization."""
    ecosystem = program.ecosystem
    if program.archived_at is not None:
        raise DomainError(_("The program %(program)s is archived.") % {"program": program.name})
    if period.ecosystem_id != ecosystem.pk or period.type != ROSTER_PERIOD_TYPE:
        raise DomainError(_("Rosters are submitted for a school year of this ecosystem."))
    epoch = epoch_of(ecosystem, period)
    if epoch is None and LinkageEpoch.objects.filter(ecosystem=ecosystem).exists():
        # a secret never starts before the first one's year: no steward can cover this year
        raise DomainError(
            _(
                "Rosters of %(period)s cannot be linked: the ecosystem's linkage began with a"
                " later school year."
            )
            % {"period": period.label}
        )
    if epoch is None:
        raise DomainError(
            _(
                "The ecosystem has no linkage secret for %(period)s yet: its data steward"
                " sets one up first."
            )
            % {"period": period.label}
        )
    if not isinstance(check_value, str) or not hmac.compare_digest(
        check_value.strip().lower(), epoch.check_value
    ):
        raise DomainError(
            _(
                "The linkage secret is not the ecosystem's for %(period)s: check it with your"
                " data steward. Nothing was saved."
            )
            % {"period": period.label}
        )
    unknown = [d for d in dimensions if d not in ROSTER_DIMENSIONS]
    if unknown or len(set(dimensions)) != len(dimensions):
        raise DomainError(
            _("A roster's columns are among: %(allowed)s.")
            % {"allowed": ", ".join(ROSTER_DIMENSIONS)}
        )
    if not rows:
        raise DomainError(_("The roster has no rows."))
    if len(rows) > MAX_ROWS:
        raise DomainError(
            _("A roster has at most %(most)s rows; this one has %(count)s.")
            % {"most": f"{MAX_ROWS:,}", "count": f"{len(rows):,}"}
        )
    read, problems = _read_rows(rows, dimensions, Resolver(ecosystem, program.organization))
    if problems:
        raise RosterRefusedError(problems)
    found = combos(parts for _exact, _clk, _block, parts in read)
    with acting(actor):
        Roster.objects.filter(program=program, period=period).delete()
        roster = Roster.objects.create(
            ecosystem=ecosystem,
            epoch=epoch,
            organization=program.organization,
            program=program,
            period=period,
            row_count=len(read),
            submitted_by=actor if getattr(actor, "pk", None) else None,
        )
        # Streamed (COPY on PostgreSQL), in the rows' order: a run reads them by primary key.
        copy_rows(
            RosterRow._meta.db_table,
            [_column(name) for name in ("roster", "exact", "clk", "block", "combo")],
            (
                (roster.pk, exact, clk, block, found[tuple(sorted(parts.items()))].pk)
                for exact, clk, block, parts in read
            ),
        )
        _relink(epoch)
    return roster


def withdraw_roster(roster: Roster, actor: Any) -> None:
    """Delete a roster and its rows (the audit log keeps that it was)."""
    with acting(actor):
        epoch = roster.epoch
        roster.delete()
        _relink(epoch)


def _relink(epoch: LinkageEpoch) -> None:
    """Link the epoch again once the change commits: the reach figures follow the rosters."""
    reach.request_linkage(epoch)


def code_summary(roster: Roster) -> dict[str, Suppressed[str]]:
    """A roster's rows counted by each dimension's code, as they may be published: every count of
    students goes through small-cell suppression (`ecotone.suppression`), even to the roster's
    own staff, with the row count published exactly beside them. Dimensions the roster does not
    carry are left out."""
    counts: dict[str, dict[str, int]] = {}
    found = (
        RosterRow.objects.filter(roster=roster)
        .values("combo__parts")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group in found:
        for dimension, code in (group["combo__parts"] or {}).items():
            by_code = counts.setdefault(dimension, {})
            by_code[code] = by_code.get(code, 0) + group["n"]
    threshold = roster.ecosystem.suppression_threshold
    return {
        dimension: suppress(counts[dimension], threshold, exact_total=True)
        for dimension in ROSTER_DIMENSIONS
        if dimension in counts
    }
