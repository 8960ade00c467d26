"""Full-text search over stories and annotations, on PostgreSQL and on SQLite.

Both databases keep a stored index, written when a story gets a revision or an annotation
changes (search.signals) and never computed per query:

* PostgreSQL: a weighted ``tsvector`` per row (``setweight`` A > B > C > D) with a GIN index,
  matched with ``websearch_to_tsquery`` and ranked with ``ts_rank``; snippets by
  ``ts_headline``.
* SQLite: an FTS5 table (porter stemming, diacritics folded) matched with a MATCH
  expression built from the parsed query (search.query: user input never reaches MATCH
  raw); snippets by ``snippet()``/``highlight()``.

The annotation index also keeps each annotation's author and visibility, and the story
index each story's owner, so that who may see a match is decided on the index row itself:
a search over "what this reader may see" needs no pass over every annotation or story.
The story index holds listed stories only (a story leaves it when it loses its revision),
so an unfiltered story search needs no join either.

Ranking must not depend on the rest of the corpus: results are paged by a (rank, id)
keyset cursor, and a rank that moved when other stories arrived (as FTS5's bm25() does,
through its document frequencies and average length) would skip or repeat results between
pages. ``ts_rank`` looks at one document only. On SQLite the rank is computed in the same
spirit: for each query term and column, ``weight × 1000·tf/(tf+1)``, an integer, so equal
ranks compare equal across queries. Each document's score per term is written beside the
FTS5 table when the document is indexed (a "scores" table keyed by document and term),
counted from FTS5's own tokens: ranking reads the candidates' scores only. (FTS5 exposes
term frequencies only through its ``fts5vocab`` instance table, which lists a term's
every occurrence in the collection from the oldest document on: a word in nearly every
story would cost a pass over the collection per search.) The cost is one row per
distinct term of each document: 22 MB for the 20,000 generated stories of the benchmark,
beside the FTS5 table's 96 MB (index and content).

The SQL below is assembled from this module's own table and column names only (hence the
S608 exemptions); everything a user typed is a query parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

from annotations.models import Annotation, Tag, Visibility
from articles.models import Story, StoryRevision
from newsreader import paging

from .query import HIT_END, HIT_START, SearchQuery

if TYPE_CHECKING:
    from reading.models import Viewer

TS_CONFIG = "english"
FTS5_TOKENIZER = "porter unicode61 remove_diacritics 2"
SNIPPET_WORDS = 30
SHORT_TEXT = 200  # characters: about as much as a snippet of SNIPPET_WORDS words


@dataclass(frozen=True)
class Column:
    name: str
    weight: str  # PostgreSQL's setweight class
    points: int  # SQLite: what one occurrence in this column is worth
    whole: bool = False  # a snippet shows all of it (a title), not fragments


@dataclass(frozen=True)
class Index:
    """One searchable kind of thing: its index table and where its text comes from."""

    table: str  # PostgreSQL: (key, document tsvector, *kept); SQLite: FTS5 with rowid = key
    key: str
    columns: tuple[Column, ...]
    # Values copied as they are (not searched) from the source's columns of the same name.
    kept: tuple[str, ...] = ()

    @property
    def terms_table(self) -> str:
        """SQLite: the fts5vocab instance table over the FTS5 table."""
        return f"{self.table}_terms"

    @property
    def scores_table(self) -> str:
        """SQLite: each document's score per term (doc, term, score): ranking reads a
        candidate's scores for the query's terms, removing a document its rows, both by
        the key."""
        return f"{self.table}_scores"

    @property
    def probe_table(self) -> str:
        """SQLite: a per-connection FTS5 table with the same columns and tokenizer, where
        the documents being indexed are tokenized once more to count their terms."""
        return f"{self.table}_probe"

    def source_sql(self, vendor: str, where: str) -> str:
        """SELECT id, c0, c1, …, *kept for the rows to index (WHERE clause on alias
        "src_id")."""
        raise NotImplementedError


class _StoryIndex(Index):
    def source_sql(self, vendor: str, where: str) -> str:
        q = connection.ops.quote_name
        return (
            "SELECT s.id AS id, s.title AS c0, s.dek AS c1, s.byline AS c2, r.body_text AS c3, "  # noqa: S608
            "s.owner_id AS owner_id "
            f"FROM {q(Story._meta.db_table)} s "
            f"JOIN {q(StoryRevision._meta.db_table)} r ON r.id = s.current_revision_id "
            f"WHERE {where.replace('src_id', 's.id')}"
        )


class _AnnotationIndex(Index):
    def source_sql(self, vendor: str, where: str) -> str:
        q = connection.ops.quote_name
        through = Annotation.tags.through._meta.db_table
        join_tags = "string_agg" if vendor == "postgresql" else "group_concat"
        # The words highlighted now and, when the story's text has changed since, the
        # words the reader highlighted: either finds it.
        return (
            "SELECT a.id AS id, a.exact || CASE WHEN a.original_exact <> a.exact "  # noqa: S608
            "THEN ' … ' || a.original_exact ELSE '' END AS c0, "
            f"COALESCE((SELECT {join_tags}(t.name, ' ') FROM {q(through)} at "
            f"JOIN {q(Tag._meta.db_table)} t ON t.id = at.tag_id "
            "WHERE at.annotation_id = a.id), '') AS c1, "
            "a.comment AS c2, a.author_id AS author_id, a.visibility AS visibility "
            f"FROM {q(Annotation._meta.db_table)} a WHERE {where.replace('src_id', 'a.id')}"
        )


STORIES = _StoryIndex(
    table="library_story_search",
    key="story_id",
    columns=(
        Column("title", "A", 8, whole=True),
        Column("dek", "B", 4),
        Column("byline", "C", 2),
        Column("body", "D", 1),
    ),
    kept=("owner_id",),
)
ANNOTATIONS = _AnnotationIndex(
    table="library_annotation_search",
    key="annotation_id",
    columns=(
        Column("quote", "A", 8),
        Column("tags", "A", 8),
        Column("comment", "B", 4),
    ),
    kept=("author_id", "visibility"),
)


@dataclass(frozen=True)
class Visible:
    """Matches a reader may see, from the annotation index's own columns: public ones
    and their own (annotations.models.AnnotationQuerySet.visible_to; a test holds the
    two to the same answer). author_id None: a visitor."""

    public: str
    author_id: int | None

    def sql(self, prefix: str) -> tuple[str, list[Any]]:
        if self.author_id is None:
            return f"{prefix}visibility = %s", [self.public]
        return f"({prefix}visibility = %s OR {prefix}author_id = %s)", [
            self.public,
            self.author_id,
        ]


@dataclass(frozen=True)
class SharedOrOwn:
    """Stories a reader may see, from the story index's own column: the shared ones and
    their own copies (articles.models.StoryQuerySet.visible_to; a test holds the two to
    the same answer). owner_id None: a visitor."""

    owner_id: int | None

    def sql(self, prefix: str) -> tuple[str, list[Any]]:
        if self.owner_id is None:
            return f"{prefix}owner_id IS NULL", []
        return f"({prefix}owner_id IS NULL OR {prefix}owner_id = %s)", [self.owner_id]


# What a reader may see among an index's rows.
type Seen = Visible | SharedOrOwn


INDEXES = (STORIES, ANNOTATIONS)


@dataclass(frozen=True, order=True)
class Cursor:
    """Where a page of results ends: the last result's rank and id."""

    rank: float
    pk: int

    def __str__(self) -> str:
        return paging.encode(self.rank, self.pk)

    @classmethod
    def parse(cls, value: str | None) -> Cursor | None:
        """A bad cursor means the first page."""
        parsed = paging.parse(value, float)
        return cls(*parsed) if parsed else None


