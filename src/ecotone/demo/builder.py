"""The demo alliance: a fictional metro area and its rural counties, built deterministically.

Every name is invented. Each domain contributes one step (a function taking the DemoContext);
later domains append theirs to STEPS, reading what earlier steps built from the context.
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from auditlog.context import disable_auditlog, set_actor
from django.contrib.auth.hashers import make_password
from django.test.utils import override_settings
from django.utils import timezone

from ecotone.accounts.models import User
from ecotone.directory.models import Program
from ecotone.ecosystems import services
from ecotone.ecosystems.models import (
    CoalitionRole,
    Contact,
    Ecosystem,
    Invitation,
    Membership,
    Network,
    NetworkOperator,
    Organization,
    Role,
    Sector,
)

from . import atlas as atlas_demo
from . import atlas_analysis as atlas_demo_analysis
from . import challenges as challenges_demo
from . import directory as directory_demo
from . import measures as measures_demo
from . import mentoring as mentoring_demo
from . import network as network_demo
from . import pathways as pathways_demo
from . import quality as quality_demo
from . import reach as reach_demo
from .tables import table

SIZES = ("small", "medium", "large")
ORGANIZATIONS = {"small": 40, "medium": 150, "large": 600}
PEOPLE = {"small": 25, "medium": 90, "large": 400}
SEED = 20261123

DEMO_PASSWORD = "ecotone-demo-2026"
# Base32, public on purpose: it only ever protects demo accounts.
DEMO_TOTP_SECRET = "ECOTONEDEMOBACKBONETOTPSECRETQQQ"
DEMO_DOMAIN = "demo.ecotone.example.org"
MAIN_SLUG = "confluence"
SECOND_SLUG = "lakeshore"
NETWORK_SLUG = "heartland"


class DemoError(Exception):
    pass


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str  # a Role value, or "network_operator"
    what: str


DEMO_ACCOUNTS = (
    DemoAccount(f"admin@{DEMO_DOMAIN}", "Rosa Okafor", Role.BACKBONE_ADMIN, "backbone admin"),
    DemoAccount(f"staff@{DEMO_DOMAIN}", "Malik Brennan", Role.BACKBONE_STAFF, "backbone staff"),
    DemoAccount(f"partner@{DEMO_DOMAIN}", "Ines Calloway", Role.PARTNER_STAFF, "partner staff"),
    DemoAccount(f"mentor@{DEMO_DOMAIN}", "Dev Lindqvist", Role.MENTOR, "mentor"),
    DemoAccount(f"reviewer@{DEMO_DOMAIN}", "Hana Whitfield", Role.REVIEWER, "reviewer"),
    DemoAccount(f"member@{DEMO_DOMAIN}", "Carmen Abara", Role.MEMBER, "network member"),
    DemoAccount(
        f"operator@{DEMO_DOMAIN}", "Theo Marchetti", "network_operator", "network operator"
    ),
)


@dataclass(frozen=True)
class Town:
    name: str
    county: str
    lat: float
    lon: float
    postal_code: str
    locale: str  # city, suburb, town, rural (NCES locale families)


CONFLUENCE_TOWNS = (
    Town("Riverton", "Confluence County", 39.962, -83.000, "43215", "city"),
    Town("Northbank", "Confluence County", 40.048, -83.021, "43224", "city"),
    Town("Eastgate", "Confluence County", 39.973, -82.884, "43213", "city"),
    Town("Westfield", "Confluence County", 39.951, -83.128, "43228", "city"),
    Town("Southpoint", "Confluence County", 39.872, -82.991, "43207", "city"),
    Town("Millbrook", "Confluence County", 40.101, -82.903, "43081", "suburb"),
    Town("Oak Terrace", "Confluence County", 40.117, -83.101, "43017", "suburb"),
    Town("Canal Crossing", "Confluence County", 39.861, -82.828, "43110", "suburb"),
    Town("Alder Springs", "Alder County", 40.556, -83.128, "43302", "town"),
    Town("Birch Hollow", "Birch Hollow County", 39.552, -82.410, "43138", "town"),
    Town("Cedar Ridge", "Cedar Ridge County", 40.374, -82.482, "43050", "town"),
    Town("Dunmore", "Dunmore County", 39.451, -83.297, "43160", "town"),
    Town("Elk Prairie", "Elk Prairie County", 40.291, -83.752, "43311", "town"),
    Town("Fox Run", "Alder County", 40.702, -82.951, "43338", "rural"),
    Town("Granite Mill", "Birch Hollow County", 39.351, -82.702, "43135", "rural"),
    Town("Harlow", "Elk Prairie County", 40.452, -83.551, "43344", "rural"),
    Town("Ivy Bend", "Dunmore County", 39.651, -83.603, "43128", "rural"),
    Town("Juniper Flats", "Cedar Ridge County", 40.621, -82.452, "43006", "rural"),
    Town("Kettle Creek", "Birch Hollow County", 39.302, -82.953, "45601", "rural"),
)

LAKESHORE_TOWNS = (
    Town("Harbor City", "Lakeshore County", 41.499, -81.694, "44113", "city"),
    Town("Port Anselm", "Lakeshore County", 41.466, -81.596, "44120", "suburb"),
    Town("Wexley", "Grayson County", 41.625, -81.250, "44077", "town"),
)

FIRST_NAMES: tuple[str, ...] = tuple(table("people")["first_names"])
LAST_NAMES: tuple[str, ...] = tuple(table("people")["last_names"])
STREETS: tuple[str, ...] = tuple(table("places")["streets"])
STREET_KINDS: tuple[str, ...] = tuple(table("places")["street_kinds"])


def _organization_names(sector: str) -> tuple[str, ...]:
    return tuple(table("organizations")["names"][sector])


# (sector, share of organizations, name patterns, coalition roles to draw from)
SECTOR_PLAN: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        Sector.SCHOOL,
        0.30,
        _organization_names(Sector.SCHOOL),
        (CoalitionRole.PARTNER, CoalitionRole.DIRECT_SERVICE),
    ),
    (
        Sector.YOUTH_NONPROFIT,
        0.20,
        _organization_names(Sector.YOUTH_NONPROFIT),
        (CoalitionRole.DIRECT_SERVICE,),
    ),
    (
        Sector.MUSEUM,
        0.05,
        _organization_names(Sector.MUSEUM),
        (CoalitionRole.DIRECT_SERVICE, CoalitionRole.BOTH),
    ),
    (
        Sector.LIBRARY,
        0.08,
        _organization_names(Sector.LIBRARY),
        (CoalitionRole.DIRECT_SERVICE,),
    ),
    (
        Sector.MAKERSPACE,
        0.05,
        _organization_names(Sector.MAKERSPACE),
        (CoalitionRole.DIRECT_SERVICE,),
    ),
    (
        Sector.HIGHER_ED,
        0.05,
        _organization_names(Sector.HIGHER_ED),
        (CoalitionRole.PARTNER, CoalitionRole.DIRECT_SERVICE),
    ),
    (
        Sector.BUSINESS,
        0.13,
        _organization_names(Sector.BUSINESS),
        (CoalitionRole.PARTNER, CoalitionRole.FUNDER),
    ),
    (
        Sector.GOVERNMENT,
        0.05,
        _organization_names(Sector.GOVERNMENT),
        (CoalitionRole.PARTNER,),
    ),
    (
        Sector.FOUNDATION,
        0.04,
        _organization_names(Sector.FOUNDATION),
        (CoalitionRole.FUNDER,),
    ),
    (
        Sector.COMMUNITY,
        0.05,
        _organization_names(Sector.COMMUNITY),
        (CoalitionRole.PARTNER, CoalitionRole.DIRECT_SERVICE),
    ),
)

DESCRIPTIONS: dict[str, str] = table("organizations")["descriptions"]


@dataclass
class DemoContext:
    size: str
    rng: random.Random
    admin: User | None = None
    ecosystems: dict[str, Ecosystem] = field(default_factory=dict)
    organizations: dict[str, list[Organization]] = field(default_factory=dict)
    towns: dict[str, tuple[Town, ...]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    # what the network's step made, for its later parts (demo/network.py)
    network: dict[str, Any] = field(default_factory=dict)


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def build_ecosystems(ctx: DemoContext) -> None:
    confluence = Ecosystem.objects.create(
        slug=MAIN_SLUG,
        name="Confluence Valley STEM Alliance",
        description=(
            "A regional STEM learning ecosystem joining the schools, afterschool programs, "
            "museums, libraries, makerspaces, colleges and employers of Riverton and the five "
            "rural counties around it, so that every young person — above all girls, students "
            "of color, rural and low-income students — gets hands-on STEM and a mentor."
        ),
        contact_email=f"hello@{DEMO_DOMAIN}",
        region_south=39.2,
        region_west=-84.0,
        region_north=40.9,
        region_east=-81.9,
        timezone="America/New_York",
        default_language="en",
        suppression_threshold=10,
    )
    lakeshore = Ecosystem.objects.create(
        slug=SECOND_SLUG,
        name="Lakeshore STEM Hub",
        description="A young hub along the lake, sharing tools with its sister alliance.",
        contact_email=f"lakeshore@{DEMO_DOMAIN}",
        region_south=41.2,
        region_west=-82.0,
        region_north=41.9,
        region_east=-80.9,
        timezone="America/New_York",
        default_language="en",
    )
    network = Network.objects.create(
        slug=NETWORK_SLUG,
        name="Heartland STEM Network",
        description="A statewide network of regional STEM learning ecosystems.",
    )
    network.ecosystems.add(confluence, lakeshore)
    ctx.ecosystems = {MAIN_SLUG: confluence, SECOND_SLUG: lakeshore}
    ctx.towns = {MAIN_SLUG: CONFLUENCE_TOWNS, SECOND_SLUG: LAKESHORE_TOWNS}


def _organizations_for(
    ctx: DemoContext, ecosystem: Ecosystem, towns: tuple[Town, ...], count: int
) -> list[Organization]:
    rng = ctx.rng
    weights = {"city": 5.0, "suburb": 3.0, "town": 1.6, "rural": 0.6}
    town_weights = [weights[t.locale] for t in towns]
    seen: set[str] = set()
    organizations: list[Organization] = []
    plan = [(s, share, names, roles) for s, share, names, roles in SECTOR_PLAN]
    attempts = 0
    while len(organizations) < count and attempts < count * 50:
        attempts += 1
        sector, _share, patterns, coalition_roles = rng.choices(plan, weights=[p[1] for p in plan])[
            0
        ]
        town = rng.choices(towns, weights=town_weights)[0]
        name = rng.choice(patterns).format(
            town=town.name,
            county=town.county.removesuffix(" County"),
            surname=rng.choice(LAST_NAMES),
            surname2=rng.choice(LAST_NAMES),
        )
        if name in seen:
            continue
        seen.add(name)
        slug = services.unique_slug(Organization.objects.filter(ecosystem=ecosystem), name)
        website_host = slug.replace("-", "")[:40]
        organizations.append(
            Organization(
                ecosystem=ecosystem,
                slug=slug,
                name=name,
                description=DESCRIPTIONS[sector].format(town=town.name, county=town.county),
                sector=sector,
                coalition_role=rng.choice(coalition_roles),
                website=f"https://{website_host}.example.org",
                email=f"info@{website_host}.example.org",
                phone=f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                address=f"{rng.randint(10, 9800)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}",
                city=town.name,
                state="OH",
                postal_code=town.postal_code,
            )
        )
        # Save one by one so unique_slug sees earlier rows.
        organizations[-1].save()
    return organizations


def build_organizations(ctx: DemoContext) -> None:
    confluence = ctx.ecosystems[MAIN_SLUG]
    backbone = Organization.objects.create(
        ecosystem=confluence,
        slug="confluence-valley-stem-alliance",
        name="Confluence Valley STEM Alliance",
        description="The backbone team: convenes partners, keeps shared data, runs the network.",
        sector=Sector.COMMUNITY,
        coalition_role=CoalitionRole.BACKBONE,
        website="https://alliance.example.org",
        email=f"hello@{DEMO_DOMAIN}",
        city="Riverton",
        state="OH",
        postal_code="43215",
    )
    main = [
        backbone,
        *_organizations_for(ctx, confluence, CONFLUENCE_TOWNS, ORGANIZATIONS[ctx.size] - 1),
    ]
    second = _organizations_for(
        ctx, ctx.ecosystems[SECOND_SLUG], LAKESHORE_TOWNS, max(8, ORGANIZATIONS[ctx.size] // 8)
    )
    contacts = []
    for organization in main + second:
        for i in range(ctx.rng.choice((1, 1, 2))):
            name = _person_name(ctx.rng)
            handle = name.lower().replace(" ", ".")
            contacts.append(
                Contact(
                    organization=organization,
                    name=name,
                    title=ctx.rng.choice(
                        [
                            "Program Director",
                            "STEM Coordinator",
                            "Executive Director",
                            "Volunteer Manager",
                            "Principal",
                            "Community Partnerships Lead",
                        ]
                    ),
                    email=f"{handle}@{organization.website.removeprefix('https://')}",
                    phone=organization.phone,
                    is_primary=i == 0,
                )
            )
    Contact.objects.bulk_create(contacts)
    ctx.organizations = {MAIN_SLUG: main, SECOND_SLUG: second}
    ctx.counts["organizations"] = len(main) + len(second)


def _user(email: str, name: str, password_hash: str) -> User:
    user = User.objects.create(email=email, name=name, password=password_hash)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def build_people(ctx: DemoContext) -> None:
    rng = ctx.rng
    confluence = ctx.ecosystems[MAIN_SLUG]
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    main_orgs = ctx.organizations[MAIN_SLUG]
    partner_orgs = [o for o in main_orgs if o.sector in (Sector.YOUTH_NONPROFIT, Sector.LIBRARY)][
        :2
    ]
    memberships: list[tuple[User, Ecosystem, str, list[Organization]]] = []
    role: str
    for account in DEMO_ACCOUNTS:
        user = _user(account.email, account.name, password_hash)
        ctx.users[account.email] = user
        if account.role == "network_operator":
            NetworkOperator.objects.create(
                user=user, network=Network.objects.get(slug=NETWORK_SLUG)
            )
            continue
        orgs = partner_orgs if account.role == Role.PARTNER_STAFF else []
        memberships.append((user, confluence, account.role, orgs))
        if account.role in (Role.BACKBONE_ADMIN, Role.BACKBONE_STAFF):
            TOTP.activate(user, DEMO_TOTP_SECRET)
    # The admin also helps run the sister hub: one person, roles in two ecosystems.
    admin = ctx.users[DEMO_ACCOUNTS[0].email]
    ctx.admin = admin
    memberships.append((admin, ctx.ecosystems[SECOND_SLUG], Role.BACKBONE_ADMIN, []))

    role_mix = [Role.MENTOR] * 6 + [Role.PARTNER_STAFF] * 3 + [Role.MEMBER] * 3 + [Role.REVIEWER]
    for i in range(PEOPLE[ctx.size]):
        name = _person_name(rng)
        email = f"{name.lower().replace(' ', '.')}.{i}@{DEMO_DOMAIN}"
        user = User.objects.create(email=email, name=name, password="!")  # cannot sign in
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        role = rng.choice(role_mix)
        ecosystem = confluence if rng.random() < 0.85 else ctx.ecosystems[SECOND_SLUG]
        orgs = ctx.organizations[ecosystem.slug]
        memberships.append(
            (user, ecosystem, role, [rng.choice(orgs)] if role == Role.PARTNER_STAFF else [])
        )
    for user, ecosystem, role, orgs in memberships:
        membership = Membership.objects.create(user=user, ecosystem=ecosystem, role=role)
        if orgs:
            membership.organizations.add(*orgs)
    ctx.counts["people"] = User.objects.filter(email__endswith=DEMO_DOMAIN).count()


def build_recent_activity(ctx: DemoContext) -> None:
    """A few changes made through the services, so the audit log has a story to tell."""
    confluence = ctx.ecosystems[MAIN_SLUG]
    admin = ctx.admin
    partner = ctx.users[f"partner@{DEMO_DOMAIN}"]
    with set_actor(admin):
        Invitation.objects.create(
            ecosystem=confluence,
            email=f"new.mentor@{DEMO_DOMAIN}",
            role=Role.MENTOR,
            invited_by=admin,
            message="We would love your help with the spring robotics season!",
        )
        Invitation.objects.create(
            ecosystem=confluence,
            email=f"new.partner@{DEMO_DOMAIN}",
            role=Role.PARTNER_STAFF,
            invited_by=admin,
        ).organizations.add(ctx.organizations[MAIN_SLUG][3])
    organization = ctx.organizations[MAIN_SLUG][1]
    services.update_organization(
        organization, admin, description=organization.description + " Now open on Saturdays."
    )
    for organization in Organization.objects.filter(staff_memberships__user=partner)[:1]:
        services.update_organization(organization, partner, phone="(555) 010-2026")
    services.archive_organization(ctx.organizations[MAIN_SLUG][-1], admin)
    ctx.counts["pending_invitations"] = confluence.invitations.pending().count()
    ctx.counts.update(directory_demo.build_listing_activity(confluence, partner, admin))


# Later domains append their step here, after the ones they read from.
STEPS: list[Callable[[DemoContext], None]] = [
    build_ecosystems,
    build_organizations,
    build_people,
    directory_demo.build,
    atlas_demo.build,
    # the atlas's schools (demo/atlas.py) come before this: it analyses them
    atlas_demo_analysis.build,
    # mentors, opportunities and matches, on the programs, schools and accounts above
    mentoring_demo.build,
    # shared measurement: the partners' submissions and the region's Perkins file
    measures_demo.build,
    # program quality: two rounds of equity self-assessment on the programs above
    quality_demo.build,
    # unduplicated reach: partners' encoded rosters for the school years measures counts
    reach_demo.build,
    # challenges: a past call run end to end by the backbone, and a call open now
    challenges_demo.build,
    # pathways through the directory's programs, partners' achievements, the badges awarded
    pathways_demo.build,
    # the network: its roll, workgroups and meetings, on the partners and accounts above
    network_demo.build,
]


def build(size: str = "medium") -> dict[str, int]:
    if size not in SIZES:
        raise DemoError(f"Unknown size {size!r}; choose one of {', '.join(SIZES)}.")
    if already_loaded():
        raise DemoError("The demo alliance is already loaded.")
    ctx = DemoContext(size=size, rng=random.Random(SEED))
    with disable_auditlog():
        for step in STEPS:
            step(ctx)
    build_recent_activity(ctx)
    return ctx.counts


@contextlib.contextmanager
def quiet_notifications() -> Iterator[None]:
    """Emails the demo's story sends (a partner told of a decision) go nowhere, silently: demo
    addresses are nobody's. Wraps the transaction, since emails leave after it commits."""
    tasks_log = logging.getLogger("django_tasks")
    level = tasks_log.level
    tasks_log.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            yield
    finally:
        tasks_log.setLevel(level)


