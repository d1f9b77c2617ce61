"""The result model: every result type round-trips through its JSON, and every signature in a result parses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aligner.errors import InputError
from aligner.pipeline import run_story
from aligner.reading.reader import parse_text, read_document
from aligner.results import RunResult, StorySummary
from aligner.results.rundir import read_run, write_run
from aligner.signature import Signature, split_score_signature
from aligner.translation import make_translator
from aligner.translation.memory import FileTranslator
from conftest import DATA, SEED, SEED_REFERENCE, TINY_MODEL, CountingTranslator, needs_shared


def signatures(data: Any) -> Iterator[str]:
    """Every value under a "signature" key, anywhere in a JSON document."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "signature":
                yield value
            else:
                yield from signatures(value)
    elif isinstance(data, list):
        for item in data:
            yield from signatures(item)


def check_round_trip(result: RunResult) -> dict[str, Any]:
    data = result.to_json()
    text = json.dumps(data, ensure_ascii=False)
    back = RunResult.from_json(json.loads(text))
    assert back == result
    assert back.to_json() == data
    found = list(signatures(data))
    assert found[0] == result.signature.render()
    for sig in found[1:]:  # score signatures: sacreBLEU's, then ours, which is the run's
        sacrebleu, ours = split_score_signature(sig)
        assert sacrebleu.split("|")[-1].startswith("version:") and ours == result.signature
    return data


@pytest.fixture(scope="module")
def seed_result() -> RunResult:
    if not SEED.is_file():
        pytest.skip(f"no example story at {SEED} (../shared is absent)")
    translator = make_translator(model=str(TINY_MODEL), beam=1)
    return run_story(read_document(SEED), translator, read_document(SEED_REFERENCE, lang="en"))


def test_the_seed_story_round_trips(seed_result: RunResult, tmp_path: Path) -> None:
    data = check_round_trip(seed_result)
    assert len(list(signatures(data))) > 10  # the run's, and one per metric of every level
    assert seed_result.scores is not None and len(seed_result.scores.per_bead) == len(seed_result.beads)
    # and through the run directory, as the review server and the exports read it
    write_run(seed_result, tmp_path / "run")
    assert read_run(tmp_path / "run") == seed_result


def test_a_run_without_reference_round_trips_with_one_bead_per_sentence(seed_result: RunResult) -> None:
    result = run_story(seed_result.source, CountingTranslator())
    assert result.alignment.method == "identity" and result.scores is None
    assert [(b.left, b.right) for b in result.beads] == [((i,), (i,)) for i in range(len(result.translations))]
    data = check_round_trip(result)
    assert data["reference"] is None and all(b["reference"] == [] for b in data["beads"])
    assert result.texts(3).reference is None and result.texts(3).mt == result.source.sentences[3].text.upper()


@needs_shared
def test_a_200_line_lig_story_round_trips() -> None:
    lig = DATA / "lig-postedit-fren"
    src, mt, pe = (
        (lig / name).read_text(encoding="utf-8").split("\n")[:200]
        for name in ("src-ref-all.fr", "output_Google_Translator.en", "tgt-pe-all.en")
    )
    source = parse_text("\n".join(src), doc_id="lig200", presegmented=True)
    reference = parse_text("\n".join(pe), doc_id="lig200", lang="en", presegmented=True)
    result = run_story(source, FileTranslator(dict(zip(src, mt)), name="google"), reference)
    assert len(result.beads) >= 190
    check_round_trip(result)


def test_a_story_summary_round_trips(seed_result: RunResult) -> None:
    summary = StorySummary.of(seed_result)
    assert StorySummary.from_json(summary.to_json()) == summary
    assert seed_result.scores is not None
    assert summary.score("beads_bleu") == seed_result.scores.beads.bleu.score
    assert summary.flagged == sum(1 for f in seed_result.flags if f) > 0
    failed = StorySummary("x", "error", error="x.txt: the file is empty")
    assert StorySummary.from_json(failed.to_json()) == failed
    assert failed.tsv_row().split("\t") == ["x", "error", "", "", "", "", "", "", "x.txt: the file is empty"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema="aligner.run/1"), r"schema .aligner.run/1. is not aligner.run/3"),
        (lambda d: d.update(signature="model:x|colour:red"), r"key 'colour'"),
    ],
    ids=["old-schema", "bad-signature"],
)
def test_a_bad_result_file_is_named(seed_result: RunResult, tmp_path: Path, change: Any, message: str) -> None:
    data = seed_result.to_json()
    change(data)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "result.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_run(tmp_path / "run")
    assert Signature.parse(seed_result.signature.render()) == seed_result.signature
