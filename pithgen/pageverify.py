"""What a record page ships for its in-browser verifier (``assets/verify.js``).

A record page carries everything a reader's browser needs to re-verify the record with no
request at all (so it works from ``file://``), as an inert
``<script type="application/json" id="verify-data">`` block (:data:`DATA_ID`):

- ``document``: the exact published JSON bytes of the page's document (the record document,
  or the bundle for a page rendered from one), in standard base64 so that the bytes, not a
  re-serialisation, are what the browser hashes; ``size`` is their length. A document over
  :data:`MAX_EMBEDDED` bytes is not embedded (``document`` is null): the page says so and
  points to ``pithgen verify``.
- ``kind`` (``record`` or ``bundle``) and ``pith_number``, the Pith Number the page shows.
- ``signer``: the key id and raw public key (hex) of the trusted key that signed the
  receipt, as this mirror verified it (null when the mirror knows no such key).
- ``log``: when the mirror keeps a log, its verifier key (``vkey``, see docs/log.md
  section 4) and the text of the document's ``c2sp.org/tlog-proof@v1`` file; else null.

The block is written with :func:`pithgen.theme.script_json`, which escapes every ``<``,
``>`` and ``&``, so no record text can end the script element. Nothing in it is trusted
by the verifier beyond what the reader chooses to trust (the key and the log key are shown
with their fingerprints so they can be compared with the published ones).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from pithgen.keys import TrustedKey
from pithgen.model import RecordDocument

#: The ``format`` of the data block (a change that breaks verify.js gets a new version).
DATA_FORMAT = "pithgen-page-verify/v1"
#: The ``id`` of the data block, which ``assets/verify.js`` reads.
DATA_ID = "verify-data"
#: Largest document embedded in its page (a bundle can hold many events; a record
#: document is a few KB): about 1.4 MB of base64 at most.
MAX_EMBEDDED = 1 << 20


@dataclass(frozen=True)
class LogProof:
    """A logged document's proof file and the log's verifier key."""

    proof: bytes
    vkey: str


def verifier_data(
    doc: RecordDocument, published: bytes, key: TrustedKey | None, log: LogProof | None
) -> dict[str, Any]:
    """The data block of ``doc``'s page (``published``: its exact bytes)."""
    embedded = len(published) <= MAX_EMBEDDED
    return {
        "format": DATA_FORMAT,
        "kind": doc.kind,
        "pith_number": doc.pith_number,
        "size": len(published),
        "document": base64.b64encode(published).decode("ascii") if embedded else None,
        "signer": None if key is None else {"key_id": key.key_id, "public_key": key.raw.hex()},
        "log": None if log is None else {"vkey": log.vkey, "proof": log.proof.decode("utf-8")},
    }


__all__ = ["DATA_FORMAT", "DATA_ID", "MAX_EMBEDDED", "LogProof", "verifier_data"]
