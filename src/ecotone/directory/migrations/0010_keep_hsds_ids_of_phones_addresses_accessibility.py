from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_limit_text_lengths"),
    ]

    operations = [
        migrations.AddField(
            model_name="program",
            name="phone_hsds_id",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="location",
            name="address_hsds_id",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="location",
            name="accessibility_hsds_id",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
    ]
