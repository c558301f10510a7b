"""The demo's challenges: a call run end to end last spring, and a call open now.

A step of the demo builder (ecotone.demo.builder.STEPS), after the directory: it reads the main
ecosystem's partners, its towns and the demo accounts. The same at every size (only which
directory partners lead applications follows the directory's size).

What it makes:
- a past call, "2026 Confluence STEM Access Challenge" (opened about eight months ago, deadline
  about seven months ago, $250,000), written by the backbone admin through `services.calls`:
  the seeds' four criteria (the template), three eligibility questions, a form of every kind
  (text with word limits, a choice, a number, a budget table, partners from the directory, an
  optional file question left without files) and three rounds: full review (3 reviews each),
  the finalists' revision, the final panel (3 reviews each);
- 90 applications from local organizations (about a third partners of the directory, the rest
  named by their applicants; mostly nonprofits), with answers, topics, grade bands, whom they
  target, a demo town with coordinates, partners (a few popular ones shared, so the pool report
  flags overlaps) and the amount requested. partner@ leads one (a finalist who revised);
- 20 reviewers (reviewer@ among them) with profiles across backgrounds (STEM experts,
  mentorship specialists, community builders), a few working for applicants' organizations or
  their partners (conflicts from the data), two declared conflicts, and bids;
- the full review assigned by the real solver (`services.assignments.solve`), every review
  submitted: scores drawn around each application's quality plus the reviewer's leniency plus
  noise, totals by `ranking.weighted_totals`, comments to the applicant and to the panel;
- 15 finalists shortlisted by adjusted rank (`services.decisions.shortlist`), feedback
  released; each revises (a second version with changed answers) and advances to the final
  panel, assigned and reviewed the same way;
- 8 awards through `services.awards` (within the funds, in-kind support, citations, payments
  and reports due, the past ones done), announced, winners published, the rest declined;
- a call open now, "2027 Summer STEM Mini-Grants" (deadline in three weeks, its screening and
  review rounds not started), with applications made through `services.applications`: three
  submitted and three drafts, one of them partner@'s.

Applications, versions, reviewer profiles, bids and reviews are written through the models in
bulk (this data is what the per-row services would have written; through them the step took
seconds); assignment, shortlisting, awards and the open call's applications go through the
services, which carry the rules. Every decision names the backbone admin. Random draws come
from this module's own seed, so the other steps' draws do not move it.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from ecotone.accounts.models import User
from ecotone.challenges import access, ranking, reviewing
from ecotone.challenges.models import (
    Application,
    ApplicationStatus,
    Assignment,
    Award,
    Bid,
    BidValue,
    Call,
    CallStatus,
    ConflictDeclaration,
    Decision,
    MilestoneKind,
    QuestionKind,
    Review,
    ReviewerProfile,
    ReviewStatus,
    Revision,
    Round,
    RoundKind,
    RoundStatus,
)
from ecotone.challenges.services import applications as application_services
from ecotone.challenges.services import assignments as assignment_services
from ecotone.challenges.services import awards as award_services
from ecotone.challenges.services import calls as call_services
from ecotone.challenges.services import decisions as decision_services
from ecotone.challenges.services.ranking import round_ranking
from ecotone.directory.stem_profile import STEM_FIELDS
from ecotone.ecosystems.models import Ecosystem, Membership, Organization, Role, Sector

from .tables import table

SEED = 20261207 + 20
DOMAIN = "demo.ecotone.example.org"
ADMIN_PERSONA = f"admin@{DOMAIN}"
PARTNER_PERSONA = f"partner@{DOMAIN}"
REVIEWER_PERSONA = f"reviewer@{DOMAIN}"
APPLICATIONS = 90
FROM_DIRECTORY = 30  # applications led by partners of the directory; the rest name theirs
REVIEWERS = 20
FINALISTS = 15
WINNERS = 8
PAST_TITLE = "2026 Confluence STEM Access Challenge"
OPEN_TITLE = "2027 Summer STEM Mini-Grants"
FUNDS = Decimal("250000")
# The winners' grants, best adjusted rank first: $240,000 of the $250,000.
GRANTS = (40000, 35000, 35000, 30000, 30000, 25000, 25000, 20000)
SETTINGS = (
    "At school, after the bell",
    "At a library or museum",
    "At our own site",
    "Outdoors and on field trips",
    "Online, with in-person meetups",
)
BUDGET_CATEGORIES = [
    "Staff",
    "Materials and equipment",
    "Transportation",
    "Stipends for young people",
    "Evaluation",
    "Other",
]

_TEXT: dict[str, Any] = table("challenges")

# Lead sectors of the named organizations: mostly nonprofits, as in the seeds' pool.
LEAD_SECTORS = (
    (Sector.YOUTH_NONPROFIT, 0.55),
    (Sector.SCHOOL, 0.12),
    (Sector.LIBRARY, 0.07),
    (Sector.MUSEUM, 0.06),
    (Sector.HIGHER_ED, 0.06),
    (Sector.COMMUNITY, 0.12),
    (Sector.MAKERSPACE, 0.02),
)
APPLYING_SECTORS = {s for s, _w in LEAD_SECTORS}

# (background, expertise, STEM fields): STEM experts, mentorship specialists, community
# builders. The first is reviewer@'s.
REVIEWER_PLAN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (Sector.YOUTH_NONPROFIT, "Mentorship specialist, afterschool programs", ("science", "making")),
    (Sector.HIGHER_ED, "Professor of mechanical engineering", ("engineering", "robotics")),
    (Sector.HIGHER_ED, "Computer science lecturer", ("computing", "data-science")),
    (Sector.HIGHER_ED, "Ecologist, university extension", ("environment", "agriculture")),
    (Sector.HIGHER_ED, "Mathematics education researcher", ("mathematics",)),
    (Sector.BUSINESS, "Aerospace engineer", ("aerospace", "engineering")),
    (Sector.BUSINESS, "Data scientist, regional hospital", ("data-science", "health")),
    (Sector.BUSINESS, "Software engineering manager", ("computing", "robotics")),
    (Sector.YOUTH_NONPROFIT, "Youth mentoring program director", ("science", "computing")),
    (Sector.YOUTH_NONPROFIT, "Girls' STEM club founder", ("engineering", "making")),
    (Sector.YOUTH_NONPROFIT, "Mentor trainer", ("health", "science")),
    (Sector.COMMUNITY, "Community organizer, east side", ("environment", "steam-arts")),
    (Sector.COMMUNITY, "Parent leader, rural schools", ("agriculture", "science")),
    (Sector.COMMUNITY, "Faith and family center director", ("steam-arts", "mathematics")),
    (Sector.LIBRARY, "Youth services librarian", ("computing", "steam-arts")),
    (Sector.LIBRARY, "Library makerspace coordinator", ("making", "engineering")),
    (Sector.SCHOOL, "Middle school science teacher", ("science", "environment")),
    (Sector.SCHOOL, "District STEM coordinator", ("mathematics", "computing")),
    (Sector.FOUNDATION, "Program officer, community foundation", ("health", "science")),
    (Sector.MUSEUM, "Science center education director", ("aerospace", "science")),
)
LENIENCY = (0.0, 0.7, -0.6, 0.2, 0.0, -0.3, 0.5, -0.8, 0.3, 0.0)


def build(ctx: Any) -> None:
    """Demo builder step: the main ecosystem's past call and the call open now."""
    ecosystem = ctx.ecosystems.get("confluence") or next(iter(ctx.ecosystems.values()))
    towns = ctx.towns.get(ecosystem.slug) or ()
    ctx.counts.update(build_for(ecosystem, towns))


