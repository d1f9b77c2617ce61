"""Batches of news items (issue 19): a folder holding ninjs and NewsML-G2 items and a plain-text story makes one story
per file, each item's run holds its translated item, valid against the standard; a JSONL of ninjs items too."""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from pathlib import Path

from aligner.batch import Sequential, iter_stories, run_batch
from aligner.feeds import FeedWarning
from conftest import ALIGNER, CountingTranslator, cli_env
from test_feeds_schemas import ITEMS, item_errors

STORY = "Le président a parlé mardi. Il a promis des réformes.\n"


def mixed_folder(folder: Path) -> Path:
    """Two French items (ninjs 3.1 and NewsML-G2 with an NITF body), the English NewsML-G2 item of the second as its
    reference (NAME.en.xml), and a plain-text story."""
    folder.mkdir()
    shutil.copy(ITEMS / "1202-lemondefr.fr.json", folder / "lemonde.json")
    shutil.copy(ITEMS / "1084-canoe.fr.xml", folder / "canoe.xml")
    shutil.copy(ITEMS / "1084-canoe.en.xml", folder / "canoe.en.xml")
    (folder / "plain.txt").write_text(STORY, encoding="utf-8")
    return folder


def test_a_folder_of_mixed_items_makes_one_story_each_and_writes_each_item(tmp_path: Path) -> None:
    folder, out = mixed_folder(tmp_path / "in"), tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        report = run_batch(iter_stories(folder), out, Sequential(CountingTranslator()))
    assert (report.done, report.failed) == (3, 0)
    stories = json.loads((out / "summary.json").read_text(encoding="utf-8"))["stories"]
    assert [s["id"] for s in stories] == ["canoe", "lemonde", "plain"]  # canoe.en.xml is a reference, not a story
    ninjs = (out / "stories" / "lemonde" / "translation.json").read_bytes()
    g2 = (out / "stories" / "canoe" / "translation.xml").read_bytes()
    assert item_errors(ninjs) == [] and item_errors(g2) == []
    assert json.loads(ninjs)["language"] == "en"
    assert (out / "stories" / "lemonde" / "source.json").read_bytes() == (folder / "lemonde.json").read_bytes()
    assert not list((out / "stories" / "plain").glob("translation.*[!t]"))  # a plain story: no item written
    canoe = json.loads((out / "stories" / "canoe" / "result.json").read_text(encoding="utf-8"))
    assert canoe["reference"] is not None and canoe["scores"] is not None  # the English item was its reference


def test_a_jsonl_of_ninjs_items_is_a_batch_on_the_command_line(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    lines = [json.loads((ITEMS / name).read_text(encoding="utf-8")) for name in ("1202-lemondefr.fr.json",
                                                                                "1009-lemondefr.fr.json")]  # fmt: skip
    items.write_text("".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in lines), encoding="utf-8")
    from aligner.feeds import read_source
    from aligner.pipeline import translation_jobs

    jobs = [j for name in ("1202-lemondefr.fr.json", "1009-lemondefr.fr.json")
            for j in translation_jobs(read_source(ITEMS / name).document)]  # fmt: skip
    mt = tmp_path / "mt.jsonl"
    mt.write_text("".join(json.dumps({"source": j, "translation": j.upper()}) + "\n" for j in jobs), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([*ALIGNER, "batch", str(items), "-o", str(out), "--translations", str(mt), "--quiet"],
                          env=cli_env(), capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("2 done, 0 already done, 0 failed")
    written = sorted(out.glob("stories/*/translation.json"))
    assert len(written) == 2 and all(item_errors(p.read_bytes()) == [] for p in written)
    uris = {json.loads(p.read_bytes())["uri"] for p in written}
    assert len(uris) == 2 and not uris & {obj["uri"] for obj in lines}  # new identifiers, not the originals'
