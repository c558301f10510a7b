"""The settings of one access analysis: what reach is, which programs count, what need and a
desert are. Django-free, so the algorithm tests and the benchmark can build them too.

`Parameters.from_dict` is the only way settings from outside (a form, the API, a saved
`Analysis.parameters`) become Parameters: it checks every field and raises `ParameterError`
naming each bad one. Keys it does not know are errors too; keys it lacks take their defaults, so
an analysis saved before a setting existed keeps working.

Messages are English msgids marked for translation (`_` below marks, it does not translate):
the Django side turns them into the reader's language with `ParameterError.messages(gettext)`.
See docs/atlas.md for what each setting means and why its default is what it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any


def _(message: str) -> str:
    """Marks a message for translation (gettext_noop); the caller translates it."""
    return message


LOCALES = ("city", "suburb", "town", "rural")
GRADE_BANDS = ("prek", "k-2", "3-5", "6-8", "9-12")
NEED_INDICATORS = ("low_income", "english_learner", "students_of_color", "rural", "disability")
MAX_CATCHMENT_MI = 100.0
MAX_ASSUMED_SEATS = 10_000
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

DEFAULT_CATCHMENT_MI: dict[str, float] = {"city": 2.0, "suburb": 5.0, "town": 10.0, "rural": 20.0}
# Luo & Qi (2009): three travel-time zones weighted 1.00, 0.68, 0.22 (a Gaussian with a slow
# fall-off), here as thirds of the catchment, so a 20-mile rural catchment has zones ending at
# 6.7, 13.3 and 20 miles.
DEFAULT_DECAY_ZONES: tuple[tuple[float, float], ...] = ((1 / 3, 1.0), (2 / 3, 0.68), (1.0, 0.22))
DEFAULT_NEED_WEIGHTS: dict[str, float] = {
    "low_income": 0.35,
    "english_learner": 0.15,
    "students_of_color": 0.2,
    "rural": 0.2,
    "disability": 0.1,
}
# The desert rule (docs/atlas.md, "The desert rule"): at least 50 young people, and fewer seats
# than one per 30 of them. `reach.DesertRule` takes its defaults from here.
DEFAULT_DESERT_MIN_YOUTH = 50
DEFAULT_DESERT_MAX_YOUTH_PER_SEAT = 30.0
# The "rural" need indicator by locale: distance is the barrier coalitions name first there.
RURAL_INDICATOR: dict[str, float] = {"rural": 1.0, "town": 0.5, "suburb": 0.0, "city": 0.0}


def need_indicators(
    low_income: float | None,
    english_learner: float | None,
    students_of_color: float | None,
    locale: str,
    disability: float | None,
) -> tuple[float, float, float, float, float]:
    """One area's need indicators in NEED_INDICATORS order: its shares (0-1) and the rural
    indicator of its locale, NaN where unknown (`reach.need_index` leaves those out)."""

    def share(value: float | None) -> float:
        return math.nan if value is None else float(value)

    return (
        share(low_income),
        share(english_learner),
        share(students_of_color),
        RURAL_INDICATOR.get(locale, math.nan),
        share(disability),
    )


class ParameterError(ValueError):
    """Some settings are not valid. `errors` maps each bad field to (msgid, values) pairs."""

    def __init__(self, errors: Mapping[str, list[tuple[str, dict[str, Any]]]]) -> None:
        self.errors = dict(errors)
        super().__init__(
            "; ".join(f"{name}: {self._join(found, None)}" for name, found in self.errors.items())
        )

    @staticmethod
    def _join(
        found: list[tuple[str, dict[str, Any]]], translate: Callable[[str], str] | None
    ) -> str:
        return " ".join((translate(msg) if translate else msg) % values for msg, values in found)

    def messages(self, translate: Callable[[str], str]) -> dict[str, list[str]]:
        """The errors in the reader's language, e.g. `messages(gettext)`."""
        return {
            name: [translate(msg) % values for msg, values in found]
            for name, found in self.errors.items()
        }


