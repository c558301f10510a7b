"""Keyword search reads an index of every word it matches, the partner's name included.

PostgreSQL: `search_words` becomes the whole document a keyword search matches and ranks on
(the name, weight A; the partner's name, B; the description, C: what `search.full_document`
computes), so that a search filters and ranks on the stored vector instead of building it from
the text for every match. The program's trigger reads its partner's name; a partner renamed
has its programs' words recomputed.

SQLite: an FTS5 table of trigrams, `directory_program_words` (the name, the description and
the partner's name, keyed by the program's id), kept in step by triggers on the programs and on
their partners, so that a keyword (a substring of three letters or more, as the LIKE match it
replaces) is found through the index instead of a scan of every program's text.

Django rebuilds a SQLite table for some later changes of its columns (a new table copied in,
the old one dropped), which drops the triggers with it: a migration that alters
directory_program or ecosystems_organization on SQLite must create them again (the statements
in `SQLITE_TRIGGERS` here); tests/directory/test_search_words.py fails without them.
"""

from typing import Any

from django.db import migrations

# PostgreSQL ----------------------------------------------------------------------------------

DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, coalesce({row}name, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, coalesce({partner}, '')), 'B')"
    " || setweight(to_tsvector('english'::regconfig, coalesce({row}description, '')), 'C')"
)
PARTNER = "(SELECT o.name FROM ecosystems_organization o WHERE o.id = {row}organization_id)"
OWN_WORDS = (
    "setweight(to_tsvector('english'::regconfig, coalesce({row}name, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, coalesce({row}description, '')), 'C')"
)


def _program_function(words: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION directory_program_search_words() RETURNS trigger AS $$
BEGIN
    NEW.search_words := {words};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


POSTGRES_FORWARD = f"""
{_program_function(DOCUMENT.format(row="NEW.", partner=PARTNER.format(row="NEW.")))}
CREATE FUNCTION directory_partner_search_words() RETURNS trigger AS $$
BEGIN
    -- The programs' own trigger computes their words again, with the new name.
    UPDATE directory_program SET search_words = NULL WHERE organization_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER directory_partner_search_words AFTER UPDATE OF name ON ecosystems_organization
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION directory_partner_search_words();
-- Every program's words again, by its trigger.
UPDATE directory_program SET search_words = NULL;
ANALYZE directory_program;
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS directory_partner_search_words ON ecosystems_organization;
DROP FUNCTION IF EXISTS directory_partner_search_words();
{_program_function(OWN_WORDS.format(row="NEW."))}
UPDATE directory_program SET search_words = NULL;
"""

# SQLite --------------------------------------------------------------------------------------

WORDS_ROW = (
    "INSERT INTO directory_program_words (rowid, name, description, partner) VALUES ("
    "NEW.id, NEW.name, NEW.description, "
    "(SELECT name FROM ecosystems_organization WHERE id = NEW.organization_id));"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS directory_program_words_insert AFTER INSERT ON directory_program"
    f" BEGIN {WORDS_ROW} END",
    "CREATE TRIGGER IF NOT EXISTS directory_program_words_update"
    " AFTER UPDATE OF name, description, organization_id ON directory_program BEGIN"
    f" DELETE FROM directory_program_words WHERE rowid = OLD.id; {WORDS_ROW} END",
    "CREATE TRIGGER IF NOT EXISTS directory_program_words_delete AFTER DELETE ON directory_program"
    " BEGIN DELETE FROM directory_program_words WHERE rowid = OLD.id; END",
    "CREATE TRIGGER IF NOT EXISTS directory_partner_words"
    " AFTER UPDATE OF name ON ecosystems_organization BEGIN"
    " UPDATE directory_program_words SET partner = NEW.name"
    " WHERE rowid IN (SELECT id FROM directory_program WHERE organization_id = NEW.id); END",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE directory_program_words"
    " USING fts5(name, description, partner, tokenize = 'trigram')",
    "INSERT INTO directory_program_words (rowid, name, description, partner)"
    " SELECT p.id, p.name, p.description, o.name FROM directory_program p"
    " JOIN ecosystems_organization o ON o.id = p.organization_id",
    *SQLITE_TRIGGERS,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS directory_partner_words",
    "DROP TRIGGER IF EXISTS directory_program_words_delete",
    "DROP TRIGGER IF EXISTS directory_program_words_update",
    "DROP TRIGGER IF EXISTS directory_program_words_insert",
    "DROP TABLE IF EXISTS directory_program_words",
]


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("directory", "0010_keep_hsds_ids_of_phones_addresses_accessibility")]

    operations = [migrations.RunPython(forward, backward)]
