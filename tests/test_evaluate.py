"""The scoring harness: sacreBLEU test sets offline, system comparison with significance, COMET absent."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aligner.errors import InputError
from aligner.reading.reader import read_lines
from aligner.results import BeadScore
from aligner.scoring.metrics import length_buckets, worst
from aligner.scoring.testsets import TestSet, load_testset, select_hypotheses, translate_testset
from aligner.translation import make_translator, texts_of
from conftest import ALIGNER, DATA, TINY_MODEL, cli_env, needs_shared

CACHE = DATA / "sacrebleu-cache"
LIG = DATA / "lig-postedit-fren"
needs_cache = pytest.mark.skipif(
    not (CACHE / "wmt14").is_dir(), reason=f"no offline sacreBLEU cache at {CACHE} (../shared is absent)"
)


def env() -> dict[str, str]:
    return {**cli_env(), "SACREBLEU": str(CACHE)}


def sacrebleu(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sacrebleu", *args], env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def damaged_references(tmp_path: Path) -> Path:
    """A plausible system output for wmt14 fr-en: the references with words dropped, lower-cased or left in French."""
    ref = sacrebleu("-t", "wmt14", "-l", "fr-en", "--echo", "ref").communicate()[0].splitlines()
    src = sacrebleu("-t", "wmt14", "-l", "fr-en", "--echo", "src").communicate()[0].splitlines()
    out = []
    for i, (r, s) in enumerate(zip(ref, src)):
        words = r.split()
        if i % 7 == 0:
            out.append(s)  # untranslated
        elif i % 3 == 0:
            out.append(" ".join(w for k, w in enumerate(words) if k % 4 != 1))
        elif i % 5 == 0:
            out.append(r.lower() + "  ")  # trailing spaces: sacreBLEU strips them, so must we
        else:
            out.append(r)
    path = tmp_path / "system.en"
    path.write_text("\r\n".join(out) + "\r\n", encoding="utf-8")
    return path


@needs_cache
@pytest.mark.slow
@pytest.mark.parametrize("origlang", [None, "fr"])
def test_eval_equals_sacrebleu_on_wmt14(tmp_path: Path, origlang: str | None) -> None:
    system = damaged_references(tmp_path)
    extra = ["--origlang", origlang] if origlang else []
    expected_run = sacrebleu("-t", "wmt14", "-l", "fr-en", *extra, "-i", str(system), "-m", "bleu", "chrf", "ter",
                             "-b", "-w", "4")  # fmt: skip
    proc = subprocess.run(
        [*ALIGNER, "eval", "wmt14", "-l", "fr-en", *extra, "--translations", str(system), "--json"],
        env=env(),
        capture_output=True,
        text=True,
    )
    out, err = expected_run.communicate()
    assert expected_run.returncode == 0, err
    expected = [float(v) for v in json.loads(out)]
    assert proc.returncode == 0, proc.stderr
    ours = json.loads(proc.stdout)
    got = [round(ours["scores"][m]["score"], 4) for m in ("bleu", "chrf", "ter")]
    assert got == pytest.approx(expected, abs=1e-4)
    assert 20 < got[0] < 95  # the damage is real: neither perfect nor nonsense
    assert ours["segments"] == (1500 if origlang else 3003)
    assert ours["origlang"] == origlang
    docids = read_lines(CACHE / "wmt14" / "wmt14.fr-en.docid")
    langs = read_lines(CACHE / "wmt14" / "wmt14.fr-en.origlang")
    assert len(ours["documents"]) == len({d for d, o in zip(docids, langs) if origlang in (None, o)})
    assert ours["scores"]["bleu"]["signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")
    assert "|test:wmt14|langpair:fr-en|" in ours["scores"]["bleu"]["signature"]


@needs_cache
def test_eval_translates_document_by_document_with_the_model(tmp_path: Path) -> None:
    testset = load_testset("wmt14", "fr-en").head(3)
    calls: list[int] = []
    model = make_translator("transformers", model=str(TINY_MODEL), beam=1, typography=False)

    def counting(texts: list[str]) -> list[str]:
        calls.append(len(texts))
        return texts_of(model.translate(texts))

    hyps = translate_testset(testset, counting)
    assert calls == [len(ks) for _, ks in testset.documents()]  # one call per document, in order
    proc = subprocess.run(
        [*ALIGNER, "eval", "wmt14", "--model", str(TINY_MODEL), "--engine", "transformers", "--beam", "1",
         "--first-docs", "3", "--quiet", "-o", str(tmp_path / "out")],
        env=env(), capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert read_lines(tmp_path / "out" / "translations.txt") == hyps
    result = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert [d["docid"] for d in result["documents"]] == [d for d, _ in testset.documents()]
    assert "model:" in result["scores"]["bleu"]["signature"] and "docs:first3" in result["scores"]["bleu"]["signature"]
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "--first-docs 3" in report and "| BLEU |" in report
    assert sorted(k for b in result["by_length"] for k in b["segments"]) == list(range(len(hyps)))


@needs_shared
def test_compare_gives_sacrebleus_paired_bootstrap_and_ar_p_values(tmp_path: Path) -> None:
    files = {}
    for name, src in (("ref", "tgt-pe-all.en"), ("google", "output_Google_Translator.en"),
                      ("bing", "output_Bing_Translator.en")):  # fmt: skip
        files[name] = tmp_path / f"{name}.en"
        files[name].write_text("".join(line + "\n" for line in read_lines(LIG / src)[:400]), encoding="utf-8")
    runs = {
        test: sacrebleu(str(files["ref"]), "-i", str(files["google"]), str(files["bing"]), "-m", "bleu", "chrf",
                        f"--paired-{test}", f"--paired-{test}-n", "1000", "-f", "text")
        for test in ("bs", "ar")
    }  # fmt: skip
    proc = subprocess.run(
        [*ALIGNER, "compare", "--ref", str(files["ref"]), str(files["google"]), str(files["bing"]),
         "--metrics", "bleu,chrf", "--paired-ar-n", "1000", "-o", str(tmp_path / "cmp.json")],
        env=env(), capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    ours = json.loads((tmp_path / "cmp.json").read_text(encoding="utf-8"))
    bing = ours["systems"][1]
    for test, run in runs.items():
        text = run.communicate()[0]
        p_values = [float(p) for p in re.findall(r"p = ([0-9.]+)", text)]
        assert len(p_values) == 2, text
        got = [bing["paired_bs" if test == "bs" else "paired_ar"][m] for m in ("BLEU", "chrF2")]
        if test == "bs":
            got = [g["p"] for g in got]
        assert got == pytest.approx(p_values, abs=1e-4)
    assert 0.01 < bing["paired_bs"]["BLEU"]["p"] < 0.9  # a subset where the test has something to decide
    assert ours["systems"][0]["paired_ar"]["BLEU"] is None  # the baseline has no p-value
    assert "seed:12345" in ours["signatures"]["bs:BLEU"]


def test_compare_refuses_files_of_different_length(tmp_path: Path) -> None:
    ref, a, b = (tmp_path / n for n in ("ref", "a", "b"))
    ref.write_text("one\ntwo\n", encoding="utf-8")
    a.write_text("one\ntwo\n", encoding="utf-8")
    b.write_text("one\n", encoding="utf-8")
    proc = subprocess.run(
        [*ALIGNER, "compare", "--ref", str(ref), str(a), str(b)], env=env(), capture_output=True, text=True
    )
    assert proc.returncode == 2
    expected = f"aligner: error: {b}: 1 lines but {ref} has 2; the files must be line-parallel"
    assert proc.stderr.strip().splitlines() == [expected]


@needs_cache
def test_comet_without_a_checkpoint_is_one_line(tmp_path: Path) -> None:
    hyps = tmp_path / "hyp.en"
    hyps.write_text(CACHE.joinpath("wmt14", "wmt14.fr-en.ref").read_text(encoding="utf-8"), encoding="utf-8")
    only = subprocess.run(
        [*ALIGNER, "eval", "wmt14", "--translations", str(hyps), "--metrics", "comet"],
        env=env(), capture_output=True, text=True,
    )  # fmt: skip
    assert only.returncode == 2
    assert len(only.stderr.strip().splitlines()) == 1 and "COMET skipped: no checkpoint" in only.stderr
    assert "Traceback" not in only.stderr
    both = subprocess.run(
        [*ALIGNER, "eval", "wmt14", "--translations", str(hyps), "--metrics", "bleu,comet", "--first-docs", "5",
         "--comet-model", str(tmp_path / "missing.ckpt")],
        env=env(), capture_output=True, text=True,
    )  # fmt: skip
    assert both.returncode == 0, both.stderr
    assert both.stderr.strip().splitlines() == [
        f"aligner: COMET skipped: {tmp_path / 'missing.ckpt'} is not a checkpoint file (…/checkpoints/model.ckpt)"
    ]
    assert both.stdout.startswith("BLEU = 100.00")


@needs_cache
def test_unknown_test_set_and_language_pair_are_named() -> None:
    for args, message in (
        (["eval", "wmt99"], "sacreBLEU knows no test set 'wmt99'"),
        (["eval", "wmt14", "-l", "fr-xx"], "test set wmt14 has no language pair 'fr-xx'; it has: "),
    ):
        proc = subprocess.run([*ALIGNER, *args, "--translations", "x"], env=env(), capture_output=True, text=True)
        assert proc.returncode == 2
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_read_lines_matches_sacrebleus_reading(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes("a b  \r\nc\u2028d\n\ne\t\n".encode())
    assert read_lines(path) == ["a b", "c\u2028d", "", "e"]  # U+2028 is not a line break for a file iterator


def test_hypotheses_may_cover_the_full_set_or_the_subset() -> None:
    ts = TestSet("t", "fr-en", "fr", ("s1", "s3"), ("r1", "r3"), ("d1", "d2"), (1, 3), 4)
    assert select_hypotheses(ts, ["h0", "h1", "h2", "h3"], "f") == ["h1", "h3"]
    assert select_hypotheses(ts, ["x1", "x3"], "f") == ["x1", "x3"]
    with pytest.raises(InputError, match=r"f: 3 lines, but t fr-en has 4 \(or 2, the selected segments\)"):
        select_hypotheses(ts, ["a", "b", "c"], "f")
    assert ts.head(1).sources == ("s1",) and ts.head(1).kept == (1,)


def test_length_buckets_and_worst_segments() -> None:
    pairs = [("x", ""), ("a b", "a b"), ("a " * 12, "b " * 12), ("c", "c " * 45)]
    buckets = {b.label: b for b in length_buckets(pairs)}
    assert buckets["0"].segments == (0,) and buckets["1-9"].segments == (1,)
    assert buckets["10-19"].segments == (2,) and buckets["40+"].segments == (3,)
    assert buckets["20-29"].scores is None
    assert buckets["1-9"].scores is not None and buckets["1-9"].scores.chrf.score == pytest.approx(100.0)
    assert buckets["0"].scores is not None and buckets["0"].scores.chrf.score == pytest.approx(0.0)
    per = [BeadScore(50, 60), BeadScore(10, 20), BeadScore(90, 95), BeadScore(5, 20)]
    assert worst(per, 3) == (3, 1, 0)


@needs_cache
def test_comet_runs_through_a_comet_score_command_on_path(tmp_path: Path) -> None:
    """unbabel-comet cannot share transformers 5's environment, so its CLI is run; a stand-in checks the call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "comet-score"
    stand_in.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "a = sys.argv[1:]\n"
        "get = lambda flag: a[a.index(flag) + 1]\n"
        "assert get('--gpus') == '0' and get('--model').endswith('model.ckpt') and '--only_system' in a\n"
        "hyp = open(get('-t'), encoding='utf-8').read().splitlines()\n"
        "ref = open(get('-r'), encoding='utf-8').read().splitlines()\n"
        "assert len(open(get('-s'), encoding='utf-8').read().splitlines()) == len(hyp) == len(ref)\n"
        "print(get('-t') + '\\tscore: %.4f' % (sum(h == r for h, r in zip(hyp, ref)) / len(hyp)))\n",
        encoding="utf-8",
    )
    stand_in.chmod(0o755)
    ckpt = tmp_path / "checkpoints" / "model.ckpt"
    ckpt.parent.mkdir()
    ckpt.write_bytes(b"weights")
    refs = read_lines(CACHE / "wmt14" / "wmt14.fr-en.ref")
    hyps = tmp_path / "hyp.en"
    hyps.write_text("".join((r if k % 4 else "x") + "\n" for k, r in enumerate(refs)), encoding="utf-8")
    proc = subprocess.run(
        [*ALIGNER, "eval", "wmt14", "--translations", str(hyps), "--metrics", "bleu,comet", "--first-docs", "4",
         "--comet-model", str(ckpt), "--json"],
        env={**env(), "PATH": f"{bin_dir}:{os.environ['PATH']}"}, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    expected = sum(1 for k in range(result["segments"]) if k % 4) / result["segments"] * 100
    assert result["comet"] == pytest.approx(expected, abs=0.01)
