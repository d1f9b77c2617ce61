"""The README's Python example, run as written: the public API a script uses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import aligner
from conftest import ROOT, SEED, cli_env, needs_shared


def test_the_public_api_is_small_and_documented() -> None:
    names = [n for n in aligner.__all__ if not n.startswith("_")]
    assert len(names) <= 30
    for name in names:
        doc = getattr(aligner, name).__doc__ or ""
        assert doc.strip() and not doc.startswith(f"{name}("), f"aligner.{name} has no docstring of its own"


@needs_shared
def test_the_readme_example_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### From Python") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None, "the README lost its Python example"
    lines = code.group(1).strip().splitlines()
    assert len(lines) <= 12 and lines[0] == "import aligner"
    # run from the repository root (the paths are the README's), writing under a temporary folder
    script = code.group(1).replace('"runs/example-api"', repr(str(tmp_path / "run")))
    assert SEED.is_file()
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=cli_env(), capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0].split(" ", 1)
    assert float(first[0]) > 0 and first[1].startswith("model:models/tiny-marian-fr-en|revision:local|")
    assert sorted(os.listdir(tmp_path / "run")) == ["alignment.txt", "report.html", "result.json", "translation.txt"]
    assert any(line.startswith("1-1 ") and " → " in line for line in proc.stdout.splitlines())
