"""Signed-in sessions name the backend that signed them in, and Django only trusts backends
in AUTHENTICATION_BACKENDS: sessions from before library.auth.PreferencesBackend are moved
to it, so that no reader is signed out by the upgrade."""

from django.db import migrations

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "library.auth.PreferencesBackend"


def _rename(apps, old: str, new: str) -> None:
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
    _rename(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0004_annotation_search_visibility"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
