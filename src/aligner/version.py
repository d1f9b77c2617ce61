"""aligner's version, as the installed distribution declares it (``pyproject.toml``): one source of truth, and no
module needs the package root for it."""

from __future__ import annotations

from importlib import metadata

try:
    VERSION = metadata.version("aligner")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    VERSION = "0+unknown"
