"""The demo's mentoring: about 600 mentors, 150 opportunities and matches in every stage of life.

A step of the demo builder (ecotone.demo.builder.STEPS), after the directory and the atlas: it
reads the main ecosystem's partners, programs, locations, schools and demo accounts. Every name
is invented; mentors' addresses are @mentors.demo.ecotone.example.org (nobody's).

What it makes, for the main demo ecosystem (numbers at the medium size):
- mentors with believable profiles for the region (engineers, nurses, data analysts,
  technicians, college students, retirees), about a third employed by a partner business (a
  corporate volunteer program), home and work ZIP codes of the region placed at the ZIP's
  center, weekly availability on quarter hours, some Spanish speakers, some virtual only (to
  reach the rural counties), about 30% sharing their identity for matching, and consents;
- screening in every state: about 55% cleared (a few expiring within 30 days, a few lapsed),
  15% cleared for supervised virtual work only, 20% in screening, 10% not started. Every
  record is set by the screening service's rule (`services.screening.apply_status`, what
  `update_step` applies): a pass names its backbone verifier, its completion date, and its
  expiry from the step's validity;
- opportunities on the programs that serve young people: relationship mentoring after school,
  virtual career talks with a teacher present, science-fair judging, workshops, team coaching
  and tutoring, with an equity priority from the atlas's schools (rural or high-need);
- matches through `services.matches` only (so `Match.save` checks every one): closed, active
  with check-ins and hours, accepted, offered, declined and withdrawn, while most opportunities
  keep open places and most cleared mentors stay free for a matching round;
- for the demo accounts: mentor@ is cleared, in an active match with logged hours at one of
  partner@'s programs, and has an invitation waiting for an answer.

Random draws come from this module's own seed, so the other steps' draws do not move it.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Prefetch
from django.utils import timezone

from ecotone.accounts.models import User
from ecotone.atlas.models import PopulationArea
from ecotone.directory.geocoding import zip_centroid
from ecotone.directory.models import (
    Language,
    Location,
    LocationType,
    MentoringDepth,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
)
from ecotone.directory.stem_profile import STEM_FIELDS
from ecotone.ecosystems.models import Ecosystem, Membership, Organization, Role, Sector
from ecotone.mentoring import engine, solver
from ecotone.mentoring.models import (
    CareerStage,
    CheckIn,
    ClosureKind,
    Consent,
    ConsentKind,
    Frequency,
    HourLog,
    HourStatus,
    Match,
    Mentor,
    MentorStatus,
    Mode,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    ScreeningRecord,
    ScreeningStatus,
    ScreeningStep,
)
from ecotone.mentoring.services import matches as match_services
from ecotone.mentoring.services import screening
from ecotone.mentoring.services.opportunities import refresh_equity_priorities

from .tables import table

SEED = 20261123 + 5
MENTORS = {"small": 150, "medium": 600, "large": 2000}
OPPORTUNITIES = {"small": 40, "medium": 150, "large": 400}
# Matches at the medium size, by stage; other sizes scale with their opportunities.
STAGES = {
    "closed": 20,
    "active": 60,
    "accepted": 4,
    "offered": 15,
    "declined": 4,
    "withdrawn": 2,
}
MENTOR_DOMAIN = "mentors.demo.ecotone.example.org"
DEMO_DOMAIN = "demo.ecotone.example.org"
MENTOR_PERSONA = f"mentor@{DEMO_DOMAIN}"
PARTNER_PERSONA = f"partner@{DEMO_DOMAIN}"
BACKBONE_PERSONAS = (f"admin@{DEMO_DOMAIN}", f"staff@{DEMO_DOMAIN}")

# --- who the mentors are -------------------------------------------------------------------


_PEOPLE = table("people")
WOMEN: tuple[str, ...] = tuple(_PEOPLE["mentor_first_names"]["women"])
MEN: tuple[str, ...] = tuple(_PEOPLE["mentor_first_names"]["men"])
NEUTRAL: tuple[str, ...] = tuple(_PEOPLE["mentor_first_names"]["neutral"])
LAST_NAMES: tuple[str, ...] = tuple(_PEOPLE["mentor_last_names"])
# Names that hint at a heritage a mentor who shares their identity may well tick (a hint for
# invented people, nothing more).
HERITAGE: dict[str, tuple[str, ...]] = {
    code: tuple(names) for code, names in _PEOPLE["heritage"].items()
}


def _gender(first: str) -> str:
    return "w" if first in WOMEN else "m" if first in MEN else "x"


def _heritage(first: str, last: str) -> set[str]:
    return {code for code, names in HERITAGE.items() if first in names or last in names}


@dataclass(frozen=True)
class Career:
    occupation: str
    stem_field: str
    topics: tuple[str, ...]
    skills: tuple[str, ...]
    # Words in the names of the demo's partner businesses that would employ this person.
    employers: tuple[str, ...] = ()


def _careers(group: str) -> tuple[Career, ...]:
    return tuple(
        Career(
            c["occupation"],
            c["stem_field"],
            tuple(c["topics"]),
            tuple(c["skills"]),
            tuple(c.get("employers", ())),
        )
        for c in table("careers")[group]
    )


PROFESSIONALS = _careers("professionals")
STUDENTS = _careers("students")
RETIREES = _careers("retirees")
# Employers that are not partners of the alliance (all invented).
OTHER_EMPLOYERS: dict[str, tuple[str, ...]] = {
    stem_field: tuple(names) for stem_field, names in table("careers")["employers_by_field"].items()
}
# Anyone's employer may also be one of these.
ANY_EMPLOYERS: tuple[str, ...] = tuple(table("careers")["any_employers"])
STEM_CODES = tuple(code for code, _label in STEM_FIELDS.terms)
COLLEGES: tuple[str, ...] = tuple(table("careers")["colleges"])

# ZIP codes of the region (their centers come from the offline ZIP table): metro and suburbs
# weigh more, as people do; rural towns too, for the rural mentors.
METRO_ZIPS: tuple[str, ...] = tuple(table("places")["metro_zips"])
OUTER_ZIPS: tuple[str, ...] = tuple(table("places")["outer_zips"])

ACTIVITIES: dict[str, tuple[str, ...]] = {
    OpportunityKind.RELATIONSHIP: (
        "Weekly session: build and test",
        "Weekly session: project planning with the team",
        "Weekly session: troubleshooting the prototype",
        "Mentoring session and goal check",
        "Weekly session: coding practice",
        "Helped prepare the team's presentation",
    ),
    OpportunityKind.PROJECT: (
        "Team build night",
        "Coached the team through design review",
        "Practice run before the competition",
    ),
    OpportunityKind.TUTORING: (
        "Tutoring session: algebra",
        "Tutoring session: lab report",
        "Tutoring session: exam review",
    ),
    OpportunityKind.CAREER_TALK: ("Career talk with Q&A", "Career talk and virtual tour"),
    OpportunityKind.JUDGING: ("Judged projects and gave feedback",),
    OpportunityKind.WORKSHOP: ("Led a hands-on workshop", "Workshop set-up and teaching"),
}
EARLY_REASONS = (
    "The mentor moved to another city for work.",
    "A new job's hours no longer fit the program's schedule.",
    "The student changed schools mid-year.",
    "The program's site closed for renovation.",
    "Family reasons: the mentor needed to step back for now.",
)
LESSONS = (
    "",
    "",
    "Agree on a back-up meeting time at the start.",
    "Share the project plan with the mentor before the first session.",
    "Pair the student with a second mentor for the competition weeks.",
)
# Why the side that had not yet accepted said no.
MENTOR_DECLINES = (
    "I can't commit to weekly sessions this term.",
    "The location is too far from my work.",
)
PROGRAM_DECLINES = (
    "We found a mentor who speaks our students' home language.",
    "Our schedule changed and no longer fits yours.",
)


# --- the step ------------------------------------------------------------------------------


@dataclass
class Demo:
    """What this step knows as it goes."""

    ecosystem: Ecosystem
    size: str
    rng: random.Random
    today: datetime.date
    backbone: list[Any]
    staff_of: dict[int, Any]  # organization id -> a partner staff user (the program's side)
    steps: list[ScreeningStep] = field(default_factory=list)
    stage_of: dict[int, str] = field(default_factory=dict)  # mentor id -> screening plan
    counts: dict[str, int] = field(default_factory=dict)

    def verifier(self) -> Any:
        return self.rng.choice(self.backbone)

    def program_side(self, opportunity: Opportunity) -> Any:
        return self.staff_of.get(opportunity.program.organization_id) or self.backbone[1]

    def moment(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        minute = self.rng.choice((0, 15, 30, 45))
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def build(ctx: Any) -> None:
    """Demo builder step: the main ecosystem's mentors, opportunities and matches."""
    ecosystem = ctx.ecosystems.get("confluence") or next(iter(ctx.ecosystems.values()))
    ctx.counts.update(build_for(ecosystem, size=ctx.size))


