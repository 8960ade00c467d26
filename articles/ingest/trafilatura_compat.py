"""The one door to trafilatura's internals.

The ingest pipeline uses more of trafilatura than its public API (``extract``,
``bare_extraction``, ``extract_metadata``, ``load_html``...): helpers and constants of its
modules, and ``core._extract_and_compare``, which the comparison shortcut wraps (as it
wraps ``strip_tags`` and ``prune_unwanted_nodes`` where trafilatura's modules call them). It also
copies a few of trafilatura's functions step for step, faster (see extract.py and
comparison.py). None of that is a promised interface: any release may change it. So this
module is the only one that imports a private or internal name of trafilatura; the others
import those names from here, and pyproject.toml pins trafilatura to the releases this was
checked against (``TESTED_RANGE``).

Two guards, for an upgrade:

* at import, an installed trafilatura outside ``TESTED_RANGE`` stops the app with
  ImproperlyConfigured, before any internal is imported;
* tests/articles/test_ingest_trafilatura_compat.py records a fingerprint (signature and
  source hash) of every name in ``INTERNALS``, the names imported here and the functions copied
  elsewhere, and fails naming each one that changed.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import re
from collections.abc import Callable
from typing import Any

import trafilatura
from django.core.exceptions import ImproperlyConfigured
from lxml import etree

# Keep in step with the trafilatura requirement in pyproject.toml.
TESTED_RANGE = ">=2.3,<2.4"
_TESTED_MAJOR_MINOR = (2, 3)


def check_version(installed: str) -> None:
    """Refuse a trafilatura release this adapter was not checked against."""
    match = re.match(r"(\d+)\.(\d+)", installed)
    if match is None or (int(match[1]), int(match[2])) != _TESTED_MAJOR_MINOR:
        raise ImproperlyConfigured(
            f"trafilatura {installed} is installed, but articles/ingest/trafilatura_compat.py "
            f"was checked against trafilatura{TESTED_RANGE} only: it uses trafilatura's "
            "internals, which change between releases. Install a release in that range, or "
            "re-check the adapter (tests/articles/test_ingest_trafilatura_compat.py) and widen "
            "the range."
        )


check_version(trafilatura.__version__)

# Imported after the version check, so a release without them reports the version.
from trafilatura import core as _core  # noqa: E402
from trafilatura.external import SANITIZED_XPATH, compare_extraction  # noqa: E402
from trafilatura.htmlprocessing import convert_to_html  # noqa: E402
from trafilatura.json_metadata import (  # noqa: E402
    JSON_UNICODE_REPLACE,
    extract_json,
    extract_json_parse_error,
    normalize_authors,
)
from trafilatura.main_extractor import _elem_text as elem_text  # noqa: E402
from trafilatura.main_extractor import (  # noqa: E402
    extract_content,
    handle_textelem,
    prune_unwanted_sections,
)
from trafilatura.metadata import (  # noqa: E402
    JSON_MINIFY,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import (  # noqa: E402
    DEDUPE_SCAN_CAP,
    MIN_DUPLICATE_LENGTH,
    TAG_CATALOG,
    Document,
    Extractor,
)
from trafilatura.utils import (  # noqa: E402
    DOCTYPE_TAG,
    FAULTY_HTML,
    HTML_PARSER,
    HTML_STRIP_TAGS,
    fromstring_bytes,
    is_dubious_html,
    load_html,
    text_chars_test,
    trim,
)
from trafilatura.xml import delete_element  # noqa: E402
from trafilatura.xpaths import REGEXP_NS  # noqa: E402

__all__ = [
    "DEDUPE_SCAN_CAP",
    "DOCTYPE_TAG",
    "FAULTY_HTML",
    "HTML_PARSER",
    "HTML_STRIP_TAGS",
    "INTERNALS",
    "JSON_MINIFY",
    "JSON_UNICODE_REPLACE",
    "MIN_DUPLICATE_LENGTH",
    "REGEXP_NS",
    "SANITIZED_XPATH",
    "TAG_CATALOG",
    "TESTED_RANGE",
    "Document",
    "Extractor",
    "check_version",
    "compare_extraction",
    "convert_to_html",
    "delete_element",
    "elem_text",
    "examine_meta",
    "extract_content",
    "extract_json",
    "extract_json_parse_error",
    "extract_meta_json",
    "extract_sitename",
    "extract_title",
    "extract_url",
    "fingerprint",
    "fromstring_bytes",
    "handle_textelem",
    "is_dubious_html",
    "load_html",
    "normalize_authors",
    "prune_unwanted_sections",
    "strip_tags_as_called",
    "text_chars_test",
    "trim",
    "wrap_extract_and_compare",
    "wrap_prune_unwanted_nodes",
    "wrap_recover_wild_text",
    "wrap_strip_tags",
    "xpath_lists",
]

# Every internal the pipeline relies on, as "module:name": the names imported above, and
# the functions our code copies step for step (a change there means the copy is stale).
INTERNALS: tuple[str, ...] = (
    # imported above
    "trafilatura.core:_extract_and_compare",
    "trafilatura.external:SANITIZED_XPATH",
    "trafilatura.external:compare_extraction",
    "trafilatura.htmlprocessing:convert_to_html",
    "trafilatura.json_metadata:JSON_UNICODE_REPLACE",
    "trafilatura.json_metadata:extract_json",
    "trafilatura.json_metadata:extract_json_parse_error",
    "trafilatura.json_metadata:normalize_authors",
    "trafilatura.main_extractor:_elem_text",
    "trafilatura.main_extractor:extract_content",
    "trafilatura.main_extractor:handle_textelem",
    "trafilatura.main_extractor:prune_unwanted_sections",
    "trafilatura.metadata:JSON_MINIFY",
    "trafilatura.metadata:examine_meta",
    "trafilatura.metadata:extract_meta_json",
    "trafilatura.metadata:extract_sitename",
    "trafilatura.metadata:extract_title",
    "trafilatura.metadata:extract_url",
    "trafilatura.settings:DEDUPE_SCAN_CAP",
    "trafilatura.settings:Document",
    "trafilatura.settings:Extractor",
    "trafilatura.settings:MIN_DUPLICATE_LENGTH",
    "trafilatura.settings:TAG_CATALOG",
    "trafilatura.utils:DOCTYPE_TAG",
    "trafilatura.utils:FAULTY_HTML",
    "trafilatura.utils:HTML_PARSER",
    "trafilatura.utils:HTML_STRIP_TAGS",
    "trafilatura.utils:fromstring_bytes",
    "trafilatura.utils:is_dubious_html",
    "trafilatura.utils:load_html",
    "trafilatura.utils:text_chars_test",
    "trafilatura.utils:trim",
    "trafilatura.xml:delete_element",
    # copied step for step: extract.load_html, extract._normalize_json,
    # extract._meta_json, extract._metadata, extract._author_from_markup and
    # comparison.skippable / comparison._wrap, recovery._recover_wild_text
    "trafilatura.utils:repair_faulty_html",
    "trafilatura.json_metadata:normalize_json",
    "trafilatura.metadata:extract_metadata",
    "trafilatura.metadata:extract_author",
    "trafilatura.main_extractor:recover_wild_text",
    # what extract._prepare_images works around
    "trafilatura.utils:is_image_file",
    "trafilatura.utils:IMAGE_EXTENSION",
)


def _source_of(module: Any, name: str, value: Any) -> str:
    if inspect.isfunction(value) or inspect.isclass(value):
        return inspect.getsource(value)
    # A constant: the statement that assigns it in its module.
    source = inspect.getsource(module)
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.get_source_segment(source, node) or ""
    raise LookupError(f"no assignment of {name} in {module.__name__}")


def _bare_signature(function: Callable[..., Any]) -> str:
    """Parameter names, kinds and defaults; annotations are in the source hash (their
    rendering would change with other libraries' releases)."""
    signature = inspect.signature(function)
    empty = inspect.Parameter.empty
    parameters = [p.replace(annotation=empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=parameters, return_annotation=empty))


def fingerprint(internal: str) -> str:
    """``internal``'s signature (for a function) and a hash of its source, as one string.

    A wrapped function (the comparison shortcut's, or a cached one) is fingerprinted as
    trafilatura's original."""
    module_name, _, name = internal.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, name)
    value = getattr(value, "wrapped", value)
    if callable(value) and not inspect.isclass(value):
        value = inspect.unwrap(value)
    source = _source_of(module, name, value)
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    if inspect.isfunction(value):
        return f"{_bare_signature(value)} {digest}"
    return f"{type(value).__name__} {digest}"


