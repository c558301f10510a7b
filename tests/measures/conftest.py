"""Fixtures of the shared-measurement tests."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from ecotone.measures.services import agreements, facts, indicators


@pytest.fixture
def setup(world: Any) -> Any:
    staff = world.users["staff"]
    installed = indicators.install_starter_library(staff, world.alpha)
    for indicator in installed:
        if indicator.key in ("young-people-served", "share-girls"):
            indicator.is_published = True
            indicator.save()
    facts.school_year(world.alpha, 2024)
    facts.school_year(world.alpha, 2025)
    for organization in (world.org_a, world.org_b):
        agreements.save_agreement(
            organization,
            staff,
            indicators=["young-people-served", "share-girls"],
            signatories="Ana Ruiz, director",
            starts_on=datetime.date(2024, 7, 1),
        )
    return world