def build_for(ecosystem: Ecosystem, *, size: str = "medium", seed: int = SEED) -> dict[str, int]:
    """Mentoring data for `ecosystem` (its partners, programs and demo accounts must exist)."""
    users = {u.email: u for u in User.objects.filter(email__in=[*BACKBONE_PERSONAS])}
    backbone = [users[e] for e in BACKBONE_PERSONAS if e in users]
    if not backbone:
        backbone = list(
            User.objects.filter(
                memberships__ecosystem=ecosystem,
                memberships__role__in=[Role.BACKBONE_ADMIN, Role.BACKBONE_STAFF],
            ).order_by("pk")[:2]
        )
    if len(backbone) == 1:
        backbone *= 2
    demo = Demo(
        ecosystem=ecosystem,
        size=size,
        rng=random.Random(seed),
        today=timezone.localdate(),
        backbone=backbone,
        staff_of=_partner_staff(ecosystem),
    )
    demo.steps = screening.steps(ecosystem)
    mentors = _mentors(demo)
    _screening(demo, mentors)
    opportunities = _opportunities(demo)
    _matches(demo, mentors, opportunities)
    demo.counts["mentors"] = len(mentors)
    demo.counts["mentoring_opportunities"] = len(opportunities)
    demo.counts["matches"] = Match.objects.filter(ecosystem=ecosystem).count()
    demo.counts["hour_logs"] = HourLog.objects.filter(ecosystem=ecosystem).count()
    return demo.counts


def _partner_staff(ecosystem: Ecosystem) -> dict[int, Any]:
    staff: dict[int, Any] = {}
    partner = User.objects.filter(email=PARTNER_PERSONA).first()
    memberships = (
        Membership.objects.filter(ecosystem=ecosystem, role=Role.PARTNER_STAFF)
        .select_related("user")
        .prefetch_related("organizations")
        .order_by("pk")
    )
    for membership in memberships:
        for organization in membership.organizations.all():
            # The demo's partner persona answers for their organizations.
            if membership.user == partner or organization.pk not in staff:
                staff[organization.pk] = membership.user
    return staff


# --- mentors -------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def _places() -> tuple[list[tuple[str, float, float]], list[tuple[str, float, float]]]:
    metro: list[tuple[str, float, float]] = []
    outer: list[tuple[str, float, float]] = []
    for codes, into in ((METRO_ZIPS, metro), (OUTER_ZIPS, outer)):
        for code in codes:
            centroid = zip_centroid(code)
            if centroid is not None:
                into.append((code, centroid.latitude, centroid.longitude))
    return metro, outer


def _windows(rng: random.Random, stage: str) -> list[list[int]]:
    """Weekly availability on quarter hours: after school for most, daytime for students and
    retirees (the school-day career talks), lunch hours and Saturday mornings for some."""
    windows: list[list[int]] = []
    if stage in (CareerStage.STUDENT, CareerStage.RETIRED):
        for day in sorted(rng.sample(range(5), rng.choice((2, 3, 4)))):
            start = rng.choice((9, 10, 12, 13)) * 60
            windows.append([day, start, rng.choice((16 * 60, 17 * 60 + 30, 18 * 60))])
    else:
        if rng.random() < 0.8:
            start = rng.choice((15 * 60, 15 * 60 + 30, 16 * 60))
            for day in sorted(rng.sample(range(5), rng.choice((1, 2, 2, 3)))):
                windows.append([day, start, rng.choice((17 * 60 + 30, 18 * 60, 19 * 60))])
        if rng.random() < 0.45:
            day = rng.randrange(5)
            if not any(w[0] == day for w in windows):
                windows.append([day, 11 * 60 + 45, 13 * 60 + 15])
    if rng.random() < 0.45 or not windows:
        windows.append([5, rng.choice((8 * 60 + 30, 9 * 60)), rng.choice((12 * 60, 13 * 60))])
    return sorted(windows)


def _identity(rng: random.Random, gender: str, heritage: set[str], rural: bool) -> list[str]:
    """What a mentor who chose identity-aware matching ticked (never shown to programs)."""
    tags = []
    if gender == "w" and rng.random() < 0.95:
        tags.append("woman")
    if gender == "x" and rng.random() < 0.4:
        tags.append("nonbinary")
    tags += [h for h in sorted(heritage) if rng.random() < 0.8]
    for tag, chance in (
        ("first_generation", 0.35),
        ("rural", 0.7 if rural else 0.08),
        ("lgbtq", 0.08),
        ("veteran", 0.05),
        ("disability", 0.05),
    ):
        if rng.random() < chance:
            tags.append(tag)
    return tags or ["first_generation"]


