"""One story through read → translate → align → score → check, and the run directory (written atomically, read back).

The translators are a ``FileTranslator`` over a hand-written table and conftest's upper-casing
``CountingTranslator``: no model is loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from aligner.alignment.beads import identity_alignment
from aligner.errors import InputError
from aligner.pipeline import align_story, run_story, translate_document, translation_jobs
from aligner.reading.document import Document, Kind, render_translation
from aligner.reading.reader import parse_text
from aligner.results import RUN_SCHEMA, RunResult
from aligner.results.rundir import RUN_FILES, read_run, write_run
from aligner.signature import Signature
from aligner.translation.base import Translation
from aligner.translation.memory import FileTranslator
from conftest import CountingTranslator

STORY = """date 2023-09 PARIS (AP) — Le président a parlé lundi. Il a promis une réforme.

CE QU'IL FAUT SAVOIR:

— Les syndicats appellent à la grève.

_____

Le projet sera présenté en octobre.

The Associated Press
"""

TABLE = {
    "PARIS (AP) — Le président a parlé lundi.": "PARIS (AP) — The president spoke on Monday.",
    "Il a promis une réforme.": "He promised a reform.",
    "Ce qu'il faut savoir:": "What to know:",  # only the sentence-case header is in the table
    "Les syndicats appellent à la grève.": "Unions are calling a strike.",
    "Le projet sera présenté en octobre.": "The plan will be presented in October.",
}

REFERENCE = """PARIS (AP) — The president spoke on Monday. He promised a reform.

WHAT TO KNOW:

— Unions are calling a strike.

_____

The plan will be presented in October.

