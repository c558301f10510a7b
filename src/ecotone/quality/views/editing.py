"""Editing a rubric on a page (`quality.manage_rubrics`): a new draft copied from the latest
version, then one plain form that posts the whole draft. Adding, removing and moving a section
or an attribute are submit buttons that re-render the form with the change and save nothing
(no JavaScript); "Save the draft" checks it as an import is checked
(`services.rubrics.save_draft`) and shows each problem next to its field, keeping what was
typed. A new section or attribute gets its key from its title when saved; existing keys never
change. Publishing is the rubric's publish page.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.ecosystems.access import ecosystem_view
from ecotone.errors import DomainError

from .. import rubrics
from ..access import get_rubric, get_version
from ..models import RubricVersion
from ..services import rubrics as services

MANAGE = "quality.manage_rubrics"
ACTION = re.compile(r"(add|remove|up|down)-(section|attribute)(?:-(\d+))?(?:-(\d+))?")
PLACE = re.compile(r"sections\[(\d+)\](?:\.attributes\[(\d+)\])?|stages\[(\d+)\]")


def _rubric_url(version: RubricVersion) -> str:
    url = reverse("quality:rubric", args=[version.rubric.ecosystem.slug, version.rubric.key])
    return f"{url}?version={version.number}"


@ecosystem_view(MANAGE)
@require_POST
def new_draft(request: HttpRequest, ecosystem_slug: str, key: str) -> HttpResponse:
    record = get_rubric(request, key)
    try:
        version = services.new_draft(request.user, record)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("quality:rubric", record.ecosystem.slug, record.key)
    return redirect("quality:edit_draft", record.ecosystem.slug, record.key, version.number)


def _frozen(request: HttpRequest, version: RubricVersion) -> HttpResponse:
    return render(
        request,
        "quality/editing/frozen.html",
        {"version": version, "back": _rubric_url(version)},
        status=400,
    )


# The posted form <-> a rubric document -------------------------------------------------------


def _count(data: QueryDict, name: str, limit: int) -> int:
    try:
        return max(0, min(int(data.get(name, "0")), limit + 1))  # one over: the check names it
    except ValueError:
        return 0


def _posted(data: QueryDict, stored: dict[str, Any]) -> dict[str, Any]:
    """The draft as posted, as a rubric document. Stage keys and the rubric's key are the
    stored draft's; a posted section or attribute key is kept only when the draft has it."""
    sections = {s["key"] for s in stored["sections"]}
    attributes = {a["key"] for s in stored["sections"] for a in s["attributes"]}
    stages = [s["key"] for s in stored["stages"]]
    document: dict[str, Any] = {
        "schema": rubrics.SCHEMA,
        "key": stored["key"],
        "title": data.get("title", ""),
        "description": data.get("description", ""),
        "stages": [
            {"key": key, "name": data.get(f"stages-{i}-name", "")} for i, key in enumerate(stages)
        ],
        "sections": [],
    }
    for s in range(_count(data, "sections", rubrics.MAX_SECTIONS)):
        prefix = f"sections-{s}"
        section: dict[str, Any] = {
            "key": _known(data.get(f"{prefix}-key", ""), sections),
            "title": data.get(f"{prefix}-title", ""),
            "guidance": data.get(f"{prefix}-guidance", ""),
            "attributes": [],
        }
        for a in range(_count(data, f"{prefix}-attributes", rubrics.MAX_ATTRIBUTES)):
            name = f"{prefix}-attributes-{a}"
            examples = data.get(f"{name}-examples", "")
            section["attributes"].append(
                {
                    "key": _known(data.get(f"{name}-key", ""), attributes),
                    "title": data.get(f"{name}-title", ""),
                    "guidance": data.get(f"{name}-guidance", ""),
                    "examples": [line for line in examples.splitlines() if line.strip()],
                    "descriptors": {
                        stage: data.get(f"{name}-descriptors-{stage}", "") for stage in stages
                    },
                }
            )
        document["sections"].append(section)
    return document


def _known(key: str, known: set[str]) -> str:
    return key if key in known else ""


