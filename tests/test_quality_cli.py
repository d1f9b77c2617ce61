"""Risk on the command line and in the exports: ``aligner run`` and ``aligner batch`` with ``--second-opinion``,
``--second-opinion-model``, ``--glass-box`` and ``--no-risk``; risk and word probabilities in the JSONL, XLIFF and
TMX exports. Each test names the mutation it catches."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from aligner.errors import InputError
from aligner.results.rundir import read_run
from aligner.review.export import WORD_RISK_NOTE, Unit, parse_word_risk
from aligner.signature import Signature
from conftest import ALIGNER, TINY_MODEL, cli_env
from xliff_schema import validate_xliff_strict

STORY = "Le président a parlé mardi.\n\nIl a promis des réformes.\n"
MT = ["The president spoke on Tuesday.", "He promised reforms."]
SECOND = ["The president talked on Tuesday.", "He promised some reforms."]
REFERENCE = "The president spoke on Tuesday.\n\nHe pledged reforms.\n"
XLIFF_NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}


def aligner(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ALIGNER, *args], env=cli_env(), capture_output=True, text=True, timeout=600)


def run_with_translations(files: dict[str, Path], out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`aligner run` on the fixture's story, reference and existing translations (plus ``extra`` flags) into ``out``."""
    return aligner("run", str(files["story.txt"]), "--ref", str(files["ref.txt"]), "--translations",
                   str(files["mt.txt"]), *extra, "-o", str(out), "--quiet")  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {name: tmp_path / name for name in ("story.txt", "ref.txt", "mt.txt", "second.txt")}
    paths["story.txt"].write_text(STORY, encoding="utf-8")
    paths["ref.txt"].write_text(REFERENCE, encoding="utf-8")
    paths["mt.txt"].write_text("\n".join(MT) + "\n", encoding="utf-8")
    paths["second.txt"].write_text("\n".join(SECOND) + "\n", encoding="utf-8")
    return paths


def test_run_with_a_second_opinion_writes_risk(files: dict[str, Path], tmp_path: Path) -> None:
    # mutation: --second-opinion not passed to the estimator (no second-opinion signal, no name in the signature)
    out = tmp_path / "run"
    proc = run_with_translations(files, out, "--second-opinion", str(files["second.txt"]))
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert all(0.0 <= b["risk"] <= 1.0 for b in data["beads"])
    assert [len(m["words"]) for m in data["mt"]] == [6, 4]  # The president spoke on Tuesday . | He promised reforms .
    assert data["quality"]["signals"] == ["source", "reference", "second-opinion"]
    assert data["quality"]["second_opinion"].split("@file-")[0].endswith("second.txt")
    sig = Signature.parse(data["signature"])
    assert sig.risk.startswith("lig1-") and sig.second_opinion == data["quality"]["second_opinion"]
    result = read_run(out)
    assert result.quality is not None and result.quality.risk == tuple(b["risk"] for b in data["beads"])


