"""Organizations get a stored HSDS id.

Until now the HSDS export derived an organization's id from the ecosystem's slug and the row's
key (uuid5 of "<slug>/<pk>"). Existing organizations keep that id, so ids already published in
exports and the HSDS API do not change; new ones get a random UUID.
"""

import uuid

from django.db import migrations, models

# The namespace `directory.hsds.organization_id()` used; copied so the migration stays frozen.
ORGANIZATION_NAMESPACE = uuid.UUID("5d0c2f7e-6b1a-4c3e-9d7a-ec070e000002")


def fill_hsds_ids(apps, schema_editor):
    Organization = apps.get_model("ecosystems", "Organization")
    for organization in Organization.objects.select_related("ecosystem").iterator():
        organization.hsds_id = uuid.uuid5(
            ORGANIZATION_NAMESPACE, f"{organization.ecosystem.slug}/{organization.pk}"
        )
        organization.save(update_fields=["hsds_id"])


class Migration(migrations.Migration):
    dependencies = [("ecosystems", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="hsds_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_hsds_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organization",
            name="hsds_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
