"""``pithgen serve``, the command: open the server (a port in use is said before anything is
built), build, then serve and rebuild with the configuration read afresh on every change
(:mod:`pithgen.serve`)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from pithgen.buildflags import BuildFlags, build_options
from pithgen.buildreport import build_with_progress
from pithgen.buildsummary import build_summary, site_is_current
from pithgen.clierrors import interrupts
from pithgen.config import CONFIG_NAME, BuildConfig
from pithgen.errors import EXIT_VERIFICATION_FAILED, PithgenError
from pithgen.livereload import LiveReload
from pithgen.serve import Rebuilt, ServedSite, make_server
from pithgen.serve import serve as serve_site


def build_once(config: BuildConfig) -> Rebuilt:
    """Build and print the summary (stdout, or stderr when nothing was built); a failed
    verification is the :class:`Rebuilt`'s error: the summary's lines."""
    outcome = build_with_progress(config)
    ok = site_is_current(outcome)
    try:
        lines = list(build_summary(outcome, config, look=False))
    finally:
        if outcome.result is not None:
            outcome.result.close()
    for line in lines:
        click.echo(line, err=not ok)
    return Rebuilt(outcome.written, config, None if ok else "\n".join(lines))


@click.command()
@build_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="0 picks a free port.")
@click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Rebuild when records, event files, templates, keys or the configuration change.",
)
def serve(flags: BuildFlags, host: str, port: int, watch: bool) -> None:
    """Build the site, serve it over HTTP (at the base URL's path, if any) and rebuild it
    when its inputs change, reading the configuration afresh.

    A build or rebuild that fails keeps the last good site and says why, in the terminal
    and on the pages served. Ctrl-C stops the server (exit status 0).
    """
    config = flags.config()
    config_file = flags.config_file or Path.cwd() / CONFIG_NAME
    live = LiveReload() if watch else None
    site = ServedSite(config)
    server = make_server(site, host, port, live)  # before building: a busy port says so now
    try:
        first = build_once(config)
        if first.error is not None and not config.out.is_dir():
            sys.exit(EXIT_VERIFICATION_FAILED)
        site.update(config, first.error)
    except BaseException:
        server.server_close()
        raise

    def rebuild() -> Rebuilt:
        """Read the configuration again and build; a failure is reported, never raised."""
        try:
            fresh = flags.config()
        except PithgenError as exc:
            click.echo(f"pithgen: rebuild failed: {exc}", err=True)
            click.echo("pithgen: still serving the last good site", err=True)
            return Rebuilt(False, None, f"pithgen: error: {exc}")
        try:
            return build_once(fresh)
        except (PithgenError, OSError) as exc:
            click.echo(f"pithgen: rebuild failed: {exc}", err=True)
            click.echo("pithgen: still serving the last good site", err=True)
            return Rebuilt(False, fresh, f"pithgen: error: {exc}")

    stop = threading.Event()
    with interrupts(stop):
        serve_site(
            server,
            site,
            live,
            config,
            watch=watch,
            rebuild=rebuild,
            announce=lambda text: click.echo(text, err=True),
            config_file=config_file,
            stop=stop,
        )