def _mentors(demo: Demo) -> list[Mentor]:
    """The mentors, in bulk: users (who cannot sign in, except the persona), their MENTOR
    memberships, profiles and consents. People the builder already gave the mentor role in
    this ecosystem get a profile too."""
    rng = demo.rng
    ecosystem = demo.ecosystem
    metro, outer = _places()
    businesses = list(
        Organization.objects.filter(
            ecosystem=ecosystem, sector=Sector.BUSINESS, archived_at__isnull=True
        ).order_by("pk")
    )
    colleges = [
        o.name
        for o in Organization.objects.filter(
            ecosystem=ecosystem, sector=Sector.HIGHER_ED, archived_at__isnull=True
        ).order_by("pk")
    ] or list(COLLEGES)
    existing = list(
        User.objects.filter(memberships__ecosystem=ecosystem, memberships__role=Role.MENTOR)
        .exclude(mentor_profiles__ecosystem=ecosystem)
        .exclude(email=MENTOR_PERSONA)
        .order_by("pk")
    )
    target = MENTORS[demo.size]
    plans = _stage_plan(rng, target)
    joined_on = [_joined(rng, demo.today, plan) for plan in plans]
    new_users: list[User] = []
    people: list[tuple[User, str, set[str]]] = []
    for user in existing[:target]:
        first, _, last = user.name.partition(" ")
        people.append((user, _gender(first), _heritage(first, last)))
    first_names = WOMEN + MEN + NEUTRAL
    for i in range(target - len(people)):
        first, last = rng.choice(first_names), rng.choice(LAST_NAMES)
        handle = f"{_ascii(first)}.{_ascii(last)}"
        user = User(
            email=f"{handle}.{i + 1}@{MENTOR_DOMAIN}",
            name=f"{first} {last}",
            password="!",  # unusable: demo mentors cannot sign in; mentor@ can
            date_joined=demo.moment(joined_on[len(people)]),
        )
        new_users.append(user)
        people.append((user, _gender(first), _heritage(first, last)))
    User.objects.bulk_create(new_users)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in new_users
    )
    Membership.objects.bulk_create(
        Membership(user=u, ecosystem=ecosystem, role=Role.MENTOR) for u in new_users
    )

    mentors: list[Mentor] = []
    for (user, gender, heritage), plan in zip(people, plans, strict=True):
        stage = rng.choices(
            [
                CareerStage.STUDENT,
                CareerStage.EARLY,
                CareerStage.MID,
                CareerStage.SENIOR,
                CareerStage.RETIRED,
            ],
            weights=[18, 25, 30, 12, 15],
        )[0]
        if stage == CareerStage.STUDENT:
            career = rng.choice(STUDENTS)
        elif stage == CareerStage.RETIRED:
            career = rng.choice(RETIREES)
        else:
            career = rng.choice(PROFESSIONALS)
        home = rng.choices(
            [metro, outer], weights=[0.8, 0.2] if plan != "virtual_only" else [0.5, 0.5]
        )[0]
        home_zip, lat, lon = rng.choice(home)
        rural = home is outer
        employer: Organization | None = None
        employer_name = ""
        work_zip = ""
        if stage == CareerStage.STUDENT:
            employer_name = rng.choice(colleges)
        elif stage == CareerStage.RETIRED:
            employer_name = ""
        else:
            fitting = [b for b in businesses if any(k in b.name for k in career.employers)]
            if fitting and rng.random() < 0.5:
                employer = rng.choice(fitting)
                work_zip = employer.postal_code
            else:
                employer_name = rng.choice(
                    OTHER_EMPLOYERS.get(career.stem_field, ()) + ANY_EMPLOYERS
                )
                if rng.random() < 0.6:
                    work_zip = rng.choice(metro)[0]
        where = zip_centroid(work_zip) if work_zip else None
        if where is not None:
            lat, lon = where.latitude, where.longitude
        modes = ["in_person", "virtual"]
        if plan == "virtual_only" or rng.random() < 0.12:
            modes = ["virtual"]
        elif rng.random() < 0.15:
            modes = ["in_person"]
        languages = ["en"]
        if rng.random() < (0.35 if "hispanic" in heritage else 0.04):
            languages.append("es")
        elif rng.random() < 0.04:
            languages.append(rng.choice(["fr", "zh", "ar", "vi", "so", "hi"]))
        first_band = rng.choices(range(5), weights=[1, 2, 4, 4, 1])[0]
        bands = ["k-2", "3-5", "6-8", "9-12", "postsecondary"]
        grade_bands = bands[first_band : first_band + rng.choice((1, 2, 2, 3))]
        topics = rng.sample(career.topics, min(len(career.topics), rng.choice((2, 3, 3))))
        if rng.random() < 0.5:  # and something they do for fun
            hobby = rng.choice(STEM_CODES)
            topics += [] if hobby in topics else [hobby]
        skills = rng.sample(career.skills, min(len(career.skills), rng.choice((1, 2))))
        shares = rng.random() < 0.3
        mentors.append(
            Mentor(
                ecosystem=ecosystem,
                user=user,
                status=MentorStatus.ACTIVE,
                phone=f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                stem_field=career.stem_field,
                occupation=career.occupation,
                career_stage=stage,
                employer=employer,
                employer_name=employer_name,
                bio=_bio(career, stage, employer, employer_name, rural),
                topics=topics,
                skills=skills,
                languages=languages,
                grade_bands=grade_bands,
                modes=modes,
                home_postal_code=home_zip,
                work_postal_code=work_zip,
                latitude=lat,
                longitude=lon,
                travel_radius_mi=rng.choice((15, 20, 25, 30) if rural else (5, 8, 10, 12, 15, 20)),
                availability=_windows(rng, stage),
                hours_per_month=rng.choice((2, 4, 4, 6, 8, 10)),
                max_matches=rng.choices((1, 2, 3), weights=(6, 3, 1))[0],
                shares_identity=shares,
                identity_tags=_identity(rng, gender, heritage, rural) if shares else [],
            )
        )
    mentors.append(_persona_profile(demo, businesses))
    joined_on.append(demo.today - datetime.timedelta(days=400))
    plans.append("cleared")
    Mentor.objects.bulk_create(mentors)
    # Profiles were created when their people signed up, not today.
    for mentor, day in zip(mentors, joined_on, strict=True):
        mentor.created_at = demo.moment(day)
    Mentor.objects.bulk_update(mentors, ["created_at"])
    demo.stage_of = {m.pk: plan for m, plan in zip(mentors, plans, strict=True)}
    _consents(demo, mentors)
    return mentors


def _joined(rng: random.Random, today: datetime.date, plan: str) -> datetime.date:
    """When a mentor signed up, from how far their screening has come."""
    low, high = {
        "lapsed": (830, 1000),
        "expiring": (400, 690),
        "supervised": (20, 200),
        "in_progress": (3, 60),
        "not_started": (0, 20),
    }.get(plan, (60, 690))
    return today - datetime.timedelta(days=rng.randint(low, high))


def _stage_plan(rng: random.Random, n: int) -> list[str]:
    """Each mentor's screening, shuffled: 55% cleared (some expiring soon, a few lapsed), 15%
    supervised work only, 20% in screening, 10% not started. Some cleared mentors work only
    virtually (the rural reach)."""
    cleared = round(n * 0.55)
    expiring = max(2, round(cleared * 0.08))
    lapsed = max(2, round(cleared * 0.05))
    virtual_only = round(cleared * 0.12)
    supervised = round(n * 0.15)
    in_progress = round(n * 0.2)
    plans = (
        ["expiring"] * expiring
        + ["lapsed"] * lapsed
        + ["virtual_only"] * virtual_only
        + ["cleared"] * (cleared - expiring - lapsed - virtual_only)
        + ["supervised"] * supervised
        + ["in_progress"] * in_progress
    )
    plans += ["not_started"] * (n - len(plans))
    rng.shuffle(plans)
    return plans


def _bio(
    career: Career, stage: str, employer: Organization | None, employer_name: str, rural: bool
) -> str:
    field_label = dict(STEM_FIELDS.terms).get(career.stem_field, career.stem_field)
    where = employer.name if employer else employer_name
    if stage == CareerStage.STUDENT:
        text = f"{career.occupation} at {where}. I remember who got me into {field_label}."
    elif stage == CareerStage.RETIRED:
        text = f"{career.occupation}; forty years of {field_label} and still curious."
    else:
        text = f"{career.occupation}" + (f" at {where}" if where else "") + "."
        text += f" Happy to show young people what a day in {field_label} looks like."
    if rural:
        text += " I grew up in a small town and like working with rural students."
    return str(text)


def _persona_profile(demo: Demo, businesses: list[Organization]) -> Mentor:
    """mentor@: an electrical engineer at a partner utility, in Riverton, cleared."""
    user = User.objects.get(email=MENTOR_PERSONA)
    Membership.objects.get_or_create(user=user, ecosystem=demo.ecosystem, role=Role.MENTOR)
    utility = next((b for b in businesses if "Power and Light" in b.name), None) or (
        businesses[0] if businesses else None
    )
    # Works near partner@'s first site, so the two demo accounts meet in a match.
    partner_orgs = [pk for pk, u in demo.staff_of.items() if u.email == PARTNER_PERSONA]
    site = (
        Location.objects.filter(organization_id__in=partner_orgs, latitude__isnull=False)
        .order_by("pk")
        .first()
    )
    work_zip = site.postal_code if site and zip_centroid(site.postal_code) else "43215"
    centroid = zip_centroid(work_zip)
    return Mentor(
        ecosystem=demo.ecosystem,
        user=user,
        status=MentorStatus.ACTIVE,
        phone="(555) 010-4477",
        stem_field="engineering",
        occupation="Electrical engineer",
        career_stage=CareerStage.MID,
        employer=utility,
        employer_name="" if utility else "Confluence Power Cooperative",
        bio=(
            "Electrical engineer working on the region's grid. I build robots with my kids on "
            "weekends and love helping students get their first circuit to work."
        ),
        topics=["engineering", "robotics", "computing"],
        skills=["circuits", "arduino"],
        languages=["en"],
        grade_bands=["k-2", "3-5", "6-8", "9-12"],
        modes=["in_person", "virtual"],
        home_postal_code="43201",
        work_postal_code=work_zip,
        latitude=centroid.latitude if centroid else 39.9671,
        longitude=centroid.longitude if centroid else -83.0044,
        travel_radius_mi=30,
        availability=[[d, 15 * 60, 18 * 60 + 30] for d in range(5)] + [[5, 9 * 60, 13 * 60]],
        hours_per_month=8,
        max_matches=3,
    )


