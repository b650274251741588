"""The mirror's log settings, its origins, and the previous log a build extends.

**Origins.** A log is named by its origin (the checkpoint's first line, also its key's
name): ``[log] origin``, or by default the URL of the site's ``log/`` folder without its
scheme (:func:`pithgen.tlog.checkpoint.origin_from_url`). Starting a new log
(``--new-log``) never reuses an origin: the logs of a mirror are ``ORIGIN``, then
``ORIGIN/2``, ``ORIGIN/3``... so two different trees are never signed under one name.

**The previous log** is read from the live site's ``log/`` folder, or, when the site has
none (a CI job that starts from an empty checkout), from the build cache's copy
(:class:`pithgen.cache.logcopy.LogCopy`), or else from where it was published
(``--log-from``, :mod:`pithgen.mirrorlog.remote`). Its checkpoint must be signed by this build's
log key under an origin of this mirror; anything else is refused with what to do
(``--new-log``), never silently replaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pithgen.cache.logcopy import LogCopy
from pithgen.config import BuildConfig
from pithgen.errors import ConfigError, LogError, UsageError
from pithgen.keys import SigningKey, load_signing_key
from pithgen.tlog.checkpoint import SignedCheckpoint, check_origin, open_checkpoint, origin_from_url
from pithgen.tlog.note import NoteSigner, NoteVerifier, parse_note
from pithgen.tlog.tiles import Fetch, folder_fetch

LOG_FOLDER = "log"
_NUMBERED = re.compile(r"/([2-9]|[1-9][0-9]+)")


@dataclass(frozen=True)
class LogSettings:
    """What the configuration asks of the log: the signing key, the mirror's first origin
    and whether to start a new log."""

    key: SigningKey
    base_origin: str
    new_log: bool = False
    log_from: str | None = None

    @classmethod
    def from_config(cls, config: BuildConfig) -> LogSettings | None:
        """The settings, or ``None`` when no log key is configured (no log)."""
        if config.log_key is None:
            if config.new_log:
                raise UsageError("--new-log needs a log key (--log-key or [log] key)")
            return None
        key = load_signing_key(config.log_key)
        if config.log_origin is not None:
            try:
                check_origin(config.log_origin)
            except LogError as exc:
                raise ConfigError(exc.message, where="[log] origin") from None
            origin = config.log_origin
        elif config.base_url:
            origin = origin_from_url(config.base_url + LOG_FOLDER + "/")
        else:
            raise ConfigError(
                "a log needs an origin: expected [log] origin or a [site] base_url to derive "
                "it from, found neither",
                where=None if config.origin == "defaults" else config.origin,
            )
        return cls(key, origin, config.new_log, config.log_from)

    def signer(self, origin: str) -> NoteSigner:
        return NoteSigner(origin, self.key)

    def verifier(self, origin: str) -> NoteVerifier:
        return NoteVerifier.for_key(origin, self.key.public_raw)

    def number(self, origin: str) -> int | None:
        """Which log of this mirror ``origin`` names (1 for the first), else ``None``."""
        if origin == self.base_origin:
            return 1
        rest = origin.removeprefix(self.base_origin)
        match = _NUMBERED.fullmatch(rest) if rest != origin else None
        return int(match.group(1)) if match else None

    def numbered(self, number: int) -> str:
        return self.base_origin if number == 1 else f"{self.base_origin}/{number}"


@dataclass(frozen=True)
class Previous:
    """The log a build extends: where it was read, how to read its files, its verified
    signed checkpoint."""

    where: str
    fetch: Fetch
    signed: SignedCheckpoint
    from_site: bool
    #: Releases what reading the log holds (a remote source's connection).
    close: Callable[[], None] = lambda: None

    @property
    def origin(self) -> str:
        return self.signed.checkpoint.origin

    @property
    def size(self) -> int:
        return self.signed.checkpoint.size


def start(out: Path, copy: LogCopy | None, settings: LogSettings) -> tuple[str, Previous | None]:
    """The origin this build signs and the previous log it extends (live site first, then
    the cache's copy; its checkpoint verified), ``None`` when there is none or a new log
    is asked for. Raises :class:`LogError` for a log this build may not extend (another
    mirror's origin, another key, a bad signature)."""
    folder = out / LOG_FOLDER
    checkpoint = folder / "checkpoint"
    if checkpoint.is_file():
        where, fetch, data, from_site = (
            str(checkpoint),
            folder_fetch(folder),
            checkpoint.read_bytes(),
            True,
        )
    elif copy is not None and (cached := copy.checkpoint()) is not None:
        where, fetch, data, from_site = copy.where, copy.fetch, cached, False
    elif settings.log_from is not None:
        # The network client is imported only for a log read from another host.
        from pithgen.mirrorlog.remote import remote_source

        where, fetch, read, close = remote_source(settings.log_from)
        try:
            found = read()
        except BaseException:
            close()
            raise
        if found is None:
            close()
            return settings.base_origin, None
        data, from_site = found, False
        try:
            return _extend(settings, where, fetch, data, from_site, close)
        except BaseException:
            close()
            raise
    else:
        return settings.base_origin, None
    return _extend(settings, where, fetch, data, from_site, lambda: None)


def _extend(
    settings: LogSettings,
    where: str,
    fetch: Fetch,
    data: bytes,
    from_site: bool,
    close: Callable[[], None],
) -> tuple[str, Previous | None]:
    """The origin to sign and the previous log to extend, from its checkpoint ``data``."""
    origin = _origin(data, where)
    number = settings.number(origin) if origin is not None else None
    if settings.new_log:
        # A new log: the next number after the previous log of this mirror, whatever its
        # key (a new key is a new log); the first origin after another mirror's log.
        close()
        return settings.numbered(number + 1 if number is not None else 1), None
    if origin is None:
        raise _refused("the previous log's checkpoint is not a readable signed note", where)
    if number is None:
        raise _refused(
            f"the previous log's origin is {origin!r}, not this mirror's {settings.base_origin!r}"
            f" (or {settings.base_origin}/N)",
            where,
        )
    try:
        signed = open_checkpoint(data, [settings.verifier(origin)], origin, where)
    except LogError as exc:
        raise _refused(f"the previous log is not signed by this build's log key: {exc.message}",
                       where) from None  # fmt: skip
    return origin, Previous(where, fetch, signed, from_site, close)


def _origin(data: bytes, where: str) -> str | None:
    """The origin line of a checkpoint note (not yet verified); ``None`` if unreadable."""
    try:
        return parse_note(data, where).text.split("\n", 1)[0]
    except LogError:
        return None


def _refused(message: str, where: str) -> LogError:
    return LogError(
        f"{message}; this build may only extend it. To start a new log (a new origin), pass "
        "--new-log",
        where=where,
    )