def _slug(title: str, fallback: str) -> str:
    slug = re.sub(r"[-_]+", "-", slugify(title))[: rubrics.KEY_LENGTH].strip("-")
    return slug or fallback


def _with_keys(document: dict[str, Any]) -> dict[str, Any]:
    """New sections and attributes get a key made from their title (a duplicate is refused by
    the check, on the title)."""
    for section in document["sections"]:
        section["key"] = section["key"] or _slug(section["title"], "section")
        for attribute in section["attributes"]:
            attribute["key"] = attribute["key"] or _slug(attribute["title"], "attribute")
    return document


def _changed(document: dict[str, Any], action: str, stages: list[str]) -> str:
    """Apply an add, remove or move button to the document; the name of the field to focus."""
    found = ACTION.fullmatch(action)
    if found is None:
        return ""
    verb, kind = found.group(1), found.group(2)
    s = int(found.group(3)) if found.group(3) is not None else None
    a = int(found.group(4)) if found.group(4) is not None else None
    sections = document["sections"]
    blank = {
        "key": "",
        "title": "",
        "guidance": "",
        "examples": [],
        "descriptors": dict.fromkeys(stages, ""),
    }
    if kind == "section":
        if verb == "add":
            sections.append({"key": "", "title": "", "guidance": "", "attributes": [blank]})
            return f"sections-{len(sections) - 1}-title"
        items, index, prefix = sections, s, "sections"
    else:
        if s is None or not 0 <= s < len(sections):
            return ""
        items = sections[s]["attributes"]
        if verb == "add":
            items.append(blank)
            return f"sections-{s}-attributes-{len(items) - 1}-title"
        index, prefix = a, f"sections-{s}-attributes"
    if index is None or not 0 <= index < len(items):
        return ""
    if verb == "remove":
        items.pop(index)
        return ""
    other = index - 1 if verb == "up" else index + 1
    if not 0 <= other < len(items):
        return ""
    items[index], items[other] = items[other], items[index]
    return f"{prefix}-{other}-title"


def _field_of(problem: rubrics.Problem) -> tuple[str, str]:
    """The form field a problem belongs to ("" when none), and where it is in words."""
    if not problem.where:
        name = problem.field if problem.field in ("title", "description") else ""
        return name, _("Rubric")
    place = PLACE.fullmatch(problem.where)
    if place is None:
        return "", ""
    section, attribute, stage = place.groups()
    if stage is not None:
        name = f"stages-{stage}-name" if problem.field == "name" else ""
        return name, _("Stage %(n)s") % {"n": int(stage) + 1}
    prefix = f"sections-{section}"
    where = _("Section %(n)s") % {"n": int(section) + 1}
    if attribute is not None:
        prefix = f"{prefix}-attributes-{attribute}"
        where = _("Section %(s)s, attribute %(a)s") % {
            "s": int(section) + 1,
            "a": int(attribute) + 1,
        }
    field = problem.field
    if field == "key":
        field = "title"  # a key is made from the title
    elif field == "descriptors" and "stage" in problem.params:
        field = f"descriptors-{problem.params['stage']}"
    elif field.startswith("descriptors."):
        field = field.replace(".", "-", 1)
    elif field == "attributes":
        return prefix, where  # the section's list of attributes
    if field not in ("title", "guidance", "examples") and not field.startswith("descriptors-"):
        return "", where
    return f"{prefix}-{field}", where


def _errors(error: services.RubricFileError) -> tuple[dict[str, list[str]], list[Any]]:
    """Each problem's message by field, and the error summary's entries (text, target)."""
    by_field: dict[str, list[str]] = {}
    summary = []
    for problem, described in zip(error.found, error.problems, strict=True):
        name, where = _field_of(problem)
        if problem.field == "key" and by_field.get(name):
            continue  # an empty or refused title already says why its key is wrong
        message = described["message"]
        if problem.field == "key" and name:
            message = _(
                "Another section or attribute already has the key “%(key)s” this title "
                "gives: choose another title."
            ) % {"key": problem.params.get("key", "")}
        by_field.setdefault(name, []).append(message)
        text = f"{where}: {message}" if where else message
        summary.append((text, f"f-{name}" if name else ""))
    return by_field, summary