ExtractAndCompare = Callable[[Any, Any, Any, Extractor], Any]


def wrap_extract_and_compare(wrap: Callable[[ExtractAndCompare], ExtractAndCompare]) -> bool:
    """Replace ``trafilatura.core._extract_and_compare`` (main extractor, then the
    readability/justext comparison) by ``wrap(original)``, once: a step that already has
    a ``wrapped`` attribute is left alone. False if this trafilatura has no such step."""
    original = getattr(_core, "_extract_and_compare", None)
    if original is None or not callable(original):
        return False
    if not hasattr(original, "wrapped"):
        _core._extract_and_compare = wrap(original)  # type: ignore[assignment]
    return True


# The modules of trafilatura that call lxml's strip_tags under that name.
_STRIP_TAGS_USERS = ("core", "external", "htmlprocessing", "main_extractor")
StripTags = Callable[..., None]


def _wrap_in_modules(modules: tuple[str, ...], attribute: str, wrap: Callable[[Any], Any]) -> bool:
    """Replace ``attribute`` as these trafilatura modules call it by ``wrap(original)``,
    once per module (a replacement has a ``wrapped`` attribute). False if none of them
    calls it any more."""
    wrapped_any = False
    for name in modules:
        module = importlib.import_module(f"trafilatura.{name}")
        original = getattr(module, attribute, None)
        if original is None or not callable(original):
            continue
        if not hasattr(original, "wrapped"):
            setattr(module, attribute, wrap(original))
        wrapped_any = True
    return wrapped_any


