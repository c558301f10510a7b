"""A GIN index of each program's own words, on PostgreSQL only (SQLite has no such index).

Keyword search filters on exactly this expression (`search.program_document`), so that a
national directory is not run through to_tsvector row by row on every search. The expression
is written out here, not imported, so that this migration keeps meaning what it did;
tests/directory/test_search_index.py checks that the search still uses the index.
"""

from typing import Any

from django.db import migrations

INDEX_NAME = "directory_program_words_gin"


def _index() -> Any:
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    document = SearchVector("name", weight="A", config="english") + SearchVector(
        "description", weight="C", config="english"
    )
    return GinIndex(document, name=INDEX_NAME)


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("directory", "Program"), _index())
        # Statistics for the new expression, or the planner guesses a match is rare.
        schema_editor.execute("ANALYZE directory_program")


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("directory", "Program"), _index())


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_map_version_indexes")]

    operations = [migrations.RunPython(create, drop)]
