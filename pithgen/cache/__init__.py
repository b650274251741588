"""The build cache: what earlier builds computed, reused only for exactly the same inputs.

Everything here is keyed by content: the SHA-256 of a document's bytes, of the trusted
keys, of the templates and assets in effect, of the configuration values that reach the
site, and pithgen's version. Nothing is trusted on timestamps: a cached verdict is reused
only for the very bytes it was computed on, and every entry carries a checksum, so a
corrupted or truncated entry is detected, dropped and recomputed, never published. A
cache database that cannot be read at all is set aside and rebuilt.

Where it lives: ``[build] cache`` / ``--cache-dir`` (default ``.pithgen-cache`` beside the
output folder); ``--no-cache`` builds without it; ``pithgen clean`` removes it.
"""
