"""Forms of the mentoring pages, one module per area (as `views/` and `services/`):

- `matches`: a match's life (the list's filters, decline, agreement, check-in, closure,
  withdrawal) and hours (logging, the list's filters, review);
- `mentors`: the mentor profile, screening records and steps, the mentor and roster filters, and
  the languages offered everywhere;
- `opportunities`: the opportunity lists' search and filters, and what a program posts;
- `rounds`: the form that starts a matching round.

Forms shape input; the rules are the services', so the API obeys them too.
"""

from django import forms


def date_input() -> forms.DateInput:
    """A browser's date picker. Its value is ISO (2026-12-06) in every language: a date input
    shows nothing for a value written the Spanish way (06/12/2026)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
