"""Demo programs for the directory: dense in the metro, thin in the rural counties, some virtual.

A step of the demo builder (ecotone.demo.builder.STEPS); reads the partner organizations and
towns the earlier steps made.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from ecotone.directory.geocoding import zip_centroid
from ecotone.directory.listings.state import empty_state, program_state
from ecotone.directory.models import (
    CoordinatesSource,
    CostBand,
    Delivery,
    Language,
    Location,
    LocationType,
    MentoringDepth,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    TaxonomyTerm,
    Term,
)
from ecotone.directory.services.listings import save_listing
from ecotone.directory.services.moderation import reject_change
from ecotone.ecosystems.models import Organization, Sector

from .tables import table

PROGRAMS = {"small": 60, "medium": 400, "large": 1600}
LOCATIONS = {"small": 40, "medium": 250, "large": 1000}

HOSTS = (
    Sector.SCHOOL,
    Sector.YOUTH_NONPROFIT,
    Sector.MUSEUM,
    Sector.LIBRARY,
    Sector.MAKERSPACE,
    Sector.HIGHER_ED,
    Sector.COMMUNITY,
)

# (name pattern, stem fields, activity type, typical grade bands)
IDEAS: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = tuple(
    (p["name"], tuple(p["stem_fields"]), p["activity"], tuple(p["grade_bands"]))
    for p in table("programs")
)
ALL_DAYS = ("MO", "TU", "WE", "TH", "FR")
STREETS: tuple[str, ...] = tuple(table("places")["program_streets"])


def _jitter(rng: random.Random, locale: str) -> float:
    spread = {"city": 0.035, "suburb": 0.03, "town": 0.02, "rural": 0.04}[locale]
    return rng.uniform(-spread, spread)


def _terms() -> dict[str, TaxonomyTerm]:
    return {t.code: t for t in TaxonomyTerm.objects.exclude(code="")}


def _locations(
    ctx: Any, ecosystem: Any, towns: Sequence[Any], hosts: list[Organization], n: int
) -> list[Location]:
    rng: random.Random = ctx.rng
    by_town = {t.name: t for t in towns}
    locations = []
    for i in range(n):
        organization = hosts[i % len(hosts)]
        town = by_town.get(organization.city) or rng.choice(towns)
        location = Location(
            ecosystem=ecosystem,
            organization=organization,
            name=organization.name if i < len(hosts) else f"{organization.name} — {town.name} site",
            address_1=f"{rng.randint(10, 9800)} {rng.choice(STREETS)} Street",
            city=town.name,
            region=town.county,
            state_province="OH",
            postal_code=town.postal_code,
        )
        if rng.random() < 0.1:
            # Partners often give an address only: placed at the ZIP's center, flagged.
            centroid = zip_centroid(town.postal_code)
            if centroid is not None:
                location.latitude, location.longitude = centroid.latitude, centroid.longitude
                location.coordinates_source = CoordinatesSource.ZIP_CENTROID
        if location.latitude is None:
            location.latitude = round(town.lat + _jitter(rng, town.locale), 6)
            location.longitude = round(town.lon + _jitter(rng, town.locale), 6)
            location.coordinates_source = CoordinatesSource.ENTERED
        locations.append(location)
    return Location.objects.bulk_create(locations)


def _schedule(rng: random.Random, program: Program, activity: str) -> Schedule:
    if activity == "summer-camp":
        start = date(2027, 6, rng.choice((14, 21, 28)))
        return Schedule(
            program=program,
            byday=",".join(ALL_DAYS),
            opens_at=time(9),
            closes_at=time(15),
            dtstart=start,
            until=date(2027, 7, rng.choice((2, 9, 16))),
            valid_from=start,
        )
    if activity in ("family-event", "field-trip", "career-talk"):
        byday = rng.choice(("SA", "TH", "TU"))
        hour = rng.choice((10, 17, 18))
        # The end was drawn apart (and could come before the start); still drawn, so the
        # rest of the demo stays as it was. Events last two hours.
        rng.choice((12, 19, 20))
        return Schedule(
            program=program,
            freq="MONTHLY",
            byday=byday,
            opens_at=time(hour),
            closes_at=time(hour + 2),
        )
    days = sorted(rng.sample(ALL_DAYS, rng.choice((1, 2, 2, 3, 4, 5))), key=ALL_DAYS.index)
    if rng.random() < 0.15:
        days = ["SA"]
    opens = time(15, rng.choice((0, 15, 30))) if days != ["SA"] else time(10)
    closes = time(17, rng.choice((0, 30))) if days != ["SA"] else time(12)
    return Schedule(program=program, byday=",".join(days), opens_at=opens, closes_at=closes)


def build(ctx: Any) -> None:
    """Programs and locations for the main demo ecosystem, and a tenth as many for its sister."""
    terms = _terms()
    for i, (slug, ecosystem) in enumerate(ctx.ecosystems.items()):
        share = 1 if i == 0 else 10
        _build_for(
            ctx,
            ecosystem,
            ctx.towns[slug],
            PROGRAMS[ctx.size] // share,
            LOCATIONS[ctx.size] // share,
            terms,
        )
    ctx.counts["programs"] = Program.objects.count()
    ctx.counts["locations"] = Location.objects.count()


def _build_for(
    ctx: Any,
    ecosystem: Any,
    towns: Sequence[Any],
    n_programs: int,
    n_locations: int,
    terms: dict[str, TaxonomyTerm],
) -> None:
    rng: random.Random = ctx.rng
    today = timezone.localdate()
    hosts = [
        o for o in ctx.organizations[ecosystem.slug] if o.sector in HOSTS and o.archived_at is None
    ]
    locations = _locations(ctx, ecosystem, towns, hosts, n_locations)
    rural = {t.name for t in towns if t.locale in ("town", "rural")}
    by_org: dict[int | None, list[Location]] = {}
    for location in locations:
        by_org.setdefault(location.organization_id, []).append(location)
    virtual = Location.objects.create(
        ecosystem=ecosystem,
        location_type=LocationType.VIRTUAL,
        name="Online",
        url="https://meet.example.org/ecotone",
    )
    supporters = [
        o
        for o in ctx.organizations[ecosystem.slug]
        if o.sector in (Sector.BUSINESS, Sector.FOUNDATION, Sector.HIGHER_ED)
    ]
    seen: set[str] = set()
    attributes, links, schedules, languages = [], [], [], []
    programs: list[tuple[Program, tuple[str, ...], str, tuple[str, ...], list[Location]]] = []
    for i in range(n_programs):
        organization = hosts[i % len(hosts)] if i < len(hosts) else rng.choice(hosts)
        pattern, fields, activity, grades = rng.choice(IDEAS)
        place = organization.city or rng.choice(towns).name
        name = f"{place} {pattern}"
        if name in seen:
            name = f"{pattern} at {organization.name}"
        if name in seen:
            continue
        seen.add(name)
        is_rural = place in rural
        is_virtual = rng.random() < (0.15 if is_rural else 0.06)
        cost = rng.choices(
            [CostBand.FREE, CostBand.LOW, CostBand.MODERATE, CostBand.HIGH],
            weights=[6, 2, 1.5, 0.5],
        )[0]
        program = Program(
            ecosystem=ecosystem,
            organization=organization,
            slug=slugify(name)[:110],
            name=name,
            description=(
                f"{pattern} run by {organization.name}: hands-on "
                f"{' and '.join(fields).replace('-', ' ')} for young people in {place}."
            ),
            url=organization.website,
            email=organization.email,
            phone=organization.phone,
            delivery=Delivery.VIRTUAL
            if is_virtual
            else rng.choice([Delivery.IN_PERSON] * 8 + [Delivery.HYBRID]),
            transportation_provided=rng.random() < (0.35 if is_rural else 0.12),
            cost_band=cost,
            scholarships=cost != CostBand.FREE and rng.random() < 0.6,
            mentoring_depth=rng.choice(list(MentoringDepth.values))
            if activity == "mentoring-program"
            else rng.choice(
                [MentoringDepth.NONE] * 3 + [MentoringDepth.LIGHT, MentoringDepth.MEDIUM]
            ),
            seats=rng.choice((12, 15, 20, 24, 30, 40, 60)),
            term=Term.SUMMER
            if activity == "summer-camp"
            else rng.choice([Term.SCHOOL_YEAR] * 4 + [Term.FALL, Term.SPRING, Term.YEAR_ROUND]),
            participants_last_year=rng.randint(8, 180),
            minimum_age=None,
            maximum_age=None,
            # Verified within the last eleven months: a few are due again (older than 180 days).
            assured_date=today - timedelta(days=rng.randint(3, 330)),
            assurer_email=organization.email,
        )
        where = (
            [virtual] if is_virtual else (by_org.get(organization.pk) or [rng.choice(locations)])
        )
        programs.append((program, fields, activity, grades, where))
    Program.objects.bulk_create([p[0] for p in programs])
    for program, fields, activity, grades, where in programs:
        focus = []
        if "Girls" in program.name or rng.random() < 0.12:
            focus.append("girls")
        if any(location.city in rural for location in where):
            focus.append("rural")
        if rng.random() < 0.25:
            focus.append(
                rng.choice(
                    [
                        "students-of-color",
                        "low-income",
                        "english-learners",
                        "disabilities",
                        "first-generation",
                    ]
                )
            )
        codes = (
            [f"grade_band/{g}" for g in grades]
            + [f"stem_field/{f}" for f in fields]
            + [f"activity_type/{activity}"]
            + [f"focus_population/{f}" for f in sorted(set(focus))]
        )
        attributes += [ProgramAttribute(program=program, term=terms[c]) for c in codes]
        for location in where:
            links.append(ProgramLocation(program=program, location=location))
        schedules.append(_schedule(rng, program, activity))
        languages.append(Language(program=program, code="en", name="English"))
        if "english-learners" in focus or rng.random() < 0.2:
            languages.append(Language(program=program, code="es", name="Spanish"))
        if supporters and rng.random() < 0.3:
            program.partner_organizations.add(rng.choice(supporters))
    ProgramAttribute.objects.bulk_create(attributes)
    ProgramLocation.objects.bulk_create(links)
    Schedule.objects.bulk_create(schedules)
    Language.objects.bulk_create(languages)


def build_listing_activity(ecosystem: Any, partner: Any, reviewer: Any) -> dict[str, int]:
    """What the moderation queue shows on a working day: a partner's change to a live listing,
    a new listing waiting for review, and a change sent back with a note.

    Made through the same service the listing form uses, so the queue, the diff and the audit
    log are the real ones.
    """
    organization = Organization.objects.filter(
        ecosystem=ecosystem, staff_memberships__user=partner
    ).first()
    if organization is None:
        return {}
    live = list(Program.objects.filter(organization=organization).listed().order_by("pk")[:2])
    if len(live) < 2:
        return {}

    changed = program_state(live[0])
    changed["fields"]["description"] += " New this term: a Saturday build lab for families."
    changed["schedules"].append(
        {
            "freq": "WEEKLY",
            "interval": 1,
            "byday": "SA",
            "bymonthday": "",
            "dtstart": None,
            "until": None,
            "count": None,
            "opens_at": "10:00:00",
            "closes_at": "12:00:00",
            "description": "Family build lab",
        }
    )
    changed["capacities"] = [
        {"unit": "seats", "available": 6, "maximum": 24, "description": "Saturday lab"}
    ]
    save_listing(ecosystem, organization, live[0], changed, partner)

    new = empty_state()
    new["fields"].update(
        name="Girls Who Build: Drone Lab",
        description=(
            "Design, build and fly small drones in a six-week lab for girls in grades 6-8, "
            "with engineers from the regional airport as mentors."
        ),
        cost_band=CostBand.FREE,
        seats=16,
        minimum_age=11,
        maximum_age=14,
        mentoring_depth=MentoringDepth.MEDIUM,
        term=Term.SPRING,
    )
    new["profile"].update(
        grade_band=["6-8"], stem_field=["aerospace", "engineering"], focus_population=["girls"]
    )
    new["languages"] = ["en", "es"]
    new["locations"] = program_state(live[0])["locations"][:1]
    new["schedules"] = [
        {
            "freq": "WEEKLY",
            "interval": 1,
            "byday": "WE",
            "bymonthday": "",
            "dtstart": "2027-02-03",
            "until": "2027-03-10",
            "count": None,
            "opens_at": "15:45:00",
            "closes_at": "17:30:00",
            "description": "",
        }
    ]
    save_listing(ecosystem, organization, None, new, partner)

    shouting = program_state(live[1])
    shouting["fields"]["name"] = "BEST ROBOTICS EVER!!! SIGN UP NOW"
    sent_back = save_listing(ecosystem, organization, live[1], shouting, partner)
    reject_change(
        sent_back,
        reviewer,
        "Please keep the name families know; news and calls to sign up belong in the description.",
    )
    return {"pending_listing_changes": 2}
