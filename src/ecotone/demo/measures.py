"""The demo's shared measurement: three school years of approved submissions from the partners
(about 40; 12 in the small demo), two of them returned once and resubmitted, and the region's
Perkins CTE file applied, with a real gap: girls are a fifth of the concentrators in STEM
(engineering) programs and three quarters in health science; and a small NCES CCD membership
file of the region's districts for each school year, the enrolment the dashboards'
representation compares with (Hispanic young people are a larger share of those enrolled than
of those served). Young people served are also given by area: each partner's in three of a
dozen of the atlas's schools, so the dashboard has its map.

Most submissions are written in bulk (their files kept, their values by `facts.write_values`)
so the seed stays fast; the returned-and-resubmitted ones, the Perkins file and the CCD files
go through the real services, as a backbone meets them. Deterministic: its own seeded random
numbers.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecotone.atlas.models import PopulationArea
from ecotone.ecosystems.models import Ecosystem
from ecotone.measures.models import DataSharingAgreement, PublicSource, Review, Submission, Value
from ecotone.measures.services import (
    agreements,
    facts,
    indicators,
    public_sources,
    submissions,
)
from ecotone.uploads import UploadStatus

SEED = 16_2026
PARTNERS = {"small": 12, "medium": 40, "large": 40}
YEARS = (2022, 2023, 2024)
INDICATOR = "young-people-served"
PUBLISHED = (INDICATOR, "share-girls", "cte-concentrators", "nontraditional-concentrators")
RACES = (
    ("HispanicOrLatino", 0.34),
    ("White", 0.38),
    ("BlackOrAfricanAmerican", 0.16),
    ("Asian", 0.07),
    ("TwoOrMoreRaces", 0.05),
)
# career cluster -> the share of girls among its concentrators
CLUSTERS = {"15": 0.21, "11": 0.27, "13": 0.15, "08": 0.76, "04": 0.52}
AREAS = 12  # the atlas's schools the partners serve young people in (three each)
AREA_SHARES = (0.5, 0.3, 0.2)
FEW = 6  # young people one partner serves at a school no other partner reaches (hidden)
DISTRICTS = ("3904385", "3904390", "3904402", "3904411", "3904420", "3904437")
# The region's public schools by race (CCD's columns), a little more Hispanic than those served.
ENROLLED = (("HI", 0.41), ("WH", 0.33), ("BL", 0.16), ("AS", 0.06), ("TR", 0.04))
SCHOOLS_PER_DISTRICT = 3


def _split(total: int, shares: list[float]) -> list[int]:
    """`total` split by `shares`, the remainder to the first: the parts add up exactly."""
    parts = [int(total * share) for share in shares]
    parts[0] += total - sum(parts)
    return parts


def _rows(
    year: str, served: int, girls_share: float, areas: tuple[str, ...] = (), few: str = ""
) -> list[list[str]]:
    girls = round(served * girls_share)
    rows = [[INDICATOR, year, "", "", "", str(served)]]
    rows += [[INDICATOR, year, "Female", "", "", str(girls)]]
    rows += [[INDICATOR, year, "Male", "", "", str(served - girls)]]
    for (race, _share), count in zip(RACES, _split(served, [s for _r, s in RACES]), strict=True):
        rows.append([INDICATOR, year, "", race, "", str(count)])
    by_area = _split(served - (FEW if few else 0), list(AREA_SHARES))
    for area, count in zip(areas, by_area, strict=False):
        rows.append([INDICATOR, year, "", "", area, str(count)])
    if few and areas:
        rows.append([INDICATOR, year, "", "", few, str(FEW)])
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    header = "indicator,period,sex,race,area,value\n"
    return (header + "".join(",".join(row) + "\n" for row in rows)).encode()


def build(ctx: Any) -> None:
    ecosystem: Ecosystem = ctx.ecosystems["confluence"]
    admin = ctx.admin
    partner_user = next((u for e, u in ctx.users.items() if e.startswith("partner@")), None)
    rng = random.Random(SEED)
    installed = {i.key: i for i in indicators.install_starter_library(admin, ecosystem)}
    served_by = installed[INDICATOR]
    installed[INDICATOR] = indicators.update_indicator(
        served_by,
        admin,
        **{
            **{name: getattr(served_by, name) for name in indicators.EDITABLE},
            "dimensions": [*served_by.dimensions, "area"],
        },
    )
    schools = list(
        PopulationArea.objects.filter(ecosystem=ecosystem)
        .order_by("code")
        .values_list("code", flat=True)
    )
    where = random.Random(SEED + 1)  # its own numbers: the other figures stay as they were
    places = where.sample(schools, min(AREAS + 1, len(schools)))
    remote = places.pop() if len(places) > AREAS else ""  # one partner's few young people
    for key in PUBLISHED:
        installed[key].is_published = True
        installed[key].save(update_fields=["is_published", "updated_at"])
    periods = [facts.school_year(ecosystem, year) for year in YEARS]
    partners = list(ecosystem.organizations.order_by("slug")[: PARTNERS[ctx.size]])
    for organization in partners:
        agreements.save_agreement(
            organization,
            admin,
            indicators=[INDICATOR, "share-girls"],
            signatories="Executive director",
            starts_on=datetime.date(2022, 7, 1),
        )
    # Two partners' latest files are returned once and resubmitted, through the services.
    story = partners[:2]
    bulk = [(o, p) for o in partners for p in periods if not (o in story and p == periods[-1])]
    areas_of = {o.pk: tuple(where.sample(places, min(3, len(places)))) for o in partners}
    combos = facts.combos(
        [
            {},
            {"sex": "Female"},
            {"sex": "Male"},
            *({"race": race} for race, _s in RACES),
            *({"area": area} for area in [*places, remote] if area),
        ]
    )
    indicator = installed[INDICATOR]
    now = timezone.now()
    values = []
    for organization, period in bulk:
        served = rng.randint(40, 900)
        rows = _rows(
            period.label,
            served,
            rng.uniform(0.38, 0.52),
            areas_of[organization.pk],
            remote if organization == bulk[-1][0] else "",
        )
        run = Submission(
            ecosystem=ecosystem,
            organization=organization,
            original_filename=f"{organization.slug}-{period.label}.csv",
            status=UploadStatus.APPLIED,
            review=Review.APPROVED,
            submitted_at=now,
            reviewed_at=now,
            applied_at=now,
            report={"problems": [], "counts": {"rows": len(rows), "written": len(rows)}},
        )
        run.file.save(run.original_filename, ContentFile(_csv(rows)), save=False)
        run.save()
        for row in rows:
            parts = {k: v for k, v in (("sex", row[2]), ("race", row[3]), ("area", row[4])) if v}
            values.append(
                (
                    ecosystem.pk,
                    indicator.pk,
                    indicator.version,
                    period.pk,
                    organization.pk,
                    combos[tuple(sorted(parts.items()))].pk,
                    Decimal(row[5]),
                    run.pk,
                )
            )
    facts.write_values(
        (
            "ecosystem_id",
            "indicator_id",
            "indicator_version",
            "period_id",
            "organization_id",
            "combo_id",
            "value",
            "submission_id",
        ),
        values,
    )
    for organization in story:
        served = rng.randint(80, 400)
        rows = _rows(periods[-1].label, served, 0.45, areas_of[organization.pk])
        # sessions counted, not people
        wrong = _rows(periods[-1].label, served * 3, 0.45, areas_of[organization.pk])
        for text, last in ((_csv(wrong), False), (_csv(rows), True)):
            run = submissions.check_submission_file(
                organization,
                SimpleUploadedFile(f"{organization.slug}-{periods[-1].label}.csv", text),
                user=partner_user,
            )
            submissions.submit_submission(run, user=partner_user)
            if not last:
                submissions.return_submission(
                    run,
                    user=admin,
                    comment="Three times last year's numbers: were sessions counted instead of "
                    "young people? Count each young person once.",
                )
            else:
                submissions.approve_submission(run, user=admin)
    _perkins(ecosystem, admin, periods, rng)
    _ccd(ecosystem, admin, periods, rng)
    ctx.counts["measure values"] = len(values)


def delete(slug: str) -> None:
    """The ecosystem's values and files, which protect its partners and periods."""
    Value.objects.filter(ecosystem__slug=slug).delete()
    Submission.objects.filter(ecosystem__slug=slug).delete()
    PublicSource.objects.filter(ecosystem__slug=slug).delete()
    DataSharingAgreement.objects.filter(ecosystem__slug=slug).delete()