@dataclass(frozen=True)
class Hit:
    pk: int
    rank: float

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.rank, self.pk)


class Hits(list[Hit]):
    """A page of hits, best first. cut: more rows matched than were ranked (the newest
    `candidates` only), so a better match may exist among the older ones."""

    cut: bool = False


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


class Backend:
    vendor = ""

    # --- Writing

    def index(self, cursor: CursorWrapper, spec: Index, ids: Sequence[int] | None) -> None:
        """(Re)write the index rows of ids, or of everything when ids is None."""
        if ids is not None and not ids:
            return
        if ids is None:
            cursor.execute(f"DELETE FROM {spec.table}")  # noqa: S608
            where, params = "1 = 1", []
        else:
            self.remove(cursor, spec, ids)
            where, params = f"src_id IN ({_placeholders(ids)})", list(ids)
        self._insert(cursor, spec, spec.source_sql(self.vendor, where), params)

    def remove(self, cursor: CursorWrapper, spec: Index, ids: Sequence[int]) -> None:
        raise NotImplementedError

    def _insert(self, cursor: CursorWrapper, spec: Index, source: str, params: list[Any]) -> None:
        raise NotImplementedError

    # --- Reading

    def rank(
        self,
        cursor: CursorWrapper,
        spec: Index,
        query: SearchQuery,
        allowed: tuple[str, tuple[Any, ...]] | None,
        visible: Seen | None,
        after: Cursor | None,
        limit: int,
        candidates: int,
    ) -> Hits:
        raise NotImplementedError

    def snippets(
        self, cursor: CursorWrapper, spec: Index, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, tuple[str, ...]]:
        raise NotImplementedError


