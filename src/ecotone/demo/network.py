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
    Delivery,
    DeliveryStatus,
    Event,
    EventKind,
    Goal,
    Invitation,
    ItemKind,
    LinkClick,
    Member,
    MemberInterest,
    MemberSource,
    MemberStatus,
    NewsletterStatus,
    Post,
    ProgressNote,
    QuestionKind,
    Registration,
    RegistrationStatus,
    ResourceKind,
    Suggestion,
    SuggestionKind,
    Task,
    TaskStatus,
    Welcome,
    WelcomeHow,
    Welcomer,
    Workgroup,
    WorkgroupMembership,
    WorkgroupRole,
)
from ecotone.network.services import members as member_services
from ecotone.network.services import newsletters as newsletter_services
from ecotone.network.services import resources, roll, surveys, workgroups
from ecotone.network.services.segments import Segment

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
    admin = ctx.users[f"admin@{DOMAIN}"]
    _welcomes(ecosystem, active, groups, rng, now)
    _workgroup_work(ecosystem, admin, groups, rng, now)
    _resources(ecosystem, active, rng)
    ctx.counts["newsletters"] = _newsletters(ecosystem, admin, active, rng, now)
    ctx.counts["survey_responses"] = _survey(ecosystem, admin, rng)
    ctx.counts["network_members"] = len(active)


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
        member = Member(
            ecosystem=ecosystem,
            status=status,
            source=source,
            name=f"{first} {last}",
            email=f"{first.lower()}.{last.lower()}.{number}@{MEMBER_DOMAIN}",
            organization_name=organization.name,
            organization=organization,
            sector=organization.sector if rng.random() < 0.85 else rng.choice(Sector.values),
            network_role=rng.choice(roles),
            region=town.county,
            postal_code=town.postal_code,
            latitude=town.lat + rng.uniform(-0.02, 0.02),
            longitude=town.lon + rng.uniform(-0.02, 0.02),
            language="es" if rng.random() < SPANISH_SHARE else "en",
            email_consent=not left and rng.random() < CONSENT_SHARE,
            email_consent_at=joined,
            in_directory=not left and rng.random() < DIRECTORY_SHARE,
            joined_at=joined,
            confirmed_at=None
            if status == MemberStatus.PENDING
            else joined + datetime.timedelta(minutes=rng.randint(2, 600)),
        )
        if left:  # who left keeps no name nor address: the service's own rule
            member_services.erase(member, left_at=left_at)
        rows.append(member)
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


def _welcomes(
    ecosystem: Ecosystem,
    active: list[Member],
    groups: dict[str, Workgroup],
    rng: random.Random,
    now: Any,
) -> None:
    """The outreach workgroup welcomes: each newcomer of the last year who joined on the
    website went to the next welcomer in turn; most were welcomed within a day or two, the
    last few still wait (one of them for member@, who is in the outreach group)."""
    welcomers = list(Member.objects.filter(workgroups__workgroup=groups["outreach"]).order_by("pk"))
    Welcomer.objects.bulk_create(
        Welcomer(ecosystem=ecosystem, member=m, position=i) for i, m in enumerate(welcomers)
    )
    persona = next(m for m in welcomers if m.email == f"member@{DOMAIN}")
    year_ago = now - datetime.timedelta(days=365)
    newcomers = sorted(
        (
            m
            for m in active
            if m.source == MemberSource.JOIN_PAGE
            and m.confirmed_at
            and m.confirmed_at > year_ago
            and m not in welcomers
        ),
        key=lambda m: m.confirmed_at or now,
    )
    rows = []
    for turn, newcomer in enumerate(newcomers):
        welcomer = welcomers[turn % len(welcomers)]
        assigned = newcomer.confirmed_at or now
        waiting = turn >= len(newcomers) - 4
        if waiting and turn == len(newcomers) - 1:
            welcomer = persona
        hours = rng.lognormvariate(3.0, 0.8)  # a median near 20 hours, some take days
        rows.append(
            Welcome(
                ecosystem=ecosystem,
                newcomer=newcomer,
                welcomer=welcomer,
                assigned_at=assigned,
                sent_at=None if waiting else assigned + datetime.timedelta(hours=hours),
                how="" if waiting else rng.choice((WelcomeHow.APP,) * 4 + (WelcomeHow.OTHER,)),
            )
        )
    Welcome.objects.bulk_create(rows, batch_size=500)


