"""Glued words: the spaces a scraper lost around links put back ("wasbanned" → "was
banned", "theUK" → "the UK"), only where wordfreq makes both halves common words and the
whole no word; names, brands, URLs, code and real compounds are left alone."""

from __future__ import annotations

import re
from functools import lru_cache

from wordfreq import zipf_frequency

__all__ = ["space_lost_between", "split_glued_words"]


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Below this a whole token is not a word wordfreq knows well enough to trust as-is.
_WHOLE_MAX = 1.5
# The content-word half of a split must be at least this common; short ones much more,
# as wordfreq knows plenty of three-letter fragments ("eru", "gac") from names and typos.
_PART_MIN = 2.0
_PART_MIN_SHORT = {3: 3.5, 4: 3.0, 5: 3.0}
# ...and next to a two-letter function word ("capacityis"), much more common, because
# rare and foreign words end in "-is", "-in" or "-to" by chance ("personalis", "panto").
_PART_MIN_BESIDE_SHORT = 3.5
# A lost link space almost always sits next to a function word ("was"+"banned",
# "find"+"their", "uninstalled"+"and"). Two content words side by side are far more
# often a real compound or a coinage ("codebases", "overwatering", "toebox"), so a split
# needs a function word on the correct side. Words that also work as prefixes or
# endings ("over", "under", "up", "out", "back", "on", "an", "or"; "in-" and "by-" at
# the start, "-is" at the end: "incredibility", "byword", "minoris") are missing.
_HEAD_WORDS = _wordset(
    """
    the and of to for from with was were are has have had will would could should that
    this their its our your than into about after before between which when where while
    but not been also such some more most very said is at
    """
)
_TAIL_WORDS = _wordset(
    """
    the and their that this with from for was were are has have had after before about
    into which when where while but than also been will would could should said says its
    not there these those they them then what who of to in by
    """
)
# Function words that a lost link space glues to a capitalised name or acronym ("theUK",
# "inLondon", "ViaTechCrunch"). "is", "has", "get", "on"… are missing on purpose: they
# start code identifiers ("isNaN", "hasOwnProperty", "onClick").
_GLUE_PREFIXES = _wordset(
    """
    the an and or but of in at to for from by with via into onto about after before as
    than that this its his her their our your was were are will would said says told
    like including between against during over under across while
    """
)
_BRAND_PREFIXES = frozenset({"in", "the"})
_CLITIC = re.compile(r"['’](?:s|t|re|ve|ll|d|m)$")
_ACRONYM_THEN_WORD = re.compile(r"([A-Z]{2,5})([a-z]{2,})")
_LOWER_THEN_CAPITAL = re.compile(r"([a-z]{2,})([A-Z].*)")
_TITLE_THEN_CAPITAL = re.compile(r"([A-Z][a-z]+)([A-Z].*)")
_TITLE_WORD = re.compile(r"[A-Z][a-z]+")
_ACRONYM = re.compile(r"[A-Z]{2,3}s?")
_CAMEL_WORD = re.compile(r"(?=.*[a-z])[A-Z][a-z]*(?:[A-Z][a-z]*)+")
# Links, addresses, handles, paths, code ("toFront()", "os.Create(") and dotted
# abbreviations ("U.K.", "Node.js", "example.com") are left exactly as they are.
_URLISH = re.compile(r"://|www\.|[@/\\_=#<>{}|]|\":|\w\(|\)\.?\w|\.[a-z]{2,}\b|\.[A-Za-z]+\.|\d")
_TOKEN = re.compile(r"(?<!\w)[^\W\d_]+(?:['’][^\W\d_]+)*(?!\w)")
# "commission.Here’s": a lowercase word, sentence punctuation, a capitalised word.
_GLUED_SENTENCE = re.compile(
    r"(?<![\w.])([^\W\d_A-Z]{2,})([.!?][\"'”’)]?)([A-Z][a-z]+(?:['’][a-z]+)?)(?![\w(.)])"
)
_SENTENCE_WORD_MIN = 3.0
# Two-letter words that can end a sentence; "os.Create" and "io.Reader" are code.
_SENTENCE_END_SHORT = _wordset("it up us me go do so on in to be by no of as at")


