"""The demo's pathways and badges: three pathways across the directory's programs, the
partners' achievements along them, and the badges young people earned over two school years.

A step of the demo builder (ecotone.demo.builder.STEPS), after the directory: it reads the main
ecosystem's programs and the demo accounts. What it makes:
- three published pathways, in English and Spanish, with resources for learning at home:
  coding (curated by the backbone), robotics and life sciences (each curated by a partner that
  runs programs along it); four stages each, every stage one to three steps: programs of the
  directory matching the stage's field and grades, and a "kind of program" step where a family
  may choose any such program near them. About 20 programs in all;
- two achievements for each program step, three from the third stage on (about 40), defined
  by the program's partner, each
  aligned to its step and to a skill framework (CSTA's computer science standards, NGSS);
- the badges: young people who start a pathway and go some stages along it, earning one or two
  of each stage's achievements (about 3,000 badges in the medium demo, 300 in the small), a
  tenth of them under 13 (sent to a guardian who consented), a few revoked with a reason;
  awarded through `services.awards.award_many`, signed by the ecosystem's issuer key;
- learner@ (a young person's account, no role) holds four robotics badges: their page
  (/badges/mine/) shows them with the pathway's next steps.

Pathways and achievements go through their services (which carry the rules); random draws come
from this module's own seed. Learners' addresses are at LEARNER_DOMAIN (example.org: nobody's).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone, translation

from ecotone.accounts.models import User
from ecotone.directory import search, stem_profile
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.pathways.models import Achievement, Award, Pathway, Step
from ecotone.pathways.services import achievements as achievement_services
from ecotone.pathways.services import awards
from ecotone.pathways.services import pathways as pathway_services
from ecotone.pathways.services.awards import Recipient

SEED = 20261207 + 21
DOMAIN = "demo.ecotone.example.org"
LEARNER_PERSONA = f"learner@{DOMAIN}"
LEARNER_DOMAIN = "families.example.org"
LEARNERS = {"small": 120, "medium": 1200}
UNDER_13_SHARE = 0.1
REVOKED = 6
# How far learners go: the share who stop after each stage (the rest go on).
STOP_AFTER = (0.35, 0.35, 0.5)

CSTA = ("CSTA K-12 Computer Science Standards", "https://csteachers.org/k12standards/")
NGSS = ("Next Generation Science Standards", "https://www.nextgenscience.org/")


@dataclass(frozen=True)
class StepPlan:
    """A step to find in the directory (a program of this field, kind and grades), or a kind of
    program when `kind` is set."""

    stem_field: str
    grade_band: str
    activity_type: str = ""
    kind: bool = False
    title: str = ""
    title_es: str = ""
    gains: str = ""
    gains_es: str = ""


@dataclass(frozen=True)
class BadgePlan:
    name: str
    name_es: str
    skill: str
    framework: tuple[str, str]
    code: str


@dataclass(frozen=True)
class PathwayPlan:
    name: str
    name_es: str
    summary: str
    summary_es: str
    stem_field: str
    grade_bands: tuple[str, ...]
    backbone: bool
    stages: tuple[tuple[StepPlan, ...], ...]
    badges: tuple[BadgePlan, ...]
    resources: tuple[tuple[str, str, str, str, str], ...]


GAINS = {
    "3-5": (
        "First steps: trying things out with others, and the confidence that they can do it.",
        "Primeros pasos: probar cosas con otros y la confianza de que pueden hacerlo.",
    ),
    "6-8": (
        "Real projects over weeks, working in a team and explaining what they built.",
        "Proyectos reales durante semanas, trabajar en equipo y explicar lo que construyeron.",
    ),
    "9-12": (
        "Harder challenges, a portfolio, and adults in the field who know their name.",
        "Retos más difíciles, un portafolio y adultos del campo que conocen su nombre.",
    ),
    "postsecondary": (
        "Paid work or an internship in the field, and a reference for what comes next.",
        "Trabajo pagado o una pasantía en el campo, y una referencia para lo que sigue.",
    ),
}

PLANS = (
    PathwayPlan(
        name="From first code to first job",
        name_es="Del primer código al primer empleo",
        summary=(
            "Coding clubs at the library and after school, then app and game projects, then "
            "competitions and a summer of real work: a route into computing for any young "
            "person in the valley."
        ),
        summary_es=(
            "Clubes de programación en la biblioteca y después de clases, luego proyectos de "
            "aplicaciones y juegos, luego competencias y un verano de trabajo real: un camino "
            "hacia la computación para cualquier joven del valle."
        ),
        stem_field="computing",
        grade_bands=("3-5", "6-8", "9-12", "postsecondary"),
        backbone=True,
        stages=(
            (StepPlan("computing", "3-5"), StepPlan("computing", "3-5")),
            (
                StepPlan("computing", "6-8"),
                StepPlan("computing", "6-8"),
                StepPlan(
                    "computing",
                    "6-8",
                    "afterschool-club",
                    kind=True,
                    title="Any coding club, grades 6 to 8",
                    title_es="Cualquier club de programación, grados 6 a 8",
                ),
            ),
            (StepPlan("computing", "9-12"), StepPlan("data-science", "9-12")),
            (StepPlan("computing", "9-12", "internship"),),
        ),
        badges=(
            BadgePlan(
                "Code Explorer", "Explorar el código", "Sequences and loops", CSTA, "1B-AP-10"
            ),
            BadgePlan("Bug Hunter", "Cazar errores", "Debugging", CSTA, "1B-AP-15"),
            BadgePlan("Game Maker", "Crear juegos", "Events and conditions", CSTA, "2-AP-13"),
            BadgePlan(
                "App Builder", "Construir apps", "Procedures and parameters", CSTA, "2-AP-14"
            ),
            BadgePlan("Data Detective", "Detective de datos", "Data collection", CSTA, "3A-DA-11"),
            BadgePlan(
                "Team Programmer", "Programar en equipo", "Collaborative software", CSTA, "3A-AP-22"
            ),
            BadgePlan("Code Reviewer", "Revisar código", "Testing and review", CSTA, "3B-AP-21"),
            BadgePlan(
                "Junior Developer", "Desarrollo junior", "Professional practice", CSTA, "3B-AP-23"
            ),
        ),
        resources=(
            (
                "Code together at home",
                "Programar juntos en casa",
                "https://scratch.mit.edu/ideas",
                "Free project ideas to try with a child, no experience needed.",
                "Ideas de proyectos gratuitas para probar con un niño, sin experiencia previa.",
            ),
            (
                "Hour of Code activities",
                "Actividades de la Hora del Código",
                "https://hourofcode.com/",
                "One-hour activities in many languages, Spanish among them.",
                "Actividades de una hora en muchos idiomas, entre ellos el español.",
            ),
        ),
    ),
    PathwayPlan(
        name="Robotics: tinker, build, compete",
        name_es="Robótica: explorar, construir, competir",
        summary=(
            "From tinkering at the library's maker space to a robotics club, a competition "
            "team and an engineering internship."
        ),
        summary_es=(
            "Desde explorar en el espacio maker de la biblioteca hasta un club de robótica, un "
            "equipo de competencia y una pasantía de ingeniería."
        ),
        stem_field="robotics",
        grade_bands=("3-5", "6-8", "9-12", "postsecondary"),
        backbone=False,
        stages=(
            (StepPlan("making", "3-5"), StepPlan("robotics", "3-5")),
            (StepPlan("robotics", "6-8"), StepPlan("robotics", "6-8")),
            (
                StepPlan("robotics", "9-12", "competition"),
                StepPlan(
                    "robotics",
                    "9-12",
                    "competition",
                    kind=True,
                    title="Any robotics competition team, grades 9 to 12",
                    title_es="Cualquier equipo de competencia de robótica, grados 9 a 12",
                ),
            ),
            (
                StepPlan("engineering", "9-12", "internship"),
                StepPlan("engineering", "postsecondary"),
            ),
        ),
        badges=(
            BadgePlan("Tinkerer", "Explorar y crear", "Design process", NGSS, "3-5-ETS1-1"),
            BadgePlan("First Robot", "Primer robot", "Prototypes", NGSS, "3-5-ETS1-2"),
            BadgePlan("Sensor Savvy", "Sensores", "Sensors and feedback", NGSS, "MS-ETS1-1"),
            BadgePlan(
                "Team Engineer", "Ingeniería en equipo", "Iterating a design", NGSS, "MS-ETS1-4"
            ),
            BadgePlan(
                "Competition Driver",
                "Piloto de competencia",
                "Testing under constraints",
                NGSS,
                "HS-ETS1-2",
            ),
            BadgePlan("CAD Designer", "Diseño CAD", "Modelling solutions", NGSS, "HS-ETS1-4"),
            BadgePlan(
                "Engineering Intern",
                "Pasante de ingeniería",
                "Trade-offs in design",
                NGSS,
                "HS-ETS1-3",
            ),
        ),
        resources=(
            (
                "Build a simple machine at home",
                "Construir una máquina simple en casa",
                "https://www.nasa.gov/stem/",
                "Hands-on engineering challenges with things found at home.",
                "Retos de ingeniería con cosas que hay en casa.",
            ),
        ),
    ),
    PathwayPlan(
        name="Life sciences: from backyard to lab",
        name_es="Ciencias de la vida: del patio al laboratorio",
        summary=(
            "Nature walks and family science nights, a science club, a summer camp in health "
            "or the environment, and a place in a real lab."
        ),
        summary_es=(
            "Caminatas por la naturaleza y noches de ciencia en familia, un club de ciencias, un "
            "campamento de verano de salud o medio ambiente, y un lugar en un laboratorio real."
        ),
        stem_field="science",
        grade_bands=("3-5", "6-8", "9-12"),
        backbone=False,
        stages=(
            (StepPlan("environment", "3-5"), StepPlan("science", "3-5")),
            (StepPlan("science", "6-8"), StepPlan("environment", "6-8")),
            (StepPlan("health", "9-12"), StepPlan("science", "9-12", "summer-camp")),
            (
                StepPlan(
                    "health",
                    "9-12",
                    "internship",
                    kind=True,
                    title="A lab or clinic internship",
                    title_es="Una pasantía en un laboratorio o una clínica",
                ),
            ),
        ),
        badges=(
            BadgePlan(
                "Nature Observer",
                "Observar la naturaleza",
                "Structure and function",
                NGSS,
                "4-LS1-1",
            ),
            BadgePlan("Field Scientist", "Ciencia de campo", "Ecosystems", NGSS, "5-LS2-1"),
            BadgePlan(
                "Lab Safety", "Seguridad en el laboratorio", "Investigations", NGSS, "MS-LS1-1"
            ),
            BadgePlan("Microscope Master", "El microscopio", "Cells", NGSS, "MS-LS1-2"),
            BadgePlan(
                "Health Careers Explorer", "Carreras de salud", "Body systems", NGSS, "HS-LS1-2"
            ),
            BadgePlan(
                "Ecology Researcher", "Investigación ecológica", "Populations", NGSS, "HS-LS2-1"
            ),
        ),
        resources=(
            (
                "Backyard science",
                "Ciencia en el patio",
                "https://www.inaturalist.org/",
                "Photograph plants and animals together and learn their names.",
                "Fotografíen juntos plantas y animales y aprendan sus nombres.",
            ),
        ),
    ),
)


def _program_for(
    ecosystem: Ecosystem, plan: StepPlan, taken: set[int], rng: random.Random
) -> Program | None:
    """A listed program of the plan's field, grades and kind, not already a step."""
    facets: dict[str, tuple[str, ...]] = {
        "stem_field": (plan.stem_field,),
        "grade_band": (plan.grade_band,),
    }
    if plan.activity_type:
        facets["activity_type"] = (plan.activity_type,)
    found = list(
        search.matching_programs(ecosystem, search.ProgramQuery(facets=facets))
        .exclude(pk__in=taken)
        .order_by("pk")[:20]
    )
    return rng.choice(found) if found else None