def already_loaded() -> bool:
    return Ecosystem.objects.filter(slug=MAIN_SLUG).exists()


def delete_demo() -> None:
    with disable_auditlog():
        for slug in (MAIN_SLUG, SECOND_SLUG):
            # Assessments protect their programs, programs their organizations: remove them first.
            quality_demo.delete(slug)
            challenges_demo.delete(slug)  # applications protect their lead applicants
            pathways_demo.delete(slug)  # awards protect achievements, achievements partners
            reach_demo.delete(slug)  # rosters protect programs, partners and periods
            Program.objects.filter(ecosystem__slug=slug).delete()
            measures_demo.delete(slug)
        Ecosystem.objects.filter(slug__in=[MAIN_SLUG, SECOND_SLUG]).delete()
        Network.objects.filter(slug=NETWORK_SLUG).delete()
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").delete()
        User.objects.filter(email__endswith=f"@{mentoring_demo.MENTOR_DOMAIN}").delete()


def current_totp_code(email: str) -> str:
    authenticator = Authenticator.objects.filter(
        user__email=email, type=Authenticator.Type.TOTP
    ).first()
    if authenticator is None or not email.endswith(f"@{DEMO_DOMAIN}"):
        raise DemoError(f"{email} is not a demo account with two-factor authentication.")
    counter = int(timezone.now().timestamp()) // 30
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))


