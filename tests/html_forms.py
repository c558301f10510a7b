"""A page's forms as a browser submits them, for test-client tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _FormReader(HTMLParser):
    """Collects what a browser submits for each <form> of a page, with nothing touched."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []
        self._option: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        fields = self.forms[-1] if self.forms else None
        if tag == "form":
            self.forms.append([])
        elif fields is None:
            return
        elif tag == "input" and "name" in a and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.append((a["name"], a.get("value", "on")))
            elif kind == "date":
                # A browser drops a date it cannot read as ISO (value sanitization).
                value = a.get("value", "")
                fields.append((a["name"], value if _ISO_DATE.fullmatch(value) else ""))
            elif kind not in ("submit", "button", "file", "reset"):
                fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and "name" in a:
            self._select, self._options = a["name"], []
            self._multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a}
            self._text = ""
        elif tag == "textarea" and "name" in a:
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None:
            value = self._option["value"]
            self._options.append(
                (value if value is not None else self._text.strip(), self._option["selected"])
            )
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if self._multiple:
                self.forms[-1].extend((self._select, value) for value in chosen)
            else:
                # A browser submits the first option of a single select when none is selected.
                value = chosen[0] if chosen else (self._options[0][0] if self._options else None)
                if value is not None:
                    self.forms[-1].append((self._select, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1].append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def browser_form(html: str, containing: str) -> dict[str, Any]:
    """The POST a browser sends for the page's form holding field `containing`, untouched:
    blank extra formset rows included, with the defaults their widgets show."""
    reader = _FormReader()
    reader.feed(html)
    for fields in reader.forms:
        if any(name == containing for name, _value in fields):
            data: dict[str, Any] = {}
            for name, value in fields:
                data.setdefault(name, []).append(value)
            return {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    raise AssertionError(f"no form with a field {containing!r}")