def _kind_titles(plan: StepPlan) -> tuple[str, str]:
    """ "Any internship in Computing and coding, grades 9 to 12", in English and Spanish: the
    step a missing program leaves, in words."""
    titles = []
    for language, any_kind, program, pattern in (
        ("en", "Any", "program", "{any} {kind} in {field}, grades {grades}"),
        ("es", "Cualquier", "programa", "{any} {kind} de {field}, grados {grades}"),
    ):
        with translation.override(language):
            kind = (
                str(stem_profile.label("activity_type", plan.activity_type)).lower()
                if plan.activity_type
                else program
            )
            field = str(stem_profile.label("stem_field", plan.stem_field))
            grades = str(stem_profile.label("grade_band", plan.grade_band))
        titles.append(pattern.format(any=any_kind, kind=kind, field=field, grades=grades))
    return titles[0], titles[1]


def _build_pathway(
    ctx: Any, ecosystem: Ecosystem, plan: PathwayPlan, taken: set[int], rng: random.Random
) -> tuple[Pathway, list[Step]]:
    actor = ctx.admin
    first_programs: dict[int, Program] = {}
    steps: list[tuple[int, StepPlan, Program | None]] = []
    for stage, plans in enumerate(plan.stages, start=1):
        for step_plan in plans:
            program = None if step_plan.kind else _program_for(ecosystem, step_plan, taken, rng)
            if program is not None:
                taken.add(program.pk)
                first_programs.setdefault(stage, program)
            steps.append((stage, step_plan, program))
    curator: Organization | None = None
    if not plan.backbone:
        curator = next(iter(first_programs.values())).organization if first_programs else None
    pathway = pathway_services.create_pathway(
        actor,
        ecosystem,
        {
            "name": plan.name,
            "name_es": plan.name_es,
            "summary": plan.summary,
            "summary_es": plan.summary_es,
            "stem_field": plan.stem_field,
            "grade_bands": list(plan.grade_bands),
        },
        curator,
    )
    made = []
    kinds: set[tuple[int, str, str]] = set()
    for stage, step_plan, program in steps:
        if program is None and not step_plan.kind:
            # no such program in this directory: any program of the field and grades instead
            step_plan = StepPlan(step_plan.stem_field, step_plan.grade_band, kind=True)
        if program is None:
            kind = (stage, step_plan.stem_field, step_plan.grade_band)
            if kind in kinds:
                continue
            kinds.add(kind)
        gains, gains_es = GAINS[step_plan.grade_band]
        fields: dict[str, Any] = {
            "stage": stage,
            "gains": step_plan.gains or gains,
            "gains_es": step_plan.gains_es or gains_es,
        }
        if program is not None:
            fields["program"] = program
        else:
            # a kind of program: the plan's own, or what the missing program would have been
            fields |= {
                "title": step_plan.title or _kind_titles(step_plan)[0],
                "title_es": step_plan.title_es or _kind_titles(step_plan)[1],
                "stem_fields": [step_plan.stem_field],
                "grade_bands": [step_plan.grade_band],
                "activity_types": [step_plan.activity_type] if step_plan.activity_type else [],
            }
        made.append(pathway_services.save_step(actor, pathway, fields))
    for title, title_es, url, description, description_es in plan.resources:
        pathway_services.save_resource(
            actor,
            pathway,
            {
                "title": title,
                "title_es": title_es,
                "url": url,
                "description": description,
                "description_es": description_es,
            },
        )
    pathway_services.publish(actor, pathway)
    return pathway, made