def _consents(demo: Demo, mentors: list[Mentor]) -> None:
    rng = demo.rng
    consents = []
    for mentor in mentors:
        given = mentor.created_at
        consents.append(Consent(mentor=mentor, kind=ConsentKind.TERMS, given_at=given))
        if demo.stage_of[mentor.pk] != "not_started":
            consents.append(
                Consent(mentor=mentor, kind=ConsentKind.BACKGROUND_CHECK, given_at=given)
            )
        if mentor.shares_identity:
            consents.append(Consent(mentor=mentor, kind=ConsentKind.IDENTITY, given_at=given))
        if mentor.employer_id and rng.random() < 0.75:
            consents.append(Consent(mentor=mentor, kind=ConsentKind.EMPLOYER, given_at=given))
    Consent.objects.bulk_create(consents)


# --- screening -----------------------------------------------------------------------------


def _screening(demo: Demo, mentors: list[Mentor]) -> None:
    """Each record set by the screening rule (`screening.apply_status`, what `update_step`
    applies) and written in bulk; there is no match yet for `update_step` to hold, and one
    call per record would make the seed several times slower. Passes are dated back to the
    day they were verified (the rule stamps the time of the call)."""
    rng = demo.rng
    today = demo.today
    records: list[ScreeningRecord] = []

    def passed(mentor: Mentor, step: ScreeningStep, done: datetime.date) -> None:
        done = min(done, today)
        hours = None
        if step.minimum_hours is not None:
            hours = step.minimum_hours + Decimal(rng.choice((0, 0, 1, 2, 4)))
        started_on = done - datetime.timedelta(days=rng.randint(0, 14))
        record = screening.apply_status(
            ScreeningRecord(mentor=mentor, step=step),
            demo.verifier(),
            status=ScreeningStatus.PASSED,
            started_on=started_on,
            completed_on=done,
            hours=hours,
        )
        record.verified_at = demo.moment(done, rng.choice((9, 11, 14, 16)))
        records.append(record)

    def pending(mentor: Mentor, step: ScreeningStep, status: str, since: datetime.date) -> None:
        hours = None
        if step.minimum_hours is not None and status == ScreeningStatus.IN_PROGRESS:
            hours = Decimal(rng.choice(("0.5", "1.0", "1.5")))
        record = screening.apply_status(
            ScreeningRecord(mentor=mentor, step=step),
            demo.backbone[-1],
            status=status,
            started_on=since if status != ScreeningStatus.NOT_STARTED else None,
            hours=hours,
        )
        records.append(record)

    renewed = [s for s in demo.steps if s.valid_days is not None]
    due = min(renewed, key=lambda s: s.valid_days or 0) if renewed else None
    for mentor in mentors:
        plan = demo.stage_of[mentor.pk]
        if plan == "not_started":
            continue
        joined = mentor.created_at.date()
        for position, step in enumerate(demo.steps):
            done = joined + datetime.timedelta(days=3 + 7 * position + rng.randint(0, 6))
            if plan in ("cleared", "virtual_only"):
                if step.valid_days is not None and step.valid_days <= 365:
                    # Renewed every year (the code of conduct): signed again within the year.
                    done = max(done, today - datetime.timedelta(days=rng.randint(5, 330)))
                passed(mentor, step, done)
            elif plan == "expiring":
                # Cleared over a year ago: the yearly step comes due within the month.
                if step == due and step.valid_days is not None:
                    done = today - datetime.timedelta(step.valid_days - rng.randint(2, 28))
                passed(mentor, step, done)
            elif plan == "lapsed":
                # Cleared years ago and never renewed: every step that expires has.
                passed(mentor, step, done)
            elif plan == "supervised":
                if step.for_supervised or (step.valid_days is None and rng.random() < 0.5):
                    passed(mentor, step, done)
                else:
                    status = rng.choice((ScreeningStatus.IN_PROGRESS, ScreeningStatus.NOT_STARTED))
                    pending(mentor, step, status, joined)
            elif position == 0 and rng.random() < 0.7:  # in screening
                passed(mentor, step, done)
            elif step.for_supervised:
                pending(mentor, step, ScreeningStatus.IN_PROGRESS, joined)
            else:
                status = rng.choice((ScreeningStatus.IN_PROGRESS, ScreeningStatus.NOT_STARTED))
                pending(mentor, step, status, joined)
    ScreeningRecord.objects.bulk_create(records)
    # Written in bulk, past `update_step`: store the stages the records give.
    for ecosystem in {mentor.ecosystem for mentor in mentors}:
        screening.refresh_stages(ecosystem, Mentor.objects.filter(pk__in=[m.pk for m in mentors]))


# --- opportunities -------------------------------------------------------------------------


@dataclass
class ProgramFacts:
    program: Program
    fields: list[str]
    bands: list[str]
    activity: str
    focus: list[str]
    spanish: bool
    days: list[int]
    opens: int
    closes: int
    weekly: bool
    point: tuple[float, float] | None
    location: Location | None
    rural: bool


DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


def _program_facts(ecosystem: Ecosystem, rural_towns: set[str]) -> list[ProgramFacts]:
    programs = (
        Program.objects.filter(ecosystem=ecosystem, organization__archived_at__isnull=True)
        .listed()
        .select_related("organization")
        .prefetch_related(
            # In a stable order: the first field names the opportunity.
            Prefetch("attributes", ProgramAttribute.objects.select_related("term").order_by("pk")),
            Prefetch(
                "program_locations",
                ProgramLocation.objects.select_related("location").order_by("pk"),
            ),
            Prefetch("languages", Language.objects.order_by("pk")),
            Prefetch("schedules", Schedule.objects.order_by("pk")),
        )
        .order_by("pk")
    )
    facts = []
    for program in programs:
        codes: dict[str, list[str]] = defaultdict(list)
        for attribute in program.attributes.all():
            facet, _, code = attribute.term.code.partition("/")
            codes[facet].append(code)
        bands = [b for b in codes["grade_band"] if b != "prek"]
        if not bands:
            continue
        location = None
        for link in program.program_locations.all():
            if link.location.latitude is not None:
                location = link.location
                break
        virtual = any(
            link.location.location_type == LocationType.VIRTUAL
            for link in program.program_locations.all()
        )
        if location is None and not virtual:
            continue
        schedule = next(iter(program.schedules.all()), None)
        days = [DAYS[d] for d in (schedule.byday.split(",") if schedule else []) if d in DAYS]
        opens = closes = 0
        if schedule and schedule.opens_at and schedule.closes_at:
            opens = schedule.opens_at.hour * 60 + schedule.opens_at.minute
            closes = schedule.closes_at.hour * 60 + schedule.closes_at.minute
        facts.append(
            ProgramFacts(
                program=program,
                fields=codes["stem_field"],
                bands=bands,
                activity=(codes["activity_type"] or [""])[0],
                focus=codes["focus_population"],
                spanish=any(lang.code == "es" for lang in program.languages.all()),
                days=days,
                opens=opens,
                closes=closes,
                weekly=bool(schedule and schedule.freq in ("", "WEEKLY") and closes > opens),
                point=_point(location),
                location=location,
                rural=(location.city if location else program.organization.city) in rural_towns,
            )
        )
    return facts


