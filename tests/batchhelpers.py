"""Inputs and fault injection for the batch tests (importable by worker processes, which are spawned)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aligner.signature import Signature
from aligner.translation import Translation, Translator, make_translator

# not conftest's DATA: a worker process imports this module, and conftest would give it a new cache folder
ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ALIGNER_SHARED", ROOT.parent / "shared")) / "data"


def wmt_documents(count: int) -> list[tuple[str, list[str], list[str]]]:
    """The first ``count`` newstest2014 documents written in French: (id, French lines, English lines)."""
    base = DATA / "wmt-newstest-fren" / "txt" / "newstest2014"
    cols = [base.with_suffix(s).read_text(encoding="utf-8").split("\n") for s in (".fr", ".en", ".docid", ".origlang")]
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for fr, en, docid, orig in zip(*cols):
        if orig == "fr":
            doc = docs.setdefault(docid.replace("/", "_"), ([], []))
            doc[0].append(fr)
            doc[1].append(en)
    return [(k, fr, en) for k, (fr, en) in list(docs.items())[:count]]


def wmt_story_folder(folder: Path, count: int) -> Path:
    """A folder of NAME.txt (French, a paragraph per line of the document) and NAME.en.txt (the reference)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, fr, en in wmt_documents(count):
        (folder / f"{name}.txt").write_text("\n\n".join(fr) + "\n", encoding="utf-8")
        (folder / f"{name}.en.txt").write_text("\n\n".join(en) + "\n", encoding="utf-8")
    return folder


def wmt_story_jsonl(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for name, fr, en in wmt_documents(count):
            fh.write(json.dumps({"id": name, "paragraphs": fr, "reference": en}, ensure_ascii=False) + "\n")
    return path


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` (hidden leftovers included), by relative path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


class _Poisoned:
    """Translates with ``inner``; a sentence containing POISON kills this process (as a crash in a native library
    would), before any output is written."""

    def __init__(self, inner: Translator) -> None:
        self.inner = inner

    @property
    def signature(self) -> Signature:
        return self.inner.signature

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        if any("POISON" in t for t in texts):
            os.kill(os.getpid(), signal.SIGKILL)
        return self.inner.translate(texts)


def poisoned_translator(**spec: Any) -> Translator:
    return _Poisoned(make_translator(**spec))


class Shouting:
    """Upper-cases every sentence; ``name`` is its model in its signature (two names: two settings)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def signature(self) -> Signature:
        return Signature(model=self.name, engine="shouting")

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        return [Translation(t.upper()) for t in texts]


def shouting_translator(**spec: Any) -> Translator:
    """``Workers``' ``make``: a worker process builds its own ``Shouting(spec["name"])``."""
    return Shouting(str(spec["name"]))
