"""Partner self-service and moderation of listings:

- `state`: a listing's editable state as one JSON-ready dict, and the difference between two;
- `views` and `urls`: the pages under `/e/<ecosystem_slug>/listings/` (a partner's listings,
  the moderation queue, the listing and location forms).

What the pages do is in `directory.services`.
"""
