"""Inputs and fault injection for the batch tests (importable by worker processes, which are spawned)."""

from __future__ import annotations

import json
import os
import signal
import time
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


SLEEP_SECONDS = 120.0  # far beyond any test's --story-timeout


class Sleepy:
    """Translates with ``inner``; a sentence containing SLEEP makes it sleep ``seconds`` first (a story that hangs),
    after leaving a file named after its process id in ``marks`` (which process slept, and how many times)."""

    def __init__(self, inner: Translator, marks: Path | None, seconds: float = SLEEP_SECONDS) -> None:
        self.inner = inner
        self.marks = marks
        self.seconds = seconds

    @property
    def signature(self) -> Signature:
        return self.inner.signature

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        if any("SLEEP" in t for t in texts) and self.seconds > 0:
            if self.marks is not None:
                (self.marks / f"{os.getpid()}.{time.monotonic_ns()}").write_text("", encoding="utf-8")
            time.sleep(self.seconds)
        return self.inner.translate(texts)


def sleepy_translator(**spec: Any) -> Translator:
    """``Workers``' and ``RayActors``' ``make``: a ``Shouting(spec["name"])`` that sleeps on SLEEP, leaving its marks
    in the folder ``spec["marks"]``."""
    return Sleepy(Shouting(str(spec["name"])), Path(spec["marks"]))


_aligners_make_translator: Any = None  # aligner's own make_translator, kept by plant_sleepy_translator


def sleepy_around(**spec: Any) -> Translator:
    """The translator aligner makes, made a ``Sleepy``: marks in ``$ALIGNER_TEST_MARKS`` (if set), seconds from
    ``$ALIGNER_TEST_SLEEP`` (0: no sleep)."""
    marks = os.environ.get("ALIGNER_TEST_MARKS")
    seconds = float(os.environ.get("ALIGNER_TEST_SLEEP", SLEEP_SECONDS))
    return Sleepy(_aligners_make_translator(**spec), Path(marks) if marks else None, seconds)


def plant_sleepy_translator() -> None:
    """Make ``aligner.translation.make_translator`` a ``sleepy_around`` in this process, before aligner's command
    line imports it: whatever factory a batch's executors are given, a translator comes from it in the end."""
    global _aligners_make_translator
    import aligner.translation

    if _aligners_make_translator is None:
        _aligners_make_translator = aligner.translation.make_translator
        aligner.translation.make_translator = sleepy_around  # type: ignore[assignment]


SITECUSTOMIZE = """import os
if os.environ.get("ALIGNER_TEST_SLEEPY"):
    import batchhelpers
    batchhelpers.plant_sleepy_translator()
"""


def sleepy_env(env: dict[str, str], folder: Path, marks: Path) -> dict[str, str]:
    """``env`` for an ``aligner`` command in which every process (the driver, its worker processes, its Ray actors)
    plants ``sleepy_around`` when Python starts: a ``sitecustomize`` module in ``folder``, this folder on the path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    path = os.pathsep.join([str(folder), str(Path(__file__).parent), env.get("PYTHONPATH", "")])
    return {**env, "PYTHONPATH": path, "ALIGNER_TEST_SLEEPY": "1", "ALIGNER_TEST_MARKS": str(marks)}


def hang_on_a_ray_cluster(stories: str, out: str, marks: str) -> None:
    """Run the batch ``stories`` into ``out`` on a local Ray cluster of 2 CPUs with two ``sleepy_translator`` actors
    and a story timeout of 2 s, then print ``{"statuses", "done", "failed", "pids"}`` as JSON (``{"skip": why}`` when
    Ray cannot start here). For a process of its own: Ray keeps its session and token per process."""
    import ray
    from ray.cluster_utils import Cluster

    from aligner.batch import iter_stories, run_batch
    from aligner.batch.cluster import RayActors

    try:
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "include_dashboard": False,
                                                                "object_store_memory": 100 * 1024**2})  # fmt: skip
    except Exception as exc:  # no /dev/shm, no ports
        print(json.dumps({"skip": f"Ray cannot start a cluster on this machine: {exc}"}))
        return
    try:
        spec = {"name": "shout", "marks": marks}
        actors = RayActors(spec, address=cluster.address, actors=2, make=sleepy_translator, story_timeout=2)
        statuses: dict[str, str] = {}
        report = run_batch(iter_stories(Path(stories)), out, actors, on_story=statuses.__setitem__)
        print(json.dumps({"statuses": statuses, "done": report.done, "failed": report.failed, "pids": actors.pids}))
    finally:
        ray.shutdown()
        cluster.shutdown()