def _perkins(ecosystem: Ecosystem, admin: Any, periods: list[Any], rng: random.Random) -> None:
    lines = [
        "year,district,career_cluster,sex,race,economic_disadvantage,english_learner,"
        "disability,concentrators,nontraditional_concentrators"
    ]
    for period in periods:
        for district in DISTRICTS:
            for cluster, girls_share in CLUSTERS.items():
                for race, race_share in RACES:
                    everyone = rng.randint(20, 90) * race_share * 4
                    for sex, share in (("Female", girls_share), ("Male", 1 - girls_share)):
                        count = round(everyone * share)
                        # the sex under 25 % of a cluster is its non-traditional one
                        nontraditional = count if share < 0.25 else 0
                        lines.append(
                            f"{period.label},{district},{cluster},{sex},{race},"
                            f"{'Y' if rng.random() < 0.4 else 'N'},N,N,{count},{nontraditional}"
                        )
    run = public_sources.check_public_file(
        ecosystem,
        "perkins",
        SimpleUploadedFile("state-perkins-concentrators.csv", ("\n".join(lines) + "\n").encode()),
        user=admin,
    )
    public_sources.apply_public_source(run, user=admin)


def _ccd(ecosystem: Ecosystem, admin: Any, periods: list[Any], rng: random.Random) -> None:
    """Each school year's CCD membership of the region's schools (a few per district), counted
    as an enrolment indicator: the reference the dashboards' representation reads."""
    enrolled = indicators.create_indicator(
        ecosystem,
        admin,
        name="Students enrolled in the region's public schools",
        definition="Students enrolled in the region's public schools on the count day, from "
        "NCES Common Core of Data (CCD) membership.",
        unit="count",
        direction="higher",
        period_type="school_year",
        dimensions=["sex", "race"],
    )
    races = [code for code, _share in ENROLLED]
    header = ["NCESSCH", "SCH_NAME", "LEAID", "TOTAL", "TOTFENROL", "TOTMENROL", *races]
    header += [f"{code}AL{sex}" for code in races for sex in ("F", "M")]
    for period in periods:
        lines = [",".join(header)]
        for district in DISTRICTS:
            for school in range(1, SCHOOLS_PER_DISTRICT + 1):
                total = rng.randint(250, 1200)
                by_race = _split(total, [share for _code, share in ENROLLED])
                girls = [round(n * rng.uniform(0.47, 0.51)) for n in by_race]
                crossed = [
                    str(part) for g, n in zip(girls, by_race, strict=True) for part in (g, n - g)
                ]
                lines.append(
                    ",".join(
                        [
                            f"{district}{school:05d}",
                            f"School {school} of district {district}",
                            district,
                            str(total),
                            str(sum(girls)),
                            str(total - sum(girls)),
                            *(str(n) for n in by_race),
                            *crossed,
                        ]
                    )
                )
        run = public_sources.check_public_file(
            ecosystem,
            "ccd_membership",
            SimpleUploadedFile(
                f"ccd-membership-{period.label}.csv", ("\n".join(lines) + "\n").encode()
            ),
            user=admin,
            indicator=enrolled,
            period=period,
        )
        public_sources.apply_public_source(run, user=admin)