def delete(ecosystem_slug: str) -> None:
    """The demo ecosystem's calls, with their applications, reviews and awards."""
    Call.objects.filter(ecosystem__slug=ecosystem_slug).delete()


class Story:
    """What the steps below share: the ecosystem, its people, the clock and the draws."""

    def __init__(self, ecosystem: Ecosystem, towns: Sequence[Any], seed: int) -> None:
        self.ecosystem = ecosystem
        self.towns = list(towns)
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.admin = User.objects.get(email=ADMIN_PERSONA)
        self.counts: dict[str, int] = {}
        self.keys: dict[str, str] = {}  # the form's questions: our names -> their keys
        self.everyone: list[Organization] = []  # the directory's partners
        self.popular: list[Organization] = []  # partners many applications name
        self.quality: dict[int, float] = {}  # each application's latent quality
        self.leniency: dict[int, float] = {}  # each reviewer profile's leniency

    def ago(self, days: float, hour: int = 10) -> datetime.datetime:
        moment = self.now - datetime.timedelta(days=days)
        return moment.replace(hour=hour, minute=self.rng.choice((0, 15, 30, 45)), second=0)


def build_for(ecosystem: Ecosystem, towns: Sequence[Any], *, seed: int = SEED) -> dict[str, int]:
    if not towns or not User.objects.filter(email=ADMIN_PERSONA).exists():
        return {}
    story = Story(ecosystem, towns, seed)
    call, rounds = _past_call(story)
    applications = _applications(story, call, rounds[0])
    _reviewers(story, applications)
    _review_round(story, rounds[0], days_ago=190)
    finalists = _shortlist(story, rounds[0])
    _revise(story, rounds[1], finalists)
    _review_round(story, rounds[2], days_ago=140, boost=0.3)
    _awards(story, call, rounds[2])
    _open_call(story, applications)
    story.counts["challenge_applications"] = Application.objects.filter(ecosystem=ecosystem).count()
    story.counts["challenge_reviews"] = Review.objects.filter(
        assignment__round__call__ecosystem=ecosystem
    ).count()
    return story.counts


# --- the past call -----------------------------------------------------------------------------


