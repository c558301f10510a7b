"""Ages against grade bands: does a program's age range fit the grades it says it serves?

Django-free. Each US grade band covers a typical age range (a child is 11 to 14 in grades 6-8).
A program that names a band but whose own age range cannot include any child of that band (grades
6-8, maximum age 8) has contradictory data: families filtering by grade or by age would get
different answers. The check is a range-overlap test per band, O(b) for b bands.
"""

from __future__ import annotations

from collections.abc import Iterable

# Grade band code -> (youngest, oldest) typical age in whole years, inclusive.
GRADE_BAND_AGES: dict[str, tuple[int, int]] = {
    "prek": (3, 5),
    "k-2": (5, 8),
    "3-5": (8, 11),
    "6-8": (11, 14),
    "9-12": (14, 19),
    "postsecondary": (17, 99),
}


def bands_outside_ages(
    minimum_age: int | None, maximum_age: int | None, bands: Iterable[str]
) -> list[str]:
    """The grade bands (in the order given) that no age between the minimum and maximum reaches.

    The range is taken as given (minimum <= maximum; the form checks that first). A missing
    bound is open (no minimum means from birth, no maximum means any age). Unknown
    band codes are ignored: the form's choices already reject them.
    """
    low = minimum_age if minimum_age is not None else 0
    high = maximum_age if maximum_age is not None else 999
    outside = []
    for band in bands:
        ages = GRADE_BAND_AGES.get(band)
        if ages is None:
            continue
        youngest, oldest = ages
        if high < youngest or low > oldest:
            outside.append(band)
    return outside
