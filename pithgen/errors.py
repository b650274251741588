"""The one error hierarchy of pithgen and the CLI's exit codes.

Exit codes (documented in the README):

- ``0``: success; every record verified (or, for ``build --keep-going``, the site was written).
- ``1``: verification failed for at least one record.
- ``2``: usage, configuration or I/O error (a missing path, an unreadable key file, ...).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_VERIFICATION_FAILED = 1
EXIT_USAGE = 2


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
    """``pithgen.toml`` is malformed or names something that does not exist."""


class KeyFileError(PithgenError):
    """A key document or private key file cannot be used."""


class InputPathError(PithgenError):
    """An input path given by the user does not exist or cannot be read at all."""


class VerificationFailed(PithgenError):
    """At least one record failed verification and the command refuses to go on."""

    exit_code = EXIT_VERIFICATION_FAILED


class OutputError(PithgenError):
    """The output directory cannot be written or swapped into place."""
