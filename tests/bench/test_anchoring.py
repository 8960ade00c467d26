from io import StringIO

from django.core.management import call_command

from bench.management.commands.bench_anchoring import sample_texts, write_section


def test_it_reads_the_sample_stories_once_each():
    texts = sample_texts()
    # The shared sample is also among our own: it counts once.
    assert len(texts) == len(set(texts.values())) >= 9
    assert "techradar-kaspersky-uk.txt" in texts


def test_it_writes_its_own_section_and_keeps_the_others(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(
        "# Benchmarks\n\n## Extraction\n\nF1 0.9\n\n## Anchoring\n\nold numbers\n\n## Later\n\nkept\n"
    )
    out = StringIO()
    args = ["--highlights", "4", "--stories", "4", "--write", str(path)]
    call_command("bench_anchoring", *args, stdout=out)
    call_command("bench_anchoring", *args, stdout=StringIO())
    text = path.read_text()
    assert text.count("## Anchoring") == 1
    assert "old numbers" not in text
    assert "## Extraction\n\nF1 0.9\n" in text
    assert "## Later\n\nkept\n" in text
    assert text.index("## Extraction") < text.index("## Anchoring") < text.index("## Later")
    section = text[text.index("## Anchoring") : text.index("## Later")]
    assert "- Machine: " in section and "CPU: " in section and "- Date: " in section
    assert "ms per highlight" in section
    rows = [line for line in section.splitlines() if line.startswith("| tune, ")]
    assert len(rows) == 2
    # Nothing anchored to the wrong passage (the column before the time).
    assert all(row.split("|")[-3].strip() == "0" for row in rows if "TextDiff" in row)
    assert "| decoy |" in section and "| several |" in section
    assert "Wrong anchors" not in section
    assert "| held, with the old text (TextDiff) |" in out.getvalue()


def test_it_adds_the_section_to_a_new_file(tmp_path):
    path = tmp_path / "docs" / "benchmarks.md"
    write_section(path, "## Anchoring\n\nnumbers\n")
    assert path.read_text() == "# Benchmarks\n\n## Anchoring\n\nnumbers\n"
