from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """The migration history of the former `library` app, which held reading state and
    search: its tables were made by these migrations and keep their names. Its models now
    belong to `reading` (library 0008 hands them over without touching a row), its search
    index to `search`. Nothing imports this app; it stays installed so that a database made
    before the split, and a new one, reach the same schema."""

    name = "library"
    verbose_name = "Library (migration history)"
