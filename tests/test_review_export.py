"""Exports with the review: XLIFF with states and comments (strict 1.2), TMX of confirmed pairs, JSONL of the
post-edits as the database has them, and the final story in the source's layout."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest

from aligner.pipeline import run_story
from aligner.reading.reader import parse_text
from aligner.results.rundir import read_run, write_run
from aligner.review.effort import hter
from aligner.review.export import StoryReview
from aligner.store import Annotation, SqliteStore
from conftest import ALIGNER, CountingTranslator, cli_env
from xliff_schema import validate_xliff_strict

STORY = (
    "date 2024-05 Le président a parlé mardi. Il a promis des réformes.\n\n"
    "CE QU’IL FAUT SAVOIR :\n\n"
    "— Les impôts baisseront.\n\n"
    "___\n\n"
    "Les syndicats ont réagi. Ils restent prudents.\n\n"
    "The Associated Press\n"
)


@pytest.fixture()
def reviewed(tmp_path: Path) -> Path:
    """A run of STORY (upper-cased 'MT', no reference) with a review: bead 0 confirmed with an edit, bead 1 edited
    (not confirmed), bead 2 rejected, a comment on bead 0 and an annotation on bead 1."""
    result = run_story(parse_text(STORY, doc_id="story-7"), CountingTranslator())
    run = write_run(result, tmp_path / "run")
    store = SqliteStore(run / "review.sqlite")
    texts = result.all_texts()
    store.save("story-7", 0, base=0, text="The president spoke on Tuesday.", status="confirmed", reviewer="anne",
               seconds=12.0, source=texts[0].source)  # fmt: skip
    store.save("story-7", 1, base=0, text="He promised reforms.", status="edited", reviewer="anne", seconds=5.0,
               source=texts[1].source)  # fmt: skip
    store.save("story-7", 2, base=0, text=texts[2].mt, status="rejected", reason="a header, keep it in capitals",
               reviewer="bruno", seconds=1.0, source=texts[2].source)  # fmt: skip
    store.comment("story-7", 0, "Tuesday, not Monday.", "anne")
    store.annotate(Annotation("story-7", 1, 1, 0, 2, "fluency", "minor", "he → He", "anne", 0.0))
    store.close()
    return run


def export(run: Path, fmt: str, tmp_path: Path) -> bytes:
    out = tmp_path / f"out.{fmt}"
    proc = subprocess.run([*ALIGNER, "export", str(run), "--format", fmt, "-o", str(out)], env=cli_env(),
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out.read_bytes()


def test_xliff_carries_states_notes_and_the_current_english(reviewed: Path, tmp_path: Path) -> None:
    from translate.storage import xliff

    data = export(reviewed, "xliff", tmp_path)
    assert validate_xliff_strict(data) == []
    store = xliff.xlifffile.parsestring(data)
    units = {u.xmlelement.get("id"): u for u in store.units}
    assert store.getfilenames() == ["story-7"]

    def state(unit_id: str) -> str:
        return str(units[unit_id].getlanguageNode(lang=None, index=1).get("state"))

    assert (state("bead-0"), state("bead-1"), state("bead-2"), state("bead-3")) == (
        "final", "translated", "needs-review-translation", "needs-review-translation"
    )  # fmt: skip
    assert units["bead-0"].xmlelement.get("approved") == "yes" and units["bead-1"].xmlelement.get("approved") is None
    assert (
        units["bead-0"].target == "The president spoke on Tuesday." and units["bead-1"].target == "He promised reforms."
    )
    assert units["bead-3"].target == "LES IMPÔTS BAISSERONT."  # untouched: the MT
    assert units["bead-0"].getnotes("anne") == "Tuesday, not Monday."
    assert units["bead-2"].getnotes("bruno") == "rejected: a header, keep it in capitals"
    assert units["bead-1"].getnotes("anne") == "minor fluency error at 0-2: he → He"


def test_tmx_holds_only_the_confirmed_pairs(reviewed: Path, tmp_path: Path) -> None:
    from translate.storage import tmx

    units = tmx.tmxfile.parsestring(export(reviewed, "tmx", tmp_path)).units
    assert [(u.source, u.target) for u in units] == [("Le président a parlé mardi.", "The president spoke on Tuesday.")]


def test_jsonl_rows_equal_the_databases_current_state(reviewed: Path, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in export(reviewed, "jsonl", tmp_path).decode().splitlines()]
    store = SqliteStore(reviewed / "review.sqlite")
    current = store.current("story-7")
    result = read_run(reviewed)
    assert len(rows) == len(result.beads)
    for row in rows:
        v = current.get(row["bead"])
        assert row["status"] == (v.status if v else "new")
        post = v.text if v and v.status in ("edited", "confirmed") else None
        assert row["post_edit"] == post and row["mt"] == result.texts(row["bead"]).mt
        assert row["hter"] == (hter(row["mt"], post) if post is not None else None)
        assert row["seconds"] == sum(x.seconds for x in store.history("story-7", row["bead"]))
        assert row["reviewer"] == (v.reviewer if v else "")
    assert rows[1]["annotations"] == [{"version": 1, "start": 0, "end": 2, "category": "fluency", "severity": "minor",
                                       "note": "he → He", "reviewer": "anne"}]  # fmt: skip
    assert rows[0]["hter"] > 0 and rows[1]["words"] == 3
    store.close()


def test_the_final_story_keeps_the_layout_with_confirmed_edits_only(reviewed: Path, tmp_path: Path) -> None:
    final = export(reviewed, "story", tmp_path).decode()
    mt = (reviewed / "translation.txt").read_text(encoding="utf-8")
    # bead 0 confirmed: its sentence replaced; bead 1 only edited: the MT stays
    assert final == mt.replace("LE PRÉSIDENT A PARLÉ MARDI.", "The president spoke on Tuesday.")
    blocks = final.rstrip("\n").split("\n\n")
    assert blocks[0] == "date 2024-05 The president spoke on Tuesday. IL A PROMIS DES RÉFORMES."
    assert blocks[2].startswith("— ") and blocks[3] == "___" and blocks[-1] == "The Associated Press"


def test_a_batch_storys_export_finds_the_batchs_database(reviewed: Path, tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    (batch / "stories").mkdir(parents=True)
    (reviewed / "review.sqlite").rename(batch / "review.sqlite")
    for leftover in reviewed.glob("review.sqlite*"):
        leftover.rename(batch / leftover.name)
    (reviewed).rename(batch / "stories" / "story-7")
    units = json.loads(export(batch / "stories" / "story-7", "jsonl", tmp_path).decode().splitlines()[0])
    assert units["post_edit"] == "The president spoke on Tuesday."


def test_a_confirmed_bead_across_two_paragraphs_leaves_no_empty_one(tmp_path: Path) -> None:
    from aligner.alignment.beads import Alignment, Bead
    from aligner.review.export import to_story
    from aligner.store import Version

    result = run_story(parse_text(STORY, doc_id="story-7"), CountingTranslator())
    merged = Alignment((Bead((0,), (), 1.0), Bead((1, 2), (), 1.0), *result.beads[3:]), "hand")  # sentences 1-2: ¶ 0-1
    result = dataclasses.replace(result, alignment=merged, flags=((),) * len(merged.beads))
    review = StoryReview({1: Version("story-7", 1, 1, 0, "He promised reforms; what to know:", "confirmed", "", "a",
                                     0.0, 0.0, "x")}, [], [], [])  # fmt: skip
    blocks = to_story(result, [], review).decode().rstrip("\n").split("\n\n")
    assert blocks[0] == "date 2024-05 LE PRÉSIDENT A PARLÉ MARDI. He promised reforms; what to know:"
    assert blocks[1].startswith("— ") and "" not in blocks  # the header's paragraph went with the merge