The Associated Press
"""


@pytest.fixture
def story() -> Document:
    doc = parse_text(STORY, doc_id="story-1")
    kinds = [p.kind for p in doc.paragraphs]
    assert kinds == [Kind.PROSE, Kind.HEADER, Kind.BULLET, Kind.BREAK, Kind.PROSE, Kind.BYLINE]  # precondition
    return doc


@pytest.fixture
def reference() -> Document:
    return parse_text(REFERENCE, doc_id="story-1", lang="en")


def translator() -> FileTranslator:
    return FileTranslator(TABLE, name="table")


# ----------------------------------------------------------------------------------------------- translation


def test_translation_jobs(story: Document) -> None:
    """Headers go out in sentence case; the byline and the section break are not sent at all."""
    assert translation_jobs(story) == [
        "PARIS (AP) — Le président a parlé lundi.",
        "Il a promis une réforme.",
        "Ce qu'il faut savoir:",
        "Les syndicats appellent à la grève.",  # without the bullet marker
        "Le projet sera présenté en octobre.",
    ]


def test_translation_jobs_of_an_empty_document() -> None:
    assert translation_jobs(Document("empty", ())) == []


def test_translate_document(story: Document) -> None:
    out = translate_document(story, translator())
    assert [t.text for t in out] == [
        "PARIS (AP) — The president spoke on Monday.",
        "He promised a reform.",
        "WHAT TO KNOW:",  # translated in sentence case, upper-cased again
        "Unions are calling a strike.",
        "The plan will be presented in October.",
        "The Associated Press",  # copied
    ]
    assert len(out) == len(story.sentences)


def test_translate_document_sends_one_batch_without_the_byline(story: Document) -> None:
    counting = CountingTranslator()
    out = translate_document(story, counting)
    assert counting.calls == translation_jobs(story)
    assert out[-1] == Translation("The Associated Press")  # not upper-cased: it never went to the translator


class NoticingTranslator:
    """Returns what an engine returns when it noticed something: unknown pieces, a split, the length cap."""

    signature = Signature(model="noticing", engine="test")

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        return [Translation(f"en: {t.lower()}", ("▁x", "▁y"), 2, True) for t in texts]


def test_translate_document_keeps_what_the_engine_noticed(story: Document) -> None:
    out = translate_document(story, NoticingTranslator())
    assert out[0] == Translation("en: paris (ap) — le président a parlé lundi.", ("▁x", "▁y"), 2, True)
    # the header is upper-cased, and keeps unk, chunks and hit_length_limit
    assert out[2] == Translation("EN: CE QU'IL FAUT SAVOIR:", ("▁x", "▁y"), 2, True)
    assert out[5] == Translation("The Associated Press")  # a byline has nothing to notice


# ----------------------------------------------------------------------------------------------- layout


def test_render_translation(story: Document) -> None:
    mt = tuple(t.text for t in translate_document(story, translator()))
    assert render_translation(story, mt) == (
        "date 2023-09 PARIS (AP) — The president spoke on Monday. He promised a reform.\n"
        "\n"
        "WHAT TO KNOW:\n"
        "\n"
        "— Unions are calling a strike.\n"
        "\n"
        "_____\n"
        "\n"
        "The plan will be presented in October.\n"
        "\n"
        "The Associated Press\n"
    )


@pytest.mark.parametrize("rule", ["___", "_____", "__________"])
def test_render_translation_keeps_a_break_as_written(rule: str) -> None:
    doc = parse_text(f"Un.\n\n{rule}\n\nDeux.", doc_id="d")
    assert render_translation(doc, ("One.", "Two.")) == f"One.\n\n{rule}\n\nTwo.\n"


@pytest.mark.parametrize("marker", ["—", "–", "-", "•"])
def test_render_translation_keeps_the_bullet_marker(marker: str) -> None:
    doc = parse_text(f"Titre du texte ici.\n\n{marker} Point un.\n\n{marker} Point deux.", doc_id="d")
    assert render_translation(doc, ("Title of the text here.", "Point one.", "Point two.")) == (
        f"Title of the text here.\n\n{marker} Point one.\n\n{marker} Point two.\n"
    )


def test_render_translation_without_a_date_has_no_tag() -> None:
    doc = parse_text("Il pleut. Il vente.", doc_id="d")
    assert doc.meta("date") is None
    assert render_translation(doc, ("It rains.", "It is windy.")) == "It rains. It is windy.\n"


# ----------------------------------------------------------------------------------------------- alignment


def test_align_story_without_reference_is_the_identity(story: Document) -> None:
    mt = tuple(t.text for t in translate_document(story, translator()))
    alignment = align_story(story, mt, None)
    assert alignment == identity_alignment(6)
    assert [(b.left, b.right, b.score) for b in alignment.beads] == [((i,), (i,), 1.0) for i in range(6)]
    assert alignment.method == "identity"


def test_align_story_with_a_reference(story: Document, reference: Document) -> None:
    mt = tuple(t.text for t in translate_document(story, translator()))
    alignment = align_story(story, mt, reference)
    assert alignment.method.startswith("bitext")
    assert len(alignment.lexicon) == 16
    # the reference is a sentence-by-sentence translation: one 1-1 bead per sentence
    assert [(b.left, b.right) for b in alignment.beads] == [((i,), (i,)) for i in range(6)]


@pytest.mark.parametrize("text", ["", "___", "_____\n\n___"])
def test_align_story_refuses_a_reference_without_sentences(story: Document, text: str) -> None:
    empty = parse_text(text, doc_id="ref-7", lang="en")
    assert not empty.sentences
    with pytest.raises(InputError, match=r"^reference ref-7: no sentences to align with$"):
        align_story(story, ("x",) * 6, empty)


# ----------------------------------------------------------------------------------------------- run_story


def test_run_story_without_reference(story: Document) -> None:
    result = run_story(story, translator())
    assert result.source is story and result.reference is None
    assert result.mt[2] == "WHAT TO KNOW:"
    assert result.alignment.method == "identity"
    assert result.scores is None
    assert len(result.flags) == len(result.beads) == 6
    assert result.signature.model == "table" and result.signature.engine == "file"
    assert result.signature.align == "identity"


def test_run_story_with_reference(story: Document, reference: Document) -> None:
    result = run_story(story, translator(), reference)
    assert result.reference is reference
    assert result.scores is not None
    assert len(result.scores.per_bead) == len(result.beads) == len(result.flags) == 6
    # the MT is the reference word for word: perfect document BLEU and chrF
    assert result.scores.document.bleu.score == pytest.approx(100.0)
    assert result.scores.document.chrf.score == pytest.approx(100.0)
    # the signature says how the alignment was made
    assert result.signature.align == result.alignment.method
    assert result.signature.align_settings == result.alignment.settings
    assert result.signature.lexicon == result.alignment.lexicon != ""


# ----------------------------------------------------------------------------------------------- run directory


@pytest.fixture(params=[False, True], ids=["no-reference", "reference"])
def result(request: pytest.FixtureRequest, story: Document, reference: Document) -> RunResult:
    return run_story(story, translator(), reference if request.param else None)


def test_write_run(result: RunResult, tmp_path: Path) -> None:
    out = write_run(result, tmp_path / "run")
    assert out == tmp_path / "run"
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    translation = (out / "translation.txt").read_text(encoding="utf-8")
    assert translation.startswith("date 2023-09 PARIS (AP) — The president spoke on Monday. He promised a reform.\n")
    lines = (out / "alignment.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    if result.reference is None:
        assert lines[0] == "[0]:[0]:0.000000"  # a cost: 1 − confidence
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert data["schema"] == RUN_SCHEMA
    assert "<!DOCTYPE html>" in (out / "report.html").read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no hidden temporary directory left


def test_write_then_read_round_trips(result: RunResult, tmp_path: Path) -> None:
    assert read_run(write_run(result, tmp_path / "run")) == result


def test_write_run_into_a_new_nested_folder(result: RunResult, tmp_path: Path) -> None:
    out = write_run(result, str(tmp_path / "a" / "b" / "run"))
    assert (out / "result.json").is_file()


def boom(result: RunResult) -> str:
    raise RuntimeError("report failed")


def test_write_run_leaves_nothing_when_it_fails(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is written last: the other files already exist in the temporary directory when it fails."""
    monkeypatch.setattr("aligner.results.rundir.render_report", boom)
    with pytest.raises(RuntimeError, match="report failed"):
        write_run(result, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []  # neither the run nor a hidden .run.* directory


def test_write_run_failing_over_an_old_run_keeps_it(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "run"
    old.mkdir()
    (old / "result.json").write_text("old", encoding="utf-8")
    monkeypatch.setattr("aligner.results.rundir.render_report", boom)
    with pytest.raises(RuntimeError):
        write_run(result, old)
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert [p.name for p in old.iterdir()] == ["result.json"]
    assert (old / "result.json").read_text(encoding="utf-8") == "old"


def test_write_run_replaces_an_old_run_whole(result: RunResult, tmp_path: Path) -> None:
    old = tmp_path / "run"
    old.mkdir()
    (old / "stale.txt").write_text("from an earlier run", encoding="utf-8")
    (old / "result.json").write_text("old", encoding="utf-8")
    write_run(result, old)
    assert sorted(p.name for p in old.iterdir()) == sorted(RUN_FILES)  # stale.txt is gone: swapped, not merged
    assert read_run(old) == result
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # the swapped-out old directory is removed


def test_write_run_refuses_a_file_in_the_way(result: RunResult, tmp_path: Path) -> None:
    (tmp_path / "run").write_text("a file", encoding="utf-8")
    with pytest.raises(InputError, match=r"run: exists and is not a directory; choose another -o"):
        write_run(result, tmp_path / "run")
    assert (tmp_path / "run").read_text(encoding="utf-8") == "a file"


# ----------------------------------------------------------------------------------------------- read_run errors


def test_read_run_of_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(
        InputError,
        match=re.escape(f"{missing}: no result.json; give a directory written by `aligner run` or a batch story"),
    ):
        read_run(missing)


def test_read_run_of_a_directory_without_result(tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text("<html>", encoding="utf-8")
    with pytest.raises(InputError, match=r"no result\.json"):
        read_run(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", r"result\.json: not valid JSON \(.+\); rerun `aligner run`$"),
        (b"", r"result\.json: not valid JSON"),
        (b'{"schema": "\xff"}', r"result\.json: not valid JSON"),  # not UTF-8
        (
            b'{"schema": "aligner.run/1"}',
            r"result\.json: schema 'aligner\.run/1' is not aligner\.run/3; rerun `aligner run` to upgrade$",
        ),
        (b'{"beads": []}', r"result\.json: schema None is not aligner\.run/3"),
        (
            b'{"schema": "aligner.run/3"}',
            r"result\.json: not an aligner run result \(KeyError: 'signature'\); rerun `aligner run`$",
        ),
    ],
)
def test_read_run_errors(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "result.json").write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_run(tmp_path)


def test_read_run_of_a_damaged_result(result: RunResult, tmp_path: Path) -> None:
    out = write_run(result, tmp_path / "run")
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    data["mt"][0]["chunks"] = "many"
    (out / "result.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"not an aligner run result \(ValueError: .*many"):
        read_run(out)


@pytest.mark.parametrize("content", ["[]", "null", '"result"'])
def test_read_run_of_json_that_is_not_an_object(tmp_path: Path, content: str) -> None:
    (tmp_path / "result.json").write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=r"result\.json: "):
        read_run(tmp_path)