@lru_cache(maxsize=200_000)
def _zipf(word: str) -> float:
    return zipf_frequency(word, "en")


def _glued_pair_score(head: str, tail: str) -> float | None:
    """How sure we are that head+tail is two words, or None when it is not a candidate."""
    if head in _HEAD_WORDS:
        function, content = head, tail
    elif tail in _TAIL_WORDS:
        function, content = tail, head
    else:
        return None
    if len(content) < 3:
        return None
    z_content = _zipf(content)
    if len(function) == 2 and (len(content) < 4 or z_content < _PART_MIN_BESIDE_SHORT):
        return None
    if z_content < _PART_MIN_SHORT.get(len(content), _PART_MIN):
        return None
    return z_content


# A split needs a function word on one side, so only cuts within this many letters of either
# end can score: trying those alone keeps the work linear in the token's length.
_FUNCTION_MAX = max(len(word) for word in _HEAD_WORDS | _TAIL_WORDS)
# No English word is this long; a longer token is left as it is, unsplit and unlooked-up.
_TOKEN_MAX = 64


def _split_lowercase(word: str) -> str:
    best: tuple[float, int] | None = None
    near_ends = range(2, min(_FUNCTION_MAX, len(word) - 2) + 1)
    far_cuts = range(max(_FUNCTION_MAX + 1, len(word) - _FUNCTION_MAX), len(word) - 1)
    for cut in (*near_ends, *far_cuts):
        score = _glued_pair_score(word[:cut], word[cut:])
        # Prefer the split whose content word is the most common.
        if score is not None and (best is None or (score, cut) > best):
            best = (score, cut)
    if best is None:
        return word
    cut = best[1]
    return f"{word[:cut]} {word[cut:]}"


def _is_name_like(rest: str, *, title_ok: bool) -> bool:
    """What a glued function word may precede: a name, an acronym, a known brand."""
    if _ACRONYM.fullmatch(rest):
        return True
    if title_ok and _TITLE_WORD.fullmatch(rest):
        return True
    # "OpenAI", "TechCrunch" are known to wordfreq; "MerchantReturnPolicy" is code.
    return bool(_CAMEL_WORD.fullmatch(rest)) and _zipf(rest.lower()) >= _WHOLE_MAX


def _split_base(base: str) -> str:
    if _zipf(base.lower()) >= _WHOLE_MAX:
        return base
    if base.islower():
        return _split_lowercase(base)
    match = _ACRONYM_THEN_WORD.fullmatch(base)
    if match:
        # "USafter" splits; "OVHcloud", "CFexpress", "IDs" and "SMSing" do not.
        acronym, rest = match.groups()
        return f"{acronym} {rest}" if rest in _TAIL_WORDS and len(rest) >= 3 else base
    match = _LOWER_THEN_CAPITAL.fullmatch(base)
    if match:
        # Only after a function word: "iPhone", "macOS", "easyJet" and "toString" stay.
        # "in" and "the" also start many brands ("inReach", "theScore", "theCUBE"), so
        # after them only an acronym or a known CamelCase name counts.
        head, rest = match.groups()
        title_ok = head not in _BRAND_PREFIXES
        if head in _GLUE_PREFIXES and _is_name_like(rest, title_ok=title_ok):
            return f"{head} {rest}"
        return base
    match = _TITLE_THEN_CAPITAL.fullmatch(base)
    if match:
        # "ViaTechCrunch" splits; "InDesign", "OnStar", "TheVerge" and "TheRealReal"
        # could be brands, so the remainder must be an acronym or a known CamelCase name.
        head, rest = match.groups()
        if head.lower() in _GLUE_PREFIXES and _is_name_like(rest, title_ok=False):
            return f"{head} {rest}"
    return base


