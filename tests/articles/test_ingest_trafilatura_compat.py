"""articles/ingest/trafilatura_compat.py is the one module that uses trafilatura's
internals, and it notices when they change: an upgrade that touches one fails here, naming
it, before the copies in extract.py and comparison.py silently drift from trafilatura."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest
import trafilatura
from django.core.exceptions import ImproperlyConfigured

from articles.ingest import comparison, trafilatura_compat

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "articles" / "ingest" / "trafilatura_compat.py"

# trafilatura 2.3.1. Each value: the parameters (a function's) or the type (a constant's),
# and the first 16 hex digits of the SHA-256 of its source (a constant's: the statement
# that assigns it). Print the current ones with
#   python -c "from articles.ingest import trafilatura_compat as t;
#              [print(n, t.fingerprint(n)) for n in t.INTERNALS]"
# (inside `manage.py shell`), after re-checking the adapter and the copies.
RECORDED = {
    "trafilatura.core:_extract_and_compare": "(cleaned_tree, cleaned_tree_backup, tree, options) f7d056c2118222e8",
    "trafilatura.external:SANITIZED_XPATH": "str 44fdb6550ac9f33f",
    "trafilatura.external:compare_extraction": "(cleaned_tree, raw_tree, body, text, options) 2d3d1ffea3ba469f",
    "trafilatura.htmlprocessing:convert_to_html": "(tree) 4ed39e22b2afdb4e",
    "trafilatura.json_metadata:JSON_UNICODE_REPLACE": "Pattern 68eef058040eaeba",
    "trafilatura.json_metadata:extract_json": "(schema, metadata) 8881866bf090229e",
    "trafilatura.json_metadata:extract_json_parse_error": "(elem, metadata) d845733f40d34d15",
    "trafilatura.json_metadata:normalize_authors": "(current_authors, author_string) 161277b6eb736d12",
    "trafilatura.main_extractor:extract_content": "(cleaned_tree, options) f0270c94ac5f30b5",
    "trafilatura.metadata:JSON_MINIFY": "Pattern 4496b9926c48a78c",
    "trafilatura.metadata:examine_meta": "(tree) c9ce5fa107b6421a",
    "trafilatura.metadata:extract_meta_json": "(tree, metadata) f4232983df26bffd",
    "trafilatura.metadata:extract_sitename": "(tree) bbc07fcdd64e179d",
    "trafilatura.metadata:extract_title": "(tree) 50043133253f1b25",
    "trafilatura.metadata:extract_url": "(tree, default_url=None) 26f115a8e75aedf1",
    "trafilatura.settings:Document": "type b547b7d90aeaecb2",
    "trafilatura.settings:Extractor": "type cbdae22e0defe6d9",
    "trafilatura.utils:DOCTYPE_TAG": "Pattern b8338166495c5d38",
    "trafilatura.utils:FAULTY_HTML": "Pattern 0b59d4867622a093",
    "trafilatura.utils:HTML_PARSER": "HTMLParser 9abb298a9f0c176d",
    "trafilatura.utils:HTML_STRIP_TAGS": "Pattern 9a1f7df87beafc0c",
    "trafilatura.utils:fromstring_bytes": "(htmlobject) c5ee8713366ea137",
    "trafilatura.utils:is_dubious_html": "(beginning) 6a98ba97c3457a35",
    "trafilatura.utils:load_html": "(htmlobject, max_size=None) bc0039c89805dea3",
    "trafilatura.utils:trim": "(string) b82ffd884c0dc230",
    "trafilatura.xml:delete_element": "(element, keep_tail=True) 76e448c154eb43ba",
    "trafilatura.utils:repair_faulty_html": "(htmlstring, beginning) 7e68c7a3cb24910c",
    "trafilatura.json_metadata:normalize_json": "(string) 0de27e0e4bdaf2f2",
    "trafilatura.metadata:extract_metadata": "(filecontent, default_url=None, date_config=None, extensive=True, author_blacklist=None) 40ba8cda7a32c71a",
    "trafilatura.metadata:extract_author": "(tree) e356580cb8515cbb",
    "trafilatura.utils:is_image_file": "(imagesrc) 1c28c861865fb20a",
    "trafilatura.utils:IMAGE_EXTENSION": "Pattern 5c979a67bc5d74bb",
    "trafilatura.main_extractor:_elem_text": "(element) e42e0fc090a4f44a",
    "trafilatura.main_extractor:handle_textelem": "(element, potential_tags, options) 59c8a575858db16d",
    "trafilatura.main_extractor:prune_unwanted_sections": "(tree, potential_tags, options, keep_teasers=False) e6eb7afcc64d3f37",
    "trafilatura.settings:DEDUPE_SCAN_CAP": "int 2add1f712f45a706",
    "trafilatura.settings:MIN_DUPLICATE_LENGTH": "int ea303726ad02c3f7",
    "trafilatura.settings:TAG_CATALOG": "frozenset f85d4985ef73d830",
    "trafilatura.utils:text_chars_test": "(string) 6a8df2c52acfd798",
    "trafilatura.main_extractor:recover_wild_text": "(tree, result_body, options, potential_tags=None, consumed=None) 335f6d13321fd4e3",
}  # fmt: skip


def test_every_internal_the_adapter_relies_on_is_recorded():
    assert set(trafilatura_compat.INTERNALS) == set(RECORDED)


@pytest.mark.parametrize("internal", sorted(RECORDED))
def test_the_internal_is_as_recorded(internal):
    try:
        current = trafilatura_compat.fingerprint(internal)
    except (AttributeError, ImportError, LookupError) as exc:
        current = f"missing ({exc})"
    assert current == RECORDED[internal], (
        f"trafilatura's internal {internal} changed in trafilatura {trafilatura.__version__} "
        f"(was {RECORDED[internal]!r}, is {current!r}). articles/ingest/trafilatura_compat.py "
        "and the code copying it (extract.py, comparison.py) must be re-checked against the "
        "new source before RECORDED and the pinned range are updated."
    )


def test_the_comparison_step_is_still_wrapped():
    assert comparison.INSTALLED


@pytest.mark.parametrize("version", ["2.3", "2.3.0", "2.3.1", "2.3.12.dev1"])
def test_a_tested_release_is_accepted(version):
    trafilatura_compat.check_version(version)


@pytest.mark.parametrize("version", ["2.4.0", "2.2.9", "3.3.0", "1.12.2", "", "two"])
def test_an_untested_release_is_refused(version):
    with pytest.raises(ImproperlyConfigured, match=r"trafilatura>=2\.3,<2\.4"):
        trafilatura_compat.check_version(version)


def test_the_version_is_checked_at_import(monkeypatch):
    """A fresh copy of the module, imported under an untested version, stops at once."""
    monkeypatch.setattr(trafilatura, "__version__", "2.4.0")
    spec = importlib.util.spec_from_file_location("_trafilatura_compat_copy", ADAPTER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with pytest.raises(ImproperlyConfigured, match=r"trafilatura 2\.4\.0 is installed"):
        spec.loader.exec_module(module)


def test_the_pin_matches_the_tested_range():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"trafilatura{trafilatura_compat.TESTED_RANGE}"' in pyproject
    trafilatura_compat.check_version(trafilatura.__version__)


def _internal_uses(path: Path) -> list[str]:
    """The trafilatura names outside its public API that ``path`` imports or reads."""
    public = {*trafilatura.__all__, "__version__"}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("trafilatura.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("trafilatura."):
                found.append(node.module)
            elif node.module == "trafilatura":
                found += [f"trafilatura.{a.name}" for a in node.names if a.name not in public]
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "trafilatura"
            and node.attr not in public
        ):
            found.append(f"trafilatura.{node.attr}")
    return found


def test_only_the_adapter_uses_trafilatura_internals():
    this = Path(__file__).resolve()
    offenders = {
        str(path.relative_to(ROOT)): uses
        for path in ROOT.rglob("*.py")
        if not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
        and path not in {ADAPTER, this}
        and (uses := _internal_uses(path))
    }
    assert not offenders, (
        "import trafilatura's internals from articles/ingest/trafilatura_compat.py "
        f"(the one module that checks them): {offenders}"
    )
