"""The title and abstract checks (spec section 2): a displayed text against the hash that
the canonical record carries (``title_canon_sha256``, ``abstract_canon_sha256``).

- The plain rule (:func:`pithgen.canonical.canon_text`) is tried first: an ordinary
  record costs one hash.
- A mismatch on ASCII text is a failure at once: no Unicode variant changes ASCII text.
- Otherwise the Unicode variants are tried: NFC, NFKC, NFD, NFKD, each with ``lower()``
  or ``casefold()``, first with format characters (category Cf: U+200B, U+00AD, ...)
  kept, then removed. A variant that matches is a warning naming it (the spec leaves
  non-ASCII canonicalisation open); when none matches, the displayed text was altered: a
  failure, ASCII or not.

Cost: at most 16 hashes, each linear in the text, and only on a mismatch. Variants are not
tried on a text longer than :data:`MAX_VARIANT_CHARS` (NFKD can expand a character
18-fold; a real abstract has under 2,000 characters): such a mismatch is a failure that
says so.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from pithgen.canonical import canon_text, collapse_space, sha256_hex
from pithgen.checks import Checks, type_name

FORMS: tuple[Literal["NFC", "NFKC", "NFD", "NFKD"], ...] = ("NFC", "NFKC", "NFD", "NFKD")
MAX_VARIANT_CHARS = 100_000
VARIANTS = "NFC, NFKC, NFD or NFKD with lower() or casefold(), format characters kept or removed"


def check_text_hash(paper: Any, name: str, meta: dict[str, Any], out: Checks) -> None:
    """``{name}_hash`` for ``paper.{name}`` (``title`` or ``abstract``)."""
    check = f"{name}_hash"
    expected = meta[f"{name}_canon_sha256"]
    text = paper.get(name) if isinstance(paper, dict) else None
    if text is None:
        why = (
            "only paper.abstract_excerpt is given (the first 600 characters), which cannot "
            "be checked"
            if name == "abstract" and isinstance(paper, dict) and "abstract_excerpt" in paper
            else f"no paper.{name} to check"
        )
        out.note(check, "not_checkable", why)
        return
    if not isinstance(text, str):
        out.fail(check, f"paper.{name}: expected a string, found {type_name(text)}")
        return
    found = canon_text(text)
    if found == expected:
        out.ok(check, f"canon_text(paper.{name}) matches {name}_canon_sha256")
        return
    mismatch = f"paper.{name}: canon_text gives {found}, expected {expected} ({name}_canon_sha256)"
    if text.isascii():
        out.fail(check, f"{mismatch}: the displayed {name} was altered")
    elif len(text) > MAX_VARIANT_CHARS:
        out.fail(
            check,
            f"{mismatch}: the displayed {name} does not match, and at {len(text)} characters "
            f"it is longer than the {MAX_VARIANT_CHARS} that Unicode variants are tried on",
        )
    elif variant := matching_variant(text, expected):
        out.warn(
            check,
            f"paper.{name}: {name} hash differs; non-ASCII canonicalisation is "
            f"unsettled (expected {expected}, found {found}); it matches under {variant}",
        )
    else:
        out.fail(
            check,
            f"{mismatch}: the displayed {name} was altered; no Unicode variant ({VARIANTS}) "
            "matches either",
        )


def matching_variant(text: str, expected: str) -> str | None:
    """The first Unicode variant of ``text`` whose hash is ``expected``, named (such as
    ``NFKC + casefold(), format characters removed``), or None."""
    bases = [(text, "")]
    formats = {ord(c): None for c in set(text) if unicodedata.category(c) == "Cf"}
    if formats:
        bases.append((text.translate(formats), ", format characters removed"))
    for base, removed in bases:
        for form in FORMS:
            spaced = collapse_space(unicodedata.normalize(form, base))
            for label in ("lower", "casefold"):
                folded = spaced.lower() if label == "lower" else spaced.casefold()
                if sha256_hex(folded.encode("utf-8")) == expected:
                    return f"{form} + {label}(){removed}"
    return None
