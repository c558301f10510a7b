"""The index keyword search reads (migration 0011) holds what the text says, and finds what
matching the text finds.

SQLite: an FTS5 table of trigrams of each program's name, description and partner's name, kept
by triggers. PostgreSQL: `search_words`, the whole ranked document (the partner's name
included), kept by triggers. Either must follow every change of a program and of its partner,
and a search through it must give what the plain match over the text gave (SQLite: every word,
crudely stemmed, a substring of the name, the description or the partner's name; PostgreSQL:
the full-text match and rank computed from the text).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Lower
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ecotone.directory import search
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Organization
from tests.conftest import World
from tests.directory.test_search import add_program, names, run

# Accented words too: SQLite's LIKE folds the case of A to Z only, its trigram index every
# letter's; a search must still find what LIKE finds.
VOCABULARY = ["Robotics", "robot", "ROBOTS", "coding", "Code", "camp", "Science", "ab", "x"]
VOCABULARY += ["École", "école", "niño"]


def _index_disagreements() -> list[Any]:
    """The programs whose indexed words are not those of their text now."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid, name, description, partner FROM {search.WORDS_TABLE}")  # noqa: S608
            indexed = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
        text = {
            p.pk: (p.name, p.description, p.organization.name)
            for p in Program.objects.select_related("organization")
        }
        return sorted(set(indexed.items()) ^ set(text.items()))
    # Each vector as PostgreSQL writes it (sorted lexemes with positions): equal when the same.
    vectors = Program.objects.annotate(document=search.full_document()).values_list(
        "pk", "search_words", "document"
    )
    return [pk for pk, stored, computed in vectors if stored != computed]


def test_the_index_follows_programs_and_their_partners(world: World) -> None:
    program = add_program(world, "Model Club", description="Build gliders.")
    Program.objects.bulk_create(
        [Program(ecosystem=world.alpha, organization=world.org_b, name="Pottery", slug="pottery")]
    )
    assert _index_disagreements() == []
    program.name = "Rocketry Club"
    program.save()
    Program.objects.filter(pk=program.pk).update(description="Launch model rockets.")
    assert _index_disagreements() == []
    assert names(run(world, "q=rocketry+launch")) == ["Rocketry Club"]
    # Moved to another partner, then that partner renamed: found by the partner's new name.
    Program.objects.filter(pk=program.pk).update(organization=world.org_b)
    assert names(run(world, "q=robotics")) == []  # org_a, "Robotics For All", no longer
    Organization.objects.filter(pk=world.org_b.pk).update(name="Westside Makerspace")
    assert _index_disagreements() == []
    assert names(run(world, "q=makerspace")) == ["Pottery", "Rocketry Club"]
    assert names(run(world, "q=library")) == []
    Program.objects.filter(name="Pottery").delete()
    assert _index_disagreements() == []
    assert names(run(world, "q=makerspace")) == ["Rocketry Club"]


def _reference(world: World, q: str) -> list[str]:
    """The matches in order, computed from the text as search did before the index."""
    programs = Program.objects.filter(ecosystem=world.alpha).listed()
    words = search.keywords(q)
    if not words:  # nothing to match ("x": one letter is no word): every program, by name
        return list(programs.order_by(Lower("name"), "pk").values_list("name", flat=True))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        every = SearchQuery(" ".join(words), search_type="plain", config="english")
        programs = (
            programs.annotate(document=search.full_document())
            .filter(document=every)
            .annotate(relevance=SearchRank(search.full_document(), every))
        )
    else:
        score: Any = Value(0)
        for word in map(search._stem, words):
            programs = programs.filter(
                Q(name__icontains=word)
                | Q(description__icontains=word)
                | Q(organization__name__icontains=word)
            )
            score = (
                score
                + Case(When(name__icontains=word, then=Value(3)), default=Value(0))
                + Case(When(description__icontains=word, then=Value(1)), default=Value(0))
            )
        programs = programs.annotate(relevance=score)
    ordered = programs.order_by("-relevance", Lower("name"), "pk")
    return list(ordered.values_list("name", flat=True))


texts = st.lists(st.sampled_from(VOCABULARY), max_size=4).map(" ".join)
QUERY_WORDS = [*(w.lower() for w in VOCABULARY), "rob", "bot", "robotic", "od", "ence", "lib"]
QUERY_WORDS += ["éco", "ños"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    programs=st.lists(st.tuples(texts, texts, st.booleans()), min_size=1, max_size=8),
    partner=texts,
    queries=st.lists(
        st.lists(st.sampled_from(QUERY_WORDS), min_size=1, max_size=3).map(" ".join),
        min_size=1,
        max_size=4,
    ),
)
# A two-letter word part (not in the trigram index) and an accented capital (which the index
# folds and LIKE does not), always tried.
@example(programs=[("Code camp", "", False)], partner="", queries=["od", "camp od"])
@example(programs=[("École", "", False), ("école", "", True)], partner="", queries=["école"])
def test_search_through_the_index_finds_what_matching_the_text_finds(
    world: World, programs: list[tuple[str, str, bool]], partner: str, queries: list[str]
) -> None:
    # Each example in a savepoint rolled back at its end (the index's rows with it).
    savepoint = transaction.savepoint()
    try:
        Organization.objects.filter(pk=world.org_b.pk).update(name=partner or "-")
        Program.objects.bulk_create(
            [
                Program(
                    ecosystem=world.alpha,
                    organization=world.org_b if other else world.org_a,
                    name=name or "-",
                    description=description,
                    slug=f"p{i}",
                )
                for i, (name, description, other) in enumerate(programs)
            ]
        )
        for q in queries:
            assert names(run(world, f"q={q}")) == _reference(world, q), q
    finally:
        transaction.savepoint_rollback(savepoint)