def _point(location: Location | None) -> tuple[float, float] | None:
    if location is None or location.latitude is None or location.longitude is None:
        return None
    return location.latitude, location.longitude


KIND_OF_ACTIVITY = {
    "mentoring-program": (OpportunityKind.RELATIONSHIP,),
    "afterschool-club": (
        OpportunityKind.RELATIONSHIP,
        OpportunityKind.RELATIONSHIP,
        OpportunityKind.RELATIONSHIP,
        OpportunityKind.PROJECT,
        OpportunityKind.WORKSHOP,
        OpportunityKind.TUTORING,
    ),
    "competition": (OpportunityKind.JUDGING, OpportunityKind.JUDGING, OpportunityKind.PROJECT),
    "career-talk": (OpportunityKind.CAREER_TALK,),
    "internship": (OpportunityKind.RELATIONSHIP,),
    "summer-camp": (OpportunityKind.WORKSHOP, OpportunityKind.CAREER_TALK),
    "maker-residency": (OpportunityKind.WORKSHOP, OpportunityKind.PROJECT),
    "family-event": (OpportunityKind.WORKSHOP, OpportunityKind.JUDGING),
    "field-trip": (OpportunityKind.CAREER_TALK, OpportunityKind.WORKSHOP),
    "workshop": (OpportunityKind.WORKSHOP, OpportunityKind.CAREER_TALK),
}
WELCOMES = {
    "girls": ["woman", "nonbinary"],
    "students-of-color": ["black", "hispanic", "native"],
    "english-learners": ["hispanic", "english_learner"],
    "first-generation": ["first_generation"],
    "rural": ["rural"],
    "disabilities": ["disability"],
}


def _opportunities(demo: Demo) -> list[Opportunity]:
    rng = demo.rng
    ecosystem = demo.ecosystem
    rural_towns = _rural_towns(ecosystem)
    facts = _program_facts(ecosystem, rural_towns)
    partner = User.objects.filter(email=PARTNER_PERSONA).first()
    partner_orgs = {pk for pk, user in demo.staff_of.items() if user == partner}
    # The partner persona's programs first (their pages should have something to show), then
    # the rest in a shuffled order.
    own = [f for f in facts if f.program.organization_id in partner_orgs and f.point][:4]
    rest = [f for f in facts if f not in own]
    rng.shuffle(rest)
    target = OPPORTUNITIES[demo.size]
    relationship = OpportunityKind.RELATIONSHIP
    opportunities = [_opportunity(demo, f, relationship, showcase=True) for f in own]
    # One need per program, then a second one from some, until there are enough.
    for round_ in range(3):
        for f in rest:
            if len(opportunities) >= target:
                break
            if round_ and rng.random() < 0.6:
                continue
            kind = rng.choice(KIND_OF_ACTIVITY.get(f.activity, (OpportunityKind.RELATIONSHIP,)))
            if f.program.organization.sector == Sector.SCHOOL and rng.random() < 0.15:
                kind = OpportunityKind.CAREER_TALK  # classrooms invite professionals in
            elif "Science Olympiad" in f.program.name or "Fair" in f.program.name:
                kind = rng.choice((OpportunityKind.JUDGING, kind))
            opportunities.append(_opportunity(demo, f, kind, showcase=False))
    Opportunity.objects.bulk_create(opportunities)
    # Equity priority by the same rule as every opportunity (services.opportunities).
    refresh_equity_priorities(ecosystem)
    priority = dict(
        Opportunity.objects.filter(ecosystem=ecosystem).values_list("pk", "equity_priority")
    )
    for opportunity in opportunities:
        opportunity.equity_priority = priority[opportunity.pk]
    return opportunities


def _rural_towns(ecosystem: Ecosystem) -> set[str]:
    """Cities whose schools the atlas calls rural or town (the demo's outer counties)."""
    return set(
        PopulationArea.objects.filter(ecosystem=ecosystem, locale__in=["rural", "town"])
        .exclude(city="")
        .values_list("city", flat=True)
    )


def _label(code: str) -> str:
    return str(dict(STEM_FIELDS.terms).get(code, code)).lower()


def _opportunity(demo: Demo, f: ProgramFacts, kind: str, *, showcase: bool) -> Opportunity:
    """One need of the program `f`, of `kind`. A `showcase` is at one of partner@'s programs,
    where mentor@'s match is made: in person, Tuesday and Thursday afternoons."""
    rng = demo.rng
    today = demo.today
    program = f.program
    topics = f.fields[:3] or ["science"]
    topic = _label(topics[0])
    bands = f.bands
    mode = Mode.IN_PERSON
    one_to_one = False
    teacher_present = True
    in_person_ok = f.point is not None
    if kind == OpportunityKind.RELATIONSHIP:
        one_to_one = rng.random() < 0.3
        teacher_present = not one_to_one or rng.random() < 0.5
        if not in_person_ok or (f.rural and rng.random() < 0.45):
            mode = Mode.VIRTUAL  # group mentoring by video for the rural counties
        elif rng.random() < 0.1:
            mode = Mode.EITHER
    elif kind == OpportunityKind.CAREER_TALK:
        mode = Mode.VIRTUAL if rng.random() < 0.85 or not in_person_ok else Mode.IN_PERSON
    elif kind == OpportunityKind.TUTORING:
        one_to_one = rng.random() < 0.6
        mode = Mode.VIRTUAL if rng.random() < 0.5 or not in_person_ok else Mode.IN_PERSON
    elif kind in (OpportunityKind.WORKSHOP, OpportunityKind.PROJECT):
        mode = Mode.EITHER if rng.random() < 0.2 else Mode.IN_PERSON
    if not in_person_ok:
        mode = Mode.VIRTUAL
    if showcase:
        mode, one_to_one, teacher_present = Mode.IN_PERSON, False, True

    # When: the program's own afternoons for regular work, school hours for career talks,
    # Saturday mornings for judging.
    after_school = [
        [d, f.opens, f.closes] for d in f.days[:2] if f.weekly and d < 5 and f.opens >= 14 * 60
    ] or [[rng.randrange(5), 15 * 60 + 30, 17 * 60 + 30]]
    if showcase:
        after_school = [[1, 15 * 60 + 30, 17 * 60 + 30], [3, 15 * 60 + 30, 17 * 60 + 30]]
    episodic_day = today + datetime.timedelta(days=rng.randint(10, 70))
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    if kind == OpportunityKind.CAREER_TALK:
        # On a school day: the class meets somewhere in this window.
        weekend = max(0, episodic_day.weekday() - 4)  # Saturday 1, Sunday 2: to Monday
        starts_on = ends_on = episodic_day + datetime.timedelta(days=(3 - weekend) % 3)
        start = rng.choice((9, 10, 11, 12, 13)) * 60
        schedule = [[starts_on.weekday(), start, start + rng.choice((60, 90, 120, 180))]]
    elif kind == OpportunityKind.JUDGING:
        schedule = [[5, 8 * 60 + 30, 13 * 60]]
        starts_on = ends_on = episodic_day + datetime.timedelta(days=(5 - episodic_day.weekday()))
    elif kind == OpportunityKind.WORKSHOP:
        schedule = rng.choice([after_school[:1], [[5, 9 * 60 + 30, 12 * 60]]])
        starts_on = episodic_day
        ends_on = episodic_day + datetime.timedelta(weeks=rng.choice((0, 1, 3)))
    else:
        schedule = after_school
        if rng.random() < 0.4:
            starts_on = today + datetime.timedelta(days=rng.randint(14, 60))

    if kind in (OpportunityKind.CAREER_TALK, OpportunityKind.JUDGING, OpportunityKind.WORKSHOP):
        depth = MentoringDepth.LIGHT
        duration = 1 if kind != OpportunityKind.WORKSHOP else rng.choice((1, 2, 4))
        hours = rng.choice((1, 2, 3))
        if kind == OpportunityKind.JUDGING:
            needed, students = rng.randint(3, 6), rng.choice((30, 45, 60, 80))
        elif kind == OpportunityKind.WORKSHOP:
            needed, students = rng.randint(1, 3), rng.randint(12, 30)
        else:
            needed, students = rng.choice((1, 2, 2, 3)), rng.choice((25, 30, 45, 60, 90))
    else:
        depth = MentoringDepth.DEEP if one_to_one else MentoringDepth.MEDIUM
        duration = rng.choice((12, 16, 20, 24, 30, 36))
        if kind in (OpportunityKind.PROJECT, OpportunityKind.TUTORING):
            duration = rng.choice((8, 10, 12, 16))
        hours = rng.choice((4, 4, 6, 8))
        needed = rng.randint(1, 4) if one_to_one else rng.randint(2, 6)
        students = needed if one_to_one else rng.randint(10, 30)
    if starts_on and not ends_on and kind not in EPISODIC:
        ends_on = starts_on + datetime.timedelta(weeks=duration)

    languages = ["en", "es"] if f.spanish else ["en"]
    language_required = ""
    if f.spanish and ("english-learners" in f.focus or rng.random() < 0.15):
        language_required = "es"
    welcomes = sorted({tag for focus in f.focus for tag in WELCOMES.get(focus, [])})
    band_text = ", ".join(bands)
    title, description = _words(kind, program.name, topic, band_text, mode)
    status = OpportunityStatus.OPEN
    roll = rng.random()
    if not showcase and roll < 0.04:
        status = OpportunityStatus.DRAFT
    elif not showcase and roll < 0.08:
        status = OpportunityStatus.CLOSED
    return Opportunity(
        ecosystem=demo.ecosystem,
        program=program,
        location=f.location if mode != Mode.VIRTUAL else None,
        title=title[:200],
        description=description,
        kind=kind,
        status=status,
        mode=mode,
        one_to_one=one_to_one,
        teacher_present=teacher_present,
        topics=topics,
        skills=[],
        grade_bands=bands,
        language_required=language_required,
        languages=languages,
        schedule=schedule,
        starts_on=starts_on,
        ends_on=ends_on,
        mentors_needed=needed if not showcase else 4,
        depth=depth,
        duration_weeks=duration,
        hours_per_month=hours,
        students_expected=students,
        welcomes_shared_identity=bool(welcomes) and rng.random() < 0.8,
        welcomes_identities=welcomes,
        created_by=demo.staff_of.get(program.organization_id) or demo.backbone[0],
    )


