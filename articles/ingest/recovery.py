"""trafilatura's last resort, made to keep a story's lists.

When trafilatura's main pass finds no frame for the story (no <article>, no "post-content"
class: a page builder's rich-text block, say), it recovers "wild" text from the whole page
(``main_extractor.recover_wild_text``), and in its default mode that search takes
paragraphs, quotes, code and tables only: every list of the story is lost (a guide's
feature lists, most of a page's 1,131 words with its headings). Only the recall mode also
took lists.

Here the search also takes lists (``list``), inside the pipeline's extraction only
(``widened()``): the same pruning runs first (link-dense lists, menus and trafilatura's
discard rules go as before), and the same de-duplication after. On the extraction
corpus's tuning half this raised word F1 from 0.9422 to 0.9472 with the same 31 leaked
boilerplate snippets. Headings were tried too (0.9482 with both) and left out: recovered
from the whole page they brought in the sidebar's and footer's ("Recent posts:", "Take
the next step", "Buy now from one of our trusted retail partners": 5 more leaks). The
check half, measured once after: see docs/benchmarks.md. trafilatura's own note warns that
more recovered text can keep a stronger rescue (readability's comparison) from running.

The function is trafilatura's, copied step for step with that one change (its
fingerprint is recorded in trafilatura_compat.INTERNALS, so an upgrade that changes it
fails a test).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import trafilatura_compat
from .trafilatura_compat import (
    DEDUPE_SCAN_CAP,
    MIN_DUPLICATE_LENGTH,
    TAG_CATALOG,
    elem_text,
    handle_textelem,
    prune_unwanted_sections,
    text_chars_test,
    trim,
)

_ACTIVE = contextvars.ContextVar("recovery_widened", default=False)

# trafilatura's search, then the story's lists.
_SEARCH = ".//code|.//p|.//quote|.//table|.//div[contains(@class, 'w3-code')]"
_WIDER = "|.//list"


def _recover_wild_text(
    tree: Any,
    result_body: Any,
    options: Any,
    potential_tags: set[str] | None = None,
    consumed: set[Any] | None = None,
) -> Any:
    """trafilatura.main_extractor.recover_wild_text, step for step, with the wider search."""
    potential_tags = set(TAG_CATALOG if potential_tags is None else potential_tags)
    search_expr = _SEARCH + _WIDER
    if options.focus == "recall":
        potential_tags.update(["div", "lb"])
        search_expr += "|.//div|.//lb"
    search_tree = prune_unwanted_sections(tree, potential_tags, options, keep_teasers=options.fast)
    subelems = search_tree.xpath(search_expr)
    elem_texts = [elem_text(el) for el in result_body]
    existing = "\n".join(filter(None, elem_texts))
    existing_elems = set(elem_texts)
    handled: set[Any] = set()
    for subelem in subelems:
        if (consumed and subelem in consumed) or any(a in handled for a in subelem.iterancestors()):
            continue
        processed = handle_textelem(subelem, potential_tags, options)
        if processed is None:
            continue
        if processed is subelem:
            handled.add(subelem)
        text = elem_text(processed)
        images = {img.get("src") for img in processed.iter("graphic")}
        if not text and images and images <= {g.get("src") for g in result_body.iter("graphic")}:
            continue
        under_cap = len(existing) <= DEDUPE_SCAN_CAP
        fragment = trim(text + (processed.tail or "")) if text_chars_test(processed.tail) else ""
        if text and (
            text in existing_elems
            or (
                under_cap
                and (
                    (len(text) > MIN_DUPLICATE_LENGTH and text in existing)
                    or (fragment and fragment in existing)
                )
            )
        ):
            continue
        result_body.append(processed)
        if under_cap:
            existing += "\n" + (fragment or text)
        existing_elems.add(text)
    return result_body


def _wrap(original: Any) -> Any:
    def recover_wild_text(*args: Any, **kwargs: Any) -> Any:
        if _ACTIVE.get():
            return _recover_wild_text(*args, **kwargs)
        return original(*args, **kwargs)

    recover_wild_text.wrapped = original  # type: ignore[attr-defined]
    return recover_wild_text


INSTALLED = trafilatura_compat.wrap_recover_wild_text(_wrap)


@contextmanager
def widened() -> Iterator[None]:
    """Inside: trafilatura's wild-text recovery also takes lists."""
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
