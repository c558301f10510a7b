"""An application's answers checked against its call's questions, and two versions compared.

Django-free: the services turn records into `Question`s and the problems back into sentences.

`check(questions, answers, complete=...)` checks each answer by its question's kind:

- text: a string of at most `word_limit` words (words are what `str.split` separates);
- choice: one of `options`; choices: a list of distinct `options`;
- number: a number (or text that is one) within `min` and `max`;
- budget: rows `{"category", "description", "amount"}`, each category one of `categories`,
  each amount a number >= 0, their total at most `max_total`;
- file: the id of a file uploaded for the question (`file_ids`);
- partners: a list of at most `max` distinct directory partner ids (`partner_ids`).

An empty answer is no problem in a draft (`complete=False`); on submission (`complete=True`)
a `required` question without an answer is. A problem is `(question key, code, params)`, so a
page can say which field and why. `settings_problems(kind, settings)` checks a question's own
settings the same way, when the backbone writes the form.

`diff_answers(old, new, questions)` compares two versions question by question: unchanged,
changed, added or removed, with a word-level diff of text answers (difflib's longest matching
blocks). Both run in time linear in the answers' size, except the text diff (quadratic in a
text's words at worst, as difflib is).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

KINDS = ("text", "choice", "choices", "number", "budget", "file", "partners")
FILE_TYPES = (
    "pdf",
    "png",
    "jpg",
    "gif",
    "webp",
    "docx",
    "xlsx",
    "pptx",
    "odt",
    "ods",
    "odp",
    "txt",
    "csv",
)
MAX_TEXT_WORDS = 20_000
MAX_BUDGET_ROWS = 200

Params = dict[str, Any]


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    required: bool = True
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """`code` names the rule broken; `params` what a message needs (a limit, a row)."""

    key: str
    code: str
    params: Params = field(default_factory=dict)


def number(value: Any) -> Decimal | None:
    """The value as a finite number, or None (a yes/no is no number)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
    else:
        return None
    try:
        found = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() else None


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def words(text: str) -> list[str]:
    return text.split()


# --- a question's settings --------------------------------------------------------------------


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _labels(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, str) and v.strip() for v in value)
        and len({v.strip() for v in value}) == len(value)
    )


def settings_problems(kind: str, settings: Mapping[str, Any]) -> list[tuple[str, Params]]:
    """What is wrong with a question's settings for its kind, as (code, params)."""
    if kind not in KINDS:
        return [("unknown_kind", {"kind": kind})]
    found: list[tuple[str, Params]] = []
    if kind == "text":
        limit = settings.get("word_limit")
        if limit is not None and not (_positive_int(limit) and limit <= MAX_TEXT_WORDS):
            found.append(("bad_word_limit", {"most": MAX_TEXT_WORDS}))
    elif kind in ("choice", "choices"):
        if not _labels(settings.get("options")):
            found.append(("bad_options", {}))
    elif kind == "number":
        low, high = settings.get("min"), settings.get("max")
        low_n, high_n = number(low), number(high)
        unreadable = (low is not None and low_n is None) or (high is not None and high_n is None)
        crossed = low_n is not None and high_n is not None and low_n > high_n
        if unreadable or crossed:
            found.append(("bad_bounds", {}))
    elif kind == "budget":
        if not _labels(settings.get("categories")):
            found.append(("bad_categories", {}))
        total = settings.get("max_total")
        if total is not None and ((n := number(total)) is None or n < 0):
            found.append(("bad_max_total", {}))
    elif kind == "file":
        types = settings.get("types")
        if types is not None and not (
            isinstance(types, list) and types and all(t in FILE_TYPES for t in types)
        ):
            found.append(("bad_types", {"types": ", ".join(FILE_TYPES)}))
        size = settings.get("max_mb")
        if size is not None and not (_positive_int(size) and size <= 100):
            found.append(("bad_max_mb", {}))
    elif kind == "partners":
        most = settings.get("max")
        if most is not None and not (_positive_int(most) and most <= 100):
            found.append(("bad_max_partners", {}))
    return found


# --- answers ---------------------------------------------------------------------------------


