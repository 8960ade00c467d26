"""Rows of a statement written out, turned into the model instances the ORM would have
made: for the few hot queries where building the query through the ORM took many times
what the database took to answer it (reading/opening.py, annotations/in_story.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models


@dataclass(frozen=True)
class Columns:
    """How one model's columns are selected and turned back into an instance."""

    model: type[models.Model]
    alias: str
    fields: tuple[models.Field[Any, Any], ...]
    converters: tuple[tuple[Callable[..., Any], ...], ...]
    sql: str  # the select list
    attnames: list[str]

    def instance(self, values: Sequence[Any]) -> Any:
        converted = []
        for field, value, converters in zip(self.fields, values, self.converters, strict=True):
            for converter in converters:
                value = converter(value, field, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.attnames, converted)


def split(row: Sequence[Any], parts: Sequence[Columns]) -> list[Sequence[Any]]:
    """A row of several models' columns (in the order of parts), one slice per model."""
    values, start = [], 0
    for part in parts:
        values.append(row[start : start + len(part.fields)])
        start += len(part.fields)
    return values


def columns(model: type[models.Model], alias: str) -> Columns:
    """What the ORM would select of a model and how it converts the values: fixed by the
    code, so kept with the connection whose converters they are (as search keeps stems)."""
    known: dict[tuple[type[models.Model], str], Columns] = connection.__dict__.setdefault(
        "_newsreader_columns", {}
    )
    found = known.get((model, alias))
    if found is None:
        fields = tuple(model._meta.concrete_fields)
        converters = []
        for field in fields:
            column = field.get_col(alias)
            converters.append(
                tuple(
                    connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                )
            )
        q = connection.ops.quote_name
        sql = ", ".join(f"{alias}.{q(str(field.column))}" for field in fields)
        attnames = [field.attname for field in fields]
        found = known[(model, alias)] = Columns(
            model, alias, fields, tuple(converters), sql, attnames
        )
    return found
