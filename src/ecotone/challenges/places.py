"""US states and the Census Bureau's four regions (Northeast, Midwest, South, West), for an
applicant pool's "where are they" and for reviewers' regions. Django-free.

Codes are USPS two-letter codes; DC and Puerto Rico are included (the Census Bureau puts DC in
the South; Puerto Rico is in no region, `region_of` answers "").
"""

from __future__ import annotations

REGIONS = ("northeast", "midwest", "south", "west")

# code: (name, census region)
STATES: dict[str, tuple[str, str]] = {
    "AL": ("Alabama", "south"),
    "AK": ("Alaska", "west"),
    "AZ": ("Arizona", "west"),
    "AR": ("Arkansas", "south"),
    "CA": ("California", "west"),
    "CO": ("Colorado", "west"),
    "CT": ("Connecticut", "northeast"),
    "DE": ("Delaware", "south"),
    "DC": ("District of Columbia", "south"),
    "FL": ("Florida", "south"),
    "GA": ("Georgia", "south"),
    "HI": ("Hawaii", "west"),
    "ID": ("Idaho", "west"),
    "IL": ("Illinois", "midwest"),
    "IN": ("Indiana", "midwest"),
    "IA": ("Iowa", "midwest"),
    "KS": ("Kansas", "midwest"),
    "KY": ("Kentucky", "south"),
    "LA": ("Louisiana", "south"),
    "ME": ("Maine", "northeast"),
    "MD": ("Maryland", "south"),
    "MA": ("Massachusetts", "northeast"),
    "MI": ("Michigan", "midwest"),
    "MN": ("Minnesota", "midwest"),
    "MS": ("Mississippi", "south"),
    "MO": ("Missouri", "midwest"),
    "MT": ("Montana", "west"),
    "NE": ("Nebraska", "midwest"),
    "NV": ("Nevada", "west"),
    "NH": ("New Hampshire", "northeast"),
    "NJ": ("New Jersey", "northeast"),
    "NM": ("New Mexico", "west"),
    "NY": ("New York", "northeast"),
    "NC": ("North Carolina", "south"),
    "ND": ("North Dakota", "midwest"),
    "OH": ("Ohio", "midwest"),
    "OK": ("Oklahoma", "south"),
    "OR": ("Oregon", "west"),
    "PA": ("Pennsylvania", "northeast"),
    "RI": ("Rhode Island", "northeast"),
    "SC": ("South Carolina", "south"),
    "SD": ("South Dakota", "midwest"),
    "TN": ("Tennessee", "south"),
    "TX": ("Texas", "south"),
    "UT": ("Utah", "west"),
    "VT": ("Vermont", "northeast"),
    "VA": ("Virginia", "south"),
    "WA": ("Washington", "west"),
    "WV": ("West Virginia", "south"),
    "WI": ("Wisconsin", "midwest"),
    "WY": ("Wyoming", "west"),
    "PR": ("Puerto Rico", ""),
}


def normalize_state(value: str) -> str | None:
    """A state's code from its code or name in any case ("oh", "Ohio" -> "OH"), else None."""
    text = " ".join(value.split()).casefold()
    for code, (name, _region) in STATES.items():
        if text in (code.casefold(), name.casefold()):
            return code
    return None


def region_of(code: str) -> str:
    """The census region of a state code ("" when unknown or in none)."""
    return STATES.get(code.upper(), ("", ""))[1]
