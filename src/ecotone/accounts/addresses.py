"""What an email address must be for mail to reach it: the one rule sign-up and invitations
share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# RFC 5321 (4.5.3.1): a local part of at most 64 octets, and a path of at most 256 including its
# angle brackets, so an address of at most 254 (RFC 3696, erratum 1690). Mail servers refuse
# longer ones, so an account with one could never receive its confirmation.
LOCAL_PART_MAX = 64
ADDRESS_MAX = 254


def validate_address_length(email: str) -> None:
    """ValidationError when `email` is longer than mail can carry (RFC 5321's limits)."""
    local = email.rpartition("@")[0]
    if len(local) > LOCAL_PART_MAX:
        raise ValidationError(
            _(
                "An email address can have at most %(max)d characters before the @; "
                "this one has %(count)d."
            )
            % {"max": LOCAL_PART_MAX, "count": len(local)},
            code="local_part_too_long",
        )
    if len(email) > ADDRESS_MAX:
        raise ValidationError(
            _("An email address can have at most %(max)d characters; this one has %(count)d.")
            % {"max": ADDRESS_MAX, "count": len(email)},
            code="address_too_long",
        )