def _page(ranked: str, after: Cursor | None, limit: int) -> tuple[str, list[Any]]:
    """Order (id, rank) rows best first and keep those after the cursor; with each, how
    many candidates there were (a CTE named "candidates")."""
    sql = (
        "SELECT ranked.id, ranked.rank, (SELECT COUNT(*) FROM candidates) "  # noqa: S608
        f"FROM ({ranked}) ranked"
    )
    params: list[Any] = []
    if after is not None:
        sql += " WHERE ranked.rank < %s OR (ranked.rank = %s AND ranked.id < %s)"
        params = [after.rank, after.rank, after.pk]
    sql += " ORDER BY ranked.rank DESC, ranked.id DESC LIMIT %s"
    return sql, [*params, limit]


def _hits(rows: list[tuple[Any, ...]], candidates: int) -> Hits:
    hits = Hits(Hit(pk, float(rank)) for pk, rank, _found in rows)
    hits.cut = bool(rows) and rows[0][2] > candidates
    return hits


def _filters(
    allowed: tuple[str, tuple[Any, ...]] | None, visible: Seen | None, key: str, prefix: str
) -> tuple[str, list[Any]]:
    """ " AND …" conditions on the index rows (key: their id; prefix: their table's)."""
    sql, params = "", []
    if allowed is not None:
        sql += f" AND {key} IN ({allowed[0]})"
        params += list(allowed[1])
    if visible is not None:
        condition, condition_params = visible.sql(prefix)
        sql += f" AND {condition}"
        params += condition_params
    return sql, params


# Private-use code points standing in for "<" and ">" inside ts_headline.
_STAND_INS = "\ue002\ue003"