EPISODIC = (OpportunityKind.CAREER_TALK, OpportunityKind.JUDGING, OpportunityKind.WORKSHOP)


def _words(kind: str, program: str, topic: str, bands: str, mode: str) -> tuple[str, str]:
    online = " by video, with the teacher in the room" if mode == Mode.VIRTUAL else ""
    if kind == OpportunityKind.RELATIONSHIP:
        return (
            f"{topic.capitalize()} mentor — {program}",
            f"Meet the same group of students (grades {bands}) every week after school"
            f"{online}: help them plan, build and test their {topic} projects, and talk about "
            "how you got where you are.",
        )
    if kind == OpportunityKind.CAREER_TALK:
        return (
            f"Career talk: {topic} careers — {program}",
            f"A 45-minute conversation with a class (grades {bands}) about your work in "
            f"{topic}{online}. Bring a photo of your workplace or a tool you use.",
        )
    if kind == OpportunityKind.JUDGING:
        return (
            f"Judge at the {program} showcase",
            f"Listen to teams (grades {bands}) present their {topic} projects, score them "
            "with the rubric and give each one encouraging feedback. Saturday morning.",
        )
    if kind == OpportunityKind.WORKSHOP:
        return (
            f"Workshop leader: {topic} — {program}",
            f"Run a hands-on {topic} activity for grades {bands}; staff help with set-up "
            "and materials.",
        )
    if kind == OpportunityKind.PROJECT:
        return (
            f"Team coach — {program}",
            f"Coach a student team (grades {bands}) through a season-long {topic} project "
            "and its competition.",
        )
    return (
        f"{topic.capitalize()} tutor — {program}",
        f"Weekly tutoring for students in grades {bands}{online}.",
    )


# --- matches -------------------------------------------------------------------------------


@dataclass
class Pool:
    """Candidate pairs from the engine, and the room left on both sides."""

    mentors: list[Mentor]
    opportunities: list[Opportunity]
    by_opportunity: dict[int, list[tuple[int, int]]]  # opp index -> [(score, mentor index)]
    mentor_room: list[int]
    opportunity_room: list[int]
    used: set[tuple[int, int]] = field(default_factory=set)


def _pool(demo: Demo, mentors: list[Mentor], opportunities: list[Opportunity]) -> Pool:
    free = [m for m in mentors if m.status == MentorStatus.ACTIVE]
    open_ = [o for o in opportunities if o.status == OpportunityStatus.OPEN]
    for o in open_:
        o.ecosystem = demo.ecosystem
    instance = engine.build_instance(free, open_, on=demo.today)
    edges = solver.candidate_edges(instance.mentors, instance.opportunities)
    by_opportunity: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for m, o, s in zip(edges.mentor, edges.opportunity, edges.score, strict=True):
        by_opportunity[int(o)].append((int(s), int(m)))
    return Pool(
        mentors=free,
        opportunities=open_,
        by_opportunity=by_opportunity,
        mentor_room=[m.capacity for m in instance.mentors],
        opportunity_room=[o.capacity for o in instance.opportunities],
    )


def _ready(mentor: Mentor, on: datetime.date) -> bool:
    """Whether the mentor had signed up and been screened by `on` (screening takes up to 45
    days from sign-up in the demo)."""
    return mentor.created_at.date() + datetime.timedelta(days=45) <= on


def _pick(
    demo: Demo, pool: Pool, kinds: Sequence[str], offered_on: datetime.date
) -> tuple[Opportunity, Mentor] | None:
    """A candidate pair with room on both sides, among opportunities of `kinds`: one of the
    better-scoring mentors of a random opportunity, as a program would choose, among those
    already screened when the match was offered (`offered_on`)."""
    rng = demo.rng
    order = [j for j, o in enumerate(pool.opportunities) if o.kind in kinds]
    rng.shuffle(order)
    for j in order:
        # Leave every opportunity at least one open place, so rounds have work to do.
        if pool.opportunity_room[j] <= 1:
            continue
        candidates = [
            (s, i)
            for s, i in pool.by_opportunity.get(j, [])
            if pool.mentor_room[i] > 0
            and (i, j) not in pool.used
            and pool.mentors[i].user.email != MENTOR_PERSONA
            and _ready(pool.mentors[i], offered_on)
        ]
        if not candidates:
            continue
        candidates.sort(key=lambda c: (-c[0], c[1]))
        _, i = rng.choice(candidates[:4])
        return _take(pool, i, j)
    return None


def _take(pool: Pool, i: int, j: int) -> tuple[Opportunity, Mentor]:
    pool.used.add((i, j))
    pool.mentor_room[i] -= 1
    pool.opportunity_room[j] -= 1
    return pool.opportunities[j], pool.mentors[i]


def _release(pool: Pool, opportunity: Opportunity, mentor: Mentor) -> None:
    pool.mentor_room[pool.mentors.index(mentor)] += 1
    pool.opportunity_room[pool.opportunities.index(opportunity)] += 1


