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
from aligner.review.effort import run_id, slots
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
    at = slots(result)
    store.save("story-7", at[0], base=0, text="The president spoke on Tuesday.", status="confirmed", reviewer="anne",
               seconds=12.0)  # fmt: skip
    store.save("story-7", at[1], base=0, text="He promised reforms.", status="edited", reviewer="anne", seconds=5.0,
               run=run_id(result))  # fmt: skip
    store.save("story-7", at[2], base=0, text=texts[2].mt, status="rejected", reason="a header, keep it in capitals",
               reviewer="bruno", seconds=1.0)  # fmt: skip
    store.comment("story-7", at[0], "Tuesday, not Monday.", "anne")
    store.annotate(Annotation("story-7", 1, 1, 0, 2, "fluency", "minor", "he → He", "anne", 0.0, at[1].key,
                              at[1].source))  # fmt: skip
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


def test_jsonl_rows_are_the_review_as_it_was_made(reviewed: Path, tmp_path: Path) -> None:
    """Expected values written out by hand from the fixture (not recomputed by the code under test). HTER by hand,
    sacreBLEU's TER (case-insensitive, no punctuation split): bead 0, 5 words against 5, every word substituted:
    100; bead 1, "il a promis des réformes." against "he promised reforms.": 3 substitutions and 2 deletions over 3
    reference words: 166.6667."""
    rows = [json.loads(line) for line in export(reviewed, "jsonl", tmp_path).decode().splitlines()]
    assert len(rows) == 7
    picked = [(r["bead"], r["status"], r["post_edit"], r["hter"], r["seconds"], r["words"], r["reviewer"])
              for r in rows[:4]]  # fmt: skip
    assert picked == [
        (0, "confirmed", "The president spoke on Tuesday.", 100.0, 12.0, 5, "anne"),
        (1, "edited", "He promised reforms.", 166.6667, 5.0, 3, "anne"),
        (2, "rejected", None, None, 1.0, 0, "bruno"),
        (3, "new", None, None, 0.0, 0, ""),
    ]
    assert [r["mt"] for r in rows[:2]] == ["LE PRÉSIDENT A PARLÉ MARDI.", "IL A PROMIS DES RÉFORMES."]
    assert rows[1]["annotations"] == [{"version": 1, "start": 0, "end": 2, "category": "fluency", "severity": "minor",
                                       "note": "he → He", "reviewer": "anne"}]  # fmt: skip
    assert [r["annotations"] for r in rows if r["bead"] != 1] == [[]] * 6
    assert not any(r["carried_over"] for r in rows)


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
                                     0.0, 0.0, "x")}, {}, {}, [])  # fmt: skip
    blocks = to_story(result, [], review).decode().rstrip("\n").split("\n\n")
    assert blocks[0] == "date 2024-05 LE PRÉSIDENT A PARLÉ MARDI. He promised reforms; what to know:"
    assert blocks[1].startswith("— ") and "" not in blocks  # the header's paragraph went with the merge


def test_a_rerun_keeps_the_review_of_unchanged_sentences_only(reviewed: Path, tmp_path: Path) -> None:
    """The story's first sentence changes and the story is run again into the same directory: the new first sentence
    must not inherit the old one's confirmed post-edit; the unchanged second one keeps its edit, shown as carried
    over; the old version stays in the database, as an earlier run's in the bead's history."""
    changed = STORY.replace("Le président a parlé mardi.", "Le ministre a démissionné lundi.")
    again = run_story(parse_text(changed, doc_id="story-7"), CountingTranslator())
    write_run(again, reviewed)  # the review database in the run directory is kept
    assert (reviewed / "review.sqlite").is_file()
    rows = [json.loads(line) for line in export(reviewed, "jsonl", tmp_path).decode().splitlines()]
    assert (rows[0]["source"], rows[0]["status"], rows[0]["post_edit"], rows[0]["seconds"]) == (
        "Le ministre a démissionné lundi.", "new", None, 0.0
    )  # fmt: skip
    assert (rows[1]["status"], rows[1]["post_edit"], rows[1]["seconds"], rows[1]["carried_over"]) == (
        "edited", "He promised reforms.", 5.0, True
    )  # fmt: skip
    assert rows[1]["annotations"] and rows[0]["annotations"] == []
    final = export(reviewed, "story", tmp_path).decode()
    assert final.startswith("date 2024-05 LE MINISTRE A DÉMISSIONNÉ LUNDI. IL A PROMIS DES RÉFORMES.")
    assert "The president spoke on Tuesday." not in final
    store = SqliteStore.open_readonly(reviewed / "review.sqlite")
    first = slots(again)[0]
    assert store.history("story-7", first) == []
    assert [v.text for v in store.earlier("story-7", first)] == ["The president spoke on Tuesday."]
    store.close()


def test_a_confirmed_edit_survives_a_rerun_into_the_final_story(reviewed: Path, tmp_path: Path) -> None:
    """Bead 1 confirmed, then the story's first sentence changes: the final story keeps bead 1's confirmed English
    and gives the new first sentence its MT."""
    result = read_run(reviewed)
    store = SqliteStore(reviewed / "review.sqlite")
    assert store.save("story-7", slots(result)[1], base=1, text="He promised reforms.", status="confirmed",
                      reviewer="anne", seconds=1.0).ok  # fmt: skip
    store.close()
    changed = STORY.replace("Le président a parlé mardi.", "Le ministre a démissionné lundi.")
    write_run(run_story(parse_text(changed, doc_id="story-7"), CountingTranslator()), reviewed)
    final = export(reviewed, "story", tmp_path).decode()
    assert final.split("\n\n")[0] == "date 2024-05 LE MINISTRE A DÉMISSIONNÉ LUNDI. He promised reforms."


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_memory_and_export_never_write_to_a_database(reviewed: Path, tmp_path: Path) -> None:
    db = reviewed / "review.sqlite"
    before = _sha256(db)
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    proc = subprocess.run([*ALIGNER, "run", str(story), "--translations", str(_upper_jsonl(tmp_path)), "--memory",
                           str(db), "-o", str(tmp_path / "again"), "--quiet"], env=cli_env(), capture_output=True,
                          text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "again" / "result.json").read_text(encoding="utf-8"))
    assert data["mt"][0] == {**data["mt"][0], "text": "The president spoke on Tuesday.", "origin": "memory"}
    export(reviewed, "xliff", tmp_path)
    assert _sha256(db) == before


def test_a_memory_that_is_not_a_review_is_refused_untouched(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "app.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE users (name TEXT)")
    before = _sha256(other)
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    command = [*ALIGNER, "run", str(story), "--translations", str(_upper_jsonl(tmp_path)), "--memory", str(other)]
    proc = subprocess.run([*command, "-o", str(tmp_path / "out")], env=cli_env(), capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"aligner: error: {other}: an SQLite file, but not a review database (no review tables); give a review.sqlite "
        "written by `aligner review`, or a TMX file"
    ]
    assert _sha256(other) == before and not (tmp_path / "out").exists()
    assert {p.name for p in tmp_path.iterdir()} == {"app.sqlite", "story.txt", "mt.jsonl"}  # no -wal, no -shm


def _upper_jsonl(tmp_path: Path) -> Path:
    """Existing translations of STORY's sentences: each upper-cased (what CountingTranslator makes)."""
    from aligner.pipeline import translation_jobs

    path = tmp_path / "mt.jsonl"
    jobs = translation_jobs(parse_text(STORY, doc_id="story-7"))
    path.write_text("".join(json.dumps({"source": j, "translation": j.upper()}) + "\n" for j in jobs))
    return path
