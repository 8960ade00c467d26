"""Owners are indexed for their copies only: an index holding the shared stories too made
the database read every shared story through it and sort them, instead of walking the
listing index in order (front page, newer/older)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_story_owner"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="story",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="The reader whose own copy this is; empty for a shared story.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="own_stories",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="story",
            index=models.Index(
                condition=models.Q(("owner__isnull", False)),
                fields=["owner", "-sort_date", "-id"],
                name="story_own_listing_idx",
            ),
        ),
    ]