RELATIONAL = (OpportunityKind.RELATIONSHIP, OpportunityKind.PROJECT, OpportunityKind.TUTORING)
# Offers go out about ten days before the match starts (as `_begin` dates them).
OFFER_LEAD = datetime.timedelta(days=10)


def _matches(demo: Demo, mentors: list[Mentor], opportunities: list[Opportunity]) -> None:
    """Matches in every stage, each made through `services.matches` on a pair the engine
    calls a candidate (so screening, distance, schedule, grade and language hold), dated in
    the past as they would have happened; hour logs and saved opportunities in bulk."""
    rng = demo.rng
    today = demo.today
    # A few mentors are paused or have withdrawn; they take no new matches.
    for mentor in mentors:
        if mentor.user.email == MENTOR_PERSONA:
            continue
        roll = rng.random()
        if roll < 0.04:
            mentor.status = MentorStatus.PAUSED
        elif roll < 0.06:
            mentor.status = MentorStatus.WITHDRAWN
    Mentor.objects.bulk_update([m for m in mentors if m.status != MentorStatus.ACTIVE], ["status"])
    pool = _pool(demo, mentors, opportunities)
    scale = OPPORTUNITIES[demo.size] / OPPORTUNITIES["medium"]
    wanted = {stage: max(1, round(n * scale)) for stage, n in STAGES.items()}
    hours: list[HourLog] = []
    timestamps: list[Match] = []
    made: dict[str, int] = defaultdict(int)

    persona_matches = _persona_matches(demo, pool, hours, timestamps)

    for _ in range(wanted["closed"]):
        episodic = rng.random() < 0.2
        early = not episodic and rng.random() < 0.25
        if episodic:
            start_on = today - datetime.timedelta(days=rng.randint(20, 200))
            weeks = 1
        else:
            weeks = rng.choice((12, 16, 20, 24))
            start_on = today - datetime.timedelta(days=weeks * 7 + rng.randint(10, 120))
        pair = _pick(demo, pool, EPISODIC if episodic else RELATIONAL, start_on - OFFER_LEAD)
        if pair is None:
            continue
        opportunity, mentor = pair
        match = _begin(demo, opportunity, mentor, start_on, weeks, timestamps)
        end = start_on + datetime.timedelta(weeks=weeks)
        if early:
            end = start_on + datetime.timedelta(weeks=rng.randint(3, max(4, weeks // 2)))
        _check_ins(demo, match, until=end)
        hours += _hours(demo, match, start_on, end, settled=True)
        match_services.close(
            match,
            demo.program_side(opportunity),
            kind=ClosureKind.EARLY if early else ClosureKind.PLANNED,
            reason=rng.choice(EARLY_REASONS) if early else "",
            # The closure form's survey (mentoring.forms.matches.ClosureForm.survey).
            survey={
                "goals_met": rng.choice(("partly", "no") if early else ("yes", "yes", "partly")),
                "would_again": rng.choice(("yes", "yes", "yes", "unsure", "no")),
                "learned": rng.choice(LESSONS),
            },
            rematch=rng.random() < (0.5 if early else 0.3),
            closed_on=end,
        )
        _release(pool, opportunity, mentor)
        made["closed"] += 1

    for _ in range(wanted["active"]):
        start_on = today - datetime.timedelta(days=rng.randint(30, 120))
        pair = _pick(demo, pool, RELATIONAL, start_on - OFFER_LEAD)
        if pair is None:
            continue
        opportunity, mentor = pair
        elapsed = (today - start_on).days // 7
        weeks = max(opportunity.duration_weeks, elapsed + rng.choice((4, 8, 12, 16)))
        match = _begin(demo, opportunity, mentor, start_on, min(weeks, 104), timestamps)
        _check_ins(demo, match, until=today)
        hours += _hours(demo, match, start_on, today, settled=False)
        made["active"] += 1

    for _ in range(wanted["accepted"]):
        days_ago = rng.randint(3, 12)
        pair = _pick(demo, pool, (*EPISODIC, *RELATIONAL), today - datetime.timedelta(days_ago))
        if pair is None:
            continue
        opportunity, mentor = pair
        match = _offer(demo, opportunity, mentor, days_ago=days_ago)
        match = _accept(demo, match)
        timestamps.append(match)
        made["accepted"] += 1

    for stage in ("offered", "declined", "withdrawn"):
        for _ in range(wanted[stage]):
            days_ago = rng.randint(1, 14)
            kinds = (*EPISODIC, *RELATIONAL)
            pair = _pick(demo, pool, kinds, today - datetime.timedelta(days_ago))
            if pair is None:
                continue
            opportunity, mentor = pair
            match = _offer(demo, opportunity, mentor, days_ago=days_ago)
            timestamps.append(match)
            if stage == "declined" and match.mentor_accepted_at:  # the mentor asked
                match_services.decline(
                    match,
                    demo.program_side(opportunity),
                    side=match_services.PROGRAM,
                    reason=rng.choice(PROGRAM_DECLINES),
                )
                _release(pool, opportunity, mentor)
            elif stage == "declined":  # the program invited
                why = rng.choice(MENTOR_DECLINES)
                match_services.decline(match, mentor.user, side=match_services.MENTOR, reason=why)
                _release(pool, opportunity, mentor)
            elif stage == "withdrawn":
                match_services.withdraw(
                    match, demo.backbone[1], reason="The program paused for the winter break."
                )
                _release(pool, opportunity, mentor)
            made[stage] += 1

    # Some mentors star opportunities they like (a matching round counts their interest).
    saved = []
    through = Mentor.saved_opportunities.through
    for i, mentor in enumerate(pool.mentors):
        if rng.random() < 0.2:
            liked = [j for j, ps in pool.by_opportunity.items() if any(m == i for _, m in ps)]
            for j in sorted(rng.sample(sorted(liked), min(len(liked), rng.randint(1, 3)))):
                saved.append(through(mentor_id=mentor.pk, opportunity_id=pool.opportunities[j].pk))
    through.objects.bulk_create(saved)

    HourLog.objects.bulk_create(hours)
    _posted(demo, opportunities, timestamps)
    Match.objects.bulk_update(
        timestamps, ["created_at", "mentor_accepted_at", "program_accepted_at"]
    )
    demo.counts.update({f"matches_{k}": v + persona_matches.get(k, 0) for k, v in made.items()})


def _posted(demo: Demo, opportunities: list[Opportunity], matches: list[Match]) -> None:
    """Opportunities were posted a week or more before their first offer went out; one whose
    matches began in the past takes mentors as they come (no cohort start ahead)."""
    rng = demo.rng
    first: dict[int, datetime.datetime] = {}
    began: dict[int, datetime.date] = {}
    for match in matches:
        o = match.opportunity_id
        if o not in first or match.created_at < first[o]:
            first[o] = match.created_at
        if match.start_on and (o not in began or match.start_on < began[o]):
            began[o] = match.start_on
    now = demo.moment(demo.today)
    for opportunity in opportunities:
        before = first.get(opportunity.pk, now)
        opportunity.created_at = before - datetime.timedelta(days=rng.randint(7, 60))
        start = began.get(opportunity.pk)
        if start and (opportunity.starts_on is None or start < opportunity.starts_on):
            opportunity.starts_on = opportunity.ends_on = None
    Opportunity.objects.bulk_update(opportunities, ["created_at", "starts_on", "ends_on"])


def _offer(demo: Demo, opportunity: Opportunity, mentor: Mentor, *, days_ago: int) -> Match:
    """Half the programs invite, half the mentors ask; dated `days_ago`."""
    rng = demo.rng
    if rng.random() < 0.5:
        match = match_services.invite(
            opportunity,
            mentor,
            demo.program_side(opportunity),
            message="We think you would be a great fit for our students.",
        )
    else:
        match = match_services.request_to_join(
            opportunity,
            mentor,
            mentor.user,
            message="I'd love to help; my schedule fits your afternoons.",
        )
    when = demo.moment(demo.today - datetime.timedelta(days=days_ago), rng.randint(8, 20))
    match.created_at = when
    if match.mentor_accepted_at:
        match.mentor_accepted_at = when
    if match.program_accepted_at:
        match.program_accepted_at = when
    return match


def _accept(demo: Demo, match: Match) -> Match:
    """The other side accepts."""
    created, mentor_at, program_at = (
        match.created_at,
        match.mentor_accepted_at,
        match.program_accepted_at,
    )
    if match.mentor_accepted_at:
        match = match_services.accept(
            match, demo.program_side(match.opportunity), side=match_services.PROGRAM
        )
    else:
        match = match_services.accept(match, match.mentor.user, side=match_services.MENTOR)
    later = created + datetime.timedelta(days=demo.rng.randint(1, 4))
    match.created_at = created
    match.mentor_accepted_at = mentor_at or later
    match.program_accepted_at = program_at or later
    return match


def _begin(
    demo: Demo,
    opportunity: Opportunity,
    mentor: Mentor,
    start_on: datetime.date,
    weeks: int,
    timestamps: list[Match],
    frequency: str = "",
) -> Match:
    """Offer, accept and start a match whose agreement began on `start_on`."""
    match = _offer(demo, opportunity, mentor, days_ago=(demo.today - start_on).days + 10)
    match = _accept(demo, match)
    created, mentor_at, program_at = (
        match.created_at,
        match.mentor_accepted_at,
        match.program_accepted_at,
    )
    episodic = opportunity.kind in EPISODIC
    match = match_services.start(
        match,
        demo.program_side(opportunity),
        frequency=frequency
        or (
            Frequency.ONCE
            if episodic
            else demo.rng.choice((Frequency.WEEKLY, Frequency.WEEKLY, Frequency.BIWEEKLY))
        ),
        duration_weeks=weeks,
        start_on=start_on,
    )
    match.created_at, match.mentor_accepted_at, match.program_accepted_at = (
        created,
        mentor_at,
        program_at,
    )
    timestamps.append(match)
    return match


def _check_ins(demo: Demo, match: Match, *, until: datetime.date) -> None:
    """Most check-ins that fell due are done (through the service), a few late or flagged."""
    rng = demo.rng
    done = []
    for check_in in match.check_ins.filter(due_on__lte=until).order_by("due_on"):
        if rng.random() < 0.2 and check_in.due_on > demo.today - datetime.timedelta(days=45):
            continue  # still due: the reminders have something to do
        flagged = rng.random() < 0.06
        check_in = match_services.record_check_in(
            check_in,
            rng.choice((match.mentor.user, demo.program_side(match.opportunity))),
            rating=rng.choice((2, 3, 4, 4, 5, 5)) if not flagged else 2,
            meeting_as_agreed=not flagged and rng.random() < 0.9,
            notes="The student missed two sessions; could staff call home?" if flagged else "",
            needs_attention=flagged,
        )
        check_in.done_on = min(demo.today, check_in.due_on + datetime.timedelta(rng.randint(0, 6)))
        done.append(check_in)
    CheckIn.objects.bulk_update(done, ["done_on"])


def _hours(
    demo: Demo,
    match: Match,
    start: datetime.date,
    end: datetime.date,
    *,
    settled: bool,
    missed: float = 0.2,
) -> list[HourLog]:
    """Sessions as the mentor logged them: each meeting between `start` and `end`, a few
    missed; older ones approved by the program's staff (or backbone), recent ones pending."""
    rng = demo.rng
    opportunity = match.opportunity
    step = {"weekly": 7, "biweekly": 14, "monthly": 30}.get(match.frequency, 0)
    days = [start]
    if step:
        days = [
            start + datetime.timedelta(d)
            for d in range(0, (end - start).days + 1, step)
            if rng.random() >= missed
        ]
    reviewer = demo.program_side(opportunity)
    activities = ACTIVITIES.get(opportunity.kind) or ACTIVITIES["relationship"]
    logs = []
    for day in days:
        if day >= demo.today:
            continue
        age = (demo.today - day).days
        approved = settled or (age > 10 and rng.random() < 0.85)
        logs.append(
            HourLog(
                match=match,
                mentor=match.mentor,
                ecosystem=demo.ecosystem,
                date=day,
                hours=Decimal(rng.choice(("1.00", "1.50", "1.50", "2.00", "2.00", "2.50", "3.00"))),
                activity=rng.choice(activities),
                status=HourStatus.APPROVED if approved else HourStatus.PENDING,
                reviewed_by=reviewer if approved else None,
                reviewed_at=_reviewed(demo, day) if approved else None,
            )
        )
    return logs


def _reviewed(demo: Demo, day: datetime.date) -> datetime.datetime:
    """Staff approve a session's hours within a week."""
    return demo.moment(min(demo.today, day + datetime.timedelta(demo.rng.randint(1, 7))))


def _persona_matches(
    demo: Demo, pool: Pool, hours: list[HourLog], timestamps: list[Match]
) -> dict[str, int]:
    """mentor@ is seven weeks into a weekly match at one of partner@'s programs (hours logged,
    the last ones awaiting partner@'s approval) and has an invitation to answer; partner@ also
    has a mentor's request to answer."""
    persona = next((i for i, m in enumerate(pool.mentors) if m.user.email == MENTOR_PERSONA), None)
    if persona is None:
        return {}
    partner = User.objects.filter(email=PARTNER_PERSONA).first()
    candidates = sorted(
        (s, j) for j, pairs in pool.by_opportunity.items() for s, i in pairs if i == persona
    )
    own = [
        j
        for _s, j in reversed(candidates)
        if demo.staff_of.get(pool.opportunities[j].program.organization_id) == partner
        and pool.opportunities[j].kind == OpportunityKind.RELATIONSHIP
    ]
    counts: dict[str, int] = defaultdict(int)
    if own:
        opportunity, mentor = _take(pool, persona, own[0])
        start_on = demo.today - datetime.timedelta(weeks=7)
        match = _begin(demo, opportunity, mentor, start_on, 24, timestamps, Frequency.WEEKLY)
        _check_ins(demo, match, until=demo.today)
        logs = _hours(demo, match, start_on, demo.today, settled=False, missed=0.0)
        for log in logs[-2:]:  # the latest sessions wait for partner@
            log.status, log.reviewed_by, log.reviewed_at = HourStatus.PENDING, None, None
        hours += logs
        counts["active"] += 1
        # Another mentor asked to join the same club: partner@ answers.
        others = sorted(
            ((s, i) for s, i in pool.by_opportunity.get(own[0], []) if i != persona),
            key=lambda c: -c[0],
        )
        for _s, i in others:
            if pool.mentor_room[i] > 0 and _ready(pool.mentors[i], demo.today):
                opportunity, mentor = _take(pool, i, own[0])
                timestamps.append(
                    match_services.request_to_join(
                        opportunity,
                        mentor,
                        mentor.user,
                        message="I work nearby and could come Tuesdays and Thursdays.",
                    )
                )
                counts["offered"] += 1
                break
    invited = [
        j
        for _s, j in reversed(candidates)
        if (not own or j != own[0]) and pool.opportunity_room[j] > 1
    ]
    if invited:
        opportunity, mentor = _take(pool, persona, invited[0])
        match = match_services.invite(
            opportunity,
            mentor,
            demo.program_side(opportunity),
            message="Our students would love to hear from an electrical engineer!",
        )
        timestamps.append(match)
        counts["offered"] += 1
    return counts
