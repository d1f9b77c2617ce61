"""What machine a benchmark ran on: every eval script names its CPU beside its figures (speed is only comparable on
one CPU). Imported by the scripts under eval/ (each puts this folder on ``sys.path``)."""

from __future__ import annotations

import platform
from pathlib import Path


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo, else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
