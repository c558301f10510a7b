"""The atlas's analysis services: which programs count, deserts, caching, tasks, scenarios."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from auditlog.models import LogEntry

from ecotone.atlas import reach, services
from ecotone.atlas.models import Analysis, AnalysisRun, RunStatus
from ecotone.atlas.parameters import Parameters
from ecotone.atlas.services import InvalidInputError
from ecotone.directory.models import ProgramAttribute, TaxonomyTerm
from ecotone.errors import DomainError
from tests.atlas.builders import at, make_area, make_program
from tests.conftest import World


@pytest.fixture
def region(world: World) -> World:
    """Three rural middle schools in a line going north, one robotics club by the first.

    near (0 mi): 200 students, a 40-seat club a mile away -> 5 per seat, not a desert;
    far (60 mi): 612 students, nothing within its 20 miles -> a desert;
    small (100 mi): 30 students, below the desert rule's 50 -> never a desert.
    """
    make_area(world.alpha, "near", 0, youth=200, low_income_share=0.3)
    make_area(world.alpha, "far", 60, youth=612, low_income_share=0.78)
    make_area(world.alpha, "small", 100, youth=30, low_income_share=0.5)
    make_program(
        world.alpha,
        world.org_a,
        "Robotics Club",
        [(1, 0)],
        seats=40,
        grade_bands=["6-8"],
        stem_fields=["robotics"],
    )
    return world


def run_with(world: World, **settings: Any) -> services.RunResult:
    analysis = services.default_analysis(world.alpha)
    if settings:
        data = {**analysis.parameters, **settings}
        services.update_parameters(analysis, user=world.users["staff"], data=data)
    run = services.latest_run(analysis)
    assert run.status == RunStatus.DONE, run.error
    return services.result_of(run)


def test_baseline_finds_the_desert(region: World) -> None:
    result = run_with(region)
    areas = {a.code: a for a in result.areas}
    assert not areas["near"].is_desert
    assert areas["near"].access_per_1000 == pytest.approx(200.0)  # 40 seats / 200 students
    assert areas["near"].seats_within == 40
    assert areas["near"].nearest_program_name == "Robotics Club"
    assert areas["near"].nearest_miles == pytest.approx(1.0, abs=0.01)
    assert areas["far"].is_desert
    assert areas["far"].rank == 1
    assert areas["far"].nearest_miles == pytest.approx(59.0, abs=0.05)
    assert not areas["small"].is_desert
    assert areas["small"].rank is None
    assert result.summary["deserts"] == 1
    assert result.summary["youth_in_deserts"] == 612
    assert result.summary["youth"] == 842
    assert result.summary["share_with_program_in_reach"] == pytest.approx(200 / 842, abs=1e-4)
    assert result.summary["by_locale"]["rural"]["deserts"] == 1
    assert [a.code for a in result.priority] == ["far"]


def test_reasons_state_why_an_area_is_a_priority(region: World) -> None:
    result = run_with(region, stem_fields=["robotics"])
    (far,) = result.priority
    assert far.reasons == (
        "612 students, 78% low-income, nearest robotics program 59 mi, 0 seats within 20 mi"
    )
    generic = run_with(region, stem_fields=[])
    assert "nearest STEM program" in generic.priority[0].reasons


def test_reasons_suppress_small_counts(region: World) -> None:
    make_area(region.alpha, "hamlet", 200, youth=6, low_income_share=0.9)
    result = run_with(region, desert_min_youth=1)
    hamlet = next(a for a in result.areas if a.code == "hamlet")
    assert hamlet.is_desert
    assert hamlet.reasons.startswith("fewer than 10 students, nearest")
    assert "low-income" not in hamlet.reasons


def test_reasons_are_translated(region: World) -> None:
    from django.utils import translation

    with translation.override("es"):
        result = run_with(region)
    assert "estudiantes" in result.priority[0].reasons


def test_need_index_weighs_the_indicators(region: World) -> None:
    result = run_with(
        region,
        need_weights={
            "low_income": 1,
            "english_learner": 0,
            "students_of_color": 0,
            "rural": 0,
            "disability": 0,
        },
    )
    areas = {a.code: a for a in result.areas}
    assert areas["far"].need == pytest.approx(78.0)
    assert areas["near"].need == pytest.approx(30.0)


# Which programs count ----------------------------------------------------------------------

PASSES_ALL: dict[str, Any] = {
    "grade_bands": ["6-8"],
    "stem_fields": ["robotics"],
    "activity_types": ["afterschool-club"],
    "days": "MO,TU,WE,TH",
    "opens_at": time(15, 30),
    "cost_band": "free",
    "languages": ["es"],
    "transportation_provided": True,
}
FAILS_ONE: dict[str, dict[str, Any]] = {
    "grade": {"grade_bands": ["9-12"]},
    "days": {"days": "MO,WE"},
    "mornings": {"opens_at": time(9, 0)},
    "cost": {"cost_band": "high"},
    "language": {"languages": ["en"]},
    "transport": {"transportation_provided": False},
    "field": {"stem_fields": ["science"]},
    "activity": {"activity_types": ["summer-camp"]},
}


@pytest.fixture
def programs(world: World) -> World:
    """One area and nine programs: one passing every filter, each other failing exactly one."""
    make_area(world.alpha, "school", 0, youth=500, locale="city")
    make_program(world.alpha, world.org_a, "All Round", [(0, 1)], **PASSES_ALL)
    for offset, (name, change) in enumerate(FAILS_ONE.items(), start=2):
        make_program(
            world.alpha,
            world.org_a,
            f"Fails {name}",
            [(0, offset / 10)],
            **{**PASSES_ALL, **change},
        )
    return world


@pytest.mark.parametrize(
    ("filters", "excluded"),
    [
        ({"grade_band": "6-8"}, {"grade"}),
        ({"min_days_per_week": 4}, {"days"}),
        ({"after_school_only": True}, {"mornings"}),
        ({"min_days_per_week": 4, "after_school_only": True}, {"days", "mornings"}),
        ({"free_or_low_cost": True}, {"cost"}),
        ({"language": "es"}, {"language"}),
        ({"transportation_provided": True}, {"transport"}),
        ({"stem_fields": ["robotics"]}, {"field"}),
        ({"activity_types": ["afterschool-club"]}, {"activity"}),
    ],
)
def test_each_filter_removes_the_programs_it_should(
    programs: World, filters: dict[str, Any], excluded: set[str]
) -> None:
    everything = run_with(programs)
    assert everything.summary["in_person_programs"] == 9
    assert everything.summary["seats"] == 180
    filtered = run_with(programs, **filters)
    assert filtered.summary["in_person_programs"] == 9 - len(excluded)
    assert filtered.summary["sites"] == 9 - len(excluded)
    (school,) = filtered.areas
    assert school.seats_within == 20 * (9 - len(excluded))


def test_dallas_preset_is_four_afternoons(programs: World) -> None:
    dallas = Parameters().with_preset("dallas")
    result = run_with(
        programs, **{k: v for k, v in dallas.to_dict().items() if "days" in k or "after" in k}
    )
    assert result.summary["in_person_programs"] == 7


def test_a_grade_band_counts_its_young_people(world: World) -> None:
    make_area(world.alpha, "k8", 0, youth=300, youth_k2=100, youth_3_5=100, youth_6_8=100)
    result = run_with(world, grade_band="3-5")
    assert result.areas[0].youth == 100


def test_seats_are_split_between_locations(world: World) -> None:
    make_area(world.alpha, "west", 0, -30, locale="city")
    make_area(world.alpha, "east", 0, 30, locale="city")
    make_program(world.alpha, world.org_a, "Two Sites", [(0, -30), (0, 30)], seats=40)
    result = run_with(world)
    assert [a.seats_within for a in result.areas] == [20, 20]
    assert result.summary["sites"] == 2
    assert result.summary["seats"] == 40


def test_unknown_seats_are_assumed(world: World) -> None:
    make_area(world.alpha, "school", 0, locale="city")
    make_program(world.alpha, world.org_a, "No Count", [(0, 0)], seats=None)
    assert run_with(world).areas[0].seats_within == 20
    result = run_with(world, assumed_seats=35)
    assert result.areas[0].seats_within == 35
    assert result.summary["programs_with_assumed_seats"] == 1


def test_archived_inactive_and_unlocated_programs_do_not_count(region: World) -> None:
    from django.utils import timezone

    make_program(region.alpha, region.org_a, "Gone", [(60, 0)], seats=500).__class__.objects.filter(
        name="Gone"
    ).update(archived_at=timezone.now())
    make_program(region.alpha, region.org_a, "Paused", [(60, 0)], seats=500, status="inactive")
    make_program(region.alpha, region.org_a, "Nowhere", [], seats=500)
    result = run_with(region)
    assert result.summary["in_person_programs"] == 1
    assert result.summary["programs_without_location"] == 1
    assert {a.code for a in result.areas if a.is_desert} == {"far"}


def test_virtual_programs_never_remove_a_desert(region: World) -> None:
    make_program(
        region.alpha,
        region.org_a,
        "Online Robotics",
        delivery="virtual",
        seats=5000,
        grade_bands=["6-8"],
    )
    make_program(
        region.alpha,
        region.org_a,
        "Online Calculus",
        delivery="virtual",
        seats=5000,
        grade_bands=["9-12"],
    )
    result = run_with(region)
    far = next(a for a in result.areas if a.code == "far")
    assert far.is_desert
    assert far.virtual_programs == 1  # the 9-12 program does not serve a middle school
    assert result.summary["virtual_programs"] == 2
    assert result.summary["in_person_programs"] == 1
    assert "1 online program" in far.reasons


def test_a_hybrid_program_counts_in_person(region: World) -> None:
    make_program(region.alpha, region.org_a, "Hybrid Lab", [(60, 0)], seats=100, delivery="hybrid")
    result = run_with(region)
    assert result.summary["deserts"] == 0


# Caching -------------------------------------------------------------------------------------


def test_same_fingerprint_reuses_the_run(region: World, django_assert_max_num_queries: Any) -> None:
    analysis = services.default_analysis(region.alpha)
    first = services.latest_run(analysis)
    with django_assert_max_num_queries(3):
        again = services.latest_run(analysis)
    assert again.pk == first.pk
    assert AnalysisRun.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    ["program", "location", "schedule", "attribute", "area", "new area", "parameters", "threshold"],
)
def test_an_edit_makes_the_run_stale(region: World, change: str) -> None:
    from ecotone.atlas.models import PopulationArea
    from ecotone.directory.models import Location, Program, Schedule

    analysis = services.default_analysis(region.alpha)
    first = services.latest_run(analysis)
    program = Program.objects.get(name="Robotics Club")
    if change == "program":
        program.seats = 45
        program.save()
    elif change == "location":
        location = Location.objects.get(name="Robotics Club site 1")
        location.latitude = at(59)[0]
        location.save()
    elif change == "schedule":
        Schedule.objects.filter(program=program).update(byday="MO")  # update() keeps updated_at
        Schedule.objects.get(program=program).save()
    elif change == "attribute":
        ProgramAttribute.objects.create(
            program=program, term=TaxonomyTerm.objects.get(code="stem_field/science")
        )
    elif change == "area":
        area = PopulationArea.objects.get(code="far")
        area.youth_total = 700
        area.save()
    elif change == "new area":
        make_area(region.alpha, "new", 10)
    elif change == "parameters":
        services.update_parameters(
            analysis, user=region.users["staff"], data={"desert_min_youth": 20}
        )
    else:
        region.alpha.suppression_threshold = 5
        region.alpha.save()
    assert not services.is_current(first)
    second = services.latest_run(analysis)
    assert second.pk != first.pk
    assert second.status == RunStatus.DONE
    assert not AnalysisRun.objects.filter(pk=first.pk).exists()  # superseded, removed


def test_stale_run_is_returned_without_start(region: World) -> None:
    analysis = services.default_analysis(region.alpha)
    first = services.latest_run(analysis)
    make_area(region.alpha, "new", 10)
    assert services.latest_run(analysis, start=False).pk == first.pk
    assert services.last_done_run(analysis) == first
    never = Analysis.objects.create(ecosystem=region.alpha, name="Other")
    unsaved = services.latest_run(never, start=False)
    assert unsaved.pk is None
    assert unsaved.status == RunStatus.QUEUED


def test_a_large_ecosystem_runs_as_a_task_with_progress(
    region: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ATLAS_SYNC_MAX_AREAS = 2  # region has 3 areas: "large"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    analysis = services.default_analysis(region.alpha)
    run = services.latest_run(analysis)
    assert run.status == RunStatus.QUEUED
    assert services.latest_run(analysis).pk == run.pk  # not queued twice

    seen: list[tuple[int, str]] = []
    real = reach.analyse

    def watched(*args: Any, on_progress: Any = None, **kwargs: Any) -> Any:
        def spy(percent: int, stage: str) -> None:
            on_progress(percent, stage)
            saved = AnalysisRun.objects.get(pk=run.pk)
            seen.append((saved.progress, saved.stage))

        return real(*args, on_progress=spy, **kwargs)

    monkeypatch.setattr(reach, "analyse", watched)
    from ecotone.atlas.services.runs import compute_analysis_run

    assert compute_analysis_run.call(run.pk) == RunStatus.DONE
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.progress == 100
    assert run.stage == "done"
    assert run.seconds is not None
    assert run.started_at
    assert run.finished_at
    stages = [stage for _progress, stage in seen]
    assert "reach" in stages
    assert "access" in stages
    assert [p for p, _s in seen] == sorted(p for p, _s in seen)
    assert services.stage_label(run) == "Done"


def test_starting_a_run_while_one_is_in_flight_shares_it(region: World, settings: Any) -> None:
    # Two people opening a stale atlas at once must not start two national computations.
    settings.ATLAS_SYNC_MAX_AREAS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    analysis = services.default_analysis(region.alpha)
    first = services.start_run(analysis)
    second = services.start_run(analysis)
    assert second.pk == first.pk
    assert AnalysisRun.objects.filter(analysis=analysis).count() == 1


def test_an_abandoned_run_is_started_again(region: World, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.ATLAS_SYNC_MAX_AREAS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    analysis = services.default_analysis(region.alpha)
    stuck = services.latest_run(analysis)
    AnalysisRun.objects.filter(pk=stuck.pk).update(
        status=RunStatus.RUNNING, updated_at=timezone.now() - timedelta(hours=2)
    )
    again = services.latest_run(analysis)
    assert again.pk != stuck.pk
    assert again.status == RunStatus.QUEUED


def test_a_large_ecosystem_with_the_immediate_backend_finishes(
    region: World, settings: Any
) -> None:
    settings.ATLAS_SYNC_MAX_AREAS = 0
    run = services.latest_run(services.default_analysis(region.alpha))
    assert run.status == RunStatus.DONE


def test_a_failure_is_recorded_on_the_run(region: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(reach, "analyse", broken)
    run = services.latest_run(services.default_analysis(region.alpha))
    assert run.status == RunStatus.FAILED
    assert "failed unexpectedly" in run.error
    with pytest.raises(DomainError):
        services.result_of(run)


# Settings --------------------------------------------------------------------------------------


def test_default_analysis_is_created_once(world: World) -> None:
    first = services.default_analysis(world.alpha)
    assert services.default_analysis(world.alpha) == first
    assert first.is_default
    assert first.parameters == Parameters().to_dict()


def test_update_parameters_names_bad_fields_and_changes_nothing(world: World) -> None:
    analysis = services.default_analysis(world.alpha)
    with pytest.raises(InvalidInputError) as caught:
        services.update_parameters(
            analysis,
            user=world.users["staff"],
            data={"catchment_mi": {"city": -2}, "stem_fields": ["baking"]},
        )
    assert set(caught.value.errors) == {"catchment_mi.city", "stem_fields"}
    analysis.refresh_from_db()
    assert analysis.parameters == Parameters().to_dict()


def test_update_parameters_is_audited(world: World) -> None:
    analysis = services.default_analysis(world.alpha)
    services.update_parameters(
        analysis, user=world.users["staff"], data={"min_days_per_week": 4}, name="Four days"
    )
    entry = LogEntry.objects.get_for_object(analysis).latest("timestamp")
    assert entry.actor == world.users["staff"]
    assert entry.additional_data == {"ecosystem_id": world.alpha.pk}
    assert analysis.name == "Four days"


def test_create_analysis(world: World) -> None:
    analysis = services.create_analysis(
        world.alpha, user=world.users["staff"], name="Dallas", data={"min_days_per_week": 4}
    )
    assert not analysis.is_default
    assert services.parameters_of(analysis).min_days_per_week == 4
    with pytest.raises(InvalidInputError) as caught:
        services.create_analysis(world.alpha, user=world.users["staff"], name=" ")
    assert set(caught.value.errors) == {"name"}


# Scenarios -------------------------------------------------------------------------------------

CLUB_AT_FAR = {"name": "New club", "delivery": "in_person", "seats": 100}


def club_at(north: float, **fields: Any) -> dict[str, Any]:
    lat, lon = at(north)
    return {**CLUB_AT_FAR, "latitude": lat, "longitude": lon, **fields}


def test_a_scenario_program_removes_a_desert(region: World) -> None:
    analysis = services.default_analysis(region.alpha)
    scenario = services.save_scenario(
        analysis, user=region.users["staff"], name="Club up north", programs=[club_at(60)]
    )
    run = services.latest_run(analysis, scenario)
    result = services.result_of(run)
    assert result.summary["deserts"] == 0
    assert result.summary["hypothetical_programs"] == 1
    far = next(a for a in result.areas if a.code == "far")
    assert far.nearest_program_name == "New club"
    assert far.nearest_program_slug == ""
    # the baseline's cache is untouched
    assert services.result_of(services.latest_run(analysis)).summary["deserts"] == 1


def test_a_mobile_program_splits_its_seats_between_stops(region: World) -> None:
    stops = [list(at(60)), list(at(100))]
    comparison = services.preview_scenario(
        services.default_analysis(region.alpha),
        [{"name": "Robot bus", "delivery": "mobile", "stops": stops, "seats": 200}],
        user=region.users["staff"],
    )
    assert comparison.result is not None
    areas = {a.code: a for a in comparison.result.areas}
    assert areas["far"].seats_within == 100
    assert areas["small"].seats_within == 100
    assert [a.code for a in comparison.no_longer_deserts] == ["far"]
    assert comparison.youth_newly_in_reach == 612 + 30
    assert comparison.deltas["deserts"] == -1


def test_a_virtual_scenario_program_changes_no_desert(region: World) -> None:
    comparison = services.preview_scenario(
        services.default_analysis(region.alpha),
        [{"name": "Online lab", "delivery": "virtual", "seats": 1000}],
        user=region.users["staff"],
    )
    assert comparison.deltas["deserts"] == 0
    assert comparison.deltas["virtual_programs"] == 1
    assert not comparison.no_longer_deserts


def test_scenario_programs_pass_the_same_filters(region: World) -> None:
    analysis = services.default_analysis(region.alpha)
    services.update_parameters(analysis, user=region.users["staff"], data={"min_days_per_week": 4})
    comparison = services.preview_scenario(
        analysis, [club_at(60, days_per_week=2)], user=region.users["staff"]
    )
    assert comparison.deltas["deserts"] == 0
    assert comparison.deltas["sites"] == 0


def test_scenario_errors_name_each_field(region: World) -> None:
    analysis = services.default_analysis(region.alpha)
    with pytest.raises(InvalidInputError) as caught:
        services.save_scenario(
            analysis,
            user=region.users["staff"],
            name="",
            programs=[
                {"name": "", "delivery": "in_person", "latitude": 95, "longitude": 0, "seats": 0},
                {"name": "Bus", "delivery": "mobile", "stops": [[40, -83]], "seats": 10},
                {"name": "Web", "delivery": "carrier pigeon", "seats": 5, "grade_bands": ["x"]},
            ],
        )
    assert set(caught.value.errors) == {
        "name",
        "programs.0.name",
        "programs.0.latitude",
        "programs.0.seats",
        "programs.1.stops",
        "programs.2.delivery",
        "programs.2.grade_bands",
    }
    with pytest.raises(InvalidInputError) as caught:
        services.preview_scenario(analysis, [], user=region.users["staff"])
    assert set(caught.value.errors) == {"programs"}


def test_saving_a_scenario_is_audited_and_editable(region: World) -> None:
    analysis = services.default_analysis(region.alpha)
    scenario = services.save_scenario(
        analysis, user=region.users["staff"], name="One", programs=[club_at(60)]
    )
    services.save_scenario(
        analysis,
        user=region.users["admin"],
        name="One, smaller",
        programs=[club_at(60, seats=10)],
        scenario=scenario,
    )
    scenario.refresh_from_db()
    assert scenario.name == "One, smaller"
    assert scenario.programs[0]["seats"] == 10
    actors = {e.actor for e in LogEntry.objects.get_for_object(scenario)}
    assert actors == {region.users["staff"], region.users["admin"]}
    services.delete_scenario(scenario, user=region.users["admin"])
    assert not analysis.scenarios.exists()


def test_compare_scenarios_side_by_side(region: World) -> None:
    analysis = services.default_analysis(region.alpha)
    staff = region.users["staff"]
    big = services.save_scenario(analysis, user=staff, name="Big", programs=[club_at(60)])
    tiny = services.save_scenario(
        analysis, user=staff, name="Tiny", programs=[club_at(60, seats=5)]
    )
    comparison = services.compare(analysis, [None, big, tiny])
    assert comparison.ready
    today, with_big, with_tiny = comparison.columns
    assert today.deltas["deserts"] == 0
    assert not today.no_longer_deserts
    assert with_big.deltas["deserts"] == -1
    assert [a.code for a in with_big.no_longer_deserts] == ["far"]
    assert with_big.youth_newly_in_reach == 612
    # 5 seats for 612 students: in reach now, still a desert (122 per seat)
    assert with_tiny.deltas["deserts"] == 0
    assert with_tiny.youth_newly_in_reach == 612
    assert with_tiny.deltas["youth_with_program_in_reach"] == 612


def test_compare_refuses_another_analysis_scenario(region: World) -> None:
    analysis = services.default_analysis(region.alpha)
    other = Analysis.objects.create(ecosystem=region.alpha, name="Other")
    scenario = services.save_scenario(
        other, user=region.users["staff"], name="Elsewhere", programs=[club_at(60)]
    )
    with pytest.raises(DomainError):
        services.compare(analysis, [scenario])


# Suppression -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"), [(0, 0), (1, None), (9, None), (10, 10), (612, 612), (None, None)]
)
def test_publishable(world: World, value: int | None, shown: int | None) -> None:
    assert services.publishable(value, world.alpha) == shown


def test_publishable_follows_the_ecosystem_threshold(world: World) -> None:
    world.alpha.suppression_threshold = 20
    assert services.publishable(15, world.alpha) is None
    assert services.youth_text(15, world.alpha) == "fewer than 20 students"
    assert services.youth_text(1234, world.alpha) == "1,234 students"