def wrap_strip_tags(wrap: Callable[[StripTags], StripTags]) -> bool:
    """Replace lxml's ``strip_tags`` as trafilatura's modules call it by ``wrap(original)``."""
    return _wrap_in_modules(_STRIP_TAGS_USERS, "strip_tags", wrap)


def strip_tags_as_called() -> StripTags:
    """The ``strip_tags`` trafilatura's main extractor calls (wrapped, once installed)."""
    function: StripTags = importlib.import_module("trafilatura.main_extractor").strip_tags
    return function


def wrap_recover_wild_text(wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> bool:
    """Replace ``recover_wild_text`` as trafilatura's main extractor calls it by
    ``wrap(original)``, once. False if it no longer calls it."""
    return _wrap_in_modules(("main_extractor",), "recover_wild_text", wrap)


# The modules of trafilatura that prune with its XPath lists under this name.
_PRUNE_USERS = ("core", "external", "main_extractor")
PruneUnwantedNodes = Callable[..., Any]


def wrap_prune_unwanted_nodes(wrap: Callable[[PruneUnwantedNodes], PruneUnwantedNodes]) -> bool:
    """Replace ``prune_unwanted_nodes`` as trafilatura's modules call it by
    ``wrap(original)``, once per module. False if none of them calls it any more."""
    return _wrap_in_modules(_PRUNE_USERS, "prune_unwanted_nodes", wrap)


def xpath_lists() -> dict[str, list[Any]]:
    """trafilatura's lists of compiled XPath expressions (``trafilatura.xpaths``)."""
    module = importlib.import_module("trafilatura.xpaths")
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, list) and value and all(isinstance(x, etree.XPath) for x in value)
    }
