"""Which shard a document belongs to, and what a shard assumes of the others' documents.

**The partition** (``pithgen-short-base32-mod-n``): a document whose stated
``pith_number`` is well formed belongs to shard ``1 + n mod N``, where ``n`` is the number
the 8 characters of its short Pith Number spell in base32 (RFC 4648 alphabet, ``A`` = 0 …
``7`` = 31: the first 40 bits of the record's hash). So every document of one Pith Number
(its copies, its record document and its bundle) is in one shard, and so is every record of
one short number. A document without a well-formed ``pith_number`` (it cannot verify)
belongs to shard ``1 + m mod N``, ``m`` the first 8 bytes of the SHA-256 of its bytes; a
file that cannot be read at all (refused, unreadable, too large) is every shard's failure.
Verification checks that the stated number is the derived one, so for a verified
document this is a function of its Pith Number alone.

**Stand-ins.** A shard verifies and renders its own documents only, but a record's files
depend on other records too: the versions of its paper, whether its short number is
shared, its events and citations, its place in the mirror's log. So a shard merges its
verdicts with a *stand-in* for every other document: a verdict read from the document's
stated fields (its kind, Pith Number, canonical hash, arXiv id and version,
``updated_at``; nothing checked), which assumes the document verifies. A stand-in is never
published, cached or handed to the assembly. Where an assumption was wrong (a document of
another shard failed), the files that depended on it carry a unit key the assembly does
not compute, so the assembly renders them itself: a wrong guess costs time, never bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from pithgen.canonical import HEX64_RE, PITH_NUMBER_RE, sha256_hex
from pithgen.errors import UsageError
from pithgen.instants import utc_instant
from pithgen.model import Check, LoadedDoc, Verdict

#: The name of the partition rule, kept in every shard manifest.
RULE = "pithgen-short-base32-mod-n"
#: The check a stand-in verdict carries (no real verdict has a check of this name).
STAND_IN = "shard"
MAX_SHARDS = 1024
_SPEC = re.compile(r"([0-9]{1,5})/([0-9]{1,5})")


@dataclass(frozen=True)
class Partition:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Partition:
        """``I/N`` as given to ``--shard``."""
        match = _SPEC.fullmatch(text.strip())
        if match is None:
            raise UsageError(f"--shard: expected I/N (shard I of N, e.g. 2/8), found {text!r}")
        index, count = int(match.group(1)), int(match.group(2))
        if not 1 <= count <= MAX_SHARDS:
            raise UsageError(f"--shard {text}: expected N from 1 to {MAX_SHARDS}, found {count}")
        if not 1 <= index <= count:
            raise UsageError(f"--shard {text}: expected I from 1 to {count}, found {index}")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, pith_number: str) -> bool:
        """Whether the record ``pith_number`` is this shard's."""
        return shard_of_pith(pith_number, self.count) == self.index

    def verdict_of(self, loaded: LoadedDoc) -> Verdict | None:
        """The stand-in of a document of another shard; ``None`` for this shard's own
        documents (they are verified)."""
        owner = shard_of(loaded, self.count)
        return None if owner == self.index else stand_in(loaded, owner, self.count)


def shard_of_pith(pith_number: str, count: int) -> int:
    """The shard (1-based) of a well-formed Pith Number."""
    return shard_of_suffix(pith_number.rsplit(":", 1)[1], count)


def shard_of_suffix(suffix: str, count: int) -> int:
    """The shard (1-based) of a Pith Number's suffix (its first 8 characters decide)."""
    return 1 + int.from_bytes(base64.b32decode(suffix[:8]), "big") % count


def shard_of(loaded: LoadedDoc, count: int) -> int:
    """The shard (1-based) of a document (see the module docstring)."""
    stated = loaded.data.get("pith_number") if loaded.data is not None else None
    if isinstance(stated, str) and PITH_NUMBER_RE.fullmatch(stated):
        return shard_of_pith(stated, count)
    return 1 + int.from_bytes(hashlib.sha256(loaded.raw).digest()[:8], "big") % count


def is_stand_in(verdict: Verdict) -> bool:
    return bool(verdict.checks) and verdict.checks[0].check == STAND_IN


def stand_in(loaded: LoadedDoc, owner: int, count: int) -> Verdict:
    """What a shard assumes of a document shard ``owner`` verifies (module docstring)."""
    where = f"left to shard {owner} of {count}"
    data = loaded.data
    raw_sha256 = sha256_hex(loaded.raw)
    if data is None:
        return Verdict(loaded.source, None, (Check(STAND_IN, "failed", where),))
    pith, canonical = data.get("pith_number"), data.get("canonical_sha256")
    record = data.get("canonical_record")
    source = record.get("source") if isinstance(record, dict) else None
    arxiv = source.get("id") if isinstance(source, dict) else None
    version = source.get("version") if isinstance(source, dict) else None
    if not (
        isinstance(pith, str)
        and PITH_NUMBER_RE.fullmatch(pith)
        and isinstance(canonical, str)
        and HEX64_RE.fullmatch(canonical)
        and isinstance(arxiv, str)
        and isinstance(version, int)
        and not isinstance(version, bool)
    ):
        check = Check(STAND_IN, "failed", f"{where}; not a record by its stated fields")
        return Verdict(loaded.source, loaded.kind, (check,), raw_sha256=raw_sha256)
    return Verdict(
        loaded.source,
        loaded.kind,
        (Check(STAND_IN, "not_checked", where),),
        pith_number=pith,
        arxiv_id=arxiv,
        version=version,
        doc_digest=raw_sha256,
        raw_sha256=raw_sha256,
        canonical_sha256=canonical,
        updated_at=utc_instant(data.get("updated_at")),
    )
