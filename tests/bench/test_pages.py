"""bench_pages: the page weight (what the reading view loads, file by file), the query cost."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    call_command("generate_data", stories=3, annotations=0, heavy=2, stdout=StringIO())


def _weight_line() -> str:
    out = StringIO()
    call_command("bench_pages", "--weight-only", stdout=out)
    return out.getvalue().strip()


def test_it_counts_the_html_the_sheets_and_the_scripts_of_the_reading_view(generated):
    line = _weight_line()
    assert line.startswith("- Page weight, reading view")
    budget = re.search(
        r"^[^:]+: ([\d.]+) KB with no annotations, [\d.]+ KB with \d+ \(budget 60 KB", line
    )
    assert budget
    verdict = "met" if float(budget.group(1)) <= 60 else "KB over"
    assert (
        "before annotations: " in line
        and verdict in line.split("before annotations: ")[1].split(";")[0]
    )
    files = line.split("KB with no annotations: ")[1]
    for name in ["HTML", "css/app.css", "css/reader.css", "js/annotate.js", "js/shortcuts.js"]:
        assert f"{name} " in files
    assert "django_htmx/htmx-4.min.js" in files
    # Sheets of other pages are not the reading view's.
    assert "css/lists.css" not in files and "css/forms.css" not in files
    # share.js is imported by annotate.js only when there are share menus: listed apart.
    counted, on_demand = files.split("; loaded on demand, not counted: ")
    assert "js/share.js" not in counted and on_demand.startswith("js/share.js ")


def test_it_replaces_only_the_weight_line(generated, tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(
        "# Benchmarks\n\n## Pages and queries\n\n| table |\n\n"
        "- Page weight, reading view (old numbers).\n- Ingestion: kept.\n\n## Load\n\nkept\n"
    )
    call_command("bench_pages", "--weight-only", "--write", str(path), stdout=StringIO())
    text = path.read_text()
    assert "old numbers" not in text
    assert text.count("- Page weight, reading view") == 1
    assert "| table |\n\n- Page weight, reading view (HTML + CSS + JS" in text
    assert "- Ingestion: kept.\n\n## Load\n\nkept\n" in text


def test_it_needs_generated_data():
    with pytest.raises(CommandError, match="generate_data"):
        call_command("bench_pages", "--weight-only", stdout=StringIO())


def test_it_times_one_query_through_the_orm_and_on_a_bare_cursor():
    from bench.pages import query_cost

    orm_ms, bare_ms = query_cost(repeat=3)
    assert 0 < bare_ms < 1000 and 0 < orm_ms < 1000
