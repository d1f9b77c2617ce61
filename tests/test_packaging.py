"""The package as a new user gets it: a wheel installed (not editable) into a fresh virtual environment runs the
README's tiny-model command, finding its lexicon and word list inside the installed package."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, SEED, needs_shared


def readme_tiny_command() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^aligner run \S+ --ref \S+ --model models/tiny-marian-fr-en -o \S+$", readme, re.M)
    assert found is not None, "the README lost its tiny-model command"
    return shlex.split(found.group(0))


@needs_shared
@pytest.mark.slow
def test_a_wheel_in_a_fresh_virtual_environment_runs_the_readme_command(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("aligner-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"aligner/data/lexicon-fr-en.tsv.gz", "aligner/data/english-frequent.txt", "aligner/py.typed"} <= set(names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    for what in (["torch==2.13.0"], [str(wheel)]):  # torch first, as the README says (the CPU build on this disk)
        installed = subprocess.run([*pip, *what], capture_output=True, text=True, timeout=1800)
        assert installed.returncode == 0, installed.stderr[-2000:]
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import aligner; print(aligner.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert where.stdout.startswith(str(venv)), where.stdout  # the installed copy, not the checkout
    command = readme_tiny_command()
    out = tmp_path / "run"
    command[-1] = str(out)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ALIGNER_LEXICON")}
    env.update(HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"), ALIGNER_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run([str(venv / "bin" / command[0]), *command[1:], "--quiet"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{SEED.stem}: document BLEU ")
    assert sorted(p.name for p in out.iterdir()) == ["alignment.txt", "report.html", "result.json", "translation.txt"]
    assert '"signature": "model:models/tiny-marian-fr-en|' in (out / "result.json").read_text(encoding="utf-8")
