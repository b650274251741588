"""The one error hierarchy of pithgen and the CLI's exit codes.

Exit codes (the same table is in the README):

- ``0`` (:data:`EXIT_OK`): success; every record verified (or, for ``build``, the site is
  this build's: written, also by ``--keep-going`` with the verified records, or up to date).
- ``1`` (:data:`EXIT_VERIFICATION_FAILED`): at least one record failed verification (for
  ``pull``, also: conflicted with a record already held); the report names it. A ``build``
  that exits 1 wrote nothing, also with ``--keep-going`` when no record verified (a site
  of zero records is never published). Nothing else exits 1.
- ``2`` (:data:`EXIT_USAGE`): usage, configuration or I/O error: a missing path, a bad
  ``pithgen.toml``, an unusable key file, an output folder that cannot be written. Every
  :class:`PithgenError` and every ``OSError`` ends here, with one ``pithgen: error:`` line.
- ``3`` (:data:`EXIT_INTERNAL`): an unexpected exception, that is a bug in pithgen; one
  ``pithgen: internal error:`` line, and the traceback with ``pithgen --verbose``.
- ``130`` (:data:`EXIT_INTERRUPTED`): interrupted by Ctrl-C (SIGINT).
- ``143`` (:data:`EXIT_TERMINATED`): stopped by SIGTERM.

An interrupted or terminated build leaves the previous site exactly as it was and nothing
beside it (no staging folder, no lock file).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_VERIFICATION_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 128 + 2  # the shell's code for a process ended by SIGINT
EXIT_TERMINATED = 128 + 15  # ... and by SIGTERM


class PithgenError(Exception):
    """Base of every error pithgen raises on purpose.

    The message always says where (file, record), what was expected and what was found.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class UsageError(PithgenError):
    """The command line or configuration asks for something impossible."""


class ConfigError(PithgenError):
    """``pithgen.toml`` is malformed or names something that does not exist (one error
    lists every problem of the file, one per line)."""


class KeyFileError(PithgenError):
    """A key document, a private key file or a key id cannot be used."""


class InputPathError(PithgenError):
    """An input path given by the user does not exist or cannot be read at all."""


class OutputError(PithgenError):
    """The output directory cannot be written or swapped into place."""


class LogError(PithgenError):
    """A transparency-log file (entry, tile, entry bundle, signed note, checkpoint, proof)
    is malformed or does not verify: the message says which file, what was expected and
    what was found (:mod:`pithgen.tlog`)."""


class ShardError(PithgenError):
    """A shard artifact cannot be assembled: a shard is missing or given twice, was built
    with another configuration, input, pithgen or number of shards, or does not hold
    exactly the files its manifest lists (:mod:`pithgen.shard.check`)."""
