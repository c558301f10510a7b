"""What keeps search fast at national scale, checked for what it must not change.

Near a place, the facets are applied and counted in memory over the programs in the radius;
away from one, counts come from grouped queries. Both must give what a plain filter gives. On
PostgreSQL, keywords go through a GIN index of each program's words, and a partner's name is
still searched.
"""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.http import QueryDict

from ecotone.directory import search, stem_profile
from ecotone.directory.models import Delivery, Program, ProgramAttribute, TaxonomyTerm
from tests.conftest import World
from tests.directory.test_search import add_program, names, run


def test_a_keyword_may_match_the_partner_and_another_the_program(world: World) -> None:
    # "Robotics For All" is org_a's name: one word there, the other in the program's own.
    add_program(world, "Saturday Rocketry", description="Model rockets.")
    add_program(world, "Weekday Painting", description="Brushes.", organization=world.org_b)
    assert names(run(world, "q=robotics+rocketry")) == ["Saturday Rocketry"]
    assert names(run(world, "q=robotics+painting")) == []


def _random_directory(world: World, rng: random.Random) -> None:
    terms = {t.code: t for t in TaxonomyTerm.objects.exclude(code="")}
    for i in range(40):
        program = add_program(
            world,
            f"{rng.choice(['Robotics', 'Coding', 'Nature'])} program {i}",
            at=(40.0 + rng.uniform(-0.2, 0.2), -83.0 + rng.uniform(-0.2, 0.2)),
        )
        for facet in stem_profile.FACETS:
            for code, _label in rng.sample(facet.terms, rng.choice([0, 1, 1, 2])):
                ProgramAttribute.objects.create(program=program, term=terms[f"{facet.code}/{code}"])


def _reference_counts(world: World, qs: str) -> dict[str, dict[str, int]]:
    """Facet counts the simplest way: for each value, filter in SQL with the facet set to it
    alone, then keep the programs in the radius (found by a search without facets)."""
    query = search.parse(QueryDict(qs))
    unfaceted = search.ProgramQuery(**{**query.__dict__, "facets": {}})
    inside = {hit.program.pk for hit in search.search(world.alpha, unfaceted).hits}
    counts: dict[str, dict[str, int]] = {}
    for facet in stem_profile.FACETS:
        counts[facet.code] = {}
        for code, _label in facet.terms:
            widened = search.ProgramQuery(
                **{**query.__dict__, "facets": {**query.facets, facet.code: (code,)}}
            )
            matches = search.matching_programs(world.alpha, widened).values_list("pk", flat=True)
            n = len(set(matches) & inside)
            if n:
                counts[facet.code][code] = n
    return counts


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("near", ["", "&near=40.0,-83.0&radius=10"])
def test_facet_counts_agree_with_searching_each_value(world: World, seed: int, near: str) -> None:
    rng = random.Random(seed)
    _random_directory(world, rng)
    for _ in range(4):
        chosen = [
            f"{facet.code}={rng.choice(facet.terms)[0]}"
            for facet in rng.sample(stem_profile.FACETS, rng.choice([0, 1, 2]))
        ]
        qs = "&".join([f"q={rng.choice(['', 'robotics', 'coding'])}", *chosen]) + near
        assert run(world, qs).facet_counts == _reference_counts(world, qs), qs


def test_the_api_search_leaves_the_page_summary_out(world: World) -> None:
    add_program(world, "Robotics Club", at=(40.0, -83.0), terms=("stem_field/robotics",))
    for qs in ("q=robotics", "q=robotics&near=40.0,-83.0"):
        result = search.search(world.alpha, search.parse(QueryDict(qs)), summary=False)
        assert names(result) == ["Robotics Club"]
        assert result.facet_counts == {}
        assert result.online_matches == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
