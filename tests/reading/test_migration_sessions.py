"""Readers signed in before the preferences backend (library 0005), and before it moved to
the reading app (reading 0001), stay signed in after both."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from tests.migrations import back_to_latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("library", "0004_annotation_search_visibility")]
AFTER = [("library", "0005_sessions_use_preferences_backend")]
MOVED = [("reading", "0001_initial")]
OLD = "django.contrib.auth.backends.ModelBackend"


def _session(user: User, backend: str) -> str:
    session = SessionStore()
    session.update(
        {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": backend,
            "_auth_user_hash": user.get_session_auth_hash(),
        }
    )
    session.create()
    assert session.session_key
    return session.session_key


def _signed_in(key: str) -> bool:
    client = Client()
    client.cookies["sessionid"] = key
    # A page for readers only: anyone else is sent to log in.
    return client.get("/preferences/").status_code == 200


def test_it_moves_sessions_to_the_new_backend_and_back():
    ada = User.objects.create_user("ada", password="pw")
    with back_to_latest("library"):
        migrate(BEFORE)
        old = _session(ada, OLD)
        other = _session(ada, "some.other.Backend")
        # Before the migration: Django no longer trusts the session's backend.
        assert not _signed_in(old)
        migrate(AFTER)
        assert SessionStore(old).load()["_auth_user_backend"] == "library.auth.PreferencesBackend"
        migrate(MOVED)
        assert _signed_in(old)
        assert SessionStore(old).load()["_auth_user_backend"] == "reading.auth.PreferencesBackend"
        assert SessionStore(other).load()["_auth_user_backend"] == "some.other.Backend"
        migrate(AFTER)
        assert SessionStore(old).load()["_auth_user_backend"] == "library.auth.PreferencesBackend"
        migrate(BEFORE)
        assert SessionStore(old).load()["_auth_user_backend"] == OLD
