from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from aligner.alignment.bitext import load_lexicon
from aligner.signature import Signature, split_score_signature
from conftest import ALIGNER, SEED, SEED_REFERENCE, TINY_MODEL, cli_env, needs_shared


def aligner(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ALIGNER, *args], env=cli_env(**env), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seed") / "run"
    proc = aligner(
        "run", str(SEED), "--ref", str(SEED_REFERENCE), "--model", str(TINY_MODEL), "--beam", "1", "-o", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    return out


@needs_shared
def test_main_command_without_a_model_ends_fast_with_one_line(tmp_path: Path) -> None:
    start = time.monotonic()
    proc = aligner("run", str(SEED), "--ref", str(SEED_REFERENCE), "-o", str(tmp_path / "out"))
    assert time.monotonic() - start < 15
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("aligner: error: model Helsinki-NLP/opus-mt-fr-en")
    assert not (tmp_path / "out").exists()


@needs_shared
def test_run_writes_all_four_outputs(seed_run: Path) -> None:
    assert sorted(p.name for p in seed_run.iterdir()) == [
        "alignment.txt",
        "report.html",
        "result.json",
        "translation.txt",
    ]
    data = json.loads((seed_run / "result.json").read_text(encoding="utf-8"))
    assert data["schema"] == "aligner.run/3"
    # the default engine: CTranslate2 int8 with the lexicon shortlist
    sig = Signature.parse(data["signature"])
    assert (sig.engine, sig.compute_type, sig.shortlist, sig.beam, sig.align) == ("ctranslate2", "int8", "on", "1",
                                                                                  "bitext+mt")  # fmt: skip
    assert sig.render() == data["signature"] and sig.lexicon == load_lexicon().sha256
    n_src = len(data["source"]["sentences"])
    n_ref = len(data["reference"]["sentences"])
    covered_src = sorted(i for b in data["beads"] for i in b["source"])
    covered_ref = sorted(j for b in data["beads"] for j in b["reference"])
    assert covered_src == list(range(n_src)) and covered_ref == list(range(n_ref))
    for level in ("document", "beads"):
        sacrebleu, ours = split_score_signature(data["scores"][level]["bleu"]["signature"])
        assert sacrebleu.startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:") and ours == sig
    assert data["scores"]["paragraphs"]
    assert "chrF2++" == data["scores"]["beads"]["chrf++"]["name"]
    buckets = data["scores"]["by_length"]
    assert sorted(k for b in buckets for k in b["beads"]) == list(range(len(data["beads"])))
    for b in buckets:  # each bead sits in the bucket of its reference's word count
        for k in b["beads"]:
            words = sum(len(data["reference"]["sentences"][j]["text"].split()) for j in data["beads"][k]["reference"])
            low = int(b["reference_words"].rstrip("+").split("-")[0])
            assert words >= low and (b["reference_words"] != "0" or words == 0)
    worst = data["scores"]["worst_beads"]
    assert len(worst) == min(10, len(data["beads"]))
    chrf = [data["beads"][k]["chrf"] for k in worst]
    assert chrf == sorted(chrf) and max(chrf) <= min(b["chrf"] for b in data["beads"] if b["id"] not in worst)
    report = (seed_run / "report.html").read_text(encoding="utf-8")
    links = [int(k) for k in re.findall(r'href="#bead-(\d+)"', report)]
    assert links == worst and all(f'id="bead-{k}"' in report for k in links)
    assert "chrF2++" in report and "Where the errors are" in report
    # the tiny model's vocabulary lacks some French characters: flagged on the beads they touch
    unk = [f for flags in data["qa"]["flags"] for f in flags if f["code"] == "unknown-characters"]
    assert unk and all("cannot read" in f["reason"] for f in unk)
    # sentences longer than the tiny model's 128 positions were translated in parts, and say so
    split = [k for k, flags in enumerate(data["qa"]["flags"]) if any(f["code"] == "split" for f in flags)]
    assert split and all(any(data["mt"][i]["chunks"] > 1 for i in data["beads"][k]["source"]) for k in split)
    assert len(data["qa"]["flags"]) == len(data["beads"]) and data["qa"]["units"] == "beads"
    bylines = {p["id"] for p in data["source"]["paragraphs"] if p["kind"] == "byline"}
    byline_beads = [k for k, b in enumerate(data["beads"]) if b["source"] and all(
        data["source"]["sentences"][i]["paragraph"] in bylines for i in b["source"])]  # fmt: skip
    assert byline_beads and all(data["qa"]["flags"][k] == [] for k in byline_beads)  # copied, not translated
    translation = (seed_run / "translation.txt").read_text(encoding="utf-8")
    blocks = translation.rstrip("\n").split("\n\n")
    assert blocks[0].startswith("date 2023-09 ")
    assert blocks[1] == "WHAT TO KNOW:"
    assert blocks[2].startswith("— ") and blocks[5] == "___"
    assert blocks[-1] == "The Associated Press"
    assert len(blocks) == len(data["source"]["paragraphs"])
    lines = (seed_run / "alignment.txt").read_text().splitlines()
    assert len(lines) == len(data["beads"]) and lines[0].startswith("[0]:[0]:")


@needs_shared
@pytest.mark.slow
def test_report_in_headless_chromium_shows_every_paragraph(seed_run: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    data = json.loads((seed_run / "result.json").read_text(encoding="utf-8"))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto((seed_run / "report.html").as_uri())
        shown = page.inner_text("body")
        browser.close()
    for para in data["source"]["paragraphs"]:
        for sid in para["sentences"]:
            assert data["source"]["sentences"][sid]["text"] in shown
    for sent in data["reference"]["sentences"]:
        assert sent["text"] in shown
    assert shown.count("section break") == 4


def test_report_escapes_hostile_text(tmp_path: Path) -> None:
    from aligner.pipeline import run_story
    from aligner.reading.reader import parse_text
    from aligner.results.report import render_report
    from aligner.translation.memory import FileTranslator

    hostile = 'Le <script>alert(1)</script> et "><img src=x onerror=alert(2)> &amp; fin.'
    doc = parse_text(hostile)
    ref = parse_text("The <b>bold</b> end.", lang="en")
    html = render_report(run_story(doc, FileTranslator({hostile: "<script>x()</script>"}, name="t"), ref))
    assert "<script>alert" not in html and "<img" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&amp;amp;" in html


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("missing.txt", None, "missing.txt: no such file"),
        ("empty.txt", b"", "empty.txt: the file is empty"),
        (
            "binary.txt",
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            "binary.txt: this looks like a binary file",
        ),
        ("bad.txt", b"caf\x81 \x8d noir", "bad.txt: not UTF-8 (bad byte at offset 3) and not cp1252"),
    ],
)
def test_bad_source_one_line_error_and_no_output(tmp_path: Path, name: str, data: bytes | None, message: str) -> None:
    src = tmp_path / name
    if data is not None:
        src.write_bytes(data)
    out = tmp_path / "out"
    proc = aligner("run", str(src), "--model", str(TINY_MODEL), "-o", str(out))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_empty_reference_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "s.txt"
    src.write_text("Merci.\n", encoding="utf-8")
    ref = tmp_path / "ref.txt"
    ref.write_text("\n\n", encoding="utf-8")
    proc = aligner("run", str(src), "--ref", str(ref), "--model", str(TINY_MODEL), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "ref.txt: the file is empty" in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_latin1_source_is_decoded_with_a_warning(tmp_path: Path) -> None:
    src = tmp_path / "latin.txt"
    src.write_bytes("Merci.\n\nOui, l'été.\n".encode("cp1252"))
    translations = tmp_path / "mt.txt"
    translations.write_text("Thank you.\nYes, the summer.\n", encoding="utf-8")
    proc = aligner("run", str(src), "--translations", str(translations), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "aligner: warning:" in proc.stderr and "cp1252" in proc.stderr
    assert (tmp_path / "out" / "translation.txt").read_text(encoding="utf-8") == "Thank you.\n\nYes, the summer.\n"


def test_align_command_presegmented_and_json(tmp_path: Path) -> None:
    src = tmp_path / "src.fr"
    tgt = tmp_path / "tgt.en"
    mt = tmp_path / "mt.en"
    src.write_text("Le chat dort.\nIl pleut.\nLes marchés ont chuté mardi.\n", encoding="utf-8")
    mt.write_text("The cat sleeps.\nIt is raining.\nMarkets fell on Tuesday.\n", encoding="utf-8")
    tgt.write_text("The cat sleeps and it is raining.\nMarkets fell on Tuesday.\n", encoding="utf-8")
    proc = aligner("align", "--src", str(src), "--tgt", str(tgt), "--mt", str(mt), "--presegmented")
    assert proc.returncode == 0, proc.stderr
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in proc.stdout.splitlines()] == [
        "[0, 1]:[0]",
        "[2]:[1]",
    ]
    as_json = aligner("align", "--src", str(src), "--tgt", str(tgt), "--presegmented", "--json")
    assert as_json.returncode == 0, as_json.stderr
    out = json.loads(as_json.stdout)
    assert [(b["kind"], b["source"], b["reference"]) for b in out["beads"]] == [("2-1", [0, 1], [0]), ("1-1", [2], [1])]
    assert all(0.0 < b["confidence"] <= 1.0 for b in out["beads"])
    assert Signature.parse(out["signature"]).align == "bitext"


def test_translate_command_keeps_layout(tmp_path: Path) -> None:
    src = tmp_path / "s.txt"
    src.write_text(
        "date 2024-01 Merci.\n\nCE QU’IL FAUT SAVOIR :\n\n— Oui. Non.\n\n___\n\nThe Associated Press", encoding="utf-8"
    )
    out = tmp_path / "t.txt"
    proc = aligner("translate", str(src), "--model", str(TINY_MODEL), "--beam", "1", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8") == (
        "date 2024-01 Thank you.\n\nWHAT TO KNOW:\n\n— Yes. No.\n\n___\n\nThe Associated Press\n"
    )


def test_no_traceback_for_a_directory_output_clash(tmp_path: Path) -> None:
    src = tmp_path / "s.txt"
    src.write_text("Merci.\n", encoding="utf-8")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "precious.txt").write_text("keep me")
    proc = aligner("run", str(src), "--model", str(TINY_MODEL), "-o", str(tmp_path / "busy"))
    assert proc.returncode == 2 and "not an aligner run directory" in proc.stderr
    assert (tmp_path / "busy" / "precious.txt").read_text() == "keep me"
    assert os.listdir(tmp_path / "busy") == ["precious.txt"]


