"""The reading app takes over the former library app's models (reading state, display
preferences, the listed-stories count) without touching a row: their tables keep their
names (each model's db_table), so only Django's idea of which app owns them changes here
and in library 0008. Content types and signed-in sessions follow them, so that admin
permissions keep applying and no reader is signed out by the move."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("readingstate", "userpreferences", "listedstories")
OLD_BACKEND = "library.auth.PreferencesBackend"
NEW_BACKEND = "reading.auth.PreferencesBackend"


def _move_content_types(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def _move_sessions(apps, old: str, new: str) -> None:
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == old:
            data[BACKEND_SESSION_KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


def forwards(apps, schema_editor):
    _move_content_types(apps, "library", "reading")
    _move_sessions(apps, OLD_BACKEND, NEW_BACKEND)


def backwards(apps, schema_editor):
    _move_content_types(apps, "reading", "library")
    _move_sessions(apps, NEW_BACKEND, OLD_BACKEND)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("library", "0007_readingstate_tags"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
        ("annotations", "0006_commonmark_comments"),
        ("articles", "0010_separated_blocks"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ListedStories",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("total", models.BigIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name_plural": "listed stories",
                        "db_table": "library_listedstories",
                    },
                ),
                migrations.CreateModel(
                    name="UserPreferences",
                    fields=[
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="preferences",
                                serialize=False,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "theme",
                            models.CharField(
                                choices=[
                                    ("system", "Same as the system"),
                                    ("light", "Light"),
                                    ("dark", "Dark"),
                                ],
                                default="system",
                                max_length=10,
                            ),
                        ),
                        (
                            "text_size",
                            models.CharField(
                                choices=[
                                    ("small", "Small"),
                                    ("medium", "Medium"),
                                    ("large", "Large"),
                                    ("xlarge", "Extra large"),
                                ],
                                default="medium",
                                max_length=10,
                            ),
                        ),
                        ("updated", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "verbose_name_plural": "user preferences",
                        "db_table": "library_userpreferences",
                    },
                ),
                migrations.CreateModel(
                    name="ReadingState",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("saved_at", models.DateTimeField(blank=True, null=True)),
                        ("progress", models.FloatField(default=0.0)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "story",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reading_states",
                                to="articles.story",
                            ),
                        ),
                        (
                            "tags",
                            models.ManyToManyField(
                                blank=True, related_name="+", to="annotations.tag"
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reading_states",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "library_readingstate",
                        "indexes": [
                            models.Index(
                                condition=models.Q(("read_at__isnull", False)),
                                fields=["user", "story"],
                                name="reading_read_idx",
                            ),
                            models.Index(
                                condition=models.Q(("saved_at__isnull", False)),
                                fields=["user", "story"],
                                name="reading_saved_idx",
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "story"), name="unique_reading_state"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("progress__gte", 0), ("progress__lte", 1)),
                                name="reading_progress_range",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
