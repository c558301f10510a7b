"""The demo's network: the alliance's roll of about a thousand members grown over two years of
website sign-ups, its workgroups and steering committee, and its meetings with attendance.

A step of the demo builder (ecotone.demo.builder.STEPS), after the people and partners. What
it makes in the main ecosystem (medium; the small demo a fifth of it):
- about 1,000 members: seven in ten joined on the website (confirmed), a fifth came from the
  backbone's old mailing list (imported), the rest partner staff and mentors who agreed; one in
  twenty has left since; a few sign-ups are still waiting for their confirmation. Sectors
  follow the partners', regions the counties, one in six reads Spanish; most agreed to email
  and two in five are in the member directory. member@, partner@ and mentor@ are on the roll
  with their accounts (through `services.roll`, which gives them the role);
- four workgroups with chairs (outreach, data and evaluation, family engagement, workforce
  pathways) and the steering committee, 10 to 40 members each;
- quarterly network meetings over two years (60 to 110 registered, about half attended),
  monthly steering-committee meetings, and the next of each open for registration.

Records are written in bulk (a thousand people through the join page would only send mail the
demo prints); the rules live in the services, which the demo accounts go through.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from ecotone.ecosystems.models import Ecosystem, Sector
from ecotone.network import profile
from ecotone.network.models import (
    Event,
    EventKind,
    Member,
    MemberInterest,
    MemberSource,
    MemberStatus,
    Registration,
    RegistrationStatus,
    Workgroup,
    WorkgroupMembership,
    WorkgroupRole,
)
from ecotone.network.services import roll

from .tables import table

SEED = 20261207 + 19
DOMAIN = "demo.ecotone.example.org"
MEMBER_DOMAIN = "members.example.org"
MEMBERS = {"small": 200, "medium": 1000}
# (source, share)
SOURCES = (
    (MemberSource.JOIN_PAGE, 0.70),
    (MemberSource.IMPORT, 0.20),
    (MemberSource.PARTNER_STAFF, 0.06),
    (MemberSource.MENTOR, 0.04),
)
LEFT_SHARE = 0.05
PENDING = 6
SPANISH_SHARE = 1 / 6
CONSENT_SHARE = 0.9
DIRECTORY_SHARE = 0.4
MONTHS = 24

WORKGROUPS = (
    (
        "outreach",
        "Outreach and communications",
        "Grow the network and welcome every newcomer personally; tell the alliance's story.",
    ),
    (
        "data-evaluation",
        "Data and evaluation",
        "Agree the common indicators, help partners submit their data and read the dashboards.",
    ),
    (
        "family-engagement",
        "Family engagement",
        "Bring families into STEM: family nights, materials in Spanish, trusted messengers.",
    ),
    (
        "workforce-pathways",
        "Workforce pathways",
        "Connect employers, colleges and programs so that young people see and reach careers.",
    ),
)
STEERING = ("steering-committee", "Steering committee", "Set the alliance's direction.")


def build(ctx: Any) -> None:
    ecosystem: Ecosystem = ctx.ecosystems["confluence"]
    rng = random.Random(SEED)
    now = timezone.now()
    members = _members(ctx, ecosystem, rng, now)
    active = [m for m in members if m.status == MemberStatus.ACTIVE]
    groups = _workgroups(ctx, ecosystem, active, rng, now)
    _events(ecosystem, active, groups, rng, now)
    ctx.counts["network_members"] = len(active)
    ctx.network = {"members": active, "workgroups": groups, "now": now}


def _members(ctx: Any, ecosystem: Ecosystem, rng: random.Random, now: Any) -> list[Member]:
    towns = ctx.towns["confluence"]
    organizations = ctx.organizations["confluence"]
    sources = [s for s, _share in SOURCES]
    weights = [share for _s, share in SOURCES]
    roles = [code for code, _label in profile.NETWORK_ROLES]
    interests = [code for code, _label in profile.INTERESTS]
    rows: list[Member] = []
    picked: list[list[str]] = []
    count = MEMBERS[ctx.size]
    for number in range(count):
        # sign-ups grow over the two years: later months bring more
        month = min(MONTHS - 1, int(MONTHS * rng.random() ** 0.7))
        joined = now - datetime.timedelta(days=30 * (MONTHS - month) - rng.randint(0, 29))
        source = rng.choices(sources, weights)[0]
        organization = rng.choice(organizations)
        town = rng.choice(towns)
        first, last = _name(rng)
        status = MemberStatus.ACTIVE
        left_at = None
        if number >= count - PENDING:
            status, joined = (
                MemberStatus.PENDING,
                now - datetime.timedelta(hours=rng.randint(1, 40)),
            )
        elif rng.random() < LEFT_SHARE:
            status = MemberStatus.LEFT
            left_at = joined + (now - joined) * rng.uniform(0.2, 0.9)
        left = status == MemberStatus.LEFT
        rows.append(
            Member(
                ecosystem=ecosystem,
                status=status,
                source=source,
                # who left keeps no name nor address (services.members.leave)
                name="" if left else f"{first} {last}",
                email="" if left else f"{first.lower()}.{last.lower()}.{number}@{MEMBER_DOMAIN}",
                organization_name="" if left else organization.name,
                organization=None if left else organization,
                sector=organization.sector if rng.random() < 0.85 else rng.choice(Sector.values),
                network_role=rng.choice(roles),
                region=town.county,
                postal_code="" if left else town.postal_code,
                latitude=None if left else town.lat + rng.uniform(-0.02, 0.02),
                longitude=None if left else town.lon + rng.uniform(-0.02, 0.02),
                language="es" if rng.random() < SPANISH_SHARE else "en",
                email_consent=not left and rng.random() < CONSENT_SHARE,
                email_consent_at=joined,
                in_directory=not left and rng.random() < DIRECTORY_SHARE,
                joined_at=joined,
                confirmed_at=None
                if status == MemberStatus.PENDING
                else joined + datetime.timedelta(minutes=rng.randint(2, 600)),
                left_at=left_at,
            )
        )
        picked.append([] if left else rng.sample(interests, rng.randint(1, 4)))
    Member.objects.bulk_create(rows, batch_size=500)
    saved = list(Member.objects.filter(ecosystem=ecosystem).order_by("pk"))
    MemberInterest.objects.bulk_create(
        (
            MemberInterest(member=member, code=code)
            for member, codes in zip(saved, picked, strict=True)
            for code in codes
        ),
        batch_size=1000,
    )
    saved.extend(_demo_accounts(ctx, ecosystem, now))
    return saved


def _demo_accounts(ctx: Any, ecosystem: Ecosystem, now: Any) -> list[Member]:
    """member@, partner@ and mentor@ on the roll with their accounts (and so their role)."""
    plans = (
        ("member", MemberSource.JOIN_PAGE, Sector.COMMUNITY, "community", 400),
        ("partner", MemberSource.PARTNER_STAFF, Sector.YOUTH_NONPROFIT, "program_leader", 500),
        ("mentor", MemberSource.MENTOR, Sector.BUSINESS, "stem_professional", 200),
    )
    made = []
    for persona, source, sector, network_role, days in plans:
        user = ctx.users[f"{persona}@{DOMAIN}"]
        member = Member.objects.create(
            ecosystem=ecosystem,
            source=source,
            name=user.name,
            email=user.email,
            sector=sector,
            network_role=network_role,
            region="Confluence County",
            postal_code="43215",
            latitude=39.962,
            longitude=-83.0,
            email_consent=True,
            email_consent_at=now - datetime.timedelta(days=days),
            in_directory=True,
            joined_at=now - datetime.timedelta(days=days),
        )
        MemberInterest.objects.bulk_create(
            MemberInterest(member=member, code=code)
            for code in ("computer_science", "equity", "mentoring")
        )
        made.append(roll.activate(member, user))
    return made


def _name(rng: random.Random) -> tuple[str, str]:
    people = table("people")
    return rng.choice(people["first_names"]), rng.choice(people["last_names"])


def _workgroups(
    ctx: Any, ecosystem: Ecosystem, active: list[Member], rng: random.Random, now: Any
) -> dict[str, Workgroup]:
    groups: dict[str, Workgroup] = {}
    staff = ctx.users[f"staff@{DOMAIN}"]
    memberships: list[WorkgroupMembership] = []
    by_persona = {m.email.split("@")[0]: m for m in active if m.email.endswith(DOMAIN)}
    for slug, name, charter in (*WORKGROUPS, STEERING):
        group = Workgroup.objects.create(
            ecosystem=ecosystem,
            slug=slug,
            name=name,
            charter=charter,
            backbone_contact=staff,
            is_steering_committee=slug == STEERING[0],
            is_open=slug != STEERING[0],
        )
        groups[slug] = group
        people = rng.sample(active, 12 if group.is_steering_committee else rng.randint(10, 40))
        if slug == "outreach":
            people = [p for p in people if p.pk != by_persona["member"].pk]
            people.append(by_persona["member"])
        for index, person in enumerate(people):
            memberships.append(
                WorkgroupMembership(
                    workgroup=group,
                    member=person,
                    role=WorkgroupRole.CHAIR if index < 2 else WorkgroupRole.MEMBER,
                    joined_at=max(person.confirmed_at or now, now - datetime.timedelta(days=400)),
                )
            )
    WorkgroupMembership.objects.bulk_create(memberships, batch_size=500)
    return groups


def _events(
    ecosystem: Ecosystem,
    active: list[Member],
    groups: dict[str, Workgroup],
    rng: random.Random,
    now: Any,
) -> None:
    steering = groups[STEERING[0]]
    steering_members = list(Member.objects.filter(workgroups__workgroup=steering).order_by("pk"))
    registrations: list[tuple[Event, list[Member], float]] = []
    local = now.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    for quarter in (*range(-8, 0), 1):
        starts = (local + datetime.timedelta(days=91 * quarter)).replace(hour=21)
        past = quarter < 0
        event = Event.objects.create(
            ecosystem=ecosystem,
            kind=EventKind.NETWORK_MEETING,
            title=f"Quarterly network meeting ({starts:%B %Y})",
            description=(
                "The whole network in one room: partners' news, the dashboards, workgroup "
                "reports and time to meet each other."
            ),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            location="Riverton Public Library, Community Room",
            video_link="https://meet.example.org/confluence-network",
            capacity=120,
            published_at=starts - datetime.timedelta(days=30),
        )
        eligible = [m for m in active if (m.confirmed_at or now) < starts]
        registered = rng.sample(eligible, min(len(eligible), rng.randint(60, 110)))
        registrations.append((event, registered, rng.uniform(0.4, 0.6) if past else 0.0))
    for month in (*range(-12, 0), 1):
        starts = (local + datetime.timedelta(days=30 * month)).replace(hour=17)
        event = Event.objects.create(
            ecosystem=ecosystem,
            kind=EventKind.STEERING,
            workgroup=steering,
            title=f"Steering committee ({starts:%B %Y})",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1, minutes=30),
            video_link="https://meet.example.org/confluence-steering",
            members_only=True,
            published_at=starts - datetime.timedelta(days=21),
        )
        registrations.append((event, steering_members, 0.8 if month < 0 else 0.0))
    rows: list[Registration] = []
    for event, people, attended_share in registrations:
        for person in people:
            attended = rng.random() < attended_share
            rows.append(
                Registration(
                    event=event,
                    member=person,
                    status=RegistrationStatus.REGISTERED,
                    registered_at=event.starts_at - datetime.timedelta(days=rng.randint(1, 25)),
                    attended_at=event.starts_at + datetime.timedelta(minutes=rng.randint(0, 20))
                    if attended
                    else None,
                )
            )
    Registration.objects.bulk_create(rows, batch_size=1000)