class PostgresBackend(Backend):
    vendor = "postgresql"

    def remove(self, cursor: CursorWrapper, spec: Index, ids: Sequence[int]) -> None:
        cursor.execute(f"DELETE FROM {spec.table} WHERE {spec.key} = ANY(%s)", [list(ids)])  # noqa: S608

    def _insert(self, cursor: CursorWrapper, spec: Index, source: str, params: list[Any]) -> None:
        # Without the stand-ins for "<" and ">" the parser would skip "<vessel>" as a tag.
        document = " || ".join(
            f"setweight(to_tsvector('{TS_CONFIG}', translate(COALESCE(src.c{i}, ''), '<>', %s)),"
            f" '{column.weight}')"
            for i, column in enumerate(spec.columns)
        )
        names = "".join(f", {name}" for name in spec.kept)
        values = "".join(f", src.{name}" for name in spec.kept)
        cursor.execute(
            f"INSERT INTO {spec.table} ({spec.key}, document{names}) "  # noqa: S608
            f"SELECT src.id, {document}{values} FROM ({source}) src",
            [*[_STAND_INS] * len(spec.columns), *params],
        )

    def rank(
        self,
        cursor: CursorWrapper,
        spec: Index,
        query: SearchQuery,
        allowed: tuple[str, tuple[Any, ...]] | None,
        visible: Seen | None,
        after: Cursor | None,
        limit: int,
        candidates: int,
    ) -> Hits:
        where, where_params = _filters(allowed, visible, f"d.{spec.key}", "d.")
        # The newest `candidates` matches (one more, to know whether there were more),
        # found by walking the primary key backwards when nearly every row matches, or
        # by the GIN index when few do: ranking reads each candidate's vector, so a word
        # in every story costs what `candidates` of them cost, not the collection.
        found = (
            f"SELECT d.{spec.key} AS id, d.document FROM {spec.table} d, "  # noqa: S608
            f"websearch_to_tsquery('{TS_CONFIG}', %s) q "
            f"WHERE d.document @@ q{where} ORDER BY d.{spec.key} DESC LIMIT %s"
        )
        # Ranked by what is searched for: ts_rank gives every document the same
        # negligible rank when the query has a NOT in it. float8: ts_rank is a float4,
        # and the cursor must compare equal to it exactly.
        ranked = (
            "SELECT c.id, ts_rank(c.document, r)::float8 AS rank "  # noqa: S608
            "FROM (SELECT * FROM candidates ORDER BY id DESC LIMIT %s) c, "
            f"websearch_to_tsquery('{TS_CONFIG}', %s) r"
        )
        sql, params = _page(ranked, after, limit)
        positive = query.without_exclusions().websearch()
        cursor.execute(
            f"WITH candidates AS MATERIALIZED ({found}) {sql}",
            [query.websearch(), *where_params, candidates + 1, candidates, positive, *params],
        )
        return _hits(cursor.fetchall(), candidates)

    def snippets(
        self, cursor: CursorWrapper, spec: Index, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, tuple[str, ...]]:
        marks = f"StartSel={HIT_START}, StopSel={HIT_END}"
        whole = f"{marks}, HighlightAll=true"
        fragments = (
            f"{marks}, MaxFragments=2, MinWords=8, MaxWords={SNIPPET_WORDS}, "
            'FragmentDelimiter=" … "'
        )
        # The parser reads <…> as markup and ts_headline drops it ("Vec<T>" would lose
        # "<T>"): angle brackets travel as stand-ins and come back afterwards.
        # A short text is shown whole, as FTS5's snippet() does: fragments would cut it.
        headlines, params = [], []
        for i, column in enumerate(spec.columns):
            text = f"translate(COALESCE(src.c{i}, ''), '<>', %s)"
            whole_text = f"ts_headline('{TS_CONFIG}', {text}, q, %s)"
            if column.whole:
                headlines.append(whole_text)
                params += [_STAND_INS, whole]
            else:
                headlines.append(
                    f"CASE WHEN length(src.c{i}) <= {SHORT_TEXT} THEN {whole_text} "
                    f"ELSE ts_headline('{TS_CONFIG}', {text}, q, %s) END"
                )
                params += [_STAND_INS, whole, _STAND_INS, fragments]
        source = spec.source_sql(self.vendor, f"src_id IN ({_placeholders(ids)})")
        cursor.execute(
            f"SELECT src.id, {', '.join(headlines)} FROM ({source}) src, "  # noqa: S608
            f"websearch_to_tsquery('{TS_CONFIG}', %s) q",
            [*params, *ids, query.websearch()],
        )
        restore = str.maketrans(_STAND_INS, "<>")
        return {
            row[0]: tuple(part.translate(restore) for part in row[1:]) for row in cursor.fetchall()
        }


def _score_sql(spec: Index, terms_table: str) -> str:
    """Each (term, document)'s score from an fts5vocab instance table: per column,
    the column's points × 1000·tf/(tf+1) (integer division), added up."""
    points = " ".join(f"WHEN '{c.name}' THEN {c.points}" for c in spec.columns)
    return (
        f"INSERT INTO {spec.scores_table} (term, doc, score) "  # noqa: S608
        f"SELECT term, doc, SUM((CASE col {points} ELSE 1 END) * (1000 * n / (n + 1))) "
        f"FROM (SELECT term, doc, col, COUNT(*) AS n FROM {terms_table} "
        "GROUP BY term, doc, col) GROUP BY term, doc"
    )


def install_scores(cursor: CursorWrapper, spec: Index) -> None:
    """SQLite: create the scores table of spec when missing. Every write asks:
    data migrations of other apps index with today's code, at points of the migration
    graph before library 0009 (which fills the table for what was indexed before it)."""
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {spec.scores_table} ("
        "doc INTEGER NOT NULL, term TEXT NOT NULL, score INTEGER NOT NULL, "
        "PRIMARY KEY (doc, term)) WITHOUT ROWID"
    )