def test_keyword_search_reads_the_stored_words_through_their_index(world: World) -> None:
    from django.contrib.postgres.search import SearchQuery

    add_program(world, "Robotics Club", description="Build robots.")
    own = Program.objects.filter(search_words=SearchQuery("robots", config="english"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        assert "directory_program_search_words_gin" in own.explain()
    assert names(run(world, "q=robots")) == ["Robotics Club"]


def test_stored_words_follow_every_change_of_a_program(world: World) -> None:
    """Created, bulk-created, renamed, re-described, archived: search sees the words it has."""
    program = add_program(world, "Model Club", description="Build gliders.")
    Program.objects.bulk_create(
        [Program(ecosystem=world.alpha, organization=world.org_b, name="Pottery", slug="pottery")]
    )
    assert names(run(world, "q=pottery")) == ["Pottery"]
    program.name = "Rocketry Club"
    program.save()
    assert names(run(world, "q=rocketry")) == ["Rocketry Club"]
    assert names(run(world, "q=club+gliders")) == ["Rocketry Club"]  # the description still
    Program.objects.filter(pk=program.pk).update(description="Launch model rockets.")
    assert names(run(world, "q=gliders")) == []
    assert names(run(world, "q=launch")) == ["Rocketry Club"]
    program.refresh_from_db()
    program.archived_at = program.updated_at
    program.save()
    assert names(run(world, "q=launch")) == []


def test_online_matches_are_counted_up_to_a_cap_the_page_admits(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "ONLINE_COUNT_CAP", 2)
    add_program(world, "Close By", at=(40.0, -83.0))
    for i in range(2):
        add_program(world, f"Online Coding {i}", delivery=Delivery.VIRTUAL)
    page = world.client("anonymous").get("/e/alpha/programs/?near=40.0,-83.0")
    assert "2 online programs also match" in page.content.decode()
    add_program(world, "Online Coding 2", delivery=Delivery.VIRTUAL)
    result = run(world, "near=40.0,-83.0")
    assert result.online_matches == 3  # one past the cap: enough to say "more than"
    page = world.client("anonymous").get("/e/alpha/programs/?near=40.0,-83.0")
    assert "More than 2 online programs also match" in page.content.decode()


@pytest.mark.parametrize("seed", [3, 4])
def test_grouped_facet_counts_equal_a_plain_count_per_value(world: World, seed: int) -> None:
    """The grouped count over the matches' terms gives what counting each value alone gives."""
    rng = random.Random(seed)
    _random_directory(world, rng)
    Program.objects.filter(pk__in=Program.objects.order_by("?").values("pk")[:5]).update(
        cost_band="low"
    )
    for _ in range(6):
        chosen = {
            facet.code: (rng.choice(facet.terms)[0],)
            for facet in rng.sample(stem_profile.FACETS, rng.choice([0, 1, 2]))
        }
        query = search.ProgramQuery(
            q=rng.choice(["", "robotics", "program"]), facets=chosen, free=rng.random() < 0.5
        )
        expected: dict[str, dict[str, int]] = {f.code: {} for f in stem_profile.FACETS}
        for facet in stem_profile.FACETS:
            others = {k: v for k, v in chosen.items() if k != facet.code}
            matches = search.matching_programs(
                world.alpha, search.ProgramQuery(**{**query.__dict__, "facets": others})
            )
            for code, _label in facet.terms:
                n = ProgramAttribute.objects.filter(
                    program__in=matches.order_by().values("pk"), term__code=f"{facet.code}/{code}"
                ).count()
                if n:
                    expected[facet.code][code] = n
        assert search.facet_counts(world.alpha, query) == expected, query


def _both_ways(world: World, query: search.ProgramQuery, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search gives the same hits, in the same order, the same total, the same facet counts
    and the same online count through the in-memory masks as through the database."""
    masked = search.search(world.alpha, query)
    with monkeypatch.context() as patch:
        patch.setattr(search, "_profiles", lambda *_args: None)  # the database's counts
        plain = search.search(world.alpha, query)
    assert masked.hits.count() == plain.hits.count(), query
    assert names(masked) == names(plain), query
    assert masked.facet_counts == plain.facet_counts, query
    assert masked.online_matches == plain.online_matches, query


@pytest.mark.parametrize(("seed", "near"), [(5, ""), (6, ""), (5, "40.0,-83.0")])
def test_facets_on_masks_equal_the_database(
    world: World, seed: int, near: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    _random_directory(world, rng)
    Program.objects.filter(pk__in=Program.objects.order_by("?").values("pk")[:8]).update(
        cost_band="low"
    )
    for _ in range(8):
        chosen = {
            facet.code: tuple(c for c, _label in rng.sample(facet.terms, rng.choice([1, 2])))
            for facet in rng.sample(stem_profile.FACETS, rng.choice([0, 1, 2, 3]))
        }
        query = search.ProgramQuery(
            q=rng.choice(["robotics", "program", "coding program", "nature 1"]),
            facets=chosen,
            free=rng.random() < 0.3,
            sort=rng.choice(["relevance", "name", "distance"]),
            near=near,
            radius_mi=rng.choice([5, 15]),
        )
        _both_ways(world, query, monkeypatch)


def test_masks_follow_every_change_of_a_profile(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept in memory between searches, the masks are built again after any change of a
    program's terms (triggers give the ecosystem a new token), a rolled-back one included."""
    from django.db import transaction

    _random_directory(world, random.Random(7))
    query = search.ProgramQuery(q="program", facets={"stem_field": ("robotics",)})
    _both_ways(world, query, monkeypatch)  # the masks are built and kept
    terms = {t.code: t for t in TaxonomyTerm.objects.exclude(code="")}
    robotics, science = terms["stem_field/robotics"], terms["stem_field/science"]
    bare = list(Program.objects.exclude(attributes__term=robotics)[:3])
    ProgramAttribute.objects.create(program=bare[0], term=robotics)
    _both_ways(world, query, monkeypatch)
    ProgramAttribute.objects.bulk_create(
        [ProgramAttribute(program=p, term=robotics) for p in bare[1:]]
    )
    _both_ways(world, query, monkeypatch)
    ProgramAttribute.objects.filter(program=bare[1], term=robotics).update(term=science)
    _both_ways(world, query, monkeypatch)
    ProgramAttribute.objects.filter(program=bare[2]).delete()
    _both_ways(world, query, monkeypatch)
    bare[0].delete()
    _both_ways(world, query, monkeypatch)
    # A program deleted before its terms (no row left to say where they were), and a new one
    # given its key, holding no term: the masks must not lend it the old one's.
    gone = Program.objects.filter(attributes__term=robotics).first()
    assert gone is not None
    with transaction.atomic():
        Program.objects.filter(pk=gone.pk)._raw_delete(using="default")
        ProgramAttribute.objects.filter(program_id=gone.pk)._raw_delete(using="default")
    Program.objects.create(
        pk=gone.pk, ecosystem=world.alpha, organization=world.org_a, name="program", slug="again"
    )
    _both_ways(world, query, monkeypatch)
    try:
        with transaction.atomic():
            ProgramAttribute.objects.create(program=bare[2], term=robotics)
            _both_ways(world, query, monkeypatch)  # masks built on a change rolled back
            raise RuntimeError
    except RuntimeError:
        pass
    _both_ways(world, query, monkeypatch)


@pytest.mark.parametrize("cap", [3, 100])
def test_online_count_on_masks_equals_the_database(
    world: World, cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Near a place, the online programs that also match are found on the facets' masks:
    the same count (up to the cap) as intersecting each facet's programs in the database."""
    monkeypatch.setattr(search, "ONLINE_COUNT_CAP", cap)
    rng = random.Random(8)
    _random_directory(world, rng)
    Program.objects.filter(pk__in=Program.objects.order_by("?").values("pk")[:25]).update(
        delivery=Delivery.VIRTUAL
    )
    seen = set()
    for _ in range(10):
        chosen = {
            facet.code: tuple(c for c, _label in rng.sample(facet.terms, rng.choice([1, 3])))
            for facet in rng.sample(stem_profile.FACETS, rng.choice([1, 2]))
        }
        query = search.ProgramQuery(
            q=rng.choice(["", "robotics", "program"]), facets=chosen, near="40.0,-83.0"
        )
        masked = search.search(world.alpha, query).online_matches
        with monkeypatch.context() as patch:
            patch.setattr(search, "_profiles", lambda *_args: None)
            assert masked == search.search(world.alpha, query).online_matches, query
        seen.add(masked)
    assert len(seen) > 2  # the searches do tell counts apart