@dataclass(frozen=True)
class Parameters:
    """One analysis's settings; the defaults are the method docs/atlas.md describes."""

    # Reach: the catchment radius in straight-line miles, by the area's NCES locale.
    catchment_mi: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CATCHMENT_MI))
    # Distance decay (E2SFCA): ((fraction of the catchment, weight), ...), fractions ascending
    # and ending at 1, weights in (0, 1] not increasing. One zone of weight 1 is plain 2SFCA.
    decay_zones: tuple[tuple[float, float], ...] = DEFAULT_DECAY_ZONES
    # Which programs count. "" grade band: every young person and every program.
    grade_band: str = ""
    min_days_per_week: int = 0
    after_school_only: bool = False
    free_or_low_cost: bool = False
    language: str = ""
    transportation_provided: bool = False
    stem_fields: tuple[str, ...] = ()
    activity_types: tuple[str, ...] = ()
    # Seats counted for a program that lists none.
    assumed_seats: int = 20
    # Need index: weight per indicator (renormalised over the indicators an area has).
    need_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_NEED_WEIGHTS))
    # A desert: at least `desert_min_youth` young people, and no eligible in-person program in
    # reach or more than `desert_max_youth_per_seat` of them per seat in reach (E2SFCA).
    desert_min_youth: int = DEFAULT_DESERT_MIN_YOUTH
    desert_max_youth_per_seat: float = DEFAULT_DESERT_MAX_YOUTH_PER_SEAT

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, vocabulary: Mapping[str, Iterable[str]] | None = None
    ) -> Parameters:
        """Checked settings from `data` (missing keys take defaults). ParameterError otherwise.

        `vocabulary` maps "stem_fields" and "activity_types" to the codes allowed there (the
        directory's taxonomy); without it any code-shaped value passes.
        """
        errors: dict[str, list[tuple[str, dict[str, Any]]]] = {}

        def bad(name: str, message: str, **values: Any) -> None:
            errors.setdefault(name, []).append((message, values))

        if not isinstance(data, Mapping):
            raise ParameterError({"": [(_("Settings must be an object of named values."), {})]})
        known = {f.name for f in fields(cls)}
        for name in data:
            if name not in known:
                bad(str(name), _("There is no setting with this name."))
        defaults = cls()
        values: dict[str, Any] = {}

        # Catchment by locale.
        raw = data.get("catchment_mi", defaults.catchment_mi)
        catchment: dict[str, float] = {}
        if not isinstance(raw, Mapping):
            bad("catchment_mi", _("Give a distance in miles for each locale."))
        else:
            for locale in raw:
                if locale not in LOCALES:
                    bad(
                        f"catchment_mi.{locale}",
                        _("Unknown locale: use city, suburb, town, rural."),
                    )
            for locale in LOCALES:
                miles = _number(raw.get(locale, DEFAULT_CATCHMENT_MI[locale]))
                if miles is None or not 0 < miles <= MAX_CATCHMENT_MI:
                    bad(
                        f"catchment_mi.{locale}",
                        _("Give a distance above 0 and at most %(max)d miles."),
                        max=int(MAX_CATCHMENT_MI),
                    )
                else:
                    catchment[locale] = miles
        values["catchment_mi"] = catchment

        # Decay zones.
        zones = _zones(data.get("decay_zones", defaults.decay_zones))
        if zones is None:
            bad(
                "decay_zones",
                _(
                    "Give zones as pairs of (share of the catchment, weight): shares rising and "
                    "ending at 1, weights above 0, at most 1 and never rising."
                ),
            )
        values["decay_zones"] = zones

        band = data.get("grade_band", "")
        band = "" if band is None else band
        if band != "" and band not in GRADE_BANDS:
            bad("grade_band", _("Choose a grade band (PreK, K-2, 3-5, 6-8, 9-12) or any."))
        values["grade_band"] = band

        days = _integer(data.get("min_days_per_week", 0))
        if days is None or not 0 <= days <= 7:
            bad("min_days_per_week", _("Give a number of days from 0 to 7."))
        values["min_days_per_week"] = days

        for name in ("after_school_only", "free_or_low_cost", "transportation_provided"):
            flag = data.get(name, False)
            if not isinstance(flag, bool):
                bad(name, _("Give true or false."))
            values[name] = flag

        language = data.get("language", "") or ""
        if not isinstance(language, str) or (language and not _LANGUAGE.match(language)):
            bad("language", _("Give a language as its two-letter code, e.g. es."))
        values["language"] = language

        for name in ("stem_fields", "activity_types"):
            codes = data.get(name, ())
            if isinstance(codes, str) or not isinstance(codes, list | tuple):
                bad(name, _("Give a list of codes."))
                continue
            allowed = set(vocabulary[name]) if vocabulary and name in vocabulary else None
            unknown = [
                str(c)
                for c in codes
                if not isinstance(c, str)
                or not _CODE.match(c)
                or (allowed is not None and c not in allowed)
            ]
            if unknown:
                bad(name, _("Unknown codes: %(codes)s."), codes=", ".join(unknown))
            values[name] = tuple(sorted(set(codes)))

        seats = _integer(data.get("assumed_seats", defaults.assumed_seats))
        if seats is None or not 1 <= seats <= MAX_ASSUMED_SEATS:
            bad("assumed_seats", _("Give a whole number of seats from 1 to %(max)d."), max=10000)
        values["assumed_seats"] = seats

        raw = data.get("need_weights", defaults.need_weights)
        weights: dict[str, float] = {}
        if not isinstance(raw, Mapping):
            bad("need_weights", _("Give a weight for each need indicator."))
        else:
            for name in raw:
                if name not in NEED_INDICATORS:
                    bad(f"need_weights.{name}", _("There is no need indicator with this name."))
            for name in NEED_INDICATORS:
                weight = _number(raw.get(name, DEFAULT_NEED_WEIGHTS[name]))
                if weight is None or not 0 <= weight <= 100:
                    bad(f"need_weights.{name}", _("Give a weight from 0 to 100."))
                else:
                    weights[name] = weight
            if len(weights) == len(NEED_INDICATORS) and not any(weights.values()):
                bad("need_weights", _("Give at least one indicator a weight above 0."))
        values["need_weights"] = weights

        youth = _integer(data.get("desert_min_youth", defaults.desert_min_youth))
        if youth is None or not 0 <= youth <= 100_000:
            bad("desert_min_youth", _("Give a whole number of young people, 0 or more."))
        values["desert_min_youth"] = youth

        per_seat = _number(
            data.get("desert_max_youth_per_seat", defaults.desert_max_youth_per_seat)
        )
        if per_seat is None or not 1 <= per_seat <= 10_000:
            bad(
                "desert_max_youth_per_seat", _("Give a number of young people per seat, 1 or more.")
            )
        values["desert_max_youth_per_seat"] = per_seat

        if errors:
            raise ParameterError(errors)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values; `from_dict(to_dict())` gives the same Parameters."""
        return {
            "catchment_mi": {locale: self.catchment_mi[locale] for locale in LOCALES},
            "decay_zones": [[share, weight] for share, weight in self.decay_zones],
            "grade_band": self.grade_band,
            "min_days_per_week": self.min_days_per_week,
            "after_school_only": self.after_school_only,
            "free_or_low_cost": self.free_or_low_cost,
            "language": self.language,
            "transportation_provided": self.transportation_provided,
            "stem_fields": list(self.stem_fields),
            "activity_types": list(self.activity_types),
            "assumed_seats": self.assumed_seats,
            "need_weights": {name: self.need_weights[name] for name in NEED_INDICATORS},
            "desert_min_youth": self.desert_min_youth,
            "desert_max_youth_per_seat": self.desert_max_youth_per_seat,
        }

    def with_preset(self, name: str) -> Parameters:
        """These settings with a preset's changes applied (KeyError for an unknown preset)."""
        return replace(self, **PRESETS[name].changes)

    @property
    def max_catchment_mi(self) -> float:
        return max(self.catchment_mi.values())

    @property
    def filters_programs(self) -> bool:
        """Whether any eligibility filter is on (else every listed in-person program counts)."""
        return bool(
            self.grade_band
            or self.min_days_per_week
            or self.after_school_only
            or self.free_or_low_cost
            or self.language
            or self.transportation_provided
            or self.stem_fields
            or self.activity_types
        )