class SQLiteBackend(Backend):
    vendor = "sqlite"

    def index(self, cursor: CursorWrapper, spec: Index, ids: Sequence[int] | None) -> None:
        super().index(cursor, spec, ids)  # which removes ids first (remove: the scores too)
        if ids is None:
            self.rescore(cursor, spec)
        elif ids:
            self._score(cursor, spec, ids)

    def rescore(self, cursor: CursorWrapper, spec: Index) -> None:
        """Rewrite every document's scores from the FTS5 index (one pass over it)."""
        install_scores(cursor, spec)
        cursor.execute(f"DELETE FROM {spec.scores_table}")  # noqa: S608
        cursor.execute(_score_sql(spec, spec.terms_table))

    def _score(self, cursor: CursorWrapper, spec: Index, ids: Sequence[int]) -> None:
        """Write the scores of the documents ids, as just indexed: their columns are
        copied into the probe table, whose instance table lists their tokens alone."""
        names = ", ".join(column.name for column in spec.columns)
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{spec.probe_table} "
            f"USING fts5({names}, tokenize='{FTS5_TOKENIZER}')"
        )
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{spec.probe_table}_terms "
            f"USING fts5vocab(temp, {spec.probe_table}, instance)"
        )
        cursor.execute(
            f"INSERT INTO temp.{spec.probe_table} (rowid, {names}) "  # noqa: S608
            f"SELECT rowid, {names} FROM {spec.table} WHERE rowid IN ({_placeholders(ids)})",
            ids,
        )
        try:
            cursor.execute(_score_sql(spec, f"temp.{spec.probe_table}_terms"))
        finally:
            cursor.execute(f"DELETE FROM temp.{spec.probe_table}")  # noqa: S608

    def remove(self, cursor: CursorWrapper, spec: Index, ids: Sequence[int]) -> None:
        cursor.execute(f"DELETE FROM {spec.table} WHERE rowid IN ({_placeholders(ids)})", ids)  # noqa: S608
        install_scores(cursor, spec)
        cursor.execute(
            f"DELETE FROM {spec.scores_table} WHERE doc IN ({_placeholders(ids)})",  # noqa: S608
            ids,
        )

    def _insert(self, cursor: CursorWrapper, spec: Index, source: str, params: list[Any]) -> None:
        names = ", ".join([*(column.name for column in spec.columns), *spec.kept])
        values = ", ".join(
            [
                *(f"COALESCE(src.c{i}, '')" for i in range(len(spec.columns))),
                *(f"src.{name}" for name in spec.kept),
            ]
        )
        cursor.execute(
            f"INSERT INTO {spec.table} (rowid, {names}) "  # noqa: S608
            f"SELECT src.id, {values} FROM ({source}) src",
            params,
        )

    def stems(self, cursor: CursorWrapper, words: Sequence[str]) -> list[str]:
        """The index terms for words, from the same tokenizer the index uses: they are
        written into a temporary FTS5 table (per connection, never in the database file)
        and read back from its vocabulary. Remembered per connection: a page that
        searches stories and highlights asks once."""
        known: dict[tuple[str, ...], list[str]] = connection.__dict__.setdefault(
            "_library_stems", {}
        )
        key = tuple(words)
        if key not in known:
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.library_probe "
                f"USING fts5(text, tokenize='{FTS5_TOKENIZER}')"
            )
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.library_probe_terms "
                "USING fts5vocab(temp, library_probe, row)"
            )
            cursor.execute("DELETE FROM temp.library_probe")
            cursor.execute("INSERT INTO temp.library_probe (text) VALUES (%s)", [" ".join(key)])
            cursor.execute("SELECT term FROM temp.library_probe_terms")
            if len(known) > 256:
                known.clear()
            known[key] = [row[0] for row in cursor.fetchall()]
        return known[key]

    def rank(
        self,
        cursor: CursorWrapper,
        spec: Index,
        query: SearchQuery,
        allowed: tuple[str, tuple[Any, ...]] | None,
        visible: Seen | None,
        after: Cursor | None,
        limit: int,
        candidates: int,
    ) -> Hits:
        # "+rowid": were the filter's ids handed to FTS5 as rowid constraints, it would
        # run the query once per id.
        where, where_params = _filters(allowed, visible, "+rowid", "")
        terms = self.stems(cursor, query.words()) or [""]
        # Matching is FTS5's (phrases, OR, NOT exactly), and FTS5 hands the matches over
        # newest first: the newest `candidates` (one more, to know whether there were
        # more) are ranked, each by its stored scores for the query's terms.
        found = (
            f"SELECT rowid AS id FROM {spec.table} WHERE {spec.table} MATCH %s{where} "  # noqa: S608
            "ORDER BY rowid DESC LIMIT %s"
        )
        ranked = (
            "SELECT c.id, COALESCE((SELECT SUM(s.score) "  # noqa: S608
            f"FROM {spec.scores_table} s WHERE s.term IN ({_placeholders(terms)}) "
            "AND s.doc = c.id), 0) AS rank "
            "FROM (SELECT id FROM candidates ORDER BY id DESC LIMIT %s) c"
        )
        sql, params = _page(ranked, after, limit)
        cursor.execute(
            f"WITH candidates AS MATERIALIZED ({found}) {sql}",
            [query.fts5(), *where_params, candidates + 1, *terms, candidates, *params],
        )
        return _hits(cursor.fetchall(), candidates)

    def snippets(
        self, cursor: CursorWrapper, spec: Index, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, tuple[str, ...]]:
        parts = ", ".join(
            f"highlight({spec.table}, {i}, %s, %s)"
            if column.whole
            else f"snippet({spec.table}, {i}, %s, %s, ' … ', {SNIPPET_WORDS})"
            for i, column in enumerate(spec.columns)
        )
        cursor.execute(
            f"SELECT rowid, {parts} FROM {spec.table} "  # noqa: S608
            f"WHERE {spec.table} MATCH %s AND rowid IN ({_placeholders(ids)})",
            [*[HIT_START, HIT_END] * len(spec.columns), query.fts5(), *ids],
        )
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


