"""A survey's results as they may be published: every count through `ecotone.suppression`
with the ecosystem's threshold (docs/network-surveys.md, "What the results show").

- Nothing is shown until at least `threshold` people answered; an anonymous survey's results
  only once it is closed (while it is open, two looks a response apart would give that one
  response's answers away).
- Each choice question (Likert, one choice) is a table of respondents by choice, with "no
  answer" as a choice so that every question adds up to the same total (the number of
  responses); a multiple-choice question is one yes/no table per choice. With a breakdown
  (a named survey: by the respondent's sector or region; an anonymous one: by the answer to a
  one-choice question), each table is crossed with the group. All the tables of a survey
  count the same people and share the total and the groups' totals, so they are suppressed
  as one family (`suppression.table_family` + `suppress_linked`): a cell above 0 and below
  the threshold is hidden, and complementary cells are hidden so that no hidden one can be
  worked out from the totals or from another question's table.
- Shares are hidden with the counts they use (`suppression.rate`).
- Numbers: how many answered, and their mean and median when at least `threshold` did.
- Text answers: shown only when at least `threshold` people wrote one, in alphabetical order
  (never in the order they came), and never with a name.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecotone import suppression
from ecotone.ecosystems.models import Sector

from ..models import Answer, Question, QuestionKind, Survey, SurveyStatus
from .surveys import ordered_questions

NO_ANSWER = "-"
UNKNOWN = "?"
YES, NO = "yes", "no"
BREAKDOWNS_NAMED = ("sector", "region")


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | None  # None: hidden
    why: str = ""  # "small", "complement", "protects" when hidden
    share: float | None = None
    key: str = ""


@dataclass
class GroupResult:
    label: str
    total: Figure
    options: list[Figure]


@dataclass
class QuestionResult:
    question: Question
    text: str
    answered: Figure
    options: list[Figure] = field(default_factory=list)
    groups: list[GroupResult] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None
    texts: list[str] | None = None  # None: too few to show
    agree: float | None = None  # Likert: the share answering 4 or 5, when shown

    @property
    def agree_percent(self) -> int | None:
        return None if self.agree is None else round(100 * self.agree)


@dataclass
class Results:
    survey: Survey
    threshold: int
    responses: int
    invited: int
    withheld: str = ""  # why nothing is shown ("" when shown)
    breakdown: str = ""
    breakdown_label: str = ""
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return not self.withheld

    @property
    def any_hidden(self) -> bool:
        for q in self.questions:
            figures = [*q.options, *(f for g in q.groups for f in (g.total, *g.options))]
            if any(f.value is None for f in figures):
                return True
        return False


def enough(count: int, threshold: int) -> bool:
    """At least `threshold` people: a count that may be shown and is not 0 (the suppression
    rule's own test, `publish_count`, so that the threshold is read in one place)."""
    shown = suppression.publish_count(count, threshold)
    return count > 0 and shown is not None


def breakdown_choices(survey: Survey) -> list[tuple[str, str]]:
    """What the results may be broken down by: a named survey's respondents' sector or region;
    an anonymous one's answer to a one-choice question (never who answered)."""
    if not survey.anonymous:
        return [("sector", _("Sector")), ("region", _("Region"))]
    return [
        (f"q{q.pk}", q.text)
        for q in ordered_questions(survey)
        if q.kind in (QuestionKind.SINGLE, QuestionKind.LIKERT)
    ]


def results(survey: Survey, *, breakdown: str = "", language: str = "en") -> Results:
    """The survey's results as they may be published. A closed survey's never change (no
    answer comes in, and the threshold is part of the key), so they are worked out once and
    kept an hour: the health dashboard reads the latest on every visit."""
    if survey.status != SurveyStatus.CLOSED:
        return _results(survey, breakdown=breakdown, language=language)
    key = ":".join(
        str(part)
        for part in (
            "survey-results",
            survey.pk,
            survey.closed_at.isoformat() if survey.closed_at else "",
            survey.ecosystem.suppression_threshold,
            breakdown,
            language,
            get_language() or "",  # the labels' language ("Answered", "No answer")
        )
    )
    return cast(
        Results,
        cache.get_or_set(
            key, lambda: _results(survey, breakdown=breakdown, language=language), 3600
        ),
    )


def _results(survey: Survey, *, breakdown: str, language: str) -> Results:
    ecosystem = survey.ecosystem
    threshold = ecosystem.suppression_threshold
    responses = survey.responses.count()
    found = Results(survey, threshold, responses, survey.invitations.count())
    if survey.anonymous and survey.status != SurveyStatus.CLOSED:
        found.withheld = _(
            "The results of an anonymous survey are shown once it is closed: while answers "
            "still come in, two looks a response apart would show that response."
        )
        return found
    if not enough(responses, threshold):
        found.withheld = _(
            "Fewer than %(n)s people answered: the results are not shown, so that nobody's "
            "answers can be recognized."
        ) % {"n": threshold}
        return found
    choices = dict(breakdown_choices(survey))
    if breakdown not in choices:
        breakdown = ""
    found.breakdown = breakdown
    found.breakdown_label = str(choices.get(breakdown, ""))
    questions = ordered_questions(survey)
    by_id = {q.pk: q for q in questions}
    answers = list(
        Answer.objects.filter(response__survey=survey).values_list(
            "response_id", "question_id", "choice", "number", "text"
        )
    )
    response_ids = list(survey.responses.values_list("pk", flat=True))
    group_of, group_labels = _groups(survey, breakdown, response_ids, answers, by_id, language)
    chosen: dict[tuple[int, Any], set[int]] = defaultdict(set)  # (question, response) -> choices
    numbers: dict[int, list[Decimal]] = defaultdict(list)
    texts: dict[int, list[str]] = defaultdict(list)
    for response_id, question_id, choice, number, text in answers:
        if choice is not None:
            chosen[(question_id, response_id)].add(int(choice))
        elif number is not None:
            numbers[question_id].append(number)
        elif text:
            texts[question_id].append(text)
    groups = list(group_labels) if breakdown else ["all"]
    by_question_key = breakdown[1:] if breakdown.startswith("q") else ""
    parts: list[suppression.LinkedTables] = []
    dims: dict[int, list[tuple[str, list[str]]]] = {}  # question -> [(dimension, codes)]
    for q in questions:
        if not q.has_choices or str(q.pk) == by_question_key:
            continue
        options = q.option_list(language)
        if q.kind == QuestionKind.MULTIPLE:
            dims[q.pk] = [(f"q{q.pk}o{i}", [YES, NO]) for i in range(1, len(options) + 1)]
        else:
            dims[q.pk] = [(f"q{q.pk}", [*(str(i) for i in range(1, len(options) + 1)), NO_ANSWER])]
        for dimension, codes in dims[q.pk]:
            counts: Counter[tuple[Hashable, ...]] = Counter()
            for response_id in response_ids:
                picked = chosen.get((q.pk, response_id), set())
                if q.kind == QuestionKind.MULTIPLE:
                    code = YES if int(dimension.rsplit("o", 1)[1]) in picked else NO
                else:
                    code = str(min(picked)) if picked else NO_ANSWER
                if code not in codes:
                    code = NO_ANSWER
                counts[(group_of.get(response_id, "all"), code)] += 1
            parts.append(
                suppression.linked_tables(
                    {"group": groups, dimension: codes},
                    dict(counts),
                    [(), ("group",), (dimension,), ("group", dimension)]
                    if breakdown
                    else [(), (dimension,)],
                )
            )
    published: dict[suppression.Cell, int | None] = {}
    primary: dict[suppression.Cell, str] = {}
    if parts:
        # the number of responses is published exactly beside the results: fixed as shown
        result = suppression.suppress_linked(
            suppression.table_family(parts),
            threshold,
            fixed={suppression.Cell((), ()): False},
        )
        published, primary = result.cells, result.primary
    else:
        # no table to share the total with: the groups alone, one group of counts
        sizes = Counter(group_of.get(r, "all") for r in response_ids)
        alone = suppression.suppress({g: sizes.get(g, 0) for g in groups}, threshold)
        for g in groups:
            published[suppression.Cell(("group",), (g,))] = alone.cells[g]
        published[suppression.Cell((), ())] = responses

    def figure(cell: suppression.Cell, label: str, key: str, whole: int | None) -> Figure:
        value = published.get(cell)
        why = "" if value is not None else primary.get(cell, "protects")
        return Figure(label, value, why, suppression.rate(value, whole), key)

    total = published.get(suppression.Cell((), ()), responses)
    for q in questions:
        item = QuestionResult(q, q.text_in(language), Figure(_("Answered"), None))
        if str(q.pk) == by_question_key:
            # the breakdown's own question: its table is the groups' totals
            item.answered = Figure(_("Answered"), total)
            for code, label in group_labels.items():
                cell = suppression.Cell(("group",), (code,))
                if code != NO_ANSWER:
                    item.options.append(figure(cell, label, code, total))
        elif q.pk in dims:
            _choice_result(item, q, dims[q.pk], groups, group_labels, figure, language, total)
        elif q.kind == QuestionKind.NUMBER:
            values = numbers.get(q.pk, [])
            n, why = suppression.publish_marked(len(values), threshold)
            item.answered = Figure(_("Answered"), n, why)
            if enough(len(values), threshold):
                item.mean = float(statistics.fmean(float(v) for v in values))
                item.median = float(statistics.median(float(v) for v in values))
        else:
            written = texts.get(q.pk, [])
            n, why = suppression.publish_marked(len(written), threshold)
            item.answered = Figure(_("Answered"), n, why)
            item.texts = (
                sorted(written, key=str.casefold) if enough(len(written), threshold) else None
            )
        found.questions.append(item)
    return found


def _choice_result(
    item: QuestionResult,
    q: Question,
    dimensions: list[tuple[str, list[str]]],
    groups: list[str],
    group_labels: dict[str, str],
    figure: Any,
    language: str,
    total: int | None,
) -> None:
    options = q.option_list(language)
    if q.kind == QuestionKind.MULTIPLE:
        item.answered = Figure(_("Responses"), total)
        for i, (dimension, _codes) in enumerate(dimensions):
            cell = suppression.Cell((dimension,), (YES,))
            item.options.append(figure(cell, options[i], str(i + 1), total))
        for g in [] if groups == ["all"] else groups:
            whole_cell = suppression.Cell(("group",), (g,))
            whole = figure(whole_cell, group_labels.get(g, g), g, None)
            row = [
                figure(
                    suppression.Cell(("group", dimension), (g, YES)),
                    options[i],
                    str(i + 1),
                    whole.value,
                )
                for i, (dimension, _codes) in enumerate(dimensions)
            ]
            item.groups.append(GroupResult(whole.label, whole, row))
        return
    dimension, codes = dimensions[0]
    skipped = figure(suppression.Cell((dimension,), (NO_ANSWER,)), _("No answer"), NO_ANSWER, None)
    answered = None if total is None or skipped.value is None else total - skipped.value
    item.answered = Figure(_("Answered"), answered, "" if answered is not None else "protects")
    for i, label in enumerate(options, start=1):
        item.options.append(
            figure(suppression.Cell((dimension,), (str(i),)), label, str(i), answered)
        )
    if skipped.value != 0:
        item.options.append(skipped)
    if q.kind == QuestionKind.LIKERT:
        four, five = item.options[3].value, item.options[4].value
        agree = None if four is None or five is None else four + five
        item.agree = suppression.rate(agree, answered)
    if groups == ["all"]:
        return
    for g in groups:
        whole = figure(suppression.Cell(("group",), (g,)), group_labels.get(g, g), g, None)
        g_skip = figure(suppression.Cell(("group", dimension), (g, NO_ANSWER)), "", "", None)
        g_answered = (
            None if whole.value is None or g_skip.value is None else whole.value - g_skip.value
        )
        row = [
            figure(suppression.Cell(("group", dimension), (g, code)), label, code, g_answered)
            for code, label in zip(codes, [*options, _("No answer")], strict=True)
        ]
        item.groups.append(GroupResult(whole.label, whole, row))


def _groups(
    survey: Survey,
    breakdown: str,
    response_ids: list[Any],
    answers: list[tuple[Any, ...]],
    by_id: dict[int, Question],
    language: str,
) -> tuple[dict[Any, str], dict[str, str]]:
    """Each response's group code, and the groups' labels in order."""
    if not breakdown:
        return {}, {"all": _("Everyone")}
    if breakdown in BREAKDOWNS_NAMED:
        field_name = f"member__{breakdown}"
        rows = survey.responses.values_list("pk", field_name)
        of = {pk: (value or UNKNOWN) for pk, value in rows}
        sectors = dict(Sector.choices)
        codes = sorted(set(of.values()) - {UNKNOWN})
        labels = {
            c: str(sectors.get(c, c)) if breakdown == "sector" else c
            for c in sorted(codes, key=lambda c: str(sectors.get(c, c)))
        }
        if UNKNOWN in of.values():
            labels[UNKNOWN] = _("Not given")
        return of, labels
    question = by_id[int(breakdown[1:])]
    of = dict.fromkeys(response_ids, NO_ANSWER)
    for response_id, question_id, choice, _number, _text in answers:
        if question_id == question.pk and choice is not None:
            of[response_id] = str(choice)
    options = question.option_list(language)
    labels = {str(i): label for i, label in enumerate(options, start=1)}
    labels[NO_ANSWER] = _("No answer")
    return of, labels


# --- tables for pages, exports and the API --------------------------------------------------------


def hidden_text(figure: Figure, threshold: int) -> str:
    if figure.value is not None:
        return ""
    if figure.why == "small":
        return _("fewer than %(n)s") % {"n": threshold}
    if figure.why == "complement":
        return _("hidden (would reveal a small group)")
    return _("hidden (protects a small group)")


def shown(figure: Figure, threshold: int) -> str:
    if figure.value is None:
        return hidden_text(figure, threshold)
    if figure.share is None:
        return str(figure.value)
    return f"{figure.value} ({round(100 * figure.share)} %)"


EXPORT_HEADERS = ("question", "group", "choice", "count", "share", "hidden_because")


def export_rows(found: Results) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for q in found.questions:
        rows.append([q.text, "", _("Answered"), q.answered.value, "", q.answered.why])
        for f in q.options:
            rows.append([q.text, "", f.label, f.value, _share(f), f.why])
        for g in q.groups:
            rows.append([q.text, g.label, _("All"), g.total.value, "", g.total.why])
            for f in g.options:
                rows.append([q.text, g.label, f.label, f.value, _share(f), f.why])
        if q.mean is not None:
            rows.append([q.text, "", _("Mean"), round(q.mean, 2), "", ""])
            rows.append([q.text, "", _("Median"), round(q.median or 0, 2), "", ""])
    return rows


def _share(f: Figure) -> Any:
    return "" if f.share is None else round(100 * f.share, 1)


def as_data(found: Results) -> dict[str, Any]:
    def one(f: Figure) -> dict[str, Any]:
        return {
            "key": f.key,
            "label": f.label,
            "count": f.value,
            "share": f.share,
            "hidden_because": f.why,
        }

    return {
        "survey": found.survey.pk,
        "threshold": found.threshold,
        "responses": found.responses,
        "invited": found.invited,
        "withheld": found.withheld,
        "breakdown": found.breakdown,
        "questions": [
            {
                "id": q.question.pk,
                "kind": q.question.kind,
                "text": q.text,
                "answered": one(q.answered),
                "options": [one(f) for f in q.options],
                "groups": [
                    {
                        "label": g.label,
                        "total": one(g.total),
                        "options": [one(f) for f in g.options],
                    }
                    for g in q.groups
                ],
                "mean": q.mean,
                "median": q.median,
                "texts": q.texts,
                "agree_share": q.agree,
            }
            for q in found.questions
        ],
    }
