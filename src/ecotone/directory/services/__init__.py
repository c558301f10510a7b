"""Operations on the directory, one module per area:

- `listings`: a listing saved (published at once by backbone staff, else queued for review),
  archived and restored, and whose listings a person keeps; `apply_listing_state`, the one
  writer of a listing;
- `moderation`: approve, reject or withdraw a pending change;
- `verification`: "still accurate", stale listings and the reminders about them (the daily task
  `remind_verification`);
- `locations`: an organization's locations, not moderated, placed at their ZIP code's center
  when no coordinates are given;
- `network`: the directory's figures on a network's page (programs, places, trends, centres).

Views, commands and tasks call these; each takes the acting user, runs in one transaction with
its audit trail (`ecosystems.services.acting`) and raises `DomainError` with a message a person
can read.
"""
