"""Pages compressed on the wire, static files precompressed and cached for good."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

from tests.factories import make_story

pytestmark = pytest.mark.django_db


def test_a_page_is_gzipped_for_a_browser_that_accepts_it(client):
    story = make_story("A story to compress", body=["Words " * 400]).story
    plain = client.get(story.get_absolute_url())
    packed = client.get(story.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 3
    text = gzip.decompress(packed.content).decode()
    assert '<h1 class="story-title">A story to compress</h1>' in text


def _static_settings(root: Path) -> dict:
    from django.conf import settings

    storages = dict(settings.STORAGES)
    storages["staticfiles"] = {"BACKEND": "newsreader.storage.StaticStorage"}
    return {"STORAGES": storages, "STATIC_ROOT": str(root)}


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    with override_settings(**_static_settings(root)):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def test_the_module_loaded_on_demand_is_imported_under_its_hashed_name(collected):
    hashed = sorted(p.name for p in (collected / "js").glob("annotate.*.js"))
    assert hashed, "annotate.js was not collected under a hashed name"
    source = (collected / "js" / hashed[0]).read_text()
    imported = re.search(r'import\("\./(share\.[0-9a-f]{12}\.js)"\)', source)
    assert imported, "annotate.js still imports share.js by its plain name"
    assert (collected / "js" / imported.group(1)).is_file()


def test_static_files_have_brotli_and_gzip_copies(collected):
    for name in ("css/app.css", "js/annotate.js"):
        stem, ext = name.rsplit(".", 1)
        hashed = next(collected.glob(f"{stem}.????????????.{ext}"))
        assert Path(f"{hashed}.br").is_file()
        assert Path(f"{hashed}.gz").is_file()


def test_hashed_static_files_are_served_compressed_and_immutable(collected):
    with override_settings(
        **_static_settings(collected),
        DEBUG=False,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        share = next((collected / "js").glob("share.????????????.js")).name
        response = Client().get(f"/static/js/{share}", HTTP_ACCEPT_ENCODING="br, gzip")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br"
        assert "immutable" in response["Cache-Control"]
