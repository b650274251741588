"""The options ``pithgen build`` and ``pithgen serve`` share, gathered into one typed
:class:`BuildFlags` that becomes the build's :class:`BuildConfig`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click

from pithgen.config import BuildConfig, load_config
from pithgen.parallel import check_jobs
from pithgen.theme import check_overrides

jobs_option = click.option(
    "--jobs",
    "-j",
    type=int,
    default=None,
    help="Worker processes (default: every core, or [build] jobs). The output is the same "
    "for any number.",
)
trust_key_option = click.option(
    "--trust-key",
    "trust_keys",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also trust this key document (format of Pith's pith-signing-key.json). Repeatable.",
)


@dataclass(frozen=True)
class BuildFlags:
    """The options ``build`` and ``serve`` share, as given (``None``: not given)."""

    records: Path | None
    out: Path | None
    base_url: str | None
    trust_keys: tuple[Path, ...]
    no_default_keys: bool | None
    keep_going: bool | None
    title: str | None
    config_file: Path | None
    jobs: int | None
    cache_dir: Path | None
    no_cache: bool | None
    events: Path | None
    log_key: Path | None
    new_log: bool | None
    log_from: str | None

    def config(self) -> BuildConfig:
        """``pithgen.toml`` (or ``--config``) with the flags that were given winning; its
        template overrides checked before anything is built."""
        config = load_config(self.config_file, cwd=Path.cwd()).with_overrides(
            records=self.records,
            out=self.out,
            base_url=self.base_url,
            title=self.title,
            trust_keys=self.trust_keys,
            default_keys=None if self.no_default_keys is None else not self.no_default_keys,
            keep_going=self.keep_going,
            jobs=None if self.jobs is None else check_jobs(self.jobs),
            cache=self.cache_dir,
            use_cache=None if self.no_cache is None else not self.no_cache,
            events=self.events,
            log_key=self.log_key,
            new_log=self.new_log,
            log_from=self.log_from,
        )
        check_overrides(config.templates)
        return config


_BUILD_OPTIONS = [
    click.option(
        "--records",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of records (default: records/, or [build] records).",
    ),
    click.option(
        "--out",
        type=click.Path(path_type=Path, file_okay=False),
        help="Output folder (default: site/, or [build] out).",
    ),
    click.option("--base-url", help="Public URL of the site, for canonical links, sitemap, feed."),
    trust_key_option,
    click.option(
        "--no-default-keys",
        "no_default_keys",
        is_flag=True,
        default=None,
        help="Do not trust Pith's built-in key.",
    ),
    click.option(
        "--keep-going",
        is_flag=True,
        default=None,
        help="Publish the verified records even if some failed (listed in the report).",
    ),
    click.option("--title", help="Site title."),
    click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Configuration file (default: ./pithgen.toml when present).",
    ),
    jobs_option,
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Build cache folder (default: .pithgen-cache beside the output, or [build] cache).",
    ),
    click.option(
        "--no-cache",
        is_flag=True,
        default=None,
        help="Neither read nor write the build cache (verify and render everything).",
    ),
    click.option(
        "--events",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of event files, .jsonl (default: events/ beside the records, or "
        "[build] events).",
    ),
    click.option(
        "--log-key",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Private key that signs the mirror's log checkpoints (default: [log] key; none: "
        "no log).",
    ),
    click.option(
        "--new-log",
        is_flag=True,
        default=None,
        help="Start a new log (a new origin) instead of extending the previous one.",
    ),
    click.option(
        "--log-from",
        metavar="URL_OR_DIR",
        help="Where the previous log is when neither the site nor the build cache has it: "
        "the published log folder (https://HOST/PATH/log/) or a copy (default: [log] from).",
    ),
]


def build_options(func: Callable[..., None]) -> Callable[..., None]:
    """Add the options ``build`` and ``serve`` share; the command gets them as one
    :class:`BuildFlags` (its first parameter)."""

    @functools.wraps(func)
    def command(**kwargs: Any) -> None:
        names = [f.name for f in fields(BuildFlags)]
        func(BuildFlags(**{name: kwargs.pop(name) for name in names}), **kwargs)

    for option in reversed(_BUILD_OPTIONS):
        command = option(command)
    return command
