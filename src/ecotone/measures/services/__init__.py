"""Operations of shared measurement, one module per area:

- `indicators`: define, edit (a new version when the meaning changes), publish, archive and
  restore indicators; install the starter library;
- `crosswalk`: what a partner's own codes mean, and the `Resolver` that reads any accepted
  spelling of a code (standard tables first, then the crosswalk);
- `facts`: the fact table's keys: periods and dimension combinations;
- `agreements`: partners' data sharing agreements (record, change, end; what they cover);
- `submissions`: partners' files of values (check, submit, approve, return; templates);
- `collections`: data collections (open, change, close), their status grid and reminders.

Views, API endpoints, commands and tasks all call these; each takes the acting user, runs in
one transaction with its audit trail (`ecosystems.services.acting`) and raises `DomainError`
with a message a person can read.
"""