def _build_achievements(
    ctx: Any, ecosystem: Ecosystem, plan: PathwayPlan, steps: list[Step]
) -> dict[int, list[Achievement]]:
    """Two achievements per program step (by the program's partner), the plan's badges in
    turn; achievements by step id."""
    by_step: dict[int, list[Achievement]] = {}
    program_steps = [s for s in steps if s.program_id is not None]
    badges = list(plan.badges)  # in the order of the stages they suit
    within: dict[int, int] = {}
    for step in program_steps:
        assert step.program is not None
        # two achievements a step, three from the third stage on (about 40 in all), taken
        # from the part of the plan's list that suits the step's stage
        count = 3 if step.stage >= 3 else 2
        start = (step.stage - 1) * len(badges) // 4 + within.get(step.stage, 0)
        within[step.stage] = within.get(step.stage, 0) + 1
        picked = [badges[(start + k) % len(badges)] for k in range(count)]
        for badge in picked:
            framework, url = badge.framework
            achievement = achievement_services.create_achievement(
                ctx.admin,
                ecosystem,
                achievement_services.AchievementData(
                    organization=step.program.organization,
                    name=badge.name,
                    name_es=badge.name_es,
                    description=(
                        f"Earned at {step.program.name}: {badge.skill.lower()}, shown in a "
                        "project the young person finished."
                    ),
                    description_es=(
                        f"Obtenida en {step.program.name}: un proyecto terminado que lo demuestra."
                    ),
                    criteria=(
                        f"Finish a project at {step.program.name} that shows "
                        f"{badge.skill.lower()}, and explain it to the group."
                    ),
                    criteria_es=(
                        f"Terminar un proyecto en {step.program.name} y explicarlo al grupo."
                    ),
                    step=step,
                    alignments=(
                        {
                            "targetName": badge.skill,
                            "targetUrl": url,
                            "targetFramework": framework,
                            "targetCode": badge.code,
                        },
                    ),
                    valid_days=None,
                ),
            )
            by_step.setdefault(step.pk, []).append(achievement)
    return by_step


