"""Operations of the mentoring domain, one module per area:

- `screening`: record and verify screening steps, stages, expiry;
- `matches`: a match's life (request, invite, publish, accept, decline, start, check-in, close);
- `hours`: log, approve (in bulk), export;
- `profiles`: mentor sign-up, profile, consent;
- `opportunities`: programs' needs;
- `rounds`: matching rounds (the engine over the database), review, re-solve, publish;
- `dashboards`: figures for staff, with small-cell suppression where they describe students;
- `network`: mentoring's figures and trends on a network's page (no count of students).

Views, API endpoints, commands and tasks all call these; each takes the acting user, runs in
one transaction with its audit trail (`ecosystems.services.acting`) and raises `DomainError`
with a message a person can read.
"""
