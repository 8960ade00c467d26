"""The count of listed stories and the triggers that keep it (see library/listed.py)."""

from typing import Any

from django.db import migrations, models


def install_triggers(apps: Any, schema_editor: Any) -> None:
    from reading import listed

    # Stories have no owner yet: 0006 installs the triggers that count shared ones only.
    listed.install(schema_editor.connection, shared_only=False)


def uninstall_triggers(apps: Any, schema_editor: Any) -> None:
    from reading import listed

    listed.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0002_search_index"),
        ("articles", "0002_feeds"),
    ]

    operations = [
        migrations.CreateModel(
            name="ListedStories",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("total", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name_plural": "listed stories",
            },
        ),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
