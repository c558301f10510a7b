"""Phone numbers as people write them, turned into `tel:` links a phone can dial.

Listings hold a number as typed ("(614) 555-0100 ext. 12"); a `tel:` link needs the global
E.164 form (RFC 3966: `tel:+16145550100;ext=12`). Numbers without a country code are read as
North American (the directories Ecotone serves); one that cannot be dialled as written (no
area code, words) gets no link, and the page shows the text alone.
"""

from __future__ import annotations

import re

_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_WRITTEN = re.compile(r"^\+?[\d\s().\-/]+$")


def tel_uri(text: str) -> str | None:
    """The `tel:` URI of a written phone number, or None when it cannot be dialled as written."""
    number = text.strip()
    extension = ""
    match = _EXTENSION.search(number)
    if match:
        extension = f";ext={match.group(1)}"
        number = number[: match.start()]
    if not number or not _WRITTEN.match(number):
        return None
    digits = re.sub(r"\D", "", number)
    if number.startswith("+"):
        # E.164: a country code and at most 15 digits in all.
        return f"tel:+{digits}{extension}" if 8 <= len(digits) <= 15 else None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        return None
    return f"tel:+1{digits}{extension}"
