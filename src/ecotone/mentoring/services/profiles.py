"""Mentor profiles: sign-up, changes, consent, pausing and withdrawing, employers' rosters.

A profile is checked here, not in a form, so that the sign-up page, the API and the demo obey
the same rules: codes from the vocabularies, a location (from the ZIP code's centre) for
anyone who mentors in person, self-identification kept only while the mentor opts in to
identity-aware matching, and a consent record for every agreement (withdrawing one keeps the
record with its `withdrawn_at`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import DecimalField, Exists, OuterRef, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.directory.geocoding import zip_centroid
from ecotone.directory.stem_profile import GRADE_BANDS, STEM_FIELDS
from ecotone.ecosystems.models import Ecosystem, Organization, Role
from ecotone.ecosystems.services import acting, grant_role
from ecotone.errors import DomainError

from ..models import (
    IDENTITY_CODES,
    Consent,
    ConsentKind,
    HourStatus,
    MatchStatus,
    Mentor,
    MentorStatus,
    Mode,
    ScreeningRecord,
    holding,
)
from . import matches, screening

STEM_CODES = frozenset(code for code, _label in STEM_FIELDS.terms)
GRADE_CODES = frozenset(code for code, _label in GRADE_BANDS.terms)
MODE_CODES = frozenset({Mode.IN_PERSON, Mode.VIRTUAL})
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")

# The profile fields a mentor fills in (everything else on Mentor is the system's).
PROFILE_FIELDS = frozenset(
    {
        "phone",
        "stem_field",
        "occupation",
        "career_stage",
        "employer",
        "employer_name",
        "bio",
        "topics",
        "skills",
        "languages",
        "grade_bands",
        "modes",
        "home_postal_code",
        "work_postal_code",
        "travel_radius_mi",
        "availability",
        "hours_per_month",
        "max_matches",
        "shares_identity",
        "identity_tags",
    }
)
# Consents given by a flag; identity consent follows `shares_identity`.
CONSENT_FLAGS = {
    "agrees_to_terms": ConsentKind.TERMS,
    "agrees_to_background_check": ConsentKind.BACKGROUND_CHECK,
    "employer_may_see": ConsentKind.EMPLOYER,
}
REQUIRED_CONSENTS = (ConsentKind.TERMS, ConsentKind.BACKGROUND_CHECK)
# Matches a withdrawing mentor is taken out of; an active match is closed by staff with the
# program (a planned or early closure), not dropped silently.
NOT_STARTED = (MatchStatus.PROPOSED, MatchStatus.OFFERED, MatchStatus.ACCEPTED)


def _codes(value: Any, allowed: frozenset[str], what: str) -> list[str]:
    items = [str(v).strip() for v in (value or []) if str(v).strip()]
    unknown = sorted(set(items) - allowed)
    if unknown:
        raise DomainError(
            _("Unknown %(what)s: %(codes)s.") % {"what": what, "codes": ", ".join(unknown)}
        )
    return list(dict.fromkeys(items))


def _words(value: Any) -> list[str]:
    """Skills: free text, comma-separated or a list; trimmed, without repeats."""
    if isinstance(value, str):
        value = value.split(",")
    items = [" ".join(str(v).split())[:60] for v in (value or [])]
    seen: dict[str, str] = {}
    for item in items:
        if item and item.casefold() not in seen:
            seen[item.casefold()] = item
    return list(seen.values())


def _languages(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    items = [str(v).strip().lower() for v in (value or []) if str(v).strip()]
    wrong = [v for v in items if not _LANGUAGE.match(v)]
    if wrong:
        raise DomainError(
            _("Give languages as two-letter codes such as en or es, not: %(codes)s.")
            % {"codes": ", ".join(wrong)}
        )
    return list(dict.fromkeys(items))


def _apply(mentor: Mentor, fields: dict[str, Any]) -> None:
    """Check and set profile fields on the unsaved `mentor` (DomainError on the first wrong
    one), then place the mentor from their ZIP codes."""
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise DomainError(_("Unknown profile fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        if name == "stem_field":
            value = (value or "").strip()
            if value and value not in STEM_CODES:
                raise DomainError(_("Unknown STEM field: %(code)s.") % {"code": value})
        elif name == "topics":
            value = _codes(value, STEM_CODES, _("topics"))
        elif name == "grade_bands":
            value = _codes(value, GRADE_CODES, _("grade bands"))
        elif name == "modes":
            value = _codes(value, MODE_CODES, _("ways to mentor"))
        elif name == "identity_tags":
            value = _codes(value, IDENTITY_CODES, _("self-identification"))
        elif name == "skills":
            value = _words(value)
        elif name == "languages":
            value = _languages(value)
        elif name == "employer":
            if isinstance(value, int) and not isinstance(value, bool):
                value = Organization.objects.filter(
                    ecosystem_id=mentor.ecosystem_id, pk=value
                ).first()
                if value is None:
                    raise DomainError(_("Unknown partner organization."))
            if value is not None and (
                not isinstance(value, Organization) or value.ecosystem_id != mentor.ecosystem_id
            ):
                raise DomainError(_("The employer must be a partner organization of this network."))
        elif name == "availability":
            value = sorted(list(w) for w in (value or []))
        elif name in ("home_postal_code", "work_postal_code", "phone"):
            value = (value or "").strip()
        elif name == "shares_identity":
            value = bool(value)
        setattr(mentor, name, value)
    if not mentor.shares_identity:
        mentor.identity_tags = []
    if not mentor.modes:
        raise DomainError(_("Choose at least one way to mentor: in person or virtually."))
    if mentor.employer_id is not None:
        mentor.employer_name = ""
    _place(mentor)
    try:
        mentor.full_clean(exclude=["ecosystem", "user", "saved_opportunities"])
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error


def postal_code_problems(modes: Iterable[str], home: str, work: str) -> dict[str, str]:
    """What is wrong with a mentor's ZIP codes, by field (`home_postal_code`,
    `work_postal_code`): someone who mentors in person must give a ZIP code we know, the engine
    measures travel from it. The profile form asks this with its other checks, so the person
    hears of every mistake at once; `_place` refuses the same."""
    if Mode.IN_PERSON not in modes:
        return {}
    problems = {}
    for field, code in (("work_postal_code", work), ("home_postal_code", home)):
        code = (code or "").strip()
        if code and zip_centroid(code) is None:
            problems[field] = _(
                "Enter a known US ZIP code: we do not know %(zip)s, and in-person matching "
                "needs one."
            ) % {"zip": code}
    if not (home or "").strip() and not (work or "").strip():
        problems["home_postal_code"] = _("Give your home or work ZIP code to mentor in person.")
    return problems


def _place(mentor: Mentor) -> None:
    """Latitude and longitude from the work ZIP's centre, else the home ZIP's."""
    problems = postal_code_problems(mentor.modes, mentor.home_postal_code, mentor.work_postal_code)
    if problems:
        raise DomainError(next(iter(problems.values())))
    found = None
    for code in (mentor.work_postal_code, mentor.home_postal_code):
        if not code:
            continue
        centroid = zip_centroid(code)
        if centroid is not None:
            if found is None:
                found = centroid
            if code == mentor.work_postal_code:
                mentor.work_postal_code = centroid.postal_code
            else:
                mentor.home_postal_code = centroid.postal_code
    mentor.latitude = found.latitude if found else None
    mentor.longitude = found.longitude if found else None


def _consent_flags(fields: dict[str, Any]) -> dict[str, bool]:
    return {kind: bool(fields.pop(flag)) for flag, kind in CONSENT_FLAGS.items() if flag in fields}


def active_consents(mentor: Mentor) -> set[str]:
    return set(mentor.consents.filter(withdrawn_at__isnull=True).values_list("kind", flat=True))


def _set_consent(mentor: Mentor, kind: str, given: bool, held: set[str]) -> None:
    if given and kind not in held:
        Consent.objects.create(mentor=mentor, kind=kind)
    elif not given and kind in held:
        mentor.consents.filter(kind=kind, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now()
        )


def sign_up(ecosystem: Ecosystem, user: Any, actor: Any, **profile: Any) -> Mentor:
    """Create `user`'s mentor profile in `ecosystem` and give them the mentor role.

    `profile` holds PROFILE_FIELDS and the consent flags `agrees_to_terms`,
    `agrees_to_background_check` (both required) and `employer_may_see`; identity consent is
    recorded when `shares_identity` is set.
    """
    consents = _consent_flags(profile)
    if not all(consents.get(kind) for kind in REQUIRED_CONSENTS):
        raise DomainError(_("To mentor, agree to the mentor agreement and to a background check."))
    if Mentor.objects.filter(ecosystem=ecosystem, user=user).exists():
        raise DomainError(_("You already have a mentor profile in this network."))
    mentor = Mentor(ecosystem=ecosystem, user=user)
    _apply(mentor, profile)
    try:
        with acting(actor):
            mentor.save()
            consents[ConsentKind.IDENTITY] = mentor.shares_identity
            for kind, given in consents.items():
                _set_consent(mentor, kind, given, set())
            grant_role(ecosystem, user, Role.MENTOR, actor)
    except IntegrityError as error:  # the same person signing up twice at once
        raise DomainError(_("You already have a mentor profile in this network.")) from error
    return mentor


def update_profile(
    mentor: Mentor, actor: Any, *, expected_version: str | None = None, **fields: Any
) -> Mentor:
    """Change a profile under the sign-up's rules. Turning identity sharing off clears the
    self-identification and withdraws that consent; `employer_may_see` gives or withdraws the
    employer's view. The mentor agreement and background check consents are withdrawn only by
    withdrawing from mentoring (`set_status`). A stale `expected_version` raises
    `EditConflictError`."""
    consents = _consent_flags(fields)
    if any(not consents.get(kind, True) for kind in REQUIRED_CONSENTS):
        raise DomainError(
            _("These agreements are needed to mentor; to stop, withdraw from mentoring instead.")
        )
    with acting(actor):
        mentor = Mentor.objects.select_for_update().get(pk=mentor.pk)
        concurrency.require(expected_version, concurrency.version_of(mentor))
        _apply(mentor, fields)
        mentor.save()
        held = active_consents(mentor)
        consents[ConsentKind.IDENTITY] = mentor.shares_identity
        for kind, given in consents.items():
            _set_consent(mentor, kind, given, held)
    return mentor


def set_status(mentor: Mentor, actor: Any, status: str, reason: str = "") -> Mentor:
    """Make a mentor available, pause them (no new matches) or withdraw them. Withdrawing
    withdraws their matches that have not started; active ones stay for staff to close with
    the program."""
    if status not in MentorStatus.values:
        raise DomainError(_("Unknown mentor status."))
    with acting(actor):
        mentor = Mentor.objects.select_for_update().get(pk=mentor.pk)
        mentor.status = status
        mentor.save(update_fields=["status", "updated_at"])
        if status == MentorStatus.WITHDRAWN:
            for match in mentor.matches.filter(
                Q(status__in=NOT_STARTED) | Q(status=MatchStatus.ON_HOLD, held_from__in=NOT_STARTED)
            ):
                matches.withdraw(match, actor, reason or _("The mentor withdrew from mentoring."))
    return mentor


def live_match_count(mentor: Mentor) -> int:
    return mentor.matches.filter(holding()).count()


# Employers' rosters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    mentor: Mentor
    name: str
    status: str
    stage: str
    approved_hours: Decimal


def roster(
    organization: Organization,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    on: datetime.date | None = None,
) -> list[RosterRow]:
    """The employer's people who agreed to their employer seeing it: status, screening stage
    and approved hours (between `start` and `end` when given). No contact details."""
    hours = Q(hour_logs__status=HourStatus.APPROVED)
    if start is not None:
        hours &= Q(hour_logs__date__gte=start)
    if end is not None:
        hours &= Q(hour_logs__date__lte=end)
    shared = Consent.objects.filter(
        mentor=OuterRef("pk"), kind=ConsentKind.EMPLOYER, withdrawn_at__isnull=True
    )
    mentors = (
        Mentor.objects.filter(ecosystem_id=organization.ecosystem_id, employer=organization)
        .filter(Exists(shared))
        .select_related("user")
        .prefetch_related(
            Prefetch("screening_records", queryset=ScreeningRecord.objects.select_related("step"))
        )
        .annotate(
            approved_hours=Coalesce(
                Sum("hour_logs__hours", filter=hours),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=8, decimal_places=2),
            )
        )
        .order_by("user__name", "user__email")
    )
    steps = screening.steps(organization.ecosystem)
    return [
        RosterRow(
            mentor=m,
            name=m.display_name,
            status=m.get_status_display(),
            stage=screening.standing(
                m, records=list(m.screening_records.all()), ecosystem_steps=steps, on=on
            ).label,
            approved_hours=m.approved_hours,
        )
        for m in mentors
    ]


def employers(ecosystem: Ecosystem) -> Iterable[Organization]:
    """Partner organizations with at least one mentor on staff (for filters)."""
    return (
        ecosystem.organizations.filter(employed_mentors__isnull=False).distinct().order_by("name")
    )
