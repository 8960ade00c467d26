import gzip
import json
import re
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Story, StoryRevision
from tests.conftest import SAMPLES

pytestmark = pytest.mark.django_db

KASPERSKY_PARAGRAPHS = [
    "Just months after cyber security giant Kaspersky closed up shop in the US",
    "In a statement, Kaspersky confirmed it will be ‘reorienting’ its business",
    "In June 2024, the firm was banned from selling its products in the US after being",
    "Kaspersky’s statement confirmed the business will continue in the UK",
    "This step will enable our company to harness available business opportunities",
    "Our customers and partners in the U.K. will maintain full access",
    "some Kaspersky customers were alarmed to find their antivirus forcibly uninstalled",
    "However, Kaspersky insists email notifications in the weeks leading up",
]


def run_ingest(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def ingest_json(*args: str) -> list[dict]:
    code, out, err = run_ingest(*args, "--json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_it_ingests_the_shared_sample_clean(sample_txt):
    [story] = ingest_json(str(sample_txt))
    text = story["body_text"]
    assert story["title"] == "Kaspersky is closing its UK office"
    assert story["dek"] == "Dozens of staff set to be laid off in latest blow"
    assert story["revision"] == 1
    assert story["created"] is True
    assert story["published"] is None
    for paragraph in KASPERSKY_PARAGRAPHS:
        assert paragraph in text
    assert text.count("Staying efficient") == 1
    # Each kind of boilerplate is gone.
    assert "affiliate commission" not in text
    assert "newsletter" not in text.lower()
    assert "Ellen has been writing" not in text
    assert "More from" not in text
    assert "Best CDN provider" not in text
    assert "Nokia confirms data breach" not in text
    # Words glued by the scraper are split; real compounds are not.
    for glued in ("wasbanned", "USafter", "findtheir"):
        assert glued not in text
    assert "was banned" in text and "US after" in text and "find their" in text
    assert "cybersecurity" in text
    assert story["word_count"] == len(re.findall(r"\w+", text))


def test_it_makes_headings_from_short_lines(sample_txt):
    ingest_json(str(sample_txt))
    revision = StoryRevision.objects.get()
    assert "<h2>Staying efficient</h2>" in revision.body_html


def test_it_adds_nothing_when_ingesting_the_same_file_again(sample_txt):
    first = ingest_json(str(sample_txt))[0]
    second = ingest_json(str(sample_txt))[0]
    assert second["id"] == first["id"]
    assert second["created"] is False
    assert second["revision"] == 1
    assert StoryRevision.objects.count() == 1


def test_it_adds_a_revision_when_content_changes(tmp_path, sample_txt):
    page = tmp_path / "story.txt"
    page.write_text(sample_txt.read_text())
    url = "https://www.example.com/news/kaspersky-uk"
    first = ingest_json(str(page), "--url", url)[0]
    page.write_text(sample_txt.read_text().replace("dozens of workers", "around forty workers"))
    second = ingest_json(str(page), "--url", url)[0]
    assert second["id"] == first["id"]
    assert second["revision"] == 2
    assert second["created"] is False
    assert "around forty workers" in second["body_text"]
    story = Story.objects.get()
    assert [r.number for r in story.revisions.all()] == [1, 2]
    assert "dozens of workers" in story.revisions.get(number=1).body_text
    assert story.current_revision.number == 2


def test_it_strips_tracking_parameters_from_the_url(sample_txt):
    [story] = ingest_json(str(sample_txt), "--url", "https://Example.com/a?utm_source=x&id=3#top")
    assert story["url"] == "https://example.com/a?id=3"


def test_it_ingests_every_bundled_sample():
    paths = sorted(str(p) for p in SAMPLES.iterdir() if p.suffix in {".html", ".txt"})
    assert len(paths) >= 6
    stories = ingest_json(*paths)
    assert len(stories) == len(paths)
    for story in stories:
        assert story["title"]
        assert story["word_count"] > 200


def test_it_ingests_html_with_metadata_and_structure():
    html_samples = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".html")
    [story] = ingest_json(str(html_samples[0]))
    assert story["url"].startswith("https://")
    assert story["byline"]
    assert story["site_name"]
    assert story["published"] is not None
    revision = StoryRevision.objects.get(story_id=story["id"])
    assert "<p>" in revision.body_html


def test_it_ingests_gzipped_html(tmp_path):
    source = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".html")[0]
    target = tmp_path / "page.html.gz"
    target.write_bytes(gzip.compress(source.read_bytes()))
    [story] = ingest_json(str(target))
    assert story["word_count"] > 200