def _form(story: Story, call: Call, *, budget_max: int, word_scale: float = 1.0) -> dict[str, str]:
    """The form's questions through the service; returns our names -> the questions' keys."""
    admin = story.admin
    keys: dict[str, str] = {}

    def ask(name: str, kind: str, label: str, settings: dict[str, Any], **extra: Any) -> None:
        question = call_services.save_question(
            admin, call, kind=kind, label=label, settings=settings, **extra
        )
        keys[name] = question.key

    ask(
        "need",
        QuestionKind.TEXT,
        "Who will the project serve, and what need does it meet?",
        {"word_limit": int(250 * word_scale)},
    )
    ask(
        "plan",
        QuestionKind.TEXT,
        "What will young people do? Describe the project plan.",
        {"word_limit": int(400 * word_scale)},
    )
    ask(
        "setting",
        QuestionKind.CHOICE,
        "Where will most activities take place?",
        {"options": list(SETTINGS)},
    )
    ask(
        "youth",
        QuestionKind.NUMBER,
        "How many young people will take part in the first year?",
        {"min": 10, "max": 2000},
    )
    ask(
        "budget",
        QuestionKind.BUDGET,
        "Budget",
        {"categories": BUDGET_CATEGORIES, "max_total": budget_max},
        help_text="One row per expense; the total is the amount you request.",
    )
    ask("partners", QuestionKind.PARTNERS, "Partners from the directory", {"max": 8})
    ask(
        "partnership",
        QuestionKind.TEXT,
        "How will your partners share the work, the decisions and the credit?",
        {"word_limit": int(250 * word_scale)},
    )
    ask(
        "sustainability",
        QuestionKind.TEXT,
        "How will the work continue after the grant?",
        {"word_limit": int(200 * word_scale)},
    )
    ask(
        "letters",
        QuestionKind.FILE,
        "Letters of support",
        {"types": ["pdf"], "max_mb": 10},
        required=False,
    )
    return keys


def _eligibility(story: Story, call: Call) -> None:
    for text, answer, reason in (
        (
            "Does the project serve young people in the Confluence Valley region?",
            True,
            "The challenge funds work with young people in the Alliance's region.",
        ),
        (
            "Will the project serve young people from PreK to grade 12?",
            True,
            "The challenge funds work with young people from PreK to grade 12.",
        ),
        (
            "Is the project religious instruction or a political campaign?",
            False,
            "The challenge cannot fund religious instruction or political campaigns.",
        ),
    ):
        call_services.save_eligibility(
            story.admin, call, text=text, eligible_answer=answer, reason=reason
        )


def _past_call(story: Story) -> tuple[Call, list[Round]]:
    admin, zone = story.admin, call_services.zone(story.ecosystem)
    deadline = (story.now - datetime.timedelta(days=212)).astimezone(zone)
    call = call_services.create_call(
        admin,
        story.ecosystem,
        title=PAST_TITLE,
        summary="Up to $50,000 for partnerships that open STEM to young people with the least "
        "access in the Confluence Valley.",
        description=(
            "The Alliance's first challenge invites coalitions of schools, afterschool "
            "programs, libraries, museums, colleges and community groups to propose projects "
            "that bring hands-on STEM to young people from low-income families, students of "
            "color, girls, English learners and rural students. Fifteen finalists receive "
            "coaching and feedback, revise their proposals and meet the final panel; up to "
            "eight winners share the funds and a year of support from the Alliance's staff."
        ),
        opens_at=(story.now - datetime.timedelta(days=245)).astimezone(zone),
        deadline=deadline.replace(hour=17, minute=0, second=0, microsecond=0),
        total_funds=FUNDS,
        contact_email=f"challenge@{DOMAIN}",
    )
    call_services.use_template(admin, call)
    _eligibility(story, call)
    story.keys = _form(story, call, budget_max=50000)
    rounds = [
        call_services.save_round(
            admin, call, name="Full review", kind=RoundKind.REVIEW, min_load=10, max_load=16
        ),
        call_services.save_round(admin, call, name="Finalists' revision", kind=RoundKind.REVISION),
        call_services.save_round(
            admin, call, name="Final panel", kind=RoundKind.PANEL, min_load=1, max_load=4
        ),
    ]
    call_services.open_call(admin, call)
    written = story.ago(260)
    Call.objects.filter(pk=call.pk).update(created_at=written)
    Round.objects.filter(call=call).update(created_at=written)
    return call, rounds


# --- applications ------------------------------------------------------------------------------


