"""A built site in a local folder as a pull source (``pithgen pull ./site``, or a
``file://`` URL).

The same interface as :class:`pithgen.pull.http.HttpClient`, with the same limits where
they mean something: paths of the safe grammar only (:mod:`pithgen.pull.paths`),
regular files only, no symlink leading out of the folder, at most ``max_bytes``. A
missing file is a 404. There are no validators (reading a local file costs no more than
asking whether it changed).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pithgen.errors import InputPathError
from pithgen.load import read_at_most
from pithgen.pull.http import FetchError, NetworkOptions, Response, Validators
from pithgen.pull.paths import check_relpath


def folder_of(spec: str) -> Path:
    """The folder a ``file://`` URL or a path names (it must exist)."""
    if spec.startswith("file:"):
        parts = urlsplit(spec)
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            raise InputPathError(
                "expected a file:// URL of a local folder (no host, query or fragment)",
                where=spec,
            )
        path = Path(unquote(parts.path))
    else:
        path = Path(spec)
    if not path.is_dir():
        raise InputPathError(
            "expected a folder holding a built site, found none (a mirror's URL starts "
            "with https:// or http://)",
            where=spec,
        )
    return path


class FolderClient:
    """Read files of a built site under ``folder``."""

    def __init__(self, folder: Path, options: NetworkOptions) -> None:
        self.folder = folder
        self.real = folder.resolve(strict=True)
        self.options = options
        self.root = self.real.as_uri() + "/"

    def url(self, relpath: str) -> str:
        return self.root + check_relpath(relpath)

    def get(self, relpath: str, validators: Validators | None = None) -> Response:
        url = self.url(relpath)
        path = self.real.joinpath(*relpath.split("/"))
        try:
            real = path.resolve(strict=True)
        except FileNotFoundError:
            return Response(url, 404, b"", Validators())
        except (OSError, RuntimeError) as exc:
            raise FetchError(f"cannot resolve the path: {exc}", where=url) from None
        if self.real not in real.parents:
            raise FetchError("refused: a symlink leads out of the source folder", where=url)
        try:
            with open(real, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return Response(url, 404, b"", Validators())
                body = read_at_most(fh, self.options.max_bytes + 1)
        except IsADirectoryError:
            return Response(url, 404, b"", Validators())
        except OSError as exc:
            raise FetchError(f"cannot read the file: {exc.strerror or exc}", where=url) from None
        if len(body) > self.options.max_bytes:
            raise FetchError(
                f"file larger than the limit of {self.options.max_bytes} bytes (--max-size)",
                where=url,
            )
        return Response(url, 200, body, Validators())

    def close_thread(self) -> None:
        """Nothing to close (the interface of :class:`~pithgen.pull.http.HttpClient`)."""