@lru_cache(maxsize=200_000)
def _split_token(token: str) -> str:
    if not 4 <= len(token) <= _TOKEN_MAX or _zipf(token.lower()) >= _WHOLE_MAX:
        return token
    clitic = ""
    match = _CLITIC.search(token)
    if match:
        clitic = match.group()
        token = token[: match.start()]
    if "'" in token or "’" in token:  # "O’Brien" and friends are names, not glue
        return token + clitic
    return _split_base(token) + clitic


def _split_sentence(match: re.Match[str]) -> str:
    before, punct, after = match.groups()
    # Both sides must be ordinary words: "pathlib.Path" and "context.Context" are code.
    if (
        _zipf(before) < _SENTENCE_WORD_MIN
        or _zipf(after.lower()) < _SENTENCE_WORD_MIN
        or (len(before) == 2 and before not in _SENTENCE_END_SHORT)
        or before == after.lower()
    ):
        return match.group()
    return f"{before}{punct} {after}"


@lru_cache(maxsize=200_000)
def _split_chunk(chunk: str) -> str:
    if _URLISH.search(chunk):
        return chunk
    chunk = _GLUED_SENTENCE.sub(_split_sentence, chunk)
    return _TOKEN.sub(lambda m: _split_token(m.group()), chunk)


_CHUNK = re.compile(r"\S{4,}")
_EDGE_WORD_AFTER = re.compile(r"^([^\W\d_]+)")
# Both halves must be at least this common for a space between them to be certain.
_BOUNDARY_PART_MIN = 3.0
_EDGE_CHARS = 64


def space_lost_between(before: str, after: str) -> bool:
    """Whether two adjacent text nodes ("…and" + "tasting wine") read as one glued word
    a space must separate: together they are no word, apart both are common words.
    A link's text and its neighbours are such nodes when a scraper drops the space."""
    right = _EDGE_WORD_AFTER.match(after)
    if right is None:
        return False
    # The last word, read backwards with an anchored match: an end-anchored search would
    # try every position of the text (a link's neighbours are mostly not glued, and this
    # runs for every link of the page). "$" also matched before a final newline.
    window = before[-_EDGE_CHARS:]
    if window.endswith("\n"):
        window = window[:-1]
    left = _EDGE_WORD_AFTER.match(window[::-1])
    if left is None:
        return False
    head, tail = left.group(1)[::-1], right.group(1)
    if _zipf((head + tail).lower()) >= _WHOLE_MAX:
        return False  # one word across two nodes ("Java" + "Script")
    # A capitalised word right after a lower-case one ("The Alchemist" + "Mercy"): names
    # and titles a page sets apart with styling, not with a space. Both parts are words
    # of two letters or more ("i" + "Phone" is a brand).
    if len(head) >= 2 and head[-1].islower() and tail[:1].isupper() and tail[1:2].islower():
        return True
    return _zipf(head.lower()) >= _BOUNDARY_PART_MIN and _zipf(tail.lower()) >= _BOUNDARY_PART_MIN


def split_glued_words(text: str) -> str:
    """Put back spaces a scraper lost around links ("wasbanned" → "was banned").

    Splits only when confident: the token is not a word wordfreq knows, and both parts
    are common words (or an acronym and a common word). Names, brands, URLs and real
    compounds are left alone.
    """
    if not text:
        return text
    return _CHUNK.sub(lambda m: _split_chunk_bounded(m.group()), text)


# Only ordinary chunks are cached: a cache of 200,000 pasted megabyte-long runs would not be.
_CACHED_CHUNK_MAX = 256


def _split_chunk_bounded(chunk: str) -> str:
    if len(chunk) <= _CACHED_CHUNK_MAX:
        return _split_chunk(chunk)
    return _split_chunk.__wrapped__(chunk)