GOALS = {
    "outreach": (
        (
            "Grow the network to 1,200 members",
            (
                "Table at the district STEM fair",
                "Partner newsletter swap",
                "Spanish-language flyer",
            ),
        ),
        (
            "Welcome every newcomer within two days",
            ("Refresh the welcome template", "Recruit two more welcomers"),
        ),
    ),
    "data-evaluation": (
        (
            "Every partner submits its fall data",
            (
                "Office hours for first-time submitters",
                "Crosswalk the district's codes",
                "Chase the last five partners",
            ),
        ),
        ("Publish the spring dashboard", ("Agree the equity indicators", "Review suppression")),
    ),
    "family-engagement": (
        (
            "Four family STEM nights this year",
            ("Book the libraries", "Bilingual materials", "Transportation vouchers"),
        ),
        ("A family advisory group", ("Invite twelve parents", "First meeting")),
    ),
    "workforce-pathways": (
        (
            "Thirty employers host job shadows",
            ("Employer one-pager", "Match with high schools", "Insurance and safety checklist"),
        ),
        ("A summer internship pathway", ("Map the programs", "Publish the pathway")),
    ),
}
NOTES = (
    (
        "Met twice; {done} tasks done this month.",
        "Waiting on the district's calendar.",
        "Finish the open tasks before the quarterly meeting.",
    ),
    (
        "New members joined the group and took on tasks.",
        "",
        "Bring a draft to the steering committee.",
    ),
    (
        "Good turnout at our meeting; shared the plan with partners.",
        "Two owners changed jobs: tasks need new owners.",
        "Reassign tasks, then report back.",
    ),
)


def _workgroup_work(
    ecosystem: Ecosystem, admin: Any, groups: dict[str, Workgroup], rng: random.Random, now: Any
) -> None:
    """Goals and tasks for the four workgroups, six months of their chairs' progress notes,
    the steering committee's report of last month compiled by the backbone, and a discussion."""
    today = now.date()
    for slug, goals in GOALS.items():
        group = groups[slug]
        people = list(Member.objects.filter(workgroups__workgroup=group).order_by("pk"))
        for goal_title, tasks in goals:
            goal = Goal.objects.create(workgroup=group, title=goal_title)
            Task.objects.bulk_create(
                Task(
                    goal=goal,
                    workgroup=group,
                    title=title,
                    owner=rng.choice(people),
                    due_on=today + datetime.timedelta(days=rng.randint(-60, 90)),
                    status=rng.choice(
                        (
                            TaskStatus.DONE,
                            TaskStatus.DONE,
                            TaskStatus.DOING,
                            TaskStatus.TODO,
                            TaskStatus.BLOCKED,
                        )
                    ),
                )
                for title in tasks
            )
        chair = (
            next(m.user for m in people if m.user is not None)
            if any(m.user for m in people)
            else None
        )
        for back in range(6, 0, -1):
            month = workgroups.month_start(today - datetime.timedelta(days=30 * back))
            moved, blocked, following = rng.choice(NOTES)
            ProgressNote.objects.create(
                workgroup=group,
                month=month,
                moved=moved.format(done=rng.randint(1, 4)),
                blocked=blocked,
                next=following,
                written_by=chair,
            )
        opening = Post.objects.create(
            workgroup=group,
            author=people[0],
            title="Ideas for next quarter",
            body="What should we take on next? Reply with one idea each.",
        )
        for person in people[1:4]:
            Post.objects.create(
                workgroup=group,
                parent=opening,
                author=person,
                body=rng.choice(
                    (
                        "A joint event with the libraries would reach new families.",
                        "Let's ask the employers what they need first.",
                        "I can draft something for the next newsletter.",
                    )
                ),
            )
    last_month = workgroups.month_start(today.replace(day=1) - datetime.timedelta(days=1))
    workgroups.compile_report(admin, ecosystem, last_month)


RESOURCES: tuple[tuple[str, str, str, list[str], list[str]], ...] = (
    (
        "Unplugged coding lessons",
        ResourceKind.LESSON,
        "https://csunplugged.org/",
        ["computer_science"],
        ["k-2", "3-5"],
    ),
    (
        "Family engineering night toolkit",
        ResourceKind.GUIDE,
        "https://www.familyengineering.org/",
        ["engineering", "family"],
        ["3-5", "6-8"],
    ),
    (
        "Equity in out-of-school STEM (report)",
        ResourceKind.RESEARCH,
        "https://www.informalscience.org/",
        ["equity", "data"],
        [],
    ),
    (
        "Mentoring program quality standards",
        ResourceKind.GUIDE,
        "https://www.mentoring.org/resource/elements-of-effective-practice-for-mentoring/",
        ["mentoring"],
        ["9-12"],
    ),
    (
        "Free microcontroller simulator",
        ResourceKind.TOOL,
        "https://wokwi.com/",
        ["engineering", "computer_science"],
        ["6-8", "9-12"],
    ),
    (
        "Summer STEM grant for small nonprofits",
        ResourceKind.OPPORTUNITY,
        "https://www.example.org/grants/summer-stem",
        ["funding"],
        [],
    ),
)


def _resources(ecosystem: Ecosystem, active: list[Member], rng: random.Random) -> None:
    """A few resources members shared, recommended by others (through the library's service)."""
    sharers = [m for m in active if m.email and not m.email.endswith(DOMAIN)]
    for title, kind, url, topics, grades in RESOURCES:
        resource = resources.share(
            ecosystem,
            rng.choice(sharers),
            {
                "title": title,
                "description": "Shared at the quarterly network meeting.",
                "kind": kind,
                "url": url,
                "topics": topics,
                "grade_bands": grades,
            },
        )
        for member in rng.sample(sharers, rng.randint(0, 12)):
            resources.toggle_recommendation(resource, member)


NEWSLETTER_MONTHS = 12
CLICK_SHARE = 0.09  # clicks per delivered message, spread over the links
BOUNCE_SHARE = 0.015


