from django.db import migrations, models


def mark_published(apps, schema_editor):
    """A round's match that left review went out when its round was published. A withdrawn one
    went out if either side had accepted it; the others were withdrawn in review."""
    Match = apps.get_model("mentoring", "Match")
    went_out = (
        Match.objects.filter(round__isnull=False)
        .exclude(status="proposed")
        .filter(
            ~models.Q(status="withdrawn")
            | models.Q(mentor_accepted_at__isnull=False)
            | models.Q(program_accepted_at__isnull=False)
        )
        .select_related("round")
    )
    for match in went_out:
        match.published_at = match.round.published_at or match.updated_at
        match.save(update_fields=["published_at"])

class Migration(migrations.Migration):
    dependencies = [
        ("mentoring", "0005_limit_text_lengths"),
    ]

    operations = [
        migrations.AddField(
            model_name="match",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="published"),
        ),
        migrations.RemoveConstraint(
            model_name="match",
            name="one_live_match_per_pair",
        ),
        migrations.AddConstraint(
            model_name="match",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["accepted", "active", "offered"])),
                fields=("mentor", "opportunity"),
                name="one_live_match_per_pair",
            ),
        ),
        migrations.RunPython(mark_published, migrations.RunPython.noop),
    ]