def accounts_text() -> str:
    width = max(len(a.email) for a in DEMO_ACCOUNTS)
    lines = [
        "",
        "Demo accounts (password for all: " + DEMO_PASSWORD + "):",
    ]
    for account in DEMO_ACCOUNTS:
        extra = ""
        if account.role in (Role.BACKBONE_ADMIN, Role.BACKBONE_STAFF):
            extra = f"  + code: make demo-code EMAIL={account.email}"
        lines.append(f"  {account.what:<17} {account.email:<{width}}{extra}")
    lines += [
        "",
        "Challenges (/e/confluence/challenges/): admin@ ran the 2026 Confluence STEM Access "
        "Challenge (its rounds' ranking, the applicant-pool report, the awards); reviewer@ "
        "reviewed in it (Challenge reviews); partner@ led a finalist in it and has a draft "
        "for the 2027 Summer STEM Mini-Grants, open now (My applications).",
        "",
        "Pathways (/e/confluence/pathways/): three for families, with next steps on program "
        "pages; partners' badges at /e/confluence/badges/. learner@demo.ecotone.example.org "
        "(a young person, same password) holds four robotics badges at /badges/mine/; anyone "
        "can check a badge at /badges/verify/.",
        "",
        "Backbone roles require two-factor authentication. Add the secret "
        f"{DEMO_TOTP_SECRET} to an authenticator app, or run `make demo-code` for the code.",
        "",
    ]
    return "\n".join(lines)