def _newsletters(
    ecosystem: Ecosystem, admin: Any, active: list[Member], rng: random.Random, now: Any
) -> int:
    """Twelve monthly newsletters composed through the editor's services, each delivered to
    the members who could be mailed then (the deliveries written in bulk, as the send would
    leave them, with a few bounces and click counts), and next month's draft with members'
    suggestions waiting."""
    from ecotone.directory.models import Program

    programs = list(Program.objects.filter(ecosystem=ecosystem).order_by("pk")[:40])
    mailable = [m for m in active if m.email_consent]
    made = 0
    for back in range(NEWSLETTER_MONTHS, 0, -1):
        sent_at = (now - datetime.timedelta(days=30 * back)).replace(hour=14)
        letter = newsletter_services.create_newsletter(
            ecosystem,
            admin,
            subject=f"Network news — {sent_at:%B %Y}",
            subject_es=f"Noticias de la red — {sent_at:%m/%Y}",
            intro="What the network did this month, and what is coming.",
            intro_es="Lo que hizo la red este mes y lo que viene.",
        )
        news = newsletter_services.add_section(letter, "News", "Noticias")
        newsletter_services.add_item(
            news,
            ItemKind.NEWS,
            title="Quarterly meeting recap",
            title_es="Resumen de la reunión trimestral",
            text="Slides and the recording are on the event's page.",
            text_es="Las diapositivas y la grabación están en la página del evento.",
            link="https://www.example.org/confluence/quarterly",
        )
        spotlight = newsletter_services.add_section(letter, "Program spotlight", "Programa")
        for program in rng.sample(programs, 2):
            newsletter_services.add_program(spotlight, program)
        newsletter_services.set_segment(letter, Segment())
        to = [m for m in mailable if (m.confirmed_at or now) < sent_at]
        Delivery.objects.bulk_create(
            (
                Delivery(
                    newsletter=letter,
                    member=m,
                    status=DeliveryStatus.BOUNCED
                    if rng.random() < BOUNCE_SHARE
                    else DeliveryStatus.SENT,
                    sent_at=sent_at,
                )
                for m in to
            ),
            batch_size=1000,
        )
        letter.links = newsletter_services.current_links(letter)
        clicks_per_link = len(to) * CLICK_SHARE / max(1, len(letter.links))
        LinkClick.objects.bulk_create(
            LinkClick(
                newsletter=letter,
                index=index,
                count=int(clicks_per_link * rng.uniform(0.5, 1.5)),
            )
            for index in range(len(letter.links))
        )
        letter.status = NewsletterStatus.SENT
        letter.send_requested_at = sent_at - datetime.timedelta(minutes=5)
        letter.sent_at = sent_at
        letter.figures = newsletter_services.progress(letter)
        letter.save()
        made += 1
    draft = newsletter_services.create_newsletter(
        ecosystem, admin, subject=f"Network news — {now:%B %Y}", intro="Coming soon."
    )
    newsletter_services.add_section(draft, "News", "Noticias")
    for member, kind, title in (
        (rng.choice(mailable), SuggestionKind.NEWS, "Our robotics team went to state!"),
        (rng.choice(mailable), SuggestionKind.RESOURCE, "A free data-literacy course"),
    ):
        Suggestion.objects.create(
            ecosystem=ecosystem,
            member=member,
            kind=kind,
            title=title,
            text="Could this go in the next newsletter?",
        )
    return made


def _survey(ecosystem: Ecosystem, admin: Any, rng: random.Random) -> int:
    """The shipped collective-impact survey, sent to the roll last spring through the surveys'
    services and answered by about two in five (anonymously), then closed: its results show."""
    survey = surveys.from_template(admin, ecosystem)
    surveys.open_survey(admin, survey)
    questions = surveys.ordered_questions(survey)
    answered = 0
    for invitation in Invitation.objects.filter(survey=survey).select_related("member"):
        if rng.random() > 0.42:
            continue
        lean = rng.uniform(-1, 1)
        answers: dict[int, Any] = {}
        for question in questions:
            if question.kind == QuestionKind.LIKERT:
                answers[question.pk] = max(1, min(5, round(3.6 + lean + rng.gauss(0, 0.8))))
            elif question.kind == QuestionKind.SINGLE:
                options = question.option_list("en")
                answers[question.pk] = rng.randint(1, len(options))
            elif question.kind == QuestionKind.MULTIPLE:
                options = question.option_list("en")
                answers[question.pk] = rng.sample(range(1, len(options) + 1), rng.randint(1, 2))
            elif question.kind == QuestionKind.NUMBER:
                answers[question.pk] = rng.choice((0, 1, 2, 2, 4, 4, 6, 8, 10, 16))
            elif rng.random() < 0.3:
                answers[question.pk] = rng.choice(
                    (
                        "More chances to meet partners in my county.",
                        "Shorter meetings, more follow-up.",
                        "Help with grant writing.",
                        "Materials in Spanish for families.",
                    )
                )
        surveys.submit(invitation, answers)
        answered += 1
    surveys.close_survey(admin, survey)
    return answered
