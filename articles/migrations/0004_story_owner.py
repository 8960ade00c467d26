"""A story belongs to one reader when it was made from text they supplied (see Story).

Every story stays shared here; 0005 decides which existing stories are a reader's copy.
The URL is unique among shared stories and among each reader's copies, no longer across
both: a reader's copy may carry a shared story's URL."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_feed_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="story",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                help_text="The reader whose own copy this is; empty for a shared story.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="own_stories",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="story",
            name="url",
            field=models.URLField(blank=True, max_length=2000, null=True),
        ),
        migrations.AddConstraint(
            model_name="story",
            constraint=models.UniqueConstraint(
                condition=models.Q(("owner__isnull", True)),
                fields=("url",),
                name="unique_shared_url",
            ),
        ),
        migrations.AddConstraint(
            model_name="story",
            constraint=models.UniqueConstraint(
                condition=models.Q(("owner__isnull", False)),
                fields=("owner", "url"),
                name="unique_own_url",
            ),
        ),
    ]
