"""The demo's unduplicated reach (issue 17 item 8): the partners' participation rosters for the
three school years the shared measurement counts, encoded under a fixed demo linkage secret and
submitted through the roster service, as partners' browsers would.

A step of the demo builder (ecotone.demo.builder.STEPS), after shared measurement (its school
years) and the directory (its programs). What it makes in the main ecosystem:
- epoch 1 of the linkage secret from 2022-23, started by the backbone admin through
  `services.epochs.start_epoch` with the check value of `DEMO_LINKAGE_SECRET` (public on
  purpose, like the demo's passwords: it protects only invented young people);
- for `PROGRAMS` programs of youth-serving partners (partner@'s first), one roster per school
  year, from the synthetic generator `demo/rosters.py`: young people with names, birth dates
  and schools drawn from real frequency lists, a fifth on two to four programs of a year, a
  third reached again the next year, a few rows with typos, each with their sex,
  race/ethnicity and grade;
- each roster encoded with `linkage.encode_roster` (the browser's rules, the same bits) and
  submitted with `services.rosters.submit_roster` by the program's partner staff, so what is
  stored is exactly what a partner's page sends: hashes, CLKs, blocking keys and codes.

The linkage itself (who is one person) is the linkage run's, which the roster service requests.
Deterministic: the generator's own seed. Encoding costs about 0.1 ms a row with clkhash.
"""

from __future__ import annotations

import base64
from typing import Any

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem, Membership, Role, Sector
from ecotone.measures import linkage
from ecotone.measures.models import LinkageEpoch, Roster
from ecotone.measures.services import epochs, facts, rosters

from . import measures as measures_demo
from .rosters import synthetic_rosters

SEED = 17_2026
# Public on purpose (docs: README, "Demo accounts"): partners of the demo type it on the roster
# page. Crockford base 32, as `linkage.generate_secret` writes a secret.
DEMO_LINKAGE_SECRET = "DEM0-5ECR-ET0F-C0NF-XVA1-REAC-H202-6000"
PROGRAMS = {"small": 8, "medium": 16, "large": 24}
ROWS = {"small": 600, "medium": 3_000, "large": 6_000}
YEARS = measures_demo.YEARS
OVERLAP = 0.2  # young people on two to four programs of one school year
RETENTION = 0.35  # reached again the next school year
TYPOS = 0.05
SECTORS = (Sector.YOUTH_NONPROFIT, Sector.LIBRARY, Sector.MUSEUM, Sector.MAKERSPACE)
SEXES = ("Female", "Male")
# demo/rosters.py's heritages, in its order, as race/ethnicity codes
RACES = ("HispanicOrLatino", "BlackOrAfricanAmerican", "Asian", "White", "TwoOrMoreRaces")
DIMENSIONS = ["sex", "race", "grade"]


def grade_code(grade: int) -> str:
    return "KG" if grade == 0 else f"{grade:02d}"


def _programs(ecosystem: Ecosystem, partner: Any, count: int) -> list[Program]:
    """Live programs of youth-serving partners with a place on the map (so that the reach
    counts break down by area: a young person of a program without one has no area, and the
    dashboard then leaves the area out), one per organization first, partner@'s first."""
    live = (
        Program.objects.filter(ecosystem=ecosystem, archived_at__isnull=True)
        .filter(organization__sector__in=SECTORS)
        .filter(program_locations__location__latitude__isnull=False)
        .distinct()
        .select_related("organization")
        .order_by("slug")
    )
    own: set[int] = set()
    if partner is not None:
        own = set(
            Membership.objects.filter(user=partner, ecosystem=ecosystem).values_list(
                "organizations", flat=True
            )
        )
    ordered = sorted(live, key=lambda p: (p.organization_id not in own, p.slug))
    chosen: list[Program] = []
    seen: set[int] = set()
    for program in ordered:  # one per organization, then a second of some
        if program.organization_id not in seen:
            chosen.append(program)
            seen.add(program.organization_id)
    chosen += [p for p in ordered if p not in chosen]
    return chosen[:count]


def _submitter(ecosystem: Ecosystem, program: Program, fallback: Any) -> Any:
    membership = (
        Membership.objects.filter(
            ecosystem=ecosystem, role=Role.PARTNER_STAFF, organizations=program.organization
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership is not None else fallback


def build(ctx: Any) -> None:
    ecosystem: Ecosystem = ctx.ecosystems["confluence"]
    admin = ctx.admin
    partner = next((u for e, u in ctx.users.items() if e.startswith("partner@")), None)
    secret = linkage.parse_secret(DEMO_LINKAGE_SECRET)
    epochs.start_epoch(
        admin, ecosystem, first_year=YEARS[0], check_value=linkage.check_value(secret)
    )
    programs = _programs(ecosystem, partner, PROGRAMS[ctx.size])
    periods = [facts.school_year(ecosystem, year) for year in YEARS]
    generated = synthetic_rosters(
        ROWS[ctx.size],
        len(programs) * len(periods),
        len(periods),
        overlap=OVERLAP,
        retention=RETENTION,
        typos=TYPOS,
        seed=SEED,
    )
    records = list(
        zip(
            generated.given_name,
            generated.family_name,
            generated.birth_date,
            generated.school,
            strict=True,
        )
    )
    encoded, refused = linkage.encode_roster(records, secret)
    if refused:  # the generator writes every row encodable: a change there shows here
        raise ValueError(f"demo roster rows refused: {refused[:3]}")
    by_roster: dict[int, list[dict[str, Any]]] = {}
    for row, encoding in enumerate(encoded):
        assert encoding is not None
        by_roster.setdefault(generated.roster[row], []).append(
            {
                "exact": encoding.exact_hash,
                "clk": base64.b64encode(encoding.clk).decode(),
                "block": encoding.block,
                "codes": {
                    "sex": SEXES[generated.sex[row]],
                    "race": RACES[generated.race[row]],
                    "grade": grade_code(generated.grade[row]),
                },
            }
        )
    # roster r is of period r % periods (the generator's rule) and, here, of program r // periods
    for number, rows in sorted(by_roster.items()):
        program = programs[number // len(periods)]
        rosters.submit_roster(
            _submitter(ecosystem, program, admin),
            program=program,
            period=periods[number % len(periods)],
            check_value=linkage.check_value(secret),
            dimensions=DIMENSIONS,
            rows=rows,
        )
    ctx.counts["rosters"] = Roster.objects.filter(ecosystem=ecosystem).count()
    ctx.counts["roster_rows"] = len(encoded)


def delete(slug: str) -> None:
    """The ecosystem's rosters, which protect its programs, partners and periods."""
    Roster.objects.filter(ecosystem__slug=slug).delete()
    LinkageEpoch.objects.filter(ecosystem__slug=slug).delete()