def _lead_organizations(story: Story) -> list[tuple[Organization | None, str, str, Any]]:
    """(directory organization or None, name, sector, town) for each application: partner@'s
    organization first, then a seeded sample of the directory's partners, then named ones."""
    rng = story.rng
    towns = {t.name: t for t in story.towns}
    partner_orgs = list(
        Organization.objects.filter(
            staff_memberships__user__email=PARTNER_PERSONA,
            staff_memberships__ecosystem=story.ecosystem,
            archived_at__isnull=True,
        ).order_by("pk")
    )
    directory = [
        o
        for o in story.ecosystem.organizations.filter(archived_at__isnull=True).order_by("slug")
        if o.sector in APPLYING_SECTORS and o.coalition_role != "backbone" and o.city in towns
    ]
    rest = [o for o in directory if o not in partner_orgs[:1]]
    rng.shuffle(rest)
    chosen = (partner_orgs[:1] + rest)[:FROM_DIRECTORY]
    leads: list[tuple[Organization | None, str, str, Any]] = [
        (o, o.name, o.sector, towns[o.city]) for o in chosen
    ]
    taken = {o.name for o in directory}
    weights = {"city": 4.0, "suburb": 2.0, "town": 1.5, "rural": 1.2}
    patterns = _TEXT["organizations"]
    while len(leads) < APPLICATIONS:
        sector = rng.choices([s for s, _w in LEAD_SECTORS], [w for _s, w in LEAD_SECTORS])[0]
        town = rng.choices(story.towns, [weights[t.locale] for t in story.towns])[0]
        name = rng.choice(patterns[sector]).format(
            town=town.name, county=town.county.removesuffix(" County")
        )
        if name in taken:
            continue
        taken.add(name)
        leads.append((None, name, sector, town))
    return leads


def _people(story: Story, count: int, tag: str) -> list[User]:
    """New people of the demo (who cannot sign in), each with a verified address."""
    people = table("people")
    rng = story.rng
    users = []
    for i in range(count):
        first, last = rng.choice(people["first_names"]), rng.choice(people["last_names"])
        email = f"{first}.{last}.{tag}{i}@{DOMAIN}".lower().replace(" ", "")
        users.append(User(email=email, name=f"{first} {last}", password="!"))
    User.objects.bulk_create(users)
    created = list(User.objects.filter(email__in=[u.email for u in users]).order_by("pk"))
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in created
    )
    by_email = {u.email: u for u in created}
    return [by_email[u.email] for u in users]


def _populations(rng: random.Random, town: Any) -> list[str]:
    found = []
    for code, share in (
        ("low_income", 0.9),
        ("students_of_color", 0.84),
        ("girls", 0.38),
        ("english_learners", 0.2),
        ("first_generation", 0.15),
        ("disabilities", 0.1),
    ):
        if rng.random() < share:
            found.append(code)
    if town.locale in ("town", "rural") and rng.random() < 0.85:
        found.append("rural")
    return found or ["all_youth"]


