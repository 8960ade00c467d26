"""Every HTML sanitizing, Markdown rendering and HTML-to-text step of Newsreader.

Why one package: bleach 6.4's package metadata says "Development Status :: 7 -
Inactive", and its README carries the note "2026-06-05: Bleach is no longer
maintained. There will be no future releases including for security issues"
(mozilla/bleach#698). Every call to bleach, and to the html5lib copy vendored
inside it, lives here so the library can be swapped for another sanitizer by
editing this package behind three functions:

* ``sanitize_article_html`` - scraped article HTML -> a small allowlist.
* ``render_comment`` - a user's Markdown comment -> safe HTML, URLs linkified.
* ``html_to_text`` - the text contract annotations are anchored on.

bleach is not the only guard. The pipeline parses bleach's output once more and
checks every element and attribute against the same allowlist (a second,
independent check). The stored string is canonical: parsing it gives back the
DOM it was serialized from. The pages that show this HTML are also served with
the Content-Security-Policy in ``settings.SECURE_CSP`` (scripts only from
'self' or with a nonce), so one missed attribute is still not enough to run
code.

The modules:

* ``allowlists`` - what each policy keeps: tags, attributes, URL schemes;
* ``cleaning`` - the policies, bleach's Cleaners, Markdown comments, the text contract;
* ``html5`` - the HTML5 parser and serializer (bleach's vendored html5lib), the only
  module that imports it;
* ``fastpath`` - the hand-written tokenizer that parses, serializes and reads simple
  HTML (all sanitized HTML) as html5lib does, much faster.
"""

from __future__ import annotations

# The package's names, as the module had them; the private ones are for the tests.
from .allowlists import (  # noqa: F401
    ARTICLE_ATTRIBUTES,
    COMMENT_ATTRIBUTES,
    DROP_WITH_CONTENT,
    HEADING_RENAMES,
    HREF_SCHEMES,
    IMG_SCHEMES,
    REL,
)
from .cleaning import (  # noqa: F401
    _BLEACH_CHECK,
    SEPARATED_BLOCKS,
    _bleach_accepts,
    _bleach_accepts_bare,
    _parse_fragment,
    _serialize,
    check_comment,
    html_to_text,
    iter_text_nodes,
    markdown_to_text,
    render_comment,
    sanitize_article_html,
)
from .fastpath import _fast_parse, _fast_serialize, _fast_text, _has_bad_chars  # noqa: F401
from .html5 import serialize as _html5lib_serialize  # noqa: F401

__all__ = [
    "check_comment",
    "html_to_text",
    "iter_text_nodes",
    "render_comment",
    "sanitize_article_html",
]