@dataclass(frozen=True)
class Preset:
    label: str  # msgid
    description: str  # msgid
    changes: Mapping[str, Any]


PRESETS: dict[str, Preset] = {
    "dallas": Preset(
        _("Dallas afterschool rule"),
        _(
            "A program counts only when it meets after school (a weekday session starting "
            "between 2:30 and 7 pm) on at least 4 days a week, as in the Dallas Afterschool "
            "landscape tool."
        ),
        {"min_days_per_week": 4, "after_school_only": True},
    ),
    "child_care": Preset(
        _("Child-care desert ratio"),
        _(
            "The Center for American Progress child-care desert rule unchanged: more than 3 "
            "young people per seat in reach makes a desert."
        ),
        {"desert_max_youth_per_seat": 3.0},
    ),
    "walking": Preset(
        _("Walking distance"),
        _(
            "Reach is one mile everywhere, full weight within a quarter mile, as the DC Policy "
            "Center counts seats within 1/4 mile and 1 mile of students."
        ),
        {
            "catchment_mi": {"city": 1.0, "suburb": 1.0, "town": 1.0, "rural": 1.0},
            "decay_zones": ((0.25, 1.0), (1.0, 0.68)),
        },
    ),
    "plain_2sfca": Preset(
        _("No distance decay (2SFCA)"),
        _(
            "Every seat within the catchment counts fully, as in the original two-step floating "
            "catchment area method (Luo and Wang 2003)."
        ),
        {"decay_zones": ((1.0, 1.0),)},
    ),
}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any) -> int | None:
    number = _number(value)
    if number is None or number != int(number):
        return None
    return int(number)


def _zones(value: Any) -> tuple[tuple[float, float], ...] | None:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        return None
    zones: list[tuple[float, float]] = []
    for pair in value:
        if isinstance(pair, str) or not isinstance(pair, list | tuple) or len(pair) != 2:
            return None
        share, weight = _number(pair[0]), _number(pair[1])
        if share is None or weight is None or not 0 < share <= 1 or not 0 < weight <= 1:
            return None
        if zones and (share <= zones[-1][0] or weight > zones[-1][1]):
            return None
        zones.append((share, weight))
    if abs(zones[-1][0] - 1.0) > 1e-9:
        return None
    zones[-1] = (1.0, zones[-1][1])
    return tuple(zones)
