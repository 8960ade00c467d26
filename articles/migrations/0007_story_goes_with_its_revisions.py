"""A story is deleted with its revisions (its current one is RESTRICTed, no longer
PROTECTed): deleting an account deletes the reader's own copies. No SQL: Django enforces
on_delete itself."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_reader_copies"),
    ]

    operations = [
        migrations.AlterField(
            model_name="story",
            name="current_revision",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="articles.storyrevision",
            ),
        ),
    ]