def build(ctx: Any) -> None:
    ecosystem = ctx.ecosystems["confluence"]
    rng = random.Random(SEED)
    taken: set[int] = set()
    built: list[tuple[Pathway, list[Step], dict[int, list[Achievement]]]] = []
    for plan in PLANS:
        pathway, steps = _build_pathway(ctx, ecosystem, plan, taken, rng)
        built.append((pathway, steps, _build_achievements(ctx, ecosystem, plan, steps)))
    now = timezone.now()
    rows: list[awards.Row] = []
    for number in range(LEARNERS[ctx.size]):
        pathway, steps, achievements = rng.choice(built)
        email = f"learner.{number:05d}@{LEARNER_DOMAIN}"
        under_13 = rng.random() < UNDER_13_SHARE
        recipient = Recipient(
            email=email,
            under_13=under_13,
            guardian_email=f"guardian.{number:05d}@{LEARNER_DOMAIN}" if under_13 else "",
            guardian_consent=under_13,
            language="es" if rng.random() < 0.25 else "en",
        )
        started = now - datetime.timedelta(days=rng.randint(14, 730))
        for stage in range(1, 5):
            # a stage takes about a term: a learner who started lately is not far along yet
            reached = started + datetime.timedelta(days=(stage - 1) * 120)
            if reached > now:
                break
            choices = [s for s in steps if s.stage == stage and s.pk in achievements]
            if choices:
                step = rng.choice(choices)
                for achievement in rng.sample(achievements[step.pk], rng.choice((1, 1, 2))):
                    when = reached + datetime.timedelta(days=rng.randint(0, 60))
                    rows.append(awards.Row(achievement, recipient, step.program, min(when, now)))
            if stage <= len(STOP_AFTER) and rng.random() < STOP_AFTER[stage - 1]:
                break
    rows.extend(_learner_rows(ctx, built, now))
    made = awards.award_many(ctx.admin, rows, notify=False)
    for award in rng.sample(made, min(REVOKED, len(made))):
        awards.revoke(
            ctx.admin,
            award,
            rng.choice(("Awarded to the wrong person.", "Awarded twice by mistake.")),
        )
    ctx.counts["pathways"] = len(built)
    ctx.counts["achievements"] = Achievement.objects.filter(ecosystem=ecosystem).count()
    ctx.counts["badges_awarded"] = len(made)


def _learner_rows(ctx: Any, built: list[Any], now: datetime.datetime) -> list[awards.Row]:
    """learner@'s account (no role: a young person's) and their robotics badges, two stages in."""
    user = User.objects.create(
        email=LEARNER_PERSONA, name="Sam Rivera", password=ctx.admin.password
    )
    EmailAddress.objects.create(user=user, email=LEARNER_PERSONA, verified=True, primary=True)
    ctx.users[LEARNER_PERSONA] = user
    _pathway, steps, achievements = built[1]
    rows = []
    for stage, days_ago in ((1, 400), (2, 150)):
        step = next(s for s in steps if s.stage == stage and s.pk in achievements)
        for achievement in achievements[step.pk]:
            rows.append(
                awards.Row(
                    achievement,
                    Recipient(LEARNER_PERSONA, language="en"),
                    step.program,
                    now - datetime.timedelta(days=days_ago),
                )
            )
    return rows


def delete(slug: str) -> None:
    """Awards protect their achievements, achievements their partners: removed first."""
    Award.objects.filter(ecosystem__slug=slug).delete()
    Achievement.objects.filter(ecosystem__slug=slug).delete()
