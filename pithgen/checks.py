"""The check collector of the verification stages and the one rule for showing values in
messages.

Every message pithgen writes about a record says what was expected and what was found.
Values taken from the record are untrusted: they are shown by :func:`shown` (``repr``, so
control characters are escaped and nothing can fake report lines or drive a terminal, cut to
:data:`SHOWN_LIMIT` characters), types by :func:`type_name` (JSON's names; with the
value, :func:`described`), lists of items by
:func:`some` (at most :data:`LIST_LIMIT` items, then "and N more"), and no message is
longer than :data:`MESSAGE_LIMIT` characters, so a report stays bounded whatever the input.

Showing a value costs time and memory bounded by the limit, not by the value: a list of
millions of items or a string of millions of characters is never ``repr``-ed whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pithgen.model import Check

SHOWN_LIMIT = 120
LIST_LIMIT = 10
MESSAGE_LIMIT = 1000

_JSON_TYPES: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    tuple: "array",
    dict: "object",
}


def shown(value: Any, limit: int = SHOWN_LIMIT) -> str:
    """A value from a record as a message shows it: ``repr``, cut to ``limit`` characters
    (then saying how large the value was: characters of a string, items of an array,
    members of an object)."""
    text, cut = _repr_upto(value, limit)
    if cut:
        text = f"{text[:limit]}… ({_size(value)})"
    return text


@dataclass(frozen=True)
class _Child:
    """A value inside a container, still to be shown."""

    value: Any


def _tokens(value: Any, limit: int) -> Iterator[str | _Child]:
    """The pieces of ``repr(value)`` one level deep, lazily (children as :class:`_Child`)."""
    if isinstance(value, dict):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            if index:
                yield ", "
            yield _Child(key)
            yield ": "
            yield _Child(item)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "[" if isinstance(value, list) else "("
        for index, item in enumerate(value):
            if index:
                yield ", "
            yield _Child(item)
        if isinstance(value, tuple):
            yield ",)" if len(value) == 1 else ")"
        else:
            yield "]"
    elif isinstance(value, str) and len(value) > limit:
        yield repr(value[: limit + 1])  # longer than the limit: only a prefix is needed
    else:
        yield repr(value)


def _repr_upto(value: Any, limit: int) -> tuple[str, bool]:
    """``repr(value)`` if it has at most ``limit`` characters, else a prefix of at least
    ``limit + 1`` characters and True; the work done is bounded by ``limit``, not by the
    size of ``value`` (containers are walked lazily, with an explicit stack)."""
    pieces: list[str] = []
    length = 0
    stack = [_tokens(value, limit)]
    while stack:
        token = next(stack[-1], None)
        if token is None:
            stack.pop()
        elif isinstance(token, _Child):
            stack.append(_tokens(token.value, limit))
        else:
            pieces.append(token)
            length += len(token)
            if length > limit:
                return "".join(pieces), True
    return "".join(pieces), False


def _size(value: Any) -> str:
    """How large a cut value was: characters of a string, items of an array, members of
    an object."""
    if isinstance(value, str):
        count, unit = len(value), "character"
    elif isinstance(value, list | tuple):
        count, unit = len(value), "item"
    elif isinstance(value, dict):
        count, unit = len(value), "member"
    else:  # a number: its repr is short anyway
        count, unit = len(repr(value)), "character"
    return f"{count} {unit}{'' if count == 1 else 's'}"


def type_name(value: Any) -> str:
    """The JSON type of a parsed value: null, boolean, integer, number, string, array, object."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def described(value: Any, limit: int = 60) -> str:
    """A value with its JSON type, for "expected a string, found integer 5"."""
    return "null" if value is None else f"{type_name(value)} {shown(value, limit)}"


def some(
    items: Iterable[str], limit: int = LIST_LIMIT, sep: str = "; ", *, total: int | None = None
) -> str:
    """``items`` joined by ``sep``, at most ``limit`` of them, then ``and N more``.

    ``total`` is how many items there are in all when ``items`` holds only the first of
    them (a list too long to enumerate, counted elsewhere)."""
    kept: list[str] = []
    more = 0
    for item in items:
        if len(kept) < limit:
            kept.append(item)
        else:
            more += 1
    if total is not None:
        more = max(total - len(kept), 0)
    text = sep.join(kept)
    return f"{text}{sep}and {more} more" if more else text


def bounded(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """``message`` cut to ``limit`` characters, saying so."""
    if len(message) <= limit:
        return message
    return f"{message[:limit]}… (message cut at {limit} of {len(message)} characters)"


class Checks:
    """Collects check outcomes for one document (messages bounded by :func:`bounded`)."""

    def __init__(self) -> None:
        self.items: list[Check] = []

    def ok(self, check: str, message: str) -> None:
        self.items.append(Check(check, "ok", bounded(message)))

    def fail(self, check: str, message: str) -> None:
        self.items.append(Check(check, "failed", bounded(message)))

    def warn(self, check: str, message: str) -> None:
        self.items.append(Check(check, "warning", bounded(message)))

    def note(
        self, check: str, outcome: Literal["not_checkable", "not_checked"], message: str
    ) -> None:
        self.items.append(Check(check, outcome, bounded(message)))

    def failed(self) -> bool:
        return any(c.outcome == "failed" for c in self.items)
