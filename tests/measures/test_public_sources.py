"""Public files (NCES CCD membership, a state's Perkins CTE file) imported as ecosystem-wide
sources through their services and pages: stored as received, checked with coded problems by
row and field, applied whole or not at all, their values beside the partners' with the source
recorded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecotone.measures.models import PublicSource, Value
from ecotone.measures.services import crosswalk
from ecotone.measures.services import public_sources as services

pytestmark = pytest.mark.django_db

CCD = (
    "NCESSCH,SCH_NAME,TOTAL,TOTFENROL,TOTMENROL,AS,WH,ASALF,ASALM,WHALF,WHALM\n"
    "010000500870,Albertville Middle,100,52,48,30,70,14,16,38,32\n"
    "10000500871,Albertville High,50,20,30,10,40,4,6,16,24\n"
    "010000500872,Closed School,-1,-1,-1,-1,-1,-1,-1,-1,-1\n"
)
PERKINS_HEADER = (
    "year,district,career_cluster,sex,race,economic_disadvantage,english_learner,disability,"
    "concentrators,nontraditional_concentrators\n"
)
PERKINS = (
    PERKINS_HEADER
    + "2024–25,0100005,15,Female,White,Y,N,N,12,12\n"
    + "2024–25,0100005,15,Male,White,N,N,N,40,\n"
    + "2024–25,0100006,15,Female,Asian,N,N,Y,3,3\n"
    + "2024–25,0100006,08,Female,White,N,N,N,30,\n"
)


def _file(text: str, name: str = "public.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


def ccd(world: Any, text: str = CCD) -> PublicSource:
    return services.check_public_file(
        world.alpha,
        "ccd_membership",
        _file(text),
        user=world.users["staff"],
        indicator=world.alpha.indicators.get(key="young-people-served"),
        period=world.alpha.periods.get(label="2024–25"),
    )


def perkins(world: Any, text: str = PERKINS) -> PublicSource:
    return services.check_public_file(
        world.alpha, "perkins", _file(text), user=world.users["staff"]
    )


def apply(world: Any, run: PublicSource) -> PublicSource:
    services.apply_public_source(run, user=world.users["staff"])
    run.refresh_from_db()
    return run


def values(run: PublicSource, key: str = "young-people-served") -> dict[str, Decimal]:
    return {
        v.combo.key: v.value
        for v in Value.objects.filter(source=run, indicator__key=key).select_related("combo")
    }


def codes_of(run: PublicSource) -> list[tuple[str, str, str]]:
    return [(p["code"], p["where"], p["field"]) for p in run.report["problems"]]


def test_a_ccd_file_is_summed_over_its_schools_into_ecosystem_values(setup: Any) -> None:
    run = ccd(setup)
    assert run.status == "checked"
    assert run.file.read().decode() == CCD
    assert run.report["counts"]["left_out"] == 1
    assert not Value.objects.exists()
    run = apply(setup, run)
    assert run.status == "applied"
    found = values(run)
    assert found[""] == 150
    assert found["sex=Female"] == 72
    assert found["race=Asian"] == 40
    assert found["race=White;sex=Female"] == 54
    assert found["race=Asian;sex=Male"] == 22
    assert not Value.objects.filter(source=run, organization__isnull=False).exists()
    assert not Value.objects.filter(source=run, submission__isnull=False).exists()


def test_ccd_problems_are_coded_by_row_and_field(setup: Any) -> None:
    text = CCD.replace(",52,48,", ",many,48,").replace(",50,20,", ",-5,20,")
    text += "010000500870,Albertville Middle again,1,1,0,0,1,0,0,1,0\n"
    run = ccd(setup, text)
    assert run.status == "has_problems"
    assert codes_of(run) == [
        ("not_a_number", "row 2", "TOTFENROL"),
        ("value_out_of_range", "row 3", "TOTAL"),
        ("duplicate_row", "row 5", "NCESSCH"),
    ]
    missing = ccd(setup, "NCESSCH,SCH_NAME\n1,A\n")
    assert codes_of(missing) == [("missing_column", "", "TOTAL or MEMBER")]


def test_a_perkins_file_gives_concentrators_and_nontraditional_shares(setup: Any) -> None:
    run = apply(setup, perkins(setup))
    assert run.status == "applied"
    found = values(run, "cte-concentrators")
    assert found[""] == 85
    assert found["career_cluster=15;sex=Female"] == 15
    assert found["career_cluster=15;sex=Male"] == 40
    assert found["economic_disadvantage=Yes"] == 12
    assert found["disability=Yes;race=Asian"] == 3
    share = Value.objects.get(
        source=run, indicator__key="nontraditional-concentrators", combo__key="career_cluster=15"
    )
    assert (share.numerator, share.denominator) == (15, 15)


def test_perkins_problems_are_coded_by_row_and_field(setup: Any) -> None:
    text = (
        PERKINS_HEADER
        + "2024–25,0100005,15,Q,White,Y,N,N,12,\n"
        + "1999–00,0100005,15,Male,White,N,N,N,40,\n"
        + "2024–25,0100006,15,Female,Asian,N,N,Y,three,\n"
        + "2024–25,0100006,08,Female,White,N,N,N,3,9\n"
        + "2024–25,0100006,08,Female,White,N,N,N,3,\n"
    )
    run = perkins(setup, text)
    assert codes_of(run) == [
        ("unknown_code", "row 2", "sex"),
        ("unknown_period", "row 3", "period"),
        ("not_a_number", "row 4", "concentrators"),
        ("numerator_above_denominator", "row 5", "nontraditional_concentrators"),
        ("duplicate_row", "row 6", "district"),
    ]
    missing = perkins(setup, "year,district\n2024–25,1\n")
    assert codes_of(missing) == [("missing_column", "", "career_cluster")]


def test_a_file_that_no_longer_passes_writes_nothing_and_keeps_the_earlier_values(
    setup: Any,
) -> None:
    first = apply(setup, perkins(setup))
    entry = crosswalk.save_entry(
        setup.alpha, setup.users["staff"], dimension="sex", local_code="G", code="Female"
    )
    second = perkins(setup, PERKINS.replace(",Female,", ",G,"))
    assert second.status == "checked"
    entry.delete()
    second = apply(setup, second)
    assert second.status == "has_problems"
    assert codes_of(second)[0] == ("unknown_code", "row 2", "sex")
    assert not Value.objects.filter(source=second).exists()
    assert values(first, "cte-concentrators")[""] == 85


def test_a_later_file_replaces_the_ecosystem_values_of_its_years(setup: Any) -> None:
    first = apply(setup, perkins(setup))
    second = apply(setup, perkins(setup, PERKINS.replace(",40,", ",50,")))
    assert second.report["counts"]["replaced"] == Value.objects.filter(source=second).count()
    assert not Value.objects.filter(source=first).exists()
    assert values(second, "cte-concentrators")[""] == 95


def test_backbone_staff_import_a_file_through_the_pages(setup: Any) -> None:
    staff = setup.client("staff")
    response = staff.post(
        "/e/alpha/measures/public/new/",
        {"format": "perkins", "file": _file(PERKINS.replace(",Male,", ",Q,"))},
    )
    run = PublicSource.objects.get()
    assert response.url == f"/e/alpha/measures/public/{run.pk}/"
    page = staff.get(response.url).content.decode()
    assert "<code>unknown_code</code>" in page
    assert "row 3" in page
    good = staff.post(
        "/e/alpha/measures/public/new/", {"format": "perkins", "file": _file(PERKINS)}
    )
    latest = PublicSource.objects.latest("pk")
    staff.post(f"{good.url}apply/", {"confirm": "yes"})
    latest.refresh_from_db()
    assert latest.status == "applied"
    assert "Rows read: 4" in staff.get(good.url).content.decode()
    assert Value.objects.filter(source=latest).exists()


def test_partner_staff_cannot_reach_public_data(setup: Any) -> None:
    assert setup.client("partner_a").get("/e/alpha/measures/public/").status_code == 403


def test_a_public_file_with_a_header_and_no_rows_is_refused(setup: Any) -> None:
    empty_perkins = perkins(setup, PERKINS_HEADER)
    assert empty_perkins.status == "has_problems"
    assert codes_of(empty_perkins) == [("no_rows", "", "")]
    assert "no rows" in empty_perkins.report["problems"][0]["message"]
    empty_ccd = ccd(setup, CCD.splitlines()[0] + "\n\n")
    assert empty_ccd.status == "has_problems"
    assert codes_of(empty_ccd) == [("no_rows", "", "")]
