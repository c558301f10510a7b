"""A token per ecosystem that changes whenever one of its programs' STEM-profile terms does.

Search keeps each ecosystem's programs' facet terms in memory as bit masks (`search.py`,
`profile_masks.py`) and rebuilds them when this token differs from the one they were built at.
`directory_profile_token` holds one row per ecosystem; triggers on `directory_programattribute`
give the row a new token on every insert, update and delete, bulk ones included, and so does
deleting a program (its terms may be deleted after it, when the program's row no longer says
which ecosystem they were in, and a new program may be given its key). A token is never reused (a sequence on PostgreSQL, whose values a rollback
does not give back; a random 64-bit number on SQLite), so that masks built inside a
transaction that was rolled back are never taken for current.

SQLite: Django rebuilds a table for some changes of its columns, which drops its triggers; a
migration that alters directory_programattribute or directory_program on SQLite must create
them again
(`SQLITE_TRIGGERS` here); tests/directory/test_search_scale.py fails without them.
"""

from typing import Any

from django.db import migrations

TABLE = "directory_profile_token"

# PostgreSQL: statement triggers with transition tables, one bump per ecosystem a statement
# touched (a bulk insert of 500,000 terms bumps once).
_BUMP = f"""
    INSERT INTO {TABLE} (ecosystem_id, token)
    SELECT e.ecosystem_id, nextval('{TABLE}_seq') FROM (
        SELECT DISTINCT p.ecosystem_id FROM changed c
        JOIN directory_program p ON p.id = c.program_id
    ) e
    ON CONFLICT (ecosystem_id) DO UPDATE SET token = EXCLUDED.token;
"""
POSTGRES_FORWARD = f"""
CREATE SEQUENCE {TABLE}_seq;
CREATE TABLE {TABLE} (ecosystem_id bigint PRIMARY KEY, token bigint NOT NULL);
INSERT INTO {TABLE} (ecosystem_id, token)
    SELECT id, nextval('{TABLE}_seq') FROM ecosystems_ecosystem;
CREATE FUNCTION directory_profile_changed() RETURNS trigger AS $$
BEGIN
{_BUMP}
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER directory_profile_inserted AFTER INSERT ON directory_programattribute
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION directory_profile_changed();
CREATE TRIGGER directory_profile_deleted AFTER DELETE ON directory_programattribute
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION directory_profile_changed();
CREATE TRIGGER directory_profile_updated_from AFTER UPDATE ON directory_programattribute
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION directory_profile_changed();
CREATE TRIGGER directory_profile_updated_to AFTER UPDATE ON directory_programattribute
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION directory_profile_changed();
CREATE FUNCTION directory_profile_programs_deleted() RETURNS trigger AS $$
BEGIN
    INSERT INTO {TABLE} (ecosystem_id, token)
    SELECT e.ecosystem_id, nextval('{TABLE}_seq') FROM (SELECT DISTINCT ecosystem_id FROM gone) e
    ON CONFLICT (ecosystem_id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER directory_profile_programs_deleted AFTER DELETE ON directory_program
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION directory_profile_programs_deleted();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS directory_profile_programs_deleted ON directory_program;
DROP FUNCTION IF EXISTS directory_profile_programs_deleted();
DROP TRIGGER IF EXISTS directory_profile_updated_to ON directory_programattribute;
DROP TRIGGER IF EXISTS directory_profile_updated_from ON directory_programattribute;
DROP TRIGGER IF EXISTS directory_profile_deleted ON directory_programattribute;
DROP TRIGGER IF EXISTS directory_profile_inserted ON directory_programattribute;
DROP FUNCTION IF EXISTS directory_profile_changed();
DROP TABLE IF EXISTS {TABLE};
DROP SEQUENCE IF EXISTS {TABLE}_seq;
"""


# SQLite: row triggers (it has no others). The WHERE keeps the upsert's ON from being read as a
# join's.
def _bump(row: str) -> str:
    return (
        f"INSERT INTO {TABLE} (ecosystem_id, token) SELECT ecosystem_id, random()"  # noqa: S608
        f" FROM directory_program WHERE id = {row}.program_id"
        " ON CONFLICT (ecosystem_id) DO UPDATE SET token = excluded.token;"
    )


SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS directory_profile_inserted"
    f" AFTER INSERT ON directory_programattribute BEGIN {_bump('NEW')} END",
    "CREATE TRIGGER IF NOT EXISTS directory_profile_deleted"
    f" AFTER DELETE ON directory_programattribute BEGIN {_bump('OLD')} END",
    "CREATE TRIGGER IF NOT EXISTS directory_profile_updated"
    f" AFTER UPDATE ON directory_programattribute BEGIN {_bump('OLD')} {_bump('NEW')} END",
    "CREATE TRIGGER IF NOT EXISTS directory_profile_program_deleted"
    f" AFTER DELETE ON directory_program BEGIN INSERT INTO {TABLE} (ecosystem_id, token)"
    " VALUES (OLD.ecosystem_id, random())"
    " ON CONFLICT (ecosystem_id) DO UPDATE SET token = excluded.token; END",
]
SQLITE_FORWARD = [
    f"CREATE TABLE {TABLE} (ecosystem_id integer PRIMARY KEY, token integer NOT NULL)",
    f"INSERT INTO {TABLE} (ecosystem_id, token) SELECT id, random() FROM ecosystems_ecosystem",
    *SQLITE_TRIGGERS,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS directory_profile_program_deleted",
    "DROP TRIGGER IF EXISTS directory_profile_updated",
    "DROP TRIGGER IF EXISTS directory_profile_deleted",
    "DROP TRIGGER IF EXISTS directory_profile_inserted",
    f"DROP TABLE IF EXISTS {TABLE}",
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
    dependencies = [
        ("directory", "0011_program_words_with_partner"),
        ("ecosystems", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
