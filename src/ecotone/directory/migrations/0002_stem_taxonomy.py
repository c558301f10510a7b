"""Create Ecotone's STEM-profile taxonomy (shared by every ecosystem)."""

from django.db import migrations


def create(apps, schema_editor):
    from ecotone.directory.taxonomy import ensure_stem_taxonomy

    ensure_stem_taxonomy(apps.get_model("directory", "Taxonomy"), apps.get_model("directory", "TaxonomyTerm"))


def remove(apps, schema_editor):
    from ecotone.directory.taxonomy import NAMESPACE
    import uuid

    apps.get_model("directory", "Taxonomy").objects.filter(
        hsds_id=uuid.uuid5(NAMESPACE, "taxonomy")
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
