"""Every form's date pickers carry an ISO value, whatever the language of the page."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date

import pytest
from django import forms
from django.utils import translation

import ecotone
from ecotone.directory.forms import ScheduleForm
from ecotone.mentoring.forms.opportunities import OpportunityForm
from ecotone.widgets import DatePicker


def _form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(ecotone.__path__, "ecotone."):
        if module.name.endswith(".forms") or ".forms." in module.name:
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    todo: list[type[forms.BaseForm]] = [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("ecotone."):
            found.append(cls)
    return found


def test_every_date_field_of_every_form_is_a_date_picker() -> None:
    dates = {
        f"{cls.__module__}.{cls.__name__}.{name}": field.widget
        for cls in _form_classes()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
    }
    assert "ecotone.directory.forms.ScheduleForm.dtstart" in dates
    assert "ecotone.mentoring.forms.matches.HourLogForm.date" in dates
    others = {name: type(widget).__name__ for name, widget in dates.items()}
    pickers = ("DatePicker", "DateTimePicker")
    assert {name: kind for name, kind in others.items() if kind not in pickers} == {}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_date_picker_shows_its_date_in_iso_in_every_language(language: str) -> None:
    with translation.override(language):
        schedule = ScheduleForm(initial={"dtstart": date(2026, 9, 14)}, prefix="s")
        assert 'type="date" name="s-dtstart" value="2026-09-14"' in str(schedule["dtstart"])
        opportunity = OpportunityForm.base_fields["starts_on"]
        html = opportunity.widget.render("starts_on", date(2026, 12, 6))
        assert 'value="2026-12-06"' in html


def test_a_date_picker_s_iso_value_is_read_in_every_language() -> None:
    class Dated(forms.Form):
        day = forms.DateField(widget=DatePicker())

    for language in ("en", "es"):
        with translation.override(language):
            form = Dated({"day": "2026-12-06"})
            assert form.is_valid(), form.errors
            assert form.cleaned_data["day"] == date(2026, 12, 6)
