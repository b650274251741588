"""pithgen's transparency log: an append-only Merkle log of what a mirror publishes.

Built on published formats only (spec section 8, docs/log.md): RFC 6962 hashing and RFC
9162 proofs (:mod:`~pithgen.tlog.merkle`), the C2SP tlog-tiles layout
(:mod:`~pithgen.tlog.tiles`), C2SP signed notes with Ed25519 keys checked by pithgen's one
Ed25519 rule (:mod:`~pithgen.tlog.note`), C2SP checkpoints (:mod:`~pithgen.tlog.checkpoint`)
and C2SP tlog-proof files (:mod:`~pithgen.tlog.proof`). The one thing pithgen defines is
the text of an entry (:mod:`~pithgen.tlog.entry`).
"""
