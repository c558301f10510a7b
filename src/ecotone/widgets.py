"""Form widgets every app shares."""

from __future__ import annotations

from typing import Any

from django import forms


class DatePicker(forms.DateInput):
    """A browser's date picker. Its value is ISO (2026-12-06) in every language: a date input
    drops a value written the Spanish way (06/12/2026) and shows an empty field. What it sends
    back is ISO too, which Django reads in any language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimePicker(forms.DateTimeInput):
    """A browser's date-and-time picker (`datetime-local`), ISO (2026-12-06T17:00) in every
    language for the same reason as `DatePicker`."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
