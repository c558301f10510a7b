"""A rubric as plain data, read from and written to JSON and CSV.

Problem: coalitions keep their rubrics as PDFs and spreadsheets. Here a rubric is data: a scale
of ordered stages, sections of attributes, and for each attribute a descriptor per stage, with
guidance and examples. A backbone brings its own rubric as a JSON document or a spreadsheet
(one row per attribute and stage) and takes it out the same way, unchanged.

Method: `from_json` and `from_csv` read everything they can and collect every mistake as a
`Problem` naming where it is (a JSON path such as `sections[2].attributes[0].descriptors`, or a
CSV row as the spreadsheet numbers it, the header being row 1), the field, and why; when there
is any, they raise `RubricError` with all of them, never an unexplained exception. Both readers
end in the same `check`, so the two formats accept the same rubrics. `to_json` and `to_csv`
write what the readers read back equal. Texts are stripped of surrounding spaces on reading.

Django-free and strictly typed; messages are English msgids with their parameters (marked for
the catalogue), put in the person's language by `services.rubrics`, as `measures.checks` does.
docs/quality.md documents both formats.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = "ecotone-rubric/1"

KEY_LENGTH = 64
TITLE_LENGTH = 200
TEXT_LENGTH = 4000  # a description, guidance or descriptor
EXAMPLE_LENGTH = 500
MAX_EXAMPLES = 12
MIN_STAGES, MAX_STAGES = 2, 7
MAX_SECTIONS = 30
MAX_ATTRIBUTES = 30  # per section
MAX_PROBLEMS = 100  # reported at most; a wholly wrong file would otherwise list thousands

KEY = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
# Control characters other than tab and line breaks: invisible, and PostgreSQL's JSON refuses NUL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# The CSV's columns, in order: one row per attribute and stage. The rubric's and the
# section's columns repeat on every row (a later row may leave them blank); examples are one
# per line of their cell.
COLUMNS = (
    "rubric_key",
    "rubric_title",
    "rubric_description",
    "section_key",
    "section_title",
    "section_guidance",
    "attribute_key",
    "attribute_title",
    "attribute_guidance",
    "attribute_examples",
    "stage_key",
    "stage_name",
    "descriptor",
)


def gettext_noop(message: str) -> str:
    return message


@dataclass(frozen=True)
class Stage:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    key: str
    title: str
    descriptors: Mapping[str, str]  # stage key -> what a program at that stage does
    guidance: str = ""
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    attributes: tuple[Attribute, ...]
    guidance: str = ""


@dataclass(frozen=True)
class Rubric:
    key: str
    title: str
    stages: tuple[Stage, ...]  # from the lowest to the highest
    sections: tuple[Section, ...]
    description: str = ""

    def attributes(self) -> list[Attribute]:
        return [a for s in self.sections for a in s.attributes]


@dataclass(frozen=True)
class Problem:
    """One mistake: where (a JSON path, "row 7", or "" for the whole document), the field, and
    the message (an English msgid and its parameters) saying what is wrong."""

    where: str  # a JSON path, "" for a CSV row or the whole document
    field: str
    message: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    row: int = 0  # the CSV row, as a spreadsheet numbers it (the header is row 1)

    def text(self) -> str:
        message = self.message % self.params if self.params else self.message
        where = f"row {self.row}" if self.row else self.where
        place = ", ".join(part for part in (where, self.field) if part)
        return f"{place}: {message}" if place else message


class RubricError(ValueError):
    """The rubric cannot be read; `problems` says every place and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.text() for p in self.problems))


class _Problems:
    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, where: str | int, name: str, message: str, **params: Any) -> None:
        """`where` is a JSON path or a CSV row number."""
        if len(self.found) < MAX_PROBLEMS:
            row = where if isinstance(where, int) else 0
            path = where if isinstance(where, str) else ""
            self.found.append(Problem(path, name, message, params, row))

    def raise_any(self) -> None:
        if self.found:
            raise RubricError(self.found)


