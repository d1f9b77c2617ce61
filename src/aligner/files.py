"""Files in and out: the one atomic writer, standard input as ``-``, and the package's own data files.

Every output of aligner appears whole or not at all: a file is written to a hidden temporary
sibling and renamed over the target (``write_atomic``); a directory is filled in a hidden temporary
sibling directory and renamed into place (``atomic_directory``). A killed process leaves only a
hidden ``.NAME.*`` leftover, which batch runs remove.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import BinaryIO

from .errors import InputError

STDIO = "-"


@contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: it appears (or replaces the old one) only when the block ends
    without error; otherwise nothing is left, not even the hidden temporary ``.NAME.XXXX.tmp``."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: is a directory; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path``: the file appears whole or keeps its old content."""
    with atomic_file(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a hidden temporary directory beside ``path``; when the block ends without error, it replaces
    ``path`` (an existing directory there is swapped out and removed). On error nothing is left behind."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory; choose another -o")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            old.rmdir()
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def is_stdio(path: str | Path | None) -> bool:
    return path is not None and str(path) == STDIO


_stdin_read = False


def read_input_bytes(path: str | Path) -> bytes:
    """The bytes of a file, or of standard input when ``path`` is ``-`` (which can be read once per process)."""
    global _stdin_read
    if is_stdio(path):
        if _stdin_read:
            raise InputError("standard input (-) was already read for another input; give a file for this one")
        _stdin_read = True
        return sys.stdin.buffer.read()
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file; check the path (or give - for standard input)")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a text file")
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror})") from None


def read_input_stream() -> BinaryIO:
    """Standard input as a binary stream, for reading line by line (it can be read once per process)."""
    global _stdin_read
    if _stdin_read:
        raise InputError("standard input (-) was already read for another input; give a file for this one")
    _stdin_read = True
    return sys.stdin.buffer


def write_output(path: str | Path | None, data: str | bytes) -> None:
    """Write ``data`` atomically to ``path``, or to standard output when ``path`` is None or ``-``."""
    if path is None or is_stdio(path):
        sys.stdout.flush()
        sys.stdout.buffer.write(data.encode("utf-8") if isinstance(data, str) else data)
        sys.stdout.buffer.flush()
    else:
        write_atomic(path, data)


def data_file(name: str) -> Path:
    """A data file shipped inside the package (``aligner/data/NAME``), found through ``importlib.resources`` so
    that an installed wheel finds it as well as an editable checkout."""
    ref = resources.files("aligner").joinpath("data", name)
    return Path(str(ref))


def cache_dir(kind: str) -> Path:
    """``$ALIGNER_CACHE/KIND`` (default ``~/.cache/aligner/KIND``): what aligner makes once and reuses (converted
    models, parsed tables)."""
    return Path(os.environ.get("ALIGNER_CACHE", "~/.cache/aligner")).expanduser() / kind