def _budget(rng: random.Random, total: int) -> list[dict[str, Any]]:
    shares = (("Staff", 0.45), ("Materials and equipment", 0.2), ("Transportation", 0.1))
    rows: list[dict[str, Any]] = [
        {"category": c, "description": d, "amount": int(total * s) // 50 * 50}
        for (c, s), d in zip(
            shares,
            ("Program staff and mentor coordination", "Kits, laptops and supplies", "Buses"),
            strict=True,
        )
    ]
    if rng.random() < 0.6:
        rows.append(
            {
                "category": "Stipends for young people",
                "description": "Stipends for teen leaders",
                "amount": int(total * 0.1) // 50 * 50,
            }
        )
    rows.append(
        {
            "category": "Evaluation",
            "description": "Surveys and an external evaluator",
            "amount": total - sum(r["amount"] for r in rows),
        }
    )
    return rows


def _answers(
    story: Story, name: str, town: Any, topic: str, partner_ids: list[int], amount: int
) -> dict[str, Any]:
    rng, keys = story.rng, story.keys
    fill = {"town": town.name, "topic": topic, "name": name}
    plan = rng.sample(_TEXT["plan"], 3)
    return {
        keys["need"]: rng.choice(_TEXT["need"]).format(**fill),
        keys["plan"]: " ".join(p.format(**fill) for p in plan),
        keys["setting"]: rng.choice(SETTINGS),
        keys["youth"]: rng.choice((40, 60, 80, 120, 150, 200, 300, 450)),
        keys["budget"]: _budget(rng, amount),
        keys["partners"]: partner_ids,
        keys["partnership"]: rng.choice(_TEXT["partnership"]),
        keys["sustainability"]: rng.choice(_TEXT["sustainability"]),
    }


def _partners(story: Story, lead: Organization | None) -> list[Organization]:
    """A few popular partners (a library, a college, an employer) named by many applications,
    so that the pool report finds overlaps; others drawn from the whole directory."""
    if not story.everyone:
        everyone = list(
            story.ecosystem.organizations.filter(archived_at__isnull=True)
            .exclude(coalition_role="backbone")
            .order_by("slug")
        )
        story.everyone = everyone
        story.popular = [
            next(o for o in everyone if o.sector == sector)
            for sector in (Sector.LIBRARY, Sector.HIGHER_ED, Sector.BUSINESS)
            if any(o.sector == sector for o in everyone)
        ]
    rng = story.rng
    chosen = [o for o in story.popular if rng.random() < 0.08]
    chosen += rng.sample(story.everyone, rng.choice((1, 1, 2, 2, 3)))
    others = [o for o in story.everyone if lead is None or o.pk != lead.pk]
    unique = {o.pk: o for o in chosen if o in others}
    return list(unique.values())[:8] or [rng.choice(others)]


def _unique_title(taken: set[str], project: str, town: str, organization: str) -> str:
    for title in (project, f"{project} in {town}", f"{project}: {organization}"):
        if title not in taken:
            break
    taken.add(title)
    return title


def _applications(story: Story, call: Call, review: Round) -> list[Application]:
    """90 submitted applications in the call's first round, with their first version."""
    rng = story.rng
    leads = _lead_organizations(story)
    staff: dict[int, int] = {}
    for user_id, email, organization_id in (
        Membership.objects.filter(ecosystem=story.ecosystem, role=Role.PARTNER_STAFF)
        .exclude(organizations=None)
        .order_by("pk")
        .values_list("user", "user__email", "organizations")
    ):
        # partner@ answers for its organizations; others for theirs, the first one found
        if email == PARTNER_PERSONA or organization_id not in staff:
            staff[organization_id] = user_id
    staff_users = {u.pk: u for u in User.objects.filter(pk__in=set(staff.values()))}
    newcomers = iter(_people(story, APPLICATIONS, "a"))
    projects = _TEXT["projects"]
    topic_labels = {code: str(label) for code, label in STEM_FIELDS.terms}
    eligibility = {
        str(q.pk): q.eligible_answer for q in call.eligibility.order_by("position", "pk")
    }
    titles: set[str] = set()
    submitted: list[datetime.datetime] = []
    made: list[Application] = []
    partners_of: list[list[Organization]] = []
    story.quality = {}
    for n, (organization, name, sector, town) in enumerate(leads):
        title_pattern, topics, bands = projects[n % len(projects)]
        partners = _partners(story, organization)
        outside = rng.sample(_TEXT["outside_partners"], rng.choice((0, 0, 1)))
        amount = rng.choice((12000, 15000, 18000, 20000, 25000, 30000, 35000, 40000, 45000, 50000))
        lead = staff_users.get(staff.get(organization.pk, 0)) if organization else None
        submitted.append(story.ago(212 + rng.uniform(0.1, 20), hour=rng.choice((9, 13, 16, 21))))
        application = Application(
            ecosystem=story.ecosystem,
            call=call,
            round=review,
            lead=lead or next(newcomers),
            organization=organization,
            organization_name=name,
            organization_sector=sector,
            title=_unique_title(titles, title_pattern, town.name, name),
            summary=(
                f"{name} and its partners bring {topic_labels[topics[0]].lower()} to young "
                f"people in {town.name}, with mentors from local employers and colleges."
            ),
            status=ApplicationStatus.SUBMITTED,
            eligibility_answers=eligibility,
            answers=_answers(
                story,
                name,
                town,
                topic_labels[topics[0]].lower(),
                [p.pk for p in partners],
                amount,
            ),
            topics=list(topics),
            grade_bands=list(bands),
            target_populations=_populations(rng, town),
            sectors_served=sorted({sector, *(p.sector for p in partners)}),
            city=town.name,
            state="OH",
            latitude=round(town.lat + rng.uniform(-0.012, 0.012), 5),
            longitude=round(town.lon + rng.uniform(-0.012, 0.012), 5),
            requested_amount=Decimal(amount),
            other_partners=outside,
            submitted_at=submitted[-1],
        )
        made.append(application)
        partners_of.append(partners)
    Application.objects.bulk_create(made)
    # partner@'s application (the first) is strong: the persona's story is a finalist's
    for n, application in enumerate(made):
        story.quality[application.pk] = 4.4 if n == 0 else min(4.6, rng.gauss(3.0, 0.65))
    through = Application.partners.through
    through.objects.bulk_create(
        through(application_id=a.pk, organization_id=p.pk)
        for a, partners in zip(made, partners_of, strict=True)
        for p in partners
    )
    Revision.objects.bulk_create(
        Revision(
            application=a,
            round=review,
            number=1,
            title=a.title,
            summary=a.summary,
            answers=a.answers,
            submitted_at=moment,
            submitted_by=a.lead,
        )
        for a, moment in zip(made, submitted, strict=True)
    )
    for a, moment in zip(made, submitted, strict=True):
        Application.objects.filter(pk=a.pk).update(
            created_at=moment - datetime.timedelta(days=rng.randint(3, 25))
        )
    story.counts["challenge_calls"] = 2
    return made


# --- reviewers ---------------------------------------------------------------------------------


def _reviewers(story: Story, applications: list[Application]) -> list[ReviewerProfile]:
    """20 reviewers with profiles, a few tied to applicants (conflicts), two declared
    conflicts, and bids on applications they are not in conflict with."""
    rng = story.rng
    persona = User.objects.get(email=REVIEWER_PERSONA)
    people = [persona, *_people(story, REVIEWERS - 1, "r")]
    Membership.objects.bulk_create(
        Membership(user=u, ecosystem=story.ecosystem, role=Role.REVIEWER) for u in people[1:]
    )
    Membership.objects.get_or_create(user=persona, ecosystem=story.ecosystem, role=Role.REVIEWER)
    sectors = sorted({s for s, _w in LEAD_SECTORS})
    profiles = ReviewerProfile.objects.bulk_create(
        ReviewerProfile(
            ecosystem=story.ecosystem,
            user=user,
            sector=sector,
            expertise=expertise,
            topics=list(topics),
            regions=["OH"],
            sectors=sorted({sector, *rng.sample(sectors, 2)} & set(Sector.values)),
            max_load=14 if n in (4, 13) else None,
        )
        for n, (user, (sector, expertise, topics)) in enumerate(
            zip(people, REVIEWER_PLAN, strict=True)
        )
    )
    profiles = list(ReviewerProfile.objects.filter(pk__in=[p.pk for p in profiles]).order_by("pk"))
    # Conflicts from the data: four reviewers work for a lead organization of the directory,
    # one for a popular partner, one for a named applicant (by its name).
    led = [a for a in applications if a.organization_id is not None][1:]
    through = ReviewerProfile.organizations.through
    ties = [
        through(reviewerprofile_id=profiles[i].pk, organization_id=led[j].organization_id)
        for i, j in ((1, 3), (8, 7), (14, 11), (16, 15))
        if j < len(led)
    ]
    if story.popular:
        ties.append(
            through(reviewerprofile_id=profiles[6].pk, organization_id=story.popular[-1].pk)
        )
    through.objects.bulk_create(ties)
    named = next(a for a in applications if a.organization_id is None)
    ReviewerProfile.objects.filter(pk=profiles[11].pk).update(
        other_organizations=[named.organization_name]
    )
    ConflictDeclaration.objects.bulk_create(
        [
            ConflictDeclaration(
                reviewer=profiles[2],
                application=applications[20],
                reason="My sister runs this program.",
                declared_by=profiles[2].user,
            ),
            ConflictDeclaration(
                reviewer=profiles[9],
                application=applications[41],
                reason="I advised them on this proposal.",
                declared_by=story.admin,
            ),
        ]
    )
    conflicted = _conflicts(profiles, applications)
    bids = []
    for i, profile in enumerate(profiles):
        free = [a for j, a in enumerate(applications) if not conflicted[i, j]]
        for application in rng.sample(free, rng.randint(6, 14)):
            value = rng.choices(
                (BidValue.EAGER, BidValue.WILLING, BidValue.NOT_WILLING), (0.35, 0.5, 0.15)
            )[0]
            bids.append(Bid(reviewer=profile, application=application, value=value))
    Bid.objects.bulk_create(bids)
    story.leniency = {p.pk: LENIENCY[n % len(LENIENCY)] for n, p in enumerate(profiles)}
    story.counts["challenge_reviewers"] = len(profiles)
    return profiles


def _conflicts(profiles: list[ReviewerProfile], applications: list[Application]) -> Any:
    """The reviewer x application conflict matrix, by the one rule (the reviewing core)."""
    fresh_profiles = access.with_sides_reviewers(
        ReviewerProfile.objects.filter(pk__in=[p.pk for p in profiles]).order_by("pk")
    )
    fresh_applications = access.with_sides_applications(
        Application.objects.filter(pk__in=[a.pk for a in applications]).order_by("pk")
    )
    order = {a.pk: j for j, a in enumerate(applications)}
    listed = sorted(fresh_applications, key=lambda a: order[a.pk])
    return reviewing.conflicts(
        [access.core_reviewer(p) for p in fresh_profiles],
        [access.core_application(a) for a in listed],
    )


# --- reviews -----------------------------------------------------------------------------------


def _review_round(
    story: Story,
    round_: Round,
    *,
    days_ago: float,
    boost: float = 0.0,
) -> None:
    """Assign the round by the solver, then every review submitted: each criterion's score
    drawn around the application's quality plus the reviewer's leniency plus noise."""
    rng = story.rng
    Round.objects.filter(pk=round_.pk).update(
        status=RoundStatus.OPEN, due_at=story.ago(days_ago, hour=23)
    )
    round_.refresh_from_db()
    assignment_services.solve(round_, story.admin)
    criteria = list(round_.call.criteria.order_by("position", "pk"))
    weights = [float(c.weight) for c in criteria]
    pairs = list(Assignment.objects.filter(round=round_).order_by("application_id", "pk"))
    low, high = round_.call.scale_min, round_.call.scale_max
    rows: list[list[int]] = []
    for pair in pairs:
        centre = story.quality[pair.application_id] + boost + story.leniency[pair.reviewer_id]
        rows.append(
            [
                max(low, min(high, round(centre + rng.gauss(0, 0.3) + rng.gauss(0, 0.45))))
                for _c in criteria
            ]
        )
    totals = ranking.weighted_totals(rows, weights)
    comments = _TEXT["comments"]
    reviews = []
    for pair, row, total in zip(pairs, rows, totals, strict=True):
        level = "high" if total >= 3.75 else "mid" if total >= 2.75 else "low"
        submitted = story.ago(days_ago + rng.uniform(0.5, 14), hour=rng.choice((8, 12, 20)))
        reviews.append(
            Review(
                assignment=pair,
                status=ReviewStatus.SUBMITTED,
                scores={c.key: score for c, score in zip(criteria, row, strict=True)},
                comment_to_applicant=rng.choice(comments[level]) if rng.random() < 0.85 else "",
                comment_to_panel=rng.choice(comments["panel"]) if rng.random() < 0.3 else "",
                total=float(total),
                submitted_at=submitted,
            )
        )
    Review.objects.bulk_create(reviews)
    Review.objects.filter(assignment__round=round_).update(
        created_at=story.ago(days_ago + 15), updated_at=story.ago(days_ago)
    )
    Assignment.objects.filter(round=round_).update(created_at=story.ago(days_ago + 20))
    Round.objects.filter(pk=round_.pk).update(solved_at=story.ago(days_ago + 20))


def _shortlist(story: Story, review: Round) -> list[Application]:
    """The top 15 by adjusted rank advance to the revision round; feedback released."""
    decision_services.shortlist(
        review,
        by=story.admin,
        top=FINALISTS,
        note="The panel met and agreed on the fifteen best by adjusted score.",
    )
    decision_services.release_feedback(review, by=story.admin)
    decided = story.ago(175, hour=15)
    Decision.objects.filter(round=review).update(created_at=decided, updated_at=decided)
    Round.objects.filter(pk=review.pk).update(feedback_released_at=decided)
    return list(
        Application.objects.filter(call=review.call, status=ApplicationStatus.REVISING).order_by(
            "pk"
        )
    )


def _revise(story: Story, revision: Round, finalists: list[Application]) -> None:
    """Each finalist's second version: a plan strengthened after the feedback, a budget
    adjusted, more young people; then all advance to the final panel."""
    rng, keys = story.rng, story.keys
    Round.objects.filter(pk=revision.pk).update(due_at=story.ago(155, hour=23))
    versions = []
    for application in finalists:
        answers = dict(application.answers)
        answers[keys["plan"]] = f"{answers[keys['plan']]} {rng.choice(_TEXT['revision'])}"
        budget = [dict(row) for row in answers[keys["budget"]]]
        budget[0]["amount"] = max(0, budget[0]["amount"] - 1000)
        budget.append({"category": "Transportation", "description": "Rural site", "amount": 1000})
        answers[keys["budget"]] = budget
        answers[keys["youth"]] = int(answers[keys["youth"]]) + rng.choice((20, 40, 60))
        answers[keys["sustainability"]] = rng.choice(
            [s for s in _TEXT["sustainability"] if s != answers[keys["sustainability"]]]
        )
        application.answers = answers
        application.status = ApplicationStatus.SUBMITTED
        application.submitted_at = story.ago(155 + rng.uniform(0.5, 10))
        versions.append(
            Revision(
                application=application,
                round=revision,
                number=2,
                title=application.title,
                summary=application.summary,
                answers=answers,
                submitted_at=application.submitted_at,
                submitted_by=application.lead,
            )
        )
    Revision.objects.bulk_create(versions)
    Application.objects.bulk_update(finalists, ["answers", "status", "submitted_at"])
    decision_services.shortlist(
        revision,
        by=story.admin,
        advance=[a.pk for a in finalists],
        note="Every finalist resubmitted: all meet the final panel.",
    )
    moved = story.ago(150, hour=11)
    Decision.objects.filter(round=revision).update(created_at=moved, updated_at=moved)


# --- awards ------------------------------------------------------------------------------------

IN_KIND = (
    "A year of coaching from the Alliance's staff and a seat at the partners' table.",
    "Mentors from the Alliance's corporate volunteer program, and a data dashboard.",
    "Evaluation support and a shared van for field trips, two days a week.",
)
CITATIONS = (
    "For bringing {topic} to young people in {town} who had no program within reach, with "
    "partners who share the work.",
    "For a coalition that listens to young people and families, and a plan that lasts.",
    "For a creative approach others in the region can learn from.",
)


def _awards(story: Story, call: Call, panel: Round) -> None:
    """The eight best of the final panel by adjusted rank awarded, with milestones; the
    awards announced, the winners published, the rest declined; the call decided."""
    admin, rng = story.admin, story.rng
    rows = [r for r in round_ranking(panel).rows if r.adjusted_rank is not None]
    rows.sort(key=lambda r: (r.adjusted_rank, r.raw_rank or 0))
    start = (story.now - datetime.timedelta(days=120)).date()
    for n, row in enumerate(rows[:WINNERS]):
        application = row.application
        amount = min(Decimal(GRANTS[n]), application.requested_amount or Decimal(GRANTS[n]))
        granted = award_services.award(
            application,
            by=admin,
            amount=amount,
            in_kind=IN_KIND[n % len(IN_KIND)],
            citation=CITATIONS[n % len(CITATIONS)].format(
                topic=application.topics[0].replace("-", " "), town=application.city
            ),
        )
        half = (amount / 2).quantize(Decimal("1"))
        for kind, title, days, paid in (
            (MilestoneKind.PAYMENT, "First payment", 10, half),
            (MilestoneKind.REPORT, "Mid-year report", 95, None),
            (MilestoneKind.PAYMENT, "Second payment", 130, amount - half),  # due soon
            (MilestoneKind.REPORT, "Final report", 365, None),
        ):
            milestone = award_services.add_milestone(
                granted,
                by=admin,
                kind=kind,
                title=title,
                due_on=start + datetime.timedelta(days=days),
                amount=paid,
            )
            due = milestone.due_on
            if due < story.now.date() - datetime.timedelta(days=3) and rng.random() < 0.85:
                award_services.mark_done(
                    milestone, by=admin, on=due + datetime.timedelta(days=rng.randint(-5, 4))
                )
    award_services.announce(call, by=admin)
    award_services.publish_winners(call, by=admin)
    award_services.decline_rest(call, by=admin, note="Not among the eight winners.")
    decision_services.release_feedback(panel, by=admin)
    decided = story.ago(122, hour=16)
    Decision.objects.filter(round=panel).update(created_at=decided, updated_at=decided)
    Award.objects.filter(application__call=call).update(
        created_at=decided, announced_at=story.ago(120, hour=9)
    )
    Round.objects.filter(pk=panel.pk).update(feedback_released_at=decided)
    Round.objects.filter(call=call).update(status=RoundStatus.CLOSED)
    Call.objects.filter(pk=call.pk).update(
        status=CallStatus.DECIDED, winners_published_at=story.ago(118, hour=9)
    )
    story.counts["challenge_awards"] = WINNERS


# --- the call open now -------------------------------------------------------------------------


def _open_call(story: Story, past: list[Application]) -> None:
    """A mini-grant call open for three more weeks, its rounds not started; applications
    made through the application services, as applicants make them."""
    admin, rng = story.admin, story.rng
    zone = call_services.zone(story.ecosystem)
    deadline = (story.now + datetime.timedelta(days=21)).astimezone(zone)
    call = call_services.create_call(
        admin,
        story.ecosystem,
        title=OPEN_TITLE,
        summary="Grants of up to $5,000 for summer STEM camps and clubs in the Valley.",
        description=(
            "Small grants for summer programs that keep young people building, coding and "
            "exploring between school years, above all in the rural counties. A quick "
            "screening, then a review by two reviewers; decisions by the end of spring."
        ),
        opens_at=(story.now - datetime.timedelta(days=12)).astimezone(zone),
        deadline=deadline.replace(hour=17, minute=0, second=0, microsecond=0),
        total_funds=Decimal("60000"),
        contact_email=f"minigrants@{DOMAIN}",
    )
    call_services.use_template(admin, call)
    _eligibility(story, call)
    keys = story.keys
    story.keys = _form(story, call, budget_max=5000, word_scale=0.6)
    call_services.save_round(
        admin, call, name="Screening", kind=RoundKind.SCREENING, reviews_per_application=1
    )
    call_services.save_round(
        admin, call, name="Review", kind=RoundKind.REVIEW, reviews_per_application=2
    )
    call_services.open_call(admin, call)
    eligible = {q.pk: q.eligible_answer for q in call.eligibility.all()}
    partner = User.objects.get(email=PARTNER_PERSONA)
    partner_org = past[0].organization if past[0].lead_id == partner.pk else None
    towns = {t.name: t for t in story.towns}
    for n, source in enumerate(past[:6]):
        lead = partner if n == 0 else source.lead
        town = towns.get(source.city, story.towns[0])
        application = application_services.start_application(
            lead,
            call,
            title=f"Summer {source.title.split(':')[0]}",
            organization=partner_org if n == 0 else source.organization,
            organization_name=source.organization_name,
            organization_sector=source.organization_sector,
        )
        partners = list(source.answers.get(keys["partners"]) or [])[:2] or [
            rng.choice(story.everyone).pk
        ]
        answers = _answers(story, source.organization_name, town, "STEM", partners, 4500)
        answers[story.keys["youth"]] = rng.choice((25, 40, 60))
        if n == 0:  # partner@'s draft is half written
            answers = {k: v for k, v in answers.items() if k in list(answers)[:3]}
        application_services.save_draft(
            lead,
            application,
            answers_given=answers,
            summary=f"A summer of hands-on STEM in {town.name}.",
        )
        if n >= 3:  # three drafts (partner@'s first), three submitted
            application_services.screen(lead, application, eligible)
            application_services.submit(lead, application)
    story.keys = keys
