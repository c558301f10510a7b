"""Answers checked by kind (ecotone.challenges.answers), drafts against submission, settings
per kind, and the diff of two versions; property tests for the word limit, the budget total
and the diff (which rebuilds either text)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.challenges.answers import (
    Question,
    check,
    diff_answers,
    settings_problems,
    word_diff,
)

QUESTIONS = [
    Question("plan", "text", True, {"word_limit": 5}),
    Question("area", "choice", True, {"options": ["STEM", "Arts"]}),
    Question("grades", "choices", False, {"options": ["K-5", "6-8", "9-12"]}),
    Question("youth", "number", True, {"min": 1, "max": 500}),
    Question("budget", "budget", False, {"categories": ["Staff", "Materials"], "max_total": 1000}),
    Question("letter", "file", False, {"types": ["pdf"]}),
    Question("partners", "partners", False, {"max": 2}),
]


def codes(problems):
    return [(p.key, p.code) for p in problems]


def test_a_draft_may_be_partial_but_a_submission_needs_every_required_answer():
    assert check(QUESTIONS, {"plan": "Robots"}, complete=False) == []
    assert codes(check(QUESTIONS, {"plan": "Robots"}, complete=True)) == [
        ("area", "required"),
        ("youth", "required"),
    ]


def test_each_kind_names_the_field_and_the_rule():
    answers = {
        "plan": "one two three four five six",
        "area": "Sports",
        "grades": ["K-5", "K-5"],
        "youth": "lots",
        "budget": [
            {"category": "Staff", "description": "", "amount": "900"},
            {"category": "Travel", "description": "", "amount": "-5"},
            {"category": "Materials", "description": "", "amount": "200"},
        ],
        "letter": 99,
        "partners": [1, 2, 3],
    }
    found = check(QUESTIONS, answers, complete=True, file_ids={1}, partner_ids={1, 2, 3})
    assert codes(found) == [
        ("plan", "too_many_words"),
        ("area", "not_an_option"),
        ("grades", "not_an_option"),
        ("youth", "not_a_number"),
        ("budget", "budget_category"),
        ("budget", "budget_negative"),
        ("budget", "budget_over_total"),
        ("letter", "no_such_file"),
        ("partners", "too_many_partners"),
    ]
    assert found[0].params == {"limit": 5, "count": 6}
    assert found[4].params == {"row": 2}
    assert found[6].params["total"] == Decimal("1100")


def test_numbers_bounds_and_unknown_partners():
    assert codes(check(QUESTIONS, {"youth": 0}, complete=False)) == [("youth", "below_min")]
    assert codes(check(QUESTIONS, {"youth": "501"}, complete=False)) == [("youth", "above_max")]
    assert codes(check(QUESTIONS, {"youth": True}, complete=False)) == [("youth", "not_a_number")]
    assert check(QUESTIONS, {"youth": "1,000"}, complete=False)[0].code == "above_max"
    assert codes(check(QUESTIONS, {"partners": [7]}, complete=False, partner_ids={1})) == [
        ("partners", "unknown_partner")
    ]


def test_settings_are_checked_per_kind():
    assert settings_problems("text", {"word_limit": 0}) == [("bad_word_limit", {"most": 20000})]
    assert settings_problems("choice", {"options": ["a", "a"]})[0][0] == "bad_options"
    assert settings_problems("number", {"min": 5, "max": 1})[0][0] == "bad_bounds"
    assert settings_problems("budget", {"categories": []})[0][0] == "bad_categories"
    assert settings_problems("file", {"types": ["exe"]})[0][0] == "bad_types"
    assert settings_problems("partners", {"max": -1})[0][0] == "bad_max_partners"
    assert settings_problems("video", {}) == [("unknown_kind", {"kind": "video"})]
    for question in QUESTIONS:
        assert settings_problems(question.kind, question.settings) == []


@settings(max_examples=40)
@given(st.lists(st.text(alphabet="ab ", min_size=1, max_size=4), max_size=12), st.integers(1, 8))
def test_the_word_limit_counts_words(parts, limit):
    text = " ".join(parts)
    found = check([Question("t", "text", True, {"word_limit": limit})], {"t": text}, complete=False)
    assert bool(found) == (len(text.split()) > limit)


AMOUNTS = st.lists(st.integers(0, 10_000), max_size=8)


@given(AMOUNTS, st.integers(0, 40_000))
def test_the_budget_total_is_the_sum_of_its_rows(amounts, most):
    question = Question("b", "budget", True, {"categories": ["Staff"], "max_total": most})
    rows = [{"category": "Staff", "description": "", "amount": str(a)} for a in amounts]
    found = check([question], {"b": rows}, complete=False)
    assert [p.code for p in found] == (["budget_over_total"] if sum(amounts) > most else [])


WORDS = st.lists(st.sampled_from(["grow", "teach", "robots", "youth", "lab"]), max_size=15)


@given(WORDS, WORDS)
def test_the_word_diff_rebuilds_both_texts(old, new):
    pieces = word_diff(" ".join(old), " ".join(new))
    kept_old = " ".join(p.text for p in pieces if p.op != "insert").split()
    kept_new = " ".join(p.text for p in pieces if p.op != "delete").split()
    assert kept_old == old
    assert kept_new == new


def test_diff_per_question():
    old = {"plan": "We teach robots", "area": "STEM", "youth": 40}
    new = {"plan": "We teach coding", "area": "STEM", "grades": ["K-5"]}
    found = {d.key: d for d in diff_answers(old, new, QUESTIONS)}
    assert found["plan"].status == "changed"
    assert [(p.op, p.text) for p in found["plan"].pieces] == [
        ("equal", "We teach"),
        ("delete", "robots"),
        ("insert", "coding"),
    ]
    assert found["area"].status == "unchanged"
    assert found["grades"].status == "added"
    assert found["youth"].status == "removed"
    assert found["budget"].status == "unchanged"
    # whitespace alone is no change
    assert diff_answers({"plan": "a  b"}, {"plan": "a b\n"}, QUESTIONS)[0].status == "unchanged"


ANY_ANSWER = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(-10, 10_000),
    st.lists(st.sampled_from(["K-5", "6-8", "STEM", "x"]), max_size=3),
    st.lists(
        st.fixed_dictionaries(
            {"category": st.sampled_from(["Staff", "Travel"]), "amount": st.integers(-5, 900)}
        ),
        max_size=3,
    ),
)


@settings(max_examples=60)
@given(st.dictionaries(st.sampled_from([q.key for q in QUESTIONS]), ANY_ANSWER))
def test_a_submission_finds_every_problem_a_draft_finds_and_only_adds_missing_answers(answers):
    draft = check(QUESTIONS, answers, complete=False, file_ids={1}, partner_ids={1, 2})
    final = set(
        (p.key, p.code)
        for p in check(QUESTIONS, answers, complete=True, file_ids={1}, partner_ids={1, 2})
    )
    assert {(p.key, p.code) for p in draft} <= final
    assert {code for _key, code in final - {(p.key, p.code) for p in draft}} <= {"required"}
