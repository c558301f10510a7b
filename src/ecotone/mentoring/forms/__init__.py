"""Forms of the mentoring pages, one module per area (as `views/` and `services/`):

- `matches`: a match's life (the list's filters, decline, agreement, check-in, closure,
  withdrawal) and hours (logging, the list's filters, review);
- `mentors`: the mentor profile, screening records and steps, the mentor and roster filters, and
  the languages offered everywhere;
- `opportunities`: the opportunity lists' search and filters, and what a program posts;
- `rounds`: the form that starts a matching round.

Forms shape input; the rules are the services', so the API obeys them too.
"""