def test_it_reads_a_page_in_a_legacy_charset(tmp_path):
    body = "".join(
        f"<p>Paragraph {i}: café, naïve, Müller and Ångström went to the façade again.</p>"
        for i in range(12)
    )
    page = (
        '<html><head><meta charset="windows-1252"><title>Charset café story</title></head>'
        f"<body><article><h1>Charset café story</h1>{body}</article></body></html>"
    )
    target = tmp_path / "legacy.html"
    target.write_bytes(page.encode("windows-1252"))
    [story] = ingest_json(str(target))
    assert "Müller and Ångström" in story["body_text"]
    assert "café" in story["title"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.html", b"   \n\n", "empty"),
        ("binary.html", bytes(range(256)) * 20, "binary"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200, "binary"),
        ("nav.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "article"),
        ("notes.pdf", b"%PDF-1.4", "Unsupported file type"),
        ("broken.html.gz", b"not gzip at all", "gzip"),
    ],
)
def test_it_reports_bad_input_and_keeps_going(tmp_path, sample_txt, name, content, message):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    shutil.copy(sample_txt, good)
    code, out, err = run_ingest(str(bad), str(good))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{bad}: ")
    assert message.lower() in lines[0].lower()
    assert "Kaspersky is closing" in out
    assert Story.objects.count() == 1
    assert StoryRevision.objects.count() == 1


def test_it_reports_a_missing_file(tmp_path):
    code, _out, err = run_ingest(str(tmp_path / "nope.txt"))
    assert code == 1
    assert "No such file" in err
    assert Story.objects.count() == 0


def test_it_refuses_url_with_many_files(sample_txt):
    code, _out, err = run_ingest(str(sample_txt), str(sample_txt), "--url", "https://a.example/")
    assert code == 2
    assert "one" in err


def test_it_refuses_oversize_files(tmp_path, settings):
    settings.INGEST_MAX_BYTES = 1000
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + ("word " * 1000))
    code, _out, err = run_ingest(str(big))
    assert code == 1
    assert "larger than" in err


def test_it_loads_samples_idempotently():
    call_command("load_samples", stdout=StringIO(), stderr=StringIO())
    count = Story.objects.count()
    revisions = StoryRevision.objects.count()
    assert count >= 6
    call_command("load_samples", stdout=StringIO(), stderr=StringIO())
    assert Story.objects.count() == count
    assert StoryRevision.objects.count() == revisions


def test_it_prints_a_line_per_story_without_json(sample_txt):
    code, out, _err = run_ingest(str(sample_txt))
    assert code == 0
    assert out.strip().endswith("Kaspersky is closing its UK office")
    assert "new story" in out


def test_it_refuses_a_story_url_that_is_not_a_web_address():
    from articles.ingest.blocks import Block
    from articles.ingest.extract import Extracted, ExtractionError
    from articles.ingest.pipeline import store

    text = "A paragraph with enough words to be an article body for this test. " * 5
    extracted = Extracted(title="Scheme", blocks=[Block("p", f"<p>{text}</p>", text)])
    for bad in ("javascript:alert(1)", "data:text/html,hi", "ftp://files.example/x"):
        with pytest.raises(ExtractionError, match="Not an http"):
            store(extracted, origin=StoryRevision.Origin.FILE, url=bad)
    assert Story.objects.count() == 0


def test_it_reports_pages_the_extractor_chokes_on(tmp_path):
    # Found by fuzzing: htmldate's cleaner asserts on a top-level <svg>.
    bad = tmp_path / "svg.html"
    bad.write_text("<svg><p><p>")
    code, _out, err = run_ingest(str(bad))
    assert code == 1
    assert err.startswith(f"{bad}: ")
    assert Story.objects.count() == 0