def _check_one(
    question: Question,
    value: Any,
    file_ids: frozenset[int] | None,
    partner_ids: frozenset[int] | None,
) -> list[tuple[str, Params]]:
    s = question.settings
    kind = question.kind
    if kind == "text":
        if not isinstance(value, str):
            return [("not_text", {})]
        limit = s.get("word_limit")
        count = len(words(value))
        if limit is not None and count > limit:
            return [("too_many_words", {"limit": limit, "count": count})]
        return []
    if kind == "choice":
        if not isinstance(value, str) or value not in s.get("options", []):
            return [("not_an_option", {})]
        return []
    if kind == "choices":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [("not_an_option", {})]
        if len(set(value)) != len(value) or any(v not in s.get("options", []) for v in value):
            return [("not_an_option", {})]
        return []
    if kind == "number":
        n = number(value)
        if n is None:
            return [("not_a_number", {})]
        low, high = number(s.get("min")), number(s.get("max"))
        if low is not None and n < low:
            return [("below_min", {"min": low})]
        if high is not None and n > high:
            return [("above_max", {"max": high})]
        return []
    if kind == "budget":
        return _check_budget(s, value)
    if kind == "file":
        if isinstance(value, bool) or not isinstance(value, int):
            return [("no_such_file", {})]
        if file_ids is not None and value not in file_ids:
            return [("no_such_file", {})]
        return []
    if kind == "partners":
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            return [("unknown_partner", {})]
        if len(set(value)) != len(value) or (
            partner_ids is not None and any(v not in partner_ids for v in value)
        ):
            return [("unknown_partner", {})]
        most = s.get("max")
        if most is not None and len(value) > most:
            return [("too_many_partners", {"max": most, "count": len(value)})]
        return []
    return [("unknown_kind", {"kind": kind})]


def _check_budget(s: Mapping[str, Any], value: Any) -> list[tuple[str, Params]]:
    if not isinstance(value, list) or len(value) > MAX_BUDGET_ROWS:
        return [("bad_budget", {"most": MAX_BUDGET_ROWS})]
    found: list[tuple[str, Params]] = []
    categories = s.get("categories", [])
    total = Decimal(0)
    for i, row in enumerate(value, start=1):
        if not isinstance(row, Mapping):
            found.append(("bad_budget_row", {"row": i}))
            continue
        if row.get("category") not in categories:
            found.append(("budget_category", {"row": i}))
        if not isinstance(row.get("description", ""), str):
            found.append(("bad_budget_row", {"row": i}))
        amount = number(row.get("amount"))
        if amount is None:
            found.append(("budget_amount", {"row": i}))
        elif amount < 0:
            found.append(("budget_negative", {"row": i}))
        else:
            total += amount
    most = number(s.get("max_total"))
    if most is not None and total > most:
        found.append(("budget_over_total", {"max_total": most, "total": total}))
    return found


def check(
    questions: Sequence[Question],
    answers: Mapping[str, Any],
    *,
    complete: bool,
    file_ids: Iterable[int] | None = None,
    partner_ids: Iterable[int] | None = None,
) -> list[Problem]:
    """The problems of `answers` (question key -> answer), in the questions' order; answers
    to keys no question has are ignored. `file_ids` and `partner_ids`, when given, are the
    files uploaded for the application and the partners it may name."""
    files = None if file_ids is None else frozenset(file_ids)
    partners = None if partner_ids is None else frozenset(partner_ids)
    found: list[Problem] = []
    for question in questions:
        value = answers.get(question.key)
        if is_empty(value):
            if complete and question.required:
                found.append(Problem(question.key, "required"))
            continue
        for code, params in _check_one(question, value, files, partners):
            found.append(Problem(question.key, code, params))
    return found


# --- two versions ----------------------------------------------------------------------------

Status = Literal["unchanged", "changed", "added", "removed"]


@dataclass(frozen=True)
class Piece:
    """A run of words in a text diff: `op` is equal, insert or delete."""

    op: Literal["equal", "insert", "delete"]
    text: str


@dataclass(frozen=True)
class AnswerDiff:
    key: str
    status: Status
    old: Any
    new: Any
    pieces: tuple[Piece, ...] = ()  # text answers only


def word_diff(old: str, new: str) -> tuple[Piece, ...]:
    a, b = words(old), words(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("equal", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("insert", " ".join(b[j1:j2])))
    return tuple(pieces)


def _same(kind: str, old: Any, new: Any) -> bool:
    if kind == "text" and isinstance(old, str) and isinstance(new, str):
        return words(old) == words(new)
    return bool(old == new)


def diff_answers(
    old: Mapping[str, Any], new: Mapping[str, Any], questions: Sequence[Question]
) -> list[AnswerDiff]:
    """Per question, in the questions' order, how the answer moved from `old` to `new`."""
    found: list[AnswerDiff] = []
    for question in questions:
        before, after = old.get(question.key), new.get(question.key)
        empty_before, empty_after = is_empty(before), is_empty(after)
        status: Status
        if empty_before and empty_after:
            status = "unchanged"
        elif empty_before:
            status = "added"
        elif empty_after:
            status = "removed"
        else:
            status = "unchanged" if _same(question.kind, before, after) else "changed"
        pieces: tuple[Piece, ...] = ()
        if question.kind == "text" and status != "unchanged":
            pieces = word_diff(
                before if isinstance(before, str) else "",
                after if isinstance(after, str) else "",
            )
        found.append(AnswerDiff(question.key, status, before, after, pieces))
    return found
