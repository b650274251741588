"""Sharded builds: one archive built by N processes (a CI job matrix), assembled into the
site a single build would write, byte for byte.

- :mod:`~pithgen.shard.partition`: which shard a document belongs to (by its Pith Number),
  and what a shard assumes of the documents other shards verify;
- :mod:`~pithgen.shard.artifact`: the shard artifact (``shard.json``, the verdicts, the
  rendered units and their files) and how a shard build writes it;
- :mod:`~pithgen.shard.shardbuild`: ``pithgen build --shard I/N``;
- :mod:`~pithgen.shard.check`: an assembly's checks of the artifacts (complete, disjoint,
  untampered, built with this configuration, input and pithgen);
- :mod:`~pithgen.shard.reuse`: what an assembly takes from the shards (verdicts, units);
- :mod:`~pithgen.shard.assemble`: ``pithgen assemble``.

The design, and why the result is the single build's: ``docs/scale.md``.
"""
