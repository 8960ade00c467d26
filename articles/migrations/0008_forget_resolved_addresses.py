"""Stored fetch errors said what a refused name resolved to ("Refused: wiki.corp resolves to
10.0.0.5, which is not a public address"), a glimpse of the private network shown on
sources, feed items and stories. They now say only "Refused: wiki.corp is not a public
address"; this rewrites the messages already stored the same way."""

import re
from typing import Any

from django.db import migrations

RESOLVED = re.compile(r" resolves to \S+, which is not a public address")
FIELDS = [("Source", "last_error"), ("FeedEntry", "error"), ("StoryRevision", "page_error")]


def forget_addresses(apps: Any, schema_editor: Any) -> None:
    for model_name, field in FIELDS:
        model = apps.get_model("articles", model_name)
        rows = model.objects.filter(**{f"{field}__contains": " resolves to "})
        for pk, message in rows.values_list("pk", field).iterator():
            cleaned = RESOLVED.sub(" is not a public address", message)
            if cleaned != message:
                model.objects.filter(pk=pk).update(**{field: cleaned})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_story_goes_with_its_revisions"),
    ]

    operations = [
        # Nothing to put back: the addresses are what this forgets.
        migrations.RunPython(forget_addresses, migrations.RunPython.noop),
    ]
