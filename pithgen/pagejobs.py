"""Site-wide pages rendered by the worker processes (``--jobs``): listing pages and
verification report pages, the bulk of the pages that span records.

This process produces the jobs in order (each a page's path, the :class:`Renderer`
method and its arguments, all plain data); the workers render them and hand back the
bytes, in the same order, so this process writes them (in an incremental build, only
those that changed) and the site is the same whatever the number of workers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pithgen.config import BuildConfig
from pithgen.context import BuildContext
from pithgen.parallel import Workers, batched
from pithgen.render import Renderer, SiteInfo
from pithgen.theme import make_env

#: A page to render: its path, the Renderer method, the method's arguments.
PageJob = tuple[str, str, tuple[object, ...]]

BATCH = 8
_METHODS = frozenset({"listing_page", "verification_page"})


def render_pages(ctx: BuildContext, jobs: Iterable[PageJob]) -> Iterator[tuple[str, bytes]]:
    """``(path, bytes)`` of every job, in order."""
    setup = (ctx.config, ctx.renderer.site)
    with Workers(ctx.jobs, _render_batch, _render_setup, setup) as workers:
        for done in workers.map(batched(jobs, BATCH)):
            yield from done


_renderer: list[Renderer] = []


def _render_setup(config: BuildConfig, site: SiteInfo) -> None:
    _renderer[:] = [Renderer(make_env(config.templates), site)]


def _render_batch(batch: list[PageJob]) -> list[tuple[str, bytes]]:
    renderer = _renderer[0]
    out = []
    for rel, method, args in batch:
        if method not in _METHODS:
            raise ValueError(f"not a page job: {method!r}")
        out.append((rel, getattr(renderer, method)(*args)))
    return out