def _text(
    problems: _Problems,
    where: str | int,
    name: str,
    value: object,
    *,
    limit: int,
    required: bool = True,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(where, name, gettext_noop("This should be text."))
        return ""
    value = value.strip()
    if required and not value:
        problems.add(where, name, gettext_noop("This may not be empty."))
    elif len(value) > limit:
        problems.add(
            where,
            name,
            gettext_noop("This is %(length)s characters long; at most %(limit)s are allowed."),
            length=len(value),
            limit=limit,
        )
    elif control := CONTROL.search(value):
        problems.add(
            where,
            name,
            gettext_noop(
                "This holds an invisible control character (U+%(code)s): remove it and type "
                "the text again."
            ),
            code=f"{ord(control.group()):04X}",
        )
    return value


def _key(problems: _Problems, where: str | int, name: str, value: object) -> str:
    key = _text(problems, where, name, value, limit=KEY_LENGTH)
    if key and len(key) <= KEY_LENGTH and not KEY.fullmatch(key):
        problems.add(
            where,
            name,
            gettext_noop(
                "“%(key)s” is not a key: use lowercase letters, digits, and single hyphens "
                "or underscores between them."
            ),
            key=key,
        )
    return key


def _examples(
    problems: _Problems, where: str | int, name: str, values: Sequence[object]
) -> list[str]:
    if len(values) > MAX_EXAMPLES:
        problems.add(
            where,
            name,
            gettext_noop("There are %(count)s examples; at most %(limit)s are allowed."),
            count=len(values),
            limit=MAX_EXAMPLES,
        )
    examples = []
    for value in values:
        example = _text(problems, where, name, value, limit=EXAMPLE_LENGTH)
        if len(example.splitlines()) > 1:
            problems.add(where, name, gettext_noop("An example must be a single line."))
        examples.append(example)
    return examples


def check(rubric: Rubric, problems: _Problems | None = None, *, place: Any = None) -> None:
    """The rules every rubric meets, whichever format it came in: keys unique, two to seven
    stages, at least one section and one attribute in each, and a descriptor for every stage
    of every attribute and for no other. `place(kind, *indexes)` names where a part came from
    (a JSON path or a CSV row); raises `RubricError` with every problem found."""
    problems = problems or _Problems()
    where = place or _json_place
    if not MIN_STAGES <= len(rubric.stages) <= MAX_STAGES:
        problems.add(
            where("stages"),
            "stages",
            gettext_noop("A rubric has from %(low)s to %(high)s stages; this one has %(count)s."),
            low=MIN_STAGES,
            high=MAX_STAGES,
            count=len(rubric.stages),
        )
    stage_keys = [s.key for s in rubric.stages]
    _unique(problems, stage_keys, lambda i: where("stage", i), "key")
    if not rubric.sections:
        problems.add(where("sections"), "sections", gettext_noop("A rubric needs a section."))
    elif len(rubric.sections) > MAX_SECTIONS:
        problems.add(
            where("sections"),
            "sections",
            gettext_noop("There are %(count)s sections; at most %(limit)s are allowed."),
            count=len(rubric.sections),
            limit=MAX_SECTIONS,
        )
    _unique(problems, [s.key for s in rubric.sections], lambda i: where("section", i), "key")
    seen: dict[str, int] = {}
    for s, section in enumerate(rubric.sections):
        if not section.attributes:
            problems.add(
                where("section", s), "attributes", gettext_noop("A section needs an attribute.")
            )
        elif len(section.attributes) > MAX_ATTRIBUTES:
            problems.add(
                where("section", s),
                "attributes",
                gettext_noop("There are %(count)s attributes; at most %(limit)s are allowed."),
                count=len(section.attributes),
                limit=MAX_ATTRIBUTES,
            )
        for a, attribute in enumerate(section.attributes):
            if attribute.key in seen:
                problems.add(
                    where("attribute", s, a),
                    "key",
                    gettext_noop("The key “%(key)s” is used twice; each must be unique."),
                    key=attribute.key,
                )
            seen.setdefault(attribute.key, s)
            for stage in stage_keys:
                if not attribute.descriptors.get(stage, "").strip():
                    problems.add(
                        where("attribute", s, a),
                        "descriptors",
                        gettext_noop("The descriptor for the stage “%(stage)s” is missing."),
                        stage=stage,
                    )
            for stage in attribute.descriptors:
                if stage not in stage_keys:
                    problems.add(
                        where("attribute", s, a),
                        "descriptors",
                        gettext_noop(
                            "“%(stage)s” is not a stage of this rubric (its stages are %(stages)s)."
                        ),
                        stage=stage,
                        stages=", ".join(stage_keys),
                    )
    problems.raise_any()


def _unique(problems: _Problems, keys: Sequence[str], where: Any, name: str) -> None:
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key and key in seen:
            problems.add(
                where(i),
                name,
                gettext_noop("The key “%(key)s” is used twice; each must be unique."),
                key=key,
            )
        seen.add(key)


def _json_place(kind: str, *indexes: int) -> str:
    if kind == "stage":
        return f"stages[{indexes[0]}]"
    if kind == "section":
        return f"sections[{indexes[0]}]"
    if kind == "attribute":
        return f"sections[{indexes[0]}].attributes[{indexes[1]}]"
    return ""


# JSON ---------------------------------------------------------------------------------------


def to_json(rubric: Rubric) -> str:
    """The rubric as a JSON document of the schema `ecotone-rubric/1` (docs/quality.md)."""
    document = {
        "schema": SCHEMA,
        "key": rubric.key,
        "title": rubric.title,
        "description": rubric.description,
        "stages": [{"key": s.key, "name": s.name} for s in rubric.stages],
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "guidance": section.guidance,
                "attributes": [
                    {
                        "key": a.key,
                        "title": a.title,
                        "guidance": a.guidance,
                        "examples": list(a.examples),
                        "descriptors": {
                            s.key: a.descriptors[s.key]
                            for s in rubric.stages
                            if s.key in a.descriptors
                        },
                    }
                    for a in section.attributes
                ],
            }
            for section in rubric.sections
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def from_json(document: str | bytes | Mapping[str, Any]) -> Rubric:
    """Read a rubric from a JSON document (text, bytes or already parsed). Raises
    `RubricError` naming the path and field of every mistake."""
    problems = _Problems()
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except UnicodeDecodeError:
            problems.add("", "", gettext_noop("The file is not UTF-8 text."))
            problems.raise_any()
        except RecursionError:
            problems.add("", "", gettext_noop("The document is nested too deeply to be a rubric."))
            problems.raise_any()
        except json.JSONDecodeError as error:
            problems.add(
                "",
                "",
                gettext_noop("This is not JSON: %(error)s at line %(line)s, column %(column)s."),
                error=error.msg,
                line=error.lineno,
                column=error.colno,
            )
            problems.raise_any()
    top = _object(
        problems,
        "",
        "",
        document,
        ("schema", "key", "title", "description"),
        ("stages", "sections"),
    )
    if top is None:
        problems.raise_any()
        raise AssertionError  # unreachable: a problem was added
    if top.get("schema") != SCHEMA:
        problems.add(
            "",
            "schema",
            gettext_noop("The schema must be “%(schema)s”."),
            schema=SCHEMA,
        )
    stages = []
    for i, item in enumerate(_list(problems, "", "stages", top.get("stages"))):
        path = f"stages[{i}]"
        obj = _object(problems, path, "", item, ("key", "name"), ())
        if obj is not None:
            stages.append(
                Stage(
                    _key(problems, path, "key", obj.get("key")),
                    _text(problems, path, "name", obj.get("name"), limit=TITLE_LENGTH),
                )
            )
    sections = []
    for s, item in enumerate(_list(problems, "", "sections", top.get("sections"))):
        path = f"sections[{s}]"
        obj = _object(problems, path, "", item, ("key", "title", "guidance"), ("attributes",))
        if obj is None:
            continue
        attributes = []
        for a, entry in enumerate(_list(problems, path, "attributes", obj.get("attributes"))):
            attributes.append(_json_attribute(problems, f"{path}.attributes[{a}]", entry))
        sections.append(
            Section(
                key=_key(problems, path, "key", obj.get("key")),
                title=_text(problems, path, "title", obj.get("title"), limit=TITLE_LENGTH),
                guidance=_text(
                    problems,
                    path,
                    "guidance",
                    obj.get("guidance"),
                    limit=TEXT_LENGTH,
                    required=False,
                ),
                attributes=tuple(a for a in attributes if a is not None),
            )
        )
    rubric = Rubric(
        key=_key(problems, "", "key", top.get("key")),
        title=_text(problems, "", "title", top.get("title"), limit=TITLE_LENGTH),
        description=_text(
            problems, "", "description", top.get("description"), limit=TEXT_LENGTH, required=False
        ),
        stages=tuple(stages),
        sections=tuple(sections),
    )
    problems.raise_any()
    check(rubric, problems)
    return rubric


def _json_attribute(problems: _Problems, path: str, entry: object) -> Attribute | None:
    obj = _object(
        problems, path, "", entry, ("key", "title", "guidance"), ("examples", "descriptors")
    )
    if obj is None:
        return None
    examples = obj.get("examples")
    if examples is None:
        examples = []
    descriptors: dict[str, str] = {}
    raw = obj.get("descriptors")
    if not isinstance(raw, dict):
        problems.add(
            path,
            "descriptors",
            gettext_noop("This should be an object of one descriptor per stage key."),
        )
    else:
        for stage, text in raw.items():
            descriptors[str(stage)] = _text(
                problems, path, f"descriptors.{stage}", text, limit=TEXT_LENGTH, required=False
            )
    return Attribute(
        key=_key(problems, path, "key", obj.get("key")),
        title=_text(problems, path, "title", obj.get("title"), limit=TITLE_LENGTH),
        guidance=_text(
            problems, path, "guidance", obj.get("guidance"), limit=TEXT_LENGTH, required=False
        ),
        examples=tuple(
            _examples(problems, path, "examples", _list(problems, path, "examples", examples))
        ),
        descriptors=descriptors,
    )


def _object(
    problems: _Problems,
    path: str,
    name: str,
    value: object,
    fields: Sequence[str],
    lists: Sequence[str],
) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        problems.add(path, name, gettext_noop("This should be a JSON object."))
        return None
    allowed = {*fields, *lists}
    for unknown in sorted(set(value) - allowed):
        problems.add(
            path,
            str(unknown),
            gettext_noop("This field is not part of the schema (allowed: %(fields)s)."),
            fields=", ".join(sorted(allowed)),
        )
    return value


def _list(problems: _Problems, path: str, name: str, value: object) -> list[Any]:
    if not isinstance(value, list):
        problems.add(path, name, gettext_noop("This should be a JSON list."))
        return []
    return value


# CSV ----------------------------------------------------------------------------------------


def csv_rows(rubric: Rubric) -> Iterator[tuple[str, ...]]:
    """The rubric's rows under `COLUMNS`: one per attribute and stage in order, every column
    filled (a download writes them through `ecotone.exports`, which guards against formulas)."""
    for section in rubric.sections:
        for attribute in section.attributes:
            for stage in rubric.stages:
                yield (
                    rubric.key,
                    rubric.title,
                    rubric.description,
                    section.key,
                    section.title,
                    section.guidance,
                    attribute.key,
                    attribute.title,
                    attribute.guidance,
                    "\n".join(attribute.examples),
                    stage.key,
                    stage.name,
                    attribute.descriptors.get(stage.key, ""),
                )


def to_csv(rubric: Rubric) -> str:
    """The rubric as plain CSV text: the header (`COLUMNS`), then `csv_rows`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(csv_rows(rubric))
    return out.getvalue()


@dataclass
class _Draft:
    """A part being gathered from rows: its fields as first given, and the row of each."""

    row: int
    values: dict[str, str]
    children: list[str] = dataclasses.field(default_factory=list)


def from_csv(rows: str | Iterable[Sequence[object]]) -> Rubric:
    """Read a rubric from CSV text, or from rows already read (the first is the header). The
    header names columns of `COLUMNS` in any order; `rubric_description`, the guidance and the
    examples columns may be missing. Stages, sections and attributes come in the order they
    first appear. Raises `RubricError` naming the row and column of every mistake."""
    problems = _Problems()
    if isinstance(rows, str):
        rows = csv.reader(io.StringIO(rows.removeprefix("\ufeff"), newline=""))
    iterator = _rows(iter(rows), problems)
    header = next(iterator, None)
    if header is None:
        if not problems.found:
            problems.add(
                "", "", gettext_noop("The file is empty: its first row names the columns.")
            )
        problems.raise_any()
        raise AssertionError  # unreachable
    names = [str(cell if cell is not None else "").strip().lower() for cell in header]
    index = {name: i for i, name in enumerate(names) if name}
    for name in sorted({n for n in names if n and names.count(n) > 1}):
        problems.add(1, name, gettext_noop("This column appears twice."))
    for name in names:
        if name and name not in COLUMNS:
            problems.add(
                1,
                name,
                gettext_noop(
                    "This column is not part of the format (the columns are %(columns)s)."
                ),
                columns=", ".join(COLUMNS),
            )
    optional = {
        "rubric_description",
        "section_guidance",
        "attribute_guidance",
        "attribute_examples",
    }
    for name in COLUMNS:
        if name not in index and name not in optional:
            problems.add(1, name, gettext_noop("This column is missing."))
    problems.raise_any()

    rubric: _Draft | None = None
    stages: dict[str, _Draft] = {}
    sections: dict[str, _Draft] = {}
    attributes: dict[str, _Draft] = {}
    descriptors: dict[str, dict[str, str]] = {}
    examples: dict[str, list[str]] = {}
    for number, raw in enumerate(iterator, start=2):
        cells = {
            name: ("" if raw[i] is None else str(raw[i])) if i < len(raw) else ""
            for name, i in index.items()
        }
        if not any(value.strip() for value in cells.values()):
            continue
        where = number

        def text(
            name: str,
            limit: int,
            required: bool = True,
            where: int = where,
            cells: dict[str, str] = cells,
        ) -> str:
            return _text(problems, where, name, cells.get(name, ""), limit=limit, required=required)

        rubric_fields = {
            "key": _key(problems, where, "rubric_key", cells["rubric_key"])
            if rubric is None
            else cells["rubric_key"].strip(),
            "title": text("rubric_title", TITLE_LENGTH, rubric is None),
            "description": text("rubric_description", TEXT_LENGTH, False),
        }
        if rubric is None:
            rubric = _Draft(number, rubric_fields)
        else:
            _same(problems, where, rubric, rubric_fields, "rubric_")
        stage_key = _key(problems, where, "stage_key", cells["stage_key"])
        stage_name = text("stage_name", TITLE_LENGTH, stage_key not in stages)
        if stage_key and stage_key not in stages:
            stages[stage_key] = _Draft(number, {"name": stage_name})
        elif stage_key:
            _same(problems, where, stages[stage_key], {"name": stage_name}, "stage_")
        section_key = _key(problems, where, "section_key", cells["section_key"])
        section_fields = {
            "title": text("section_title", TITLE_LENGTH, section_key not in sections),
            "guidance": text("section_guidance", TEXT_LENGTH, False),
        }
        if section_key and section_key not in sections:
            sections[section_key] = _Draft(number, section_fields)
        elif section_key:
            _same(problems, where, sections[section_key], section_fields, "section_")
        attribute_key = _key(problems, where, "attribute_key", cells["attribute_key"])
        attribute_fields = {
            "section": section_key,
            "title": text("attribute_title", TITLE_LENGTH, attribute_key not in attributes),
            "guidance": text("attribute_guidance", TEXT_LENGTH, False),
            "examples": cells.get("attribute_examples", "").strip(),
        }
        if attribute_key and attribute_key not in attributes:
            attributes[attribute_key] = _Draft(number, attribute_fields)
            examples[attribute_key] = _examples(
                problems,
                where,
                "attribute_examples",
                [line for line in attribute_fields["examples"].splitlines() if line.strip()],
            )
            if section_key:
                sections[section_key].children.append(attribute_key)
        elif attribute_key:
            _same(problems, where, attributes[attribute_key], attribute_fields, "attribute_")
        descriptor = text("descriptor", TEXT_LENGTH, False)
        if attribute_key and stage_key:
            given = descriptors.setdefault(attribute_key, {})
            if stage_key in given:
                problems.add(
                    where,
                    "stage_key",
                    gettext_noop(
                        "The attribute “%(attribute)s” already has a row for the stage “%(stage)s”."
                    ),
                    attribute=attribute_key,
                    stage=stage_key,
                )
            given[stage_key] = descriptor
    if rubric is None and not problems.found:
        problems.add("", "", gettext_noop("The file has no rows after its header."))
    problems.raise_any()
    assert rubric is not None

    stage_list = list(stages)
    section_list = list(sections)

    def place(kind: str, *indexes: int) -> int:
        if kind == "stage":
            return stages[stage_list[indexes[0]]].row
        if kind == "section":
            return sections[section_list[indexes[0]]].row
        if kind == "attribute":
            return attributes[sections[section_list[indexes[0]]].children[indexes[1]]].row
        return 2

    result = Rubric(
        key=rubric.values["key"],
        title=rubric.values["title"],
        description=rubric.values["description"],
        stages=tuple(Stage(key, draft.values["name"]) for key, draft in stages.items()),
        sections=tuple(
            Section(
                key=key,
                title=draft.values["title"],
                guidance=draft.values["guidance"],
                attributes=tuple(
                    Attribute(
                        key=a,
                        title=attributes[a].values["title"],
                        guidance=attributes[a].values["guidance"],
                        examples=tuple(examples[a]),
                        descriptors=descriptors.get(a, {}),
                    )
                    for a in draft.children
                ),
            )
            for key, draft in sections.items()
        ),
    )
    check(result, problems, place=place)
    return result


def _rows(rows: Iterator[Sequence[object]], problems: _Problems) -> Iterator[Sequence[object]]:
    """The rows, up to one the csv module cannot read (a problem on its row)."""
    number = 0
    while True:
        number += 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            problems.add(
                number,
                "",
                gettext_noop("This row cannot be read as CSV: %(error)s."),
                error=str(error),
            )
            return  # the reader's state after an error is not to be trusted
        yield row


def _same(
    problems: _Problems, where: int, draft: _Draft, values: Mapping[str, str], prefix: str
) -> None:
    """A later row repeats a part's fields: each blank or as its first row gave it."""
    for name, value in values.items():
        first = draft.values.get(name, "")
        if value and value != first:
            column = "section_key" if name == "section" else prefix + name
            problems.add(
                where,
                column,
                gettext_noop("This differs from row %(row)s, which gave “%(first)s”."),
                row=draft.row,
                first=first,
            )


# The rubrics Ecotone ships, in our own words (docs/quality.md) -----------------------------

SHIPPED_DIRECTORY = Path(__file__).resolve().parent / "data"
SHIPPED = ("equity_in_stem_programs.json", "mentoring_program_practice.json")


def shipped() -> list[Rubric]:
    """The shipped rubrics, read through `from_json` like any other."""
    return [from_json((SHIPPED_DIRECTORY / name).read_text("utf-8")) for name in SHIPPED]
