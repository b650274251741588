"""Strict JSON for untrusted input: UTF-8 only, no duplicate keys, no NaN/Infinity, no lone
surrogates, bounded nesting, a bounded number of values. Each defect raises
:class:`JSONDefect` with a clear reason.

The number of values is bounded before anything is parsed, by counting bytes: every JSON
value but the first in each object or array follows a ``,``, and every object or array
starts with ``{`` or ``[``, so ``{`` + ``[`` + ``,`` bounds the number of Python objects
parsing would build (keys included), whatever they are. Bytes inside strings are counted
too, which only ever overestimates. Parsing costs at most about 150 bytes of memory per
counted value (measured: one-member objects with distinct keys are the most costly), so
:data:`DEFAULT_MAX_VALUES` keeps a document's parsed tree near 150 MB at most, while a real
record has about 110 and a bundle about 15 per event (a 16 MiB bundle of the smallest
events has about 700,000)."""

from __future__ import annotations

import json
import re
from typing import Any

from pithgen.checks import type_name

DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_VALUES = 600_000
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


class JSONDefect(ValueError):
    """Why a document is not acceptable JSON (the message is shown to the user)."""


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JSONDefect(f"duplicate key {key!r} in one object (expected unique keys)")
        out[key] = value
    return out


def _bad_constant(name: str) -> Any:
    raise JSONDefect(f"expected a JSON number, found {name} (not valid JSON)")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JSONDefect(f"number {text[:40]} is too large to represent (overflows to infinity)")
    return value


def _check_tree(value: Any, max_depth: int) -> None:
    """Walk iteratively: depth limit and lone surrogates (which cannot be UTF-8 encoded)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > max_depth:
                raise JSONDefect(f"nesting deeper than {max_depth} levels")
            for key, child in node.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            if depth > max_depth:
                raise JSONDefect(f"nesting deeper than {max_depth} levels")
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, str):
            _check_text(node)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSONDefect(
            "string holds a lone UTF-16 surrogate escape (not valid Unicode)"
        ) from None


def parse_document(
    raw: bytes,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_values: int | None = DEFAULT_MAX_VALUES,
) -> dict[str, Any]:
    """Parse one document; it must be a JSON object. ``max_values=None``: no value limit
    (for input that is not a record, such as the papers an operator mints)."""
    containers = raw.count(b"{") + raw.count(b"[")
    values = containers + raw.count(b",") if max_values is not None else 0
    if max_values is not None and values > max_values:
        raise JSONDefect(
            f"expected at most {max_values} JSON values in one document, found {values} "
            "(counted before parsing as the '{', '[' and ',' bytes); refused unparsed"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raise JSONDefect("expected UTF-8 JSON without a byte order mark, found a UTF-8 BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONDefect(f"expected UTF-8, found an invalid byte at offset {exc.start}") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs_hook,
            parse_constant=_bad_constant,
            parse_float=_finite_float,
        )
    except JSONDefect:
        raise
    except RecursionError:
        raise JSONDefect(f"nesting deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise JSONDefect(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise JSONDefect(f"invalid JSON: {exc}") from None
    # The walk is only needed when the bytes could hold a problem: more brackets than the
    # depth limit, or a \\uD800-\\uDFFF escape (UTF-8 input cannot carry surrogates raw).
    if containers > max_depth or _SURROGATE_ESCAPE.search(raw):
        _check_tree(value, max_depth)
    if not isinstance(value, dict):
        raise JSONDefect(f"expected a JSON object, found {type_name(value)}")
    return value
