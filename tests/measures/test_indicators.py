"""Indicator services: definitions and their versions, the starter library, the crosswalk of a
partner's codes, and the fact table's keys."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.utils import translation

from ecotone.errors import DomainError
from ecotone.measures import codes
from ecotone.measures.models import (
    DimensionCombo,
    Indicator,
    IndicatorVersion,
    Period,
    PeriodType,
    Value,
)
from ecotone.measures.services import crosswalk, facts, indicators

pytestmark = pytest.mark.django_db


def fields(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Girls in engineering programs",
        "definition": "Of the young people in engineering programs, the share who are girls.",
        "unit": "percent",
        "numerator": "Girls in engineering programs",
        "denominator": "Young people in engineering programs",
        "direction": "higher",
        "period_type": "school_year",
        "dimensions": ["race"],
    }
    return {**base, **overrides}


def test_creating_an_indicator_records_version_one(world: Any) -> None:
    indicator = indicators.create_indicator(world.alpha, world.users["staff"], **fields())
    assert indicator.key == "girls-in-engineering-programs"
    assert indicator.aggregation == "ratio_of_sums"
    assert indicator.version == 1
    version = indicator.versions.get()
    assert version.number == 1
    assert version.definition["name"] == "Girls in engineering programs"
    assert version.created_by == world.users["staff"]
    assert LogEntry.objects.get_for_object(indicator).count() == 1


@pytest.mark.parametrize("unit", ["percent", "mean", "scale_score"])
def test_ratios_are_recomputed_from_sums_never_averaged(world: Any, unit: str) -> None:
    indicator = indicators.create_indicator(world.alpha, world.users["staff"], **fields(unit=unit))
    assert indicator.aggregation == "ratio_of_sums"
    with pytest.raises(DomainError, match="never averaged"):
        indicators.create_indicator(
            world.alpha,
            world.users["staff"],
            **fields(name="Other", unit=unit, aggregation="sum"),
        )


def test_a_count_sums(world: Any) -> None:
    indicator = indicators.create_indicator(
        world.alpha, world.users["staff"], **fields(unit="count", numerator="", denominator="")
    )
    assert indicator.aggregation == "sum"


def test_the_database_refuses_an_averaged_percent(world: Any) -> None:
    indicator = indicators.create_indicator(world.alpha, world.users["staff"], **fields())
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(pk=indicator.pk).update(aggregation="sum")


def test_a_ratio_says_what_it_counts_above_and_below_the_line(world: Any) -> None:
    with pytest.raises(DomainError, match="numerator"):
        indicators.create_indicator(world.alpha, world.users["staff"], **fields(numerator=""))


def test_an_unknown_dimension_is_refused(world: Any) -> None:
    with pytest.raises(DomainError, match="shoe_size"):
        indicators.create_indicator(
            world.alpha, world.users["staff"], **fields(dimensions=["sex", "shoe_size"])
        )


def test_a_dimension_named_twice_is_kept_once(world: Any) -> None:
    indicator = indicators.create_indicator(
        world.alpha, world.users["staff"], **fields(dimensions=["sex", "race", "sex"])
    )
    assert indicator.dimensions == ["sex", "race"]


def test_two_indicators_of_one_name_get_two_keys(world: Any) -> None:
    first = indicators.create_indicator(world.alpha, world.users["staff"], **fields())
    second = indicators.create_indicator(world.alpha, world.users["staff"], **fields())
    assert first.key != second.key


def test_changing_the_meaning_adds_a_version_and_keeps_the_old_one(world: Any) -> None:
    staff = world.users["staff"]
    indicator = indicators.create_indicator(world.alpha, staff, **fields())
    indicators.update_indicator(
        indicator, world.users["admin"], **fields(definition="Now counting all girls.")
    )
    indicator.refresh_from_db()
    assert indicator.version == 2
    old, new = IndicatorVersion.objects.filter(indicator=indicator).order_by("number")
    assert "engineering programs, the share" in old.definition["definition"]
    assert new.definition["definition"] == "Now counting all girls."
    assert new.created_by == world.users["admin"]


def test_publishing_alone_is_no_new_version(world: Any) -> None:
    indicator = indicators.create_indicator(world.alpha, world.users["staff"], **fields())
    indicators.update_indicator(indicator, world.users["staff"], **fields(), is_published=True)
    indicator.refresh_from_db()
    assert indicator.is_published
    assert indicator.version == 1
    assert indicator.versions.count() == 1


def test_archiving_and_restoring(world: Any) -> None:
    indicator = indicators.create_indicator(world.alpha, world.users["staff"], **fields())
    indicators.archive_indicator(indicator, world.users["staff"])
    assert indicator.is_archived
    assert not Indicator.objects.filter(ecosystem=world.alpha).active().exists()
    with pytest.raises(DomainError):
        indicators.archive_indicator(indicator, world.users["staff"])
    indicators.restore_indicator(indicator, world.users["staff"])
    assert not indicator.is_archived


def test_the_starter_library_installs_every_entry_once(world: Any) -> None:
    installed = indicators.install_starter_library(world.users["staff"], world.alpha)
    keys = {i.key for i in installed}
    assert {
        "young-people-served",
        "stem-contact-hours",
        "share-girls",
        "share-by-race",
        "share-economically-disadvantaged",
        "share-english-learners",
        "share-students-with-disabilities",
        "programs-by-depth",
        "mentor-hours",
        "stem-interest-after",
        "cte-concentrators",
        "nontraditional-concentrators",
        "young-people-earning-badges",
    } <= keys
    assert all(i.versions.count() == 1 for i in installed)
    assert not any(i.is_published for i in installed)  # the backbone reviews, then publishes
    # a second install adds nothing, and leaves the backbone's edits alone
    share = Indicator.objects.get(ecosystem=world.alpha, key="share-girls")
    indicators.update_indicator(share, world.users["staff"], **fields(name="Girls served (%)"))
    assert indicators.install_starter_library(world.users["staff"], world.alpha) == []
    share.refresh_from_db()
    assert share.name == "Girls served (%)"
    assert not Indicator.objects.filter(ecosystem=world.beta).exists()


def test_the_starter_library_speaks_the_ecosystems_language(world: Any) -> None:
    world.beta.default_language = "es"
    world.beta.save()
    with translation.override("en"):
        installed = indicators.install_starter_library(world.users["staff"], world.beta)
    names = {i.key: i.name for i in installed}
    assert names["young-people-served"] == "Jóvenes atendidos"


def test_the_starter_library_never_averages_a_percent(world: Any) -> None:
    for indicator in indicators.install_starter_library(world.users["staff"], world.alpha):
        assert indicator.aggregation == ("sum" if indicator.unit == "count" else "ratio_of_sums")
        assert set(indicator.dimensions) <= set(codes.DIMENSIONS)


# The crosswalk of a partner's own codes --------------------------------------------------


def test_standard_spellings_resolve_without_a_crosswalk(world: Any) -> None:
    resolver = crosswalk.Resolver(world.alpha)
    assert resolver.code("sex", "F") == "Female"
    assert resolver.code("sex", "uri://ed-fi.org/SexDescriptor#Female") == "Female"
    assert resolver.code("race", "HI7") == "HispanicOrLatino"


def test_a_partners_own_code_resolves_through_the_crosswalk(world: Any) -> None:
    staff = world.users["staff"]
    crosswalk.save_entry(world.alpha, staff, dimension="sex", local_code="Girl", code="Female")
    crosswalk.save_entry(
        world.alpha,
        staff,
        dimension="sex",
        local_code="G",
        code="Male",
        organization=world.org_b,
        note="Their G is for guy",
    )
    crosswalk.save_entry(world.alpha, staff, dimension="sex", local_code="G", code="Female")
    assert crosswalk.Resolver(world.alpha).code("sex", " girl ") == "Female"
    assert crosswalk.Resolver(world.alpha).code("sex", "G") == "Female"
    # an organization's own entry wins over the ecosystem's
    assert crosswalk.Resolver(world.alpha, world.org_b).code("sex", "G") == "Male"
    with pytest.raises(codes.UnknownCode):
        crosswalk.Resolver(world.beta).code("sex", "Girl")


def test_a_crosswalk_entry_must_point_at_a_common_code(world: Any) -> None:
    with pytest.raises(DomainError, match="Femme"):
        crosswalk.save_entry(
            world.alpha, world.users["staff"], dimension="sex", local_code="W", code="Femme"
        )


def test_saving_a_local_code_again_changes_its_meaning(world: Any) -> None:
    staff = world.users["staff"]
    crosswalk.save_entry(world.alpha, staff, dimension="race", local_code="A", code="Asian")
    crosswalk.save_entry(
        world.alpha, staff, dimension="race", local_code="A", code="AmericanIndianOrAlaskaNative"
    )
    assert crosswalk.Resolver(world.alpha).code("race", "A") == "AmericanIndianOrAlaskaNative"


# The fact table's keys -------------------------------------------------------------------


def test_a_combination_is_one_row_in_whatever_order_it_is_named(world: Any) -> None:
    first = facts.combo({"sex": "Female", "race": "Asian"})
    total = facts.combo({})
    # Counted from here: combinations are shared by every ecosystem, and a module that seeds
    # the demo on the same worker leaves its own behind.
    rows = DimensionCombo.objects.count()
    second = facts.combo({"race": "Asian", "sex": "Female"})
    assert first == second
    assert first.key == "race=Asian;sex=Female"
    assert total.key == ""  # the total
    assert facts.combo({}) == total
    assert DimensionCombo.objects.count() == rows
    assert DimensionCombo.objects.filter(key=first.key).count() == 1


def test_a_combination_of_unknown_codes_is_refused(world: Any) -> None:
    with pytest.raises(DomainError):
        facts.combo({"sex": "F"})  # the EDFacts spelling: resolve it first


def test_one_value_per_cell(world: Any) -> None:
    indicator = indicators.create_indicator(world.alpha, world.users["staff"], **fields())
    period = facts.school_year(world.alpha, 2025)
    assert period.label == "2025–26"
    assert (period.start, period.end) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert facts.school_year(world.alpha, 2025) == period
    combo = facts.combo({"race": "Asian"})
    cell = {"ecosystem": world.alpha, "indicator": indicator, "period": period, "combo": combo}
    Value.objects.create(**cell, organization=world.org_a, indicator_version=1, value=3)
    Value.objects.create(**cell, organization=None, indicator_version=1, value=3)
    for organization in (world.org_a, None):
        with pytest.raises(IntegrityError), transaction.atomic():
            Value.objects.create(**cell, organization=organization, indicator_version=1, value=4)


def test_a_period_ends_after_it_starts(world: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.create(
            ecosystem=world.alpha,
            type=PeriodType.MONTH,
            start=datetime.date(2025, 2, 1),
            end=datetime.date(2025, 1, 31),
            label="Backwards",
        )


@pytest.mark.parametrize("name", ["New", "Install"])
def test_a_key_never_takes_a_page_address(world: Any, name: str) -> None:
    indicator = indicators.create_indicator(world.alpha, world.users["staff"], **fields(name=name))
    assert indicator.key == f"{name.lower()}-2"
