"""The mirror's log in a build: an append-only Merkle log of every file a pithgen site
publishes for its records (record documents, bundles, states), served under ``log/`` in
the C2SP formats (:mod:`pithgen.tlog`), with a proof file beside every record and bundle.

- :mod:`~pithgen.mirrorlog.previous`: settings, origins, the previous log a build extends;
- :mod:`~pithgen.mirrorlog.ledger`: the append-only rules, in a temporary store;
- :mod:`~pithgen.mirrorlog.stage`: the stage itself and what pass 2 needs for the proofs.

The format is docs/log.md; how a build uses it, section 7 there.
"""
