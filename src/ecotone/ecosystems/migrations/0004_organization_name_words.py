"""An index on each partner's name as words, on PostgreSQL.

A keyword search also matches programs through their partner's name; it first asks which
partners' names hold the words. Without this index that question runs to_tsvector over every
partner of every ecosystem on each search. The expression is the one Django writes for
`SearchVector("name", config="english")`, so that the planner can use the index for it.
"""

from typing import Any

from django.db import migrations

CREATE = """
CREATE INDEX ecosystems_organization_name_words ON ecosystems_organization
    USING gin (to_tsvector('english'::regconfig, COALESCE(name, '')));
"""
DROP = "DROP INDEX IF EXISTS ecosystems_organization_name_words;"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("ecosystems", "0003_verification_age")]

    operations = [migrations.RunPython(create, drop)]
