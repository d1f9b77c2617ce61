"""Shared fixtures. Tests never touch the network: the hub client is offline unless a test runs
its own stand-in hub on 127.0.0.1, and the HF cache is a temporary folder."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

# Must happen before huggingface_hub is imported anywhere (it reads these at import time).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="aligner-test-hf-")  # never the user's cache
os.environ["ALIGNER_CACHE"] = tempfile.mkdtemp(prefix="aligner-test-cache-")  # CTranslate2 conversions
os.environ.pop("HF_ENDPOINT", None)

import pytest

from aligner.signature import Signature
from aligner.translation import Translation, make_translator
from aligner.translation.frontend import MarianTranslator

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ALIGNER_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
if (DATA / "sacrebleu-cache").is_dir():  # sacreBLEU reads $SACREBLEU once, at import: set it before any test imports it
    os.environ["SACREBLEU"] = str(DATA / "sacrebleu-cache")
SEED = SHARED / "seeds" / "000_ba36305a8a94cac5.txt"
TINY_MODEL = ROOT / "models" / "tiny-marian-fr-en"
SEED_REFERENCE = ROOT / "corpora" / "000_ba36305a8a94cac5.en.txt"

needs_shared = pytest.mark.skipif(
    not DATA.is_dir() or not SEED.is_file(),
    reason=f"{SHARED} is absent: these tests read the real corpora and the example story from ../shared "
    "(present in the development workspace and in CI, not in a user's clone)",
)


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for running the ``aligner`` command in a subprocess, offline by default."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


ALIGNER = [sys.executable, "-m", "aligner.cli"]


@pytest.fixture(scope="session")
def tiny_translator() -> MarianTranslator:
    """The tiny model through transformers, the reference engine."""
    translator = make_translator("transformers", model=str(TINY_MODEL), beam=1, batch_size=16, threads=1)
    assert isinstance(translator, MarianTranslator)
    return translator


@pytest.fixture(scope="session")
def training_pairs() -> list[tuple[str, str]]:
    fr = (TINY_MODEL / "train.fr").read_text(encoding="utf-8").splitlines()
    en = (TINY_MODEL / "train.en").read_text(encoding="utf-8").splitlines()
    return list(zip(fr, en))


class CountingTranslator:
    """Upper-cases; remembers every sentence it was asked to translate (for translation-memory tests)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @property
    def signature(self) -> Signature:
        return Signature(model="counting", engine="counting")

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        self.calls.extend(texts)
        return [Translation(t.upper()) for t in texts]
