"""Demo schools for the access atlas: about 200 public schools across the fictional region.

A step of the demo builder (ecotone.demo.builder.STEPS), after the programs. The schools sit
in the same towns as the demo's partners and programs, plus four rural districts that have no
partner and no program at all, 25-40 miles from the nearest one: the rural deserts the atlas is
built to show. Two city neighbourhoods between the program clusters are under-served too. The
metro's schools are otherwise mostly well served.

The schools are written as an NCES Common Core of Data file and loaded through the import
services (check, then apply), as a coalition would load the real file; the file is kept as the
demo's first area import. Every name and identifier is invented; the demographics are
believable, not real: enrolment sizes by locale and grade span, low-income shares higher in the
rural districts and the urban core, English learners concentrated on the west side, race and
ethnicity counts that add up to each school's total.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile

from ecotone import ccd
from ecotone.atlas import area_import
from ecotone.atlas.models import AreaImportStatus
from ecotone.ecosystems.models import Ecosystem

from .tables import table

SCALE = {"small": 0.4, "medium": 1.0, "large": 2.0}

LOCALE_LABELS = {c.code: c.en for c in ccd.LOCALES}

# Shares of the students of color by NCES race code (AM, AS, BL, HP, HI, TR).
MIX_BLACK = (0.01, 0.04, 0.62, 0.005, 0.20, 0.125)
MIX_LATINO = (0.01, 0.12, 0.22, 0.01, 0.52, 0.12)
MIX_ASIAN = (0.01, 0.45, 0.15, 0.01, 0.18, 0.20)
MIX_EVEN = (0.02, 0.15, 0.35, 0.01, 0.25, 0.22)
MIX_RURAL = (0.08, 0.03, 0.22, 0.01, 0.30, 0.36)


@dataclass(frozen=True)
class Cluster:
    """Schools around one place: a city neighbourhood, a suburb, a town, a rural district."""

    place: str
    district: str
    leaid: str
    lat: float
    lon: float
    spread: float  # degrees each way
    locale_codes: tuple[int, ...]
    schools: int  # at the medium size
    low_income: tuple[float, float]
    english_learners: tuple[float, float]
    of_color: tuple[float, float]
    mix: tuple[float, ...]
    names: tuple[str, ...] = ()
    # Spans as (GSLO, GSHI, weight); metro spans unless given.
    spans: tuple[tuple[str, str, float], ...] = ()
    desert: bool = False


STREET_NAMES: tuple[str, ...] = tuple(table("places")["school_names"])

METRO_SPANS: tuple[tuple[str, str, float], ...] = (
    ("PK", "05", 0.25),
    ("KG", "05", 0.32),
    ("06", "08", 0.2),
    ("09", "12", 0.17),
    ("KG", "08", 0.06),
)
TOWN_SPANS = (("KG", "05", 0.45), ("06", "08", 0.25), ("09", "12", 0.3))
RURAL_SPANS = (("KG", "08", 0.3), ("KG", "12", 0.25), ("PK", "06", 0.2), ("07", "12", 0.25))

# Students per grade, by locale family and span ("elementary", "middle", "high").
PER_GRADE = {
    "city": {"elementary": (55, 95), "middle": (140, 260), "high": (230, 420)},
    "suburb": {"elementary": (70, 110), "middle": (180, 300), "high": (300, 480)},
    "town": {"elementary": (40, 75), "middle": (90, 150), "high": (110, 190)},
    "rural": {"elementary": (16, 40), "middle": (22, 45), "high": (25, 55)},
}

CONFLUENCE: tuple[Cluster, ...] = (
    # Riverton City Schools: the metro's district, by neighbourhood.
    Cluster(
        "Riverton",
        "Riverton City Schools",
        "3904380",
        39.962,
        -83.000,
        0.03,
        (11,),
        22,
        (0.55, 0.85),
        (0.04, 0.14),
        (0.6, 0.85),
        MIX_BLACK,
    ),
    Cluster(
        "Northbank",
        "Riverton City Schools",
        "3904380",
        40.048,
        -83.021,
        0.03,
        (11,),
        14,
        (0.35, 0.6),
        (0.05, 0.12),
        (0.4, 0.65),
        MIX_EVEN,
    ),
    Cluster(
        "Eastgate",
        "Riverton City Schools",
        "3904380",
        39.973,
        -82.884,
        0.03,
        (11,),
        14,
        (0.55, 0.8),
        (0.03, 0.1),
        (0.65, 0.85),
        MIX_BLACK,
    ),
    Cluster(
        "Westfield",
        "Riverton City Schools",
        "3904380",
        39.951,
        -83.128,
        0.03,
        (11,),
        14,
        (0.5, 0.75),
        (0.2, 0.36),
        (0.55, 0.8),
        MIX_LATINO,
    ),
    Cluster(
        "Southpoint",
        "Riverton City Schools",
        "3904380",
        39.872,
        -82.991,
        0.03,
        (11,),
        12,
        (0.6, 0.85),
        (0.05, 0.15),
        (0.55, 0.8),
        MIX_BLACK,
    ),
    # Two neighbourhoods between the program clusters, 2.5-3 miles from the nearest program
    # (the city catchment is 2): under-served within a well-served city.
    Cluster(
        "Linden Flats",
        "Riverton City Schools",
        "3904380",
        39.905,
        -82.91,
        0.006,
        (11,),
        5,
        (0.82, 0.93),
        (0.1, 0.22),
        (0.85, 0.95),
        MIX_BLACK,
    ),
    Cluster(
        "Hilltop West",
        "Riverton City Schools",
        "3904380",
        39.885,
        -83.06,
        0.006,
        (12,),
        5,
        (0.76, 0.9),
        (0.25, 0.4),
        (0.7, 0.88),
        MIX_LATINO,
    ),
    # Suburbs.
    Cluster(
        "Millbrook",
        "Millbrook City Schools",
        "3904381",
        40.101,
        -82.903,
        0.03,
        (21,),
        14,
        (0.1, 0.3),
        (0.02, 0.07),
        (0.15, 0.35),
        MIX_EVEN,
    ),
    Cluster(
        "Oak Terrace",
        "Oak Terrace City Schools",
        "3904382",
        40.117,
        -83.101,
        0.03,
        (21,),
        14,
        (0.05, 0.2),
        (0.04, 0.12),
        (0.2, 0.4),
        MIX_ASIAN,
    ),
    Cluster(
        "Canal Crossing",
        "Canal Crossing Local",
        "3904383",
        39.861,
        -82.828,
        0.03,
        (21, 22),
        10,
        (0.2, 0.4),
        (0.02, 0.06),
        (0.15, 0.3),
        MIX_EVEN,
    ),
    # Towns.
    *(
        Cluster(
            town,
            f"{town} City Schools",
            leaid,
            lat,
            lon,
            0.02,
            codes,
            n,
            (0.4, 0.65),
            (0.01, 0.05),
            (0.08, 0.2),
            MIX_RURAL,
            spans=TOWN_SPANS,
        )
        for town, leaid, lat, lon, codes, n in (
            ("Alder Springs", "3904384", 40.556, -83.128, (32,), 7),
            ("Birch Hollow", "3904385", 39.552, -82.410, (33,), 6),
            ("Cedar Ridge", "3904386", 40.374, -82.482, (32,), 6),
            ("Dunmore", "3904387", 39.451, -83.297, (32,), 6),
            ("Elk Prairie", "3904388", 40.291, -83.752, (33,), 6),
        )
    ),
    # Rural places with a partner or two, and so a program or two, nearby.
    *(
        Cluster(
            place,
            f"{place} Local Schools",
            leaid,
            lat,
            lon,
            0.04,
            codes,
            3,
            (0.45, 0.7),
            (0.0, 0.03),
            (0.03, 0.12),
            MIX_RURAL,
            spans=RURAL_SPANS,
        )
        for place, leaid, lat, lon, codes in (
            ("Fox Run", "3904389", 40.702, -82.951, (42,)),
            ("Granite Mill", "3904390", 39.351, -82.702, (42,)),
            ("Harlow", "3904391", 40.452, -83.551, (41,)),
            ("Ivy Bend", "3904392", 39.651, -83.603, (42,)),
            ("Juniper Flats", "3904393", 40.621, -82.452, (42,)),
            ("Kettle Creek", "3904394", 39.302, -82.953, (42,)),
        )
    ),
    # Rural districts with no partner and no program: 25-40 miles from the nearest one.
    Cluster(
        "Sycamore Valley",
        "Sycamore Valley Local Schools",
        "3904395",
        39.26,
        -83.90,
        0.045,
        (43, 42),
        8,
        (0.68, 0.88),
        (0.0, 0.04),
        (0.03, 0.1),
        MIX_RURAL,
        names=("Sycamore Valley", "Pike Creek", "Hollis", "Clary Run", "Bowen", "Marrow Ford"),
        spans=RURAL_SPANS,
        desert=True,
    ),
    Cluster(
        "Tamarack Hills",
        "Tamarack Hills Local Schools",
        "3904396",
        39.95,
        -82.03,
        0.045,
        (43,),
        7,
        (0.66, 0.86),
        (0.0, 0.03),
        (0.02, 0.08),
        MIX_RURAL,
        names=("Tamarack Hills", "Dell Ridge", "Otter Fork", "Stillwater", "Barlow", "Ransom"),
        spans=RURAL_SPANS,
        desert=True,
    ),
    Cluster(
        "Wolf Creek",
        "Wolf Creek Local Schools",
        "3904397",
        40.82,
        -83.88,
        0.045,
        (42, 43),
        7,
        (0.6, 0.8),
        (0.03, 0.12),
        (0.08, 0.2),
        MIX_LATINO,  # farm families; English learners among them
        names=("Wolf Creek", "Prairie Center", "Quarry Road", "New Haven", "Sayler", "Elm Point"),
        spans=RURAL_SPANS,
        desert=True,
    ),
    Cluster(
        "Laurel Fork",
        "Laurel Fork Local Schools",
        "3904398",
        39.25,
        -82.00,
        0.045,
        (43,),
        6,
        (0.72, 0.9),
        (0.0, 0.02),
        (0.02, 0.07),
        MIX_RURAL,
        names=("Laurel Fork", "Coal Hollow", "Shade River", "Vinton Mills", "Ash Cove"),
        spans=RURAL_SPANS,
        desert=True,
    ),
)

LAKESHORE: tuple[Cluster, ...] = (
    Cluster(
        "Harbor City",
        "Harbor City Schools",
        "3904399",
        41.499,
        -81.694,
        0.03,
        (11,),
        10,
        (0.6, 0.9),
        (0.05, 0.2),
        (0.6, 0.9),
        MIX_BLACK,
    ),
    Cluster(
        "Port Anselm",
        "Port Anselm City Schools",
        "3904400",
        41.466,
        -81.596,
        0.02,
        (21,),
        6,
        (0.15, 0.4),
        (0.02, 0.08),
        (0.2, 0.5),
        MIX_EVEN,
    ),
    Cluster(
        "Wexley",
        "Wexley Local Schools",
        "3904401",
        41.625,
        -81.250,
        0.02,
        (32,),
        4,
        (0.35, 0.55),
        (0.01, 0.04),
        (0.05, 0.15),
        MIX_RURAL,
        spans=TOWN_SPANS,
    ),
)

CLUSTERS = {"confluence": CONFLUENCE, "lakeshore": LAKESHORE}

HEADER = [
    "SCHOOL_YEAR",
    "FIPST",
    "STABR",
    "NCESSCH",
    "SCH_NAME",
    "LEAID",
    "LEA_NAME",
    "LCITY",
    "LSTATE",
    "LAT",
    "LON",
    "GSLO",
    "GSHI",
    "ULOCALE",
    "TOTAL",
    "FRELCH",
    "REDLCH",
    "TOTFRL",
    "LEP",
    "AM",
    "AS",
    "BL",
    "HP",
    "HI",
    "TR",
    "WH",
    "TOTMENROL",
    "TOTFENROL",
]


def _grade(code: str) -> int:
    return {"PK": -1, "KG": 0}[code] if code in ("PK", "KG") else int(code)


def _level(high: int) -> str:
    return "elementary" if high <= 6 else "middle" if high <= 8 else "high"


def _kind_name(low: str, high: str) -> str:
    span = (low, high)
    if span in (("PK", "05"), ("KG", "05"), ("PK", "06")):
        return "Elementary School"
    if span == ("06", "08"):
        return "Middle School"
    if span == ("09", "12"):
        return "High School"
    if span == ("07", "12"):
        return "Junior/Senior High School"
    if span == ("KG", "08"):
        return "PreK-8 Academy" if low == "PK" else "K-8 School"
    return "School"


def _split(rng: random.Random, count: int, weights: tuple[float, ...]) -> list[int]:
    """`count` people drawn into groups by `weights` (a deterministic multinomial)."""
    parts = [0] * len(weights)
    for _person in range(count):
        parts[rng.choices(range(len(weights)), weights=weights)[0]] += 1
    return parts


def _rows(
    cluster: Cluster, rng: random.Random, scale: float, numbers: dict[str, int], used: set[str]
) -> list[dict[str, Any]]:
    """The cluster's schools; `numbers` and `used` (school numbers and names taken so far in
    each district) are shared by the clusters of one district."""
    family = {1: "city", 2: "suburb", 3: "town", 4: "rural"}[cluster.locale_codes[0] // 10]
    spans = cluster.spans or METRO_SPANS
    n = max(2 if not cluster.desert else 4, round(cluster.schools * scale))
    names = list(cluster.names or STREET_NAMES)
    rng.shuffle(names)
    rows = []
    for index in range(n):
        low, high = rng.choices([(s[0], s[1]) for s in spans], weights=[s[2] for s in spans])[0]
        if index == 0 and cluster.spans is RURAL_SPANS:
            low, high = "KG", "12"  # every rural district has its K-12 school
        grades = _grade(high) - _grade(low) + 1
        lo, hi = PER_GRADE[family][_level(_grade(high))]
        total = grades * rng.randint(lo, hi)
        kind = _kind_name(low, high)
        name = next(
            (f"{prefix} {kind}" for prefix in names if f"{prefix} {kind}" not in used),
            f"{cluster.place} {names[index % len(names)]} {kind}",
        )
        used.add(name)
        numbers[cluster.leaid] = numbers.get(cluster.leaid, 0) + 1
        low_income = min(0.97, max(0.02, rng.uniform(*cluster.low_income)))
        learners = rng.uniform(*cluster.english_learners)
        of_color = rng.uniform(*cluster.of_color)
        girls = round(total * rng.uniform(0.46, 0.52))
        frl = round(total * low_income)
        free = round(frl * rng.uniform(0.82, 0.92))
        others = _split(rng, round(total * of_color), cluster.mix)
        code = rng.choice(cluster.locale_codes)
        row = {
            "SCHOOL_YEAR": "2024-2025",
            "FIPST": "39",
            "STABR": "OH",
            "NCESSCH": f"{cluster.leaid}{numbers[cluster.leaid]:05d}",
            "SCH_NAME": name,
            "LEAID": cluster.leaid,
            "LEA_NAME": cluster.district,
            "LCITY": cluster.place.upper(),
            "LSTATE": "OH",
            "LAT": round(cluster.lat + rng.uniform(-cluster.spread, cluster.spread), 6),
            "LON": round(cluster.lon + rng.uniform(-cluster.spread, cluster.spread), 6),
            "GSLO": low,
            "GSHI": high,
            "ULOCALE": f"{code}-{LOCALE_LABELS[code]}",
            "TOTAL": total,
            "FRELCH": free,
            "REDLCH": frl - free,
            "TOTFRL": frl,
            "LEP": round(total * learners),
            **dict(zip(("AM", "AS", "BL", "HP", "HI", "TR"), others, strict=True)),
            "WH": total - sum(others),
            "TOTMENROL": total - girls,
            "TOTFENROL": girls,
        }
        rows.append(row)
    return rows


def schools_file(slug: str, size: str = "medium") -> bytes:
    """The demo ecosystem's schools as an NCES CCD file (CSV), the same on every run."""
    rng = random.Random(f"ecotone-atlas-{slug}")
    numbers: dict[str, int] = {}
    used: dict[str, set[str]] = {}
    rows = [
        row
        for cluster in CLUSTERS[slug]
        for row in _rows(cluster, rng, SCALE[size], numbers, used.setdefault(cluster.leaid, set()))
    ]
    # As real files do: a suppressed low-income count, an unreported English-learner count.
    for row in rows:
        if row["LEA_NAME"] == "Oak Terrace City Schools":
            row.update(TOTFRL=-9, FRELCH=-9, REDLCH=-9, LEP=-1)
            break
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def desert_districts() -> list[str]:
    return [c.district for clusters in CLUSTERS.values() for c in clusters if c.desert]


def build_areas(ecosystem: Ecosystem, *, size: str = "medium", user: Any = None) -> int:
    """Load the demo schools of `ecosystem` through the import services; how many there are."""
    if ecosystem.slug not in CLUSTERS:
        return 0
    upload = ContentFile(
        schools_file(ecosystem.slug, size), name=f"ccd-schools-{ecosystem.slug}-2024-25.csv"
    )
    run = area_import.check_area_file(ecosystem, upload, user=user, format="nces")
    if run.status != AreaImportStatus.CHECKED:
        raise ValueError(f"The demo schools do not import: {run.report['problems'][:3]}")
    area_import.apply_area_import(run, user=user)
    return ecosystem.population_areas.count()


def build(ctx: Any) -> None:
    """Demo builder step: the schools of each demo ecosystem."""
    total = 0
    for ecosystem in ctx.ecosystems.values():
        total += build_areas(ecosystem, size=ctx.size, user=ctx.admin)
    ctx.counts["population_areas"] = total