def test_no_risk_leaves_the_run_as_it_was(files: dict[str, Path], tmp_path: Path) -> None:
    # mutation: --no-risk ignored (risk always computed), or risk changing the scores
    plain, risky = tmp_path / "plain", tmp_path / "risky"
    common = [
        str(files["story.txt"]),
        "--ref",
        str(files["ref.txt"]),
        "--translations",
        str(files["mt.txt"]),
        "--quiet",
    ]
    assert aligner("run", *common, "--no-risk", "-o", str(plain)).returncode == 0
    assert aligner("run", *common, "-o", str(risky)).returncode == 0
    a = json.loads((plain / "result.json").read_text(encoding="utf-8"))
    b = json.loads((risky / "result.json").read_text(encoding="utf-8"))
    assert "quality" not in a and all("risk" not in bead for bead in a["beads"])
    assert "risk:" not in a["signature"] and "|risk:lig1-" in b["signature"]
    assert b["quality"]["signals"] == ["source", "reference"]
    for bead in b["beads"]:
        bead.pop("risk")
    assert a["beads"] == b["beads"] and a["qa"] == b["qa"]
    assert [m["text"] for m in a["mt"]] == [m["text"] for m in b["mt"]]
    assert a["scores"]["document"]["bleu"]["score"] == b["scores"]["document"]["bleu"]["score"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--no-risk", "--second-opinion", "second.txt"], "--no-risk leaves nothing for --second-opinion"),
        (["--glass-box"], "--glass-box reads the MT model's own probabilities: it needs a model"),
        (["--second-opinion", "second.txt", "--second-opinion-model", "x/y"], "not allowed with argument"),
    ],
)
def test_risk_flags_that_cannot_work_together_are_refused(
    files: dict[str, Path], tmp_path: Path, extra: list[str], message: str
) -> None:
    # mutation: a flag silently ignored (a run that says nothing of what was asked)
    args = [str(files[a]) if a in files else a for a in extra]
    proc = aligner(
        "run",
        str(files["story.txt"]),
        "--translations",
        str(files["mt.txt"]),
        *args,
        "-o",
        str(tmp_path / "out"),
        "--quiet",
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_run_with_a_second_opinion_model_and_glass_box(files: dict[str, Path], tmp_path: Path) -> None:
    # mutation: --second-opinion-model not run, or the glass-box signals not recorded per bead
    out = tmp_path / "run"
    proc = aligner(
        "run",
        str(files["story.txt"]),
        "--ref",
        str(files["ref.txt"]),
        "--model",
        str(TINY_MODEL),
        "--beam",
        "2",
        "--second-opinion-model",
        str(TINY_MODEL),
        "--glass-box",
        "-o",
        str(out),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    sig = Signature.parse(data["signature"])
    assert sig.risk.endswith("+glass-box") and sig.second_opinion.startswith(str(TINY_MODEL))
    assert all(set(b["glassbox"]) == {"gb_logprob", "gb_logprob_min", "gb_nbest_chrf"} for b in data["beads"])
    assert all(b["glassbox"]["gb_logprob"] <= 0 for b in data["beads"])


def _batch_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    stories = tmp_path / "stories.jsonl"
    mt = tmp_path / "mt.jsonl"
    second = tmp_path / "second.jsonl"
    french = ["Le président a parlé mardi.", "Il a promis des réformes.", "Les marchés ont chuté."]
    stories.write_text(
        json.dumps(
            {"id": "a", "paragraphs": [french[:2]], "reference": [["The president spoke.", "He pledged reforms."]]}
        )
        + "\n"
        + json.dumps({"id": "b", "paragraphs": [french[2:]], "reference": [["Markets fell."]]})
        + "\n",
        encoding="utf-8",
    )
    english = [*MT, "Markets fell."]
    mt.write_text("".join(json.dumps({"source": f, "translation": e}) + "\n" for f, e in zip(french, english)))
    other = [*SECOND, "The markets dropped."]
    second.write_text("".join(json.dumps({"source": f, "translation": e}) + "\n" for f, e in zip(french, other)))
    return stories, mt, second


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["one process", "two workers"])
def test_batch_with_a_second_opinion(tmp_path: Path, workers: list[str]) -> None:
    # mutation: the executors' translator made without the risk settings (workers' runs without risk)
    stories, mt, second = _batch_inputs(tmp_path)
    out = tmp_path / "out"
    proc = aligner(
        "batch",
        str(stories),
        "-o",
        str(out),
        "--translations",
        str(mt),
        "--second-opinion",
        str(second),
        "--quiet",
        *workers,
    )
    assert proc.returncode == 0, proc.stderr
    for story in ("a", "b"):
        result = read_run(out / "stories" / story)
        assert result.quality is not None and "second-opinion" in result.quality.signals
        assert result.signature.second_opinion.split("@file-")[0].endswith("second.jsonl")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert all(len(s["risk"]) == s["sentences"] for s in summary["stories"])
    assert not (out / ".aligner-second-opinion.sqlite").exists()
    # the same batch again with another second opinion: every story is redone (the risk settings are settings)
    second.write_text(second.read_text(encoding="utf-8").replace("dropped", "sank"), encoding="utf-8")
    again = aligner(
        "batch", str(stories), "-o", str(out), "--translations", str(mt), "--second-opinion", str(second), "--quiet"
    )
    assert again.returncode == 0 and "2 redone" in again.stdout


def test_batch_refuses_a_second_opinion_that_is_not_jsonl(tmp_path: Path) -> None:
    # mutation: a plain-text second opinion accepted for a batch (it cannot be matched to many stories)
    stories, mt, _ = _batch_inputs(tmp_path)
    text = tmp_path / "second.txt"
    text.write_text("x\n", encoding="utf-8")
    proc = aligner(
        "batch",
        str(stories),
        "-o",
        str(tmp_path / "out"),
        "--translations",
        str(mt),
        "--second-opinion",
        str(text),
        "--quiet",
    )
    assert proc.returncode == 2 and "batches need a JSONL second opinion" in proc.stderr


def test_exports_carry_the_risk(files: dict[str, Path], tmp_path: Path) -> None:
    # mutation: risk or word probabilities left out of (or garbled in) the JSONL, the XLIFF notes or the TMX props
    out = tmp_path / "run"
    proc = run_with_translations(files, out)
    assert proc.returncode == 0, proc.stderr
    result = read_run(out)
    assert result.quality is not None
    for fmt in ("jsonl", "xliff", "tmx"):
        assert aligner("export", str(out), "--format", fmt, "-o", str(tmp_path / f"x.{fmt}")).returncode == 0
    # what every format must give back: per bead its risk and each MT word's span and probability
    risks = list(result.quality.risk)
    spans = [[list(w) for w in result.quality.bead_spans(b.left, result.mt)] for b in result.beads]
    assert len(spans) == 2 and all(spans)
    rows = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["risk"] for r in rows] == risks
    assert [r["word_risk"] for r in rows] == spans
    first = rows[0]
    assert [first["mt"][a:b] for a, b, _ in first["word_risk"]] == ["The", "president", "spoke", "on", "Tuesday", "."]
    xliff = (tmp_path / "x.xliff").read_bytes()
    assert validate_xliff_strict(xliff) == []
    tree = etree.fromstring(xliff)
    units = tree.findall(".//x:trans-unit", XLIFF_NS)
    notes = [{n.get("from"): n.text for n in u.findall("x:note", XLIFF_NS)} for u in units]
    assert [float(n["aligner-risk"].split()[1]) for n in notes] == risks
    assert [[list(w) for w in parse_word_risk(n["aligner-word-risk"])] for n in notes] == spans
    tmx = etree.fromstring((tmp_path / "x.tmx").read_bytes())
    props = [{p.get("type"): p.text for p in tu.findall("prop")} for tu in tmx.iter("tu")]
    assert [float(p["x-aligner-risk"]) for p in props] == risks
    assert [[list(w) for w in parse_word_risk(p["x-aligner-word-risk"])] for p in props] == spans


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("", ()),
        ("0-3:0.05 4-13:0.612", ((0, 3, 0.05), (4, 13, 0.612))),
        (WORD_RISK_NOTE + "0-1:1.0", ((0, 1, 1.0),)),
    ],
)
def test_parse_word_risk(text: str, spans: tuple[tuple[int, int, float], ...]) -> None:
    # mutation: the XLIFF note's preamble kept as an item, or spans read as (end, start)
    assert parse_word_risk(text) == spans
    assert Unit(0, "1-1", "", "", None, None, None, None, (), 0.5, spans).word_risk_text() == text.removeprefix(
        WORD_RISK_NOTE
    )


def test_parse_word_risk_names_a_bad_item() -> None:
    # mutation: a malformed note silently dropped
    with pytest.raises(InputError, match=r"word risk: '3:0\.5' is not START-END:P"):
        parse_word_risk("0-1:0.2 3:0.5")
