"""The models of this app now belong to the reading app (reading 0001): removed from
this app's state only, their tables and rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0007_readingstate_tags"),
        ("reading", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="ListedStories",
                ),
                migrations.RemoveIndex(
                    model_name="readingstate",
                    name="reading_read_idx",
                ),
                migrations.RemoveIndex(
                    model_name="readingstate",
                    name="reading_saved_idx",
                ),
                migrations.RemoveConstraint(
                    model_name="readingstate",
                    name="unique_reading_state",
                ),
                migrations.RemoveConstraint(
                    model_name="readingstate",
                    name="reading_progress_range",
                ),
                migrations.RemoveField(
                    model_name="readingstate",
                    name="story",
                ),
                migrations.RemoveField(
                    model_name="readingstate",
                    name="tags",
                ),
                migrations.RemoveField(
                    model_name="readingstate",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="UserPreferences",
                ),
                migrations.DeleteModel(
                    name="ReadingState",
                ),
            ],
        ),
    ]
