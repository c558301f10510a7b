"""Add the `profile/...` terms (single-valued STEM-profile fields) to Ecotone's taxonomy.

They let the HSDS export carry delivery, cost band, seats, mentoring depth and the other
single-valued fields as attributes with a value. `ensure_stem_taxonomy` only adds what is
missing, so running it again leaves the facet terms of 0002 as they are.
"""

from django.db import migrations


def create(apps, schema_editor):
    from ecotone.directory.taxonomy import ensure_stem_taxonomy

    ensure_stem_taxonomy(apps.get_model("directory", "Taxonomy"), apps.get_model("directory", "TaxonomyTerm"))


def remove(apps, schema_editor):
    import uuid

    from ecotone.directory.taxonomy import NAMESPACE, PROFILE

    # The parent term's children (and attributes using them) go with it (on_delete=CASCADE).
    apps.get_model("directory", "TaxonomyTerm").objects.filter(
        hsds_id=uuid.uuid5(NAMESPACE, PROFILE)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_stem_taxonomy")]

    operations = [migrations.RunPython(create, remove)]