@needs_shared
def test_run_reviews_real_mt_from_a_translations_file(tmp_path: Path) -> None:
    """Google's output for 30 LIG sentences drives align and score through `run --translations`."""
    from conftest import DATA

    lig = DATA / "lig-postedit-fren"
    take = slice(200, 230)
    src = (lig / "src-ref-all.fr").read_text(encoding="utf-8").split("\n")[take]
    mt = (lig / "output_Google_Translator.en").read_text(encoding="utf-8").split("\n")[take]
    pe = (lig / "tgt-pe-all.en").read_text(encoding="utf-8").split("\n")[take]
    (tmp_path / "s.fr").write_text("\n".join(src) + "\n", encoding="utf-8")
    (tmp_path / "mt.en").write_text("\n".join(mt) + "\n", encoding="utf-8")
    (tmp_path / "ref.en").write_text("\n".join(pe) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    proc = aligner(
        "run",
        str(tmp_path / "s.fr"),
        "--ref",
        str(tmp_path / "ref.en"),
        "--presegmented",
        "--translations",
        str(tmp_path / "mt.en"),
        "-o",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert [m["text"] for m in data["mt"]] == mt
    assert Signature.parse(data["signature"]).engine == "file"
    # line-parallel data: every bead is the diagonal 1-1, so bead scores are the line scores
    assert [(b["source"], b["reference"]) for b in data["beads"]] == [([i], [i]) for i in range(30)]
    from aligner.scoring.metrics import corpus_scores

    expected = corpus_scores(mt, pe)
    assert data["scores"]["beads"]["bleu"]["score"] == round(expected.bleu.score, 4)
    assert expected.ter is not None and data["scores"]["beads"]["ter"]["score"] == round(expected.ter.score, 4)


def test_a_dash_is_standard_input_and_output(tmp_path: Path) -> None:
    """`-` reads the story (or the lines) from stdin and writes to stdout, as sacreBLEU and Unix tools do."""
    story = "date 2024-01 Merci.\n\n— Oui. Non.\n"
    translate = subprocess.run([*ALIGNER, "translate", "-", "--model", str(TINY_MODEL), "--beam", "1", "--quiet",
                                "-o", "-"], input=story, env=cli_env(), capture_output=True, text=True)  # fmt: skip
    assert translate.returncode == 0, translate.stderr
    assert translate.stdout == "date 2024-01 Thank you.\n\n— Yes. No.\n"
    ref = tmp_path / "ref.en"
    ref.write_text("Thank you.\n\n— Yes. No.\n", encoding="utf-8")
    run = subprocess.run([*ALIGNER, "run", "-", "--ref", str(ref), "--model", str(TINY_MODEL), "--beam", "1",
                          "--quiet", "-o", str(tmp_path / "run")], input=story, env=cli_env(), capture_output=True,
                         text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "run" / "result.json").read_text(encoding="utf-8"))
    assert data["source"]["id"] == "stdin" and data["source"]["metadata"] == {"date": "2024-01"}
    exported = aligner("export", str(tmp_path / "run"), "--format", "jsonl", "-o", "-")
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(r["source"], r["mt"]) for r in rows] == [("Merci.", "Thank you."), ("Oui.", "Yes."), ("Non.", "No.")]
    assert "wrote 3 beads" in exported.stderr
    hyp = "The cat sat.\nIt rained.\n"
    (tmp_path / "ref.txt").write_text("The cat sat.\nIt was raining.\n", encoding="utf-8")
    (tmp_path / "hyp.txt").write_text(hyp, encoding="utf-8")
    from_stdin = subprocess.run([*ALIGNER, "score", "--hyp", "-", "--ref", str(tmp_path / "ref.txt"), "--json"],
                                input=hyp, env=cli_env(), capture_output=True, text=True)  # fmt: skip
    from_file = aligner("score", "--hyp", str(tmp_path / "hyp.txt"), "--ref", str(tmp_path / "ref.txt"), "--json")
    assert from_stdin.returncode == 0 and from_stdin.stdout == from_file.stdout
    twice = subprocess.run([*ALIGNER, "score", "--hyp", "-", "--ref", "-"], input=hyp, env=cli_env(),
                           capture_output=True, text=True)  # fmt: skip
    assert twice.returncode == 2 and "standard input (-) was already read" in twice.stderr
