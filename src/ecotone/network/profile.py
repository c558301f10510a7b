"""What a member says about themself: the codes of their role in the network and their
interests, with translated labels (Django-free apart from the lazy translation). One table,
read by the join form, the member directory, the segments and the health dashboard."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# A member's role in the network (not a permission: the roles that open pages are
# ecosystems.Role); the sectors are the partners' (ecosystems.Sector).
NETWORK_ROLES = (
    ("educator", _("Teacher or educator")),
    ("program_leader", _("Program leader or staff")),
    ("administrator", _("School or district administrator")),
    ("stem_professional", _("STEM professional")),
    ("higher_ed", _("College faculty or staff")),
    ("funder", _("Funder")),
    ("parent", _("Parent or family member")),
    ("student", _("College student")),
    ("community", _("Community member")),
)

INTERESTS = (
    ("computer_science", _("Computer science")),
    ("engineering", _("Engineering and robotics")),
    ("life_science", _("Life and environmental science")),
    ("math", _("Mathematics")),
    ("equity", _("Equity and inclusion")),
    ("careers", _("Careers and work-based learning")),
    ("family", _("Family engagement")),
    ("early_learning", _("Early learning")),
    ("professional_learning", _("Professional learning")),
    ("data", _("Data and evaluation")),
    ("funding", _("Funding and sustainability")),
    ("policy", _("Policy and advocacy")),
    ("mentoring", _("Mentoring")),
)

INTEREST_CODES = frozenset(code for code, _label in INTERESTS)
NETWORK_ROLE_CODES = frozenset(code for code, _label in NETWORK_ROLES)


def interest_label(code: str) -> str:
    return str(dict(INTERESTS).get(code, code))
