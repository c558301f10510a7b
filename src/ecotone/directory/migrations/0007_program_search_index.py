"""Each program's own words as a stored, GIN-indexed tsvector, on PostgreSQL.

A trigger computes `search_words` from the name (weight A) and the description (weight C) on
every insert and update, bulk ones included, so that keyword search reads a stored vector
through an index instead of running to_tsvector over a national directory on every search.
On SQLite the column exists and stays empty (keyword search matches the text there).
"""

from typing import Any

import django.contrib.postgres.search
from django.db import migrations

WORDS = (
    "setweight(to_tsvector('english'::regconfig, coalesce({row}name, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, coalesce({row}description, '')), 'C')"
)
CREATE = f"""
CREATE FUNCTION directory_program_search_words() RETURNS trigger AS $$
BEGIN
    NEW.search_words := {WORDS.format(row="NEW.")};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER directory_program_search_words BEFORE INSERT OR UPDATE ON directory_program
    FOR EACH ROW EXECUTE FUNCTION directory_program_search_words();
UPDATE directory_program SET search_words = {WORDS.format(row="")};
CREATE INDEX directory_program_search_words_gin ON directory_program USING gin (search_words);
ANALYZE directory_program;
"""
DROP = """
DROP INDEX IF EXISTS directory_program_search_words_gin;
DROP TRIGGER IF EXISTS directory_program_search_words ON directory_program;
DROP FUNCTION IF EXISTS directory_program_search_words();
"""


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("directory", "0006_moderation")]

    operations = [
        migrations.AddField(
            model_name="program",
            name="search_words",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create, drop),
    ]
