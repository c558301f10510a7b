"""How much one record's fields may hold, for forms and the API alike.

A real record needs far less; past these, input is refused with the field named, before it
costs a long write that holds every other writer up (a partner PATCH with 12,000 contacts
took 53 seconds and made concurrent edits fail with "database is locked").
"""

# A description, a bio, notes: several paragraphs.
LONG_TEXT = 10_000
# A message, a reason, a one-line list (skills, days of the month), a few lines of settings.
SHORT_TEXT = 2_000
# Search words.
SEARCH_TEXT = 200
# Contacts of one partner organization.
CONTACTS = 50