def _field(name: str, value: str, errors: dict[str, list[str]], focus: str) -> dict[str, Any]:
    return {
        "name": name,
        "id": f"f-{name}",
        "value": value,
        "errors": errors.get(name, []),
        "focus": name == focus,
    }


def _form(
    document: dict[str, Any], errors: dict[str, list[str]], focus: str = ""
) -> dict[str, Any]:
    """The document as the template's fields, each with its name, value and errors."""
    stages = document["stages"]
    sections = []
    for s, section in enumerate(document["sections"]):
        prefix = f"sections-{s}"
        attributes = []
        for a, attribute in enumerate(section["attributes"]):
            name = f"{prefix}-attributes-{a}"
            attributes.append(
                {
                    "index": a,
                    "number": a + 1,
                    "key": attribute["key"],
                    "title": _field(f"{name}-title", attribute["title"], errors, focus),
                    "guidance": _field(f"{name}-guidance", attribute["guidance"], errors, focus),
                    "examples": _field(
                        f"{name}-examples", "\n".join(attribute["examples"]), errors, focus
                    ),
                    "descriptors": [
                        {
                            "stage": stage,
                            "field": _field(
                                f"{name}-descriptors-{stage['key']}",
                                attribute["descriptors"].get(stage["key"], ""),
                                errors,
                                focus,
                            ),
                        }
                        for stage in stages
                    ],
                }
            )
        sections.append(
            {
                "index": s,
                "number": s + 1,
                "key": section["key"],
                "prefix": prefix,
                "title": _field(f"{prefix}-title", section["title"], errors, focus),
                "guidance": _field(f"{prefix}-guidance", section["guidance"], errors, focus),
                "errors": errors.get(prefix, []),
                "attributes": attributes,
            }
        )
    return {
        "title": _field("title", document["title"], errors, focus),
        "description": _field("description", document["description"], errors, focus),
        "stages": [
            {"key": stage["key"], "field": _field(f"stages-{i}-name", stage["name"], errors, focus)}
            for i, stage in enumerate(stages)
        ],
        "sections": sections,
        "errors": errors.get("", []),
    }


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def edit_draft(request: HttpRequest, ecosystem_slug: str, key: str, number: int) -> HttpResponse:
    version = get_version(request, key, number)
    if version.is_published:
        return _frozen(request, version)
    stored = version.content
    errors: dict[str, list[str]] = {}
    summary: list[Any] = []
    focus = ""
    document = stored
    if request.method == "POST":
        document = _posted(request.POST, stored)
        action = request.POST.get("action", "save")
        if action != "save":
            focus = _changed(document, action, [s["key"] for s in stored["stages"]])
        else:
            try:
                services.save_draft(request.user, version, _with_keys(document))
            except services.RubricFileError as error:
                errors, summary = _errors(error)
            except DomainError as error:
                summary = [(str(error), "")]
            else:
                messages.success(
                    request,
                    _("Version %(number)s is saved as a draft: publish it when it is ready.")
                    % {"number": version.number},
                )
                return redirect(_rubric_url(version))
    return render(
        request,
        "quality/editing/edit.html",
        {
            "version": version,
            "form": _form(document, errors, focus),
            "summary": summary,
            "back": _rubric_url(version),
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def delete_draft(request: HttpRequest, ecosystem_slug: str, key: str, number: int) -> HttpResponse:
    version = get_version(request, key, number)
    if version.is_published:
        return _frozen(request, version)
    if request.method == "POST":
        try:
            services.delete_draft(request.user, version)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(_rubric_url(version))
        messages.success(
            request, _("The draft version %(number)s is deleted.") % {"number": number}
        )
        return redirect("quality:rubric", version.rubric.ecosystem.slug, key)
    return render(
        request, "quality/editing/delete.html", {"version": version, "back": _rubric_url(version)}
    )


urlpatterns = [
    path("rubrics/<slug:key>/new-draft/", new_draft, name="new_draft"),
    path("rubrics/<slug:key>/versions/<int:number>/edit/", edit_draft, name="edit_draft"),
    path("rubrics/<slug:key>/versions/<int:number>/delete/", delete_draft, name="delete_draft"),
]