_BACKENDS: dict[str, Backend] = {
    "postgresql": PostgresBackend(),
    "sqlite": SQLiteBackend(),
}


def backend(vendor: str | None = None) -> Backend:
    vendor = vendor or connection.vendor
    try:
        return _BACKENDS[vendor]
    except KeyError:
        raise NotImplementedError(f"Search is not implemented for {vendor}.") from None


# --- The API the rest of the app uses


def index_stories(ids: Sequence[int]) -> None:
    with connection.cursor() as cursor:
        backend().index(cursor, STORIES, ids)


def remove_stories(ids: Sequence[int]) -> None:
    if ids:
        with connection.cursor() as cursor:
            backend().remove(cursor, STORIES, ids)


def index_annotations(ids: Sequence[int]) -> None:
    with connection.cursor() as cursor:
        backend().index(cursor, ANNOTATIONS, ids)


def remove_annotations(ids: Sequence[int]) -> None:
    if ids:
        with connection.cursor() as cursor:
            backend().remove(cursor, ANNOTATIONS, ids)


def rebuild() -> None:
    """Rewrite both indexes from the stories and annotations (a migration, or
    `manage.py rebuild_search_index` after restoring a backup)."""
    with connection.cursor() as cursor:
        for spec in INDEXES:
            backend().index(cursor, spec, None)
            if connection.vendor == "postgresql":
                # Fresh statistics, or the planner guesses the new table's size.
                cursor.execute(f"ANALYZE {spec.table}")


def rank(
    spec: Index,
    query: SearchQuery,
    allowed: QuerySet[Any] | None,
    after: Cursor | None = None,
    limit: int = 25,
    *,
    visible_to: Viewer | None = None,
    candidates: int | None = None,
) -> Hits:
    """The best `limit` matches among `allowed` (a queryset: the filters; None: all),
    after `after`; only those `visible_to` may see, when given (None: the system's own
    searches, such as the benchmarks).

    Runs one query, which ranks the newest `candidates` matches (settings.
    SEARCH_CANDIDATES by default; relevance has no index to walk, so ranking every match
    of a common word would cost a pass over the collection) and returns one page, with
    `cut` set when more matched. No OFFSET: a page boundary stays put while no newer
    match arrives. Pass `allowed` only for filters the index rows cannot answer: the
    database reads those ids too.
    """
    if not query.is_searchable:
        return Hits()
    if candidates is None:
        candidates = settings.SEARCH_CANDIDATES
    filtered = None
    if allowed is not None:
        filtered = allowed.order_by().values("pk").query.sql_with_params()
    visible: Seen | None = None
    if visible_to is not None:
        reader = int(visible_to.pk) if visible_to.is_authenticated and visible_to.pk else None
        visible = Visible(Visibility.PUBLIC, reader) if spec is ANNOTATIONS else SharedOrOwn(reader)
    with connection.cursor() as cursor:
        return backend().rank(cursor, spec, query, filtered, visible, after, limit, candidates)


def snippets(spec: Index, query: SearchQuery, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Per id, each column's text with the hits between HIT_START and HIT_END: whole for
    a `whole` column (a title), else the best fragments."""
    if not ids or not query.is_searchable:
        return {}
    with connection.cursor() as cursor:
        return backend().snippets(cursor, spec, query, ids)
