"""The CTranslate2 engine on the project's tiny Marian checkpoint: exact greedy parity in float32, a small,
measured drift in int8 and with the vocabulary shortlist, conversion by the CLI, a conversion cache, and a
process that never imports torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ALIGNER, TINY_MODEL, cli_env

ctranslate2 = pytest.importorskip("ctranslate2")


def sources() -> list[str]:
    return (TINY_MODEL / "train.fr").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def reference_outputs() -> list[str]:
    from aligner.translate import MarianTranslator

    hf = MarianTranslator(str(TINY_MODEL), beam=1, typography=False)
    return hf.translate(sources())


def test_float32_greedy_is_token_identical_to_transformers(reference_outputs: list[str]) -> None:
    import torch

    from aligner.fast import CTranslate2Translator
    from aligner.translate import MarianTranslator

    ct = CTranslate2Translator(str(TINY_MODEL), beam=1, typography=False, compute_type="float32", shortlist=False)
    assert ct.translate(sources()) == reference_outputs  # every one of the 308 training sentences
    # token level, on the raw engines
    hf = MarianTranslator(str(TINY_MODEL), beam=1, typography=False)
    batch = sources()[:40]
    enc = hf.tokenizer(batch, return_tensors="pt", padding=True)
    with torch.inference_mode():
        ids = hf.model.generate(**enc, num_beams=1, do_sample=False, max_length=128)
    special = {hf.tokenizer.pad_token_id, hf.tokenizer.eos_token_id}
    hf_tokens = [hf.tokenizer.convert_ids_to_tokens([i for i in row.tolist() if i not in special]) for row in ids]
    ct_in = [ct.pieces.encode(s) for s in batch]  # aligner.pieces, as the engine tokenizes
    ct_tokens = [r.hypotheses[0] for r in ct.ct2.translate_batch(ct_in, beam_size=1, max_decoding_length=127)]
    assert ct_tokens == hf_tokens
    assert ct.signature["engine"] == "ctranslate2" and ct.signature["compute_type"] == "float32"
    assert ct.signature["shortlist"] == "none"


@pytest.mark.parametrize(
    ("compute_type", "shortlist"),
    [("int8", False), ("float32", True), ("int8", True)],
    ids=["int8", "shortlist", "both"],
)
def test_int8_and_shortlist_change_few_outputs(
    reference_outputs: list[str], compute_type: str, shortlist: bool
) -> None:
    import sacrebleu

    from aligner.fast import CTranslate2Translator

    ct = CTranslate2Translator(
        str(TINY_MODEL), beam=1, typography=False, compute_type=compute_type, shortlist=shortlist
    )
    assert ct.use_vmap == shortlist and (ct.ct2_dir / "vmap.txt").is_file()
    out = ct.translate(sources())
    changed = sum(a != b for a, b in zip(out, reference_outputs))
    refs = (TINY_MODEL / "train.en").read_text(encoding="utf-8").splitlines()
    drop = sacrebleu.corpus_bleu(reference_outputs, [refs]).score - sacrebleu.corpus_bleu(out, [refs]).score
    print(f"{compute_type}, shortlist {shortlist}: {changed}/{len(out)} outputs differ from fp32 transformers; "
          f"BLEU drop {drop:.2f}")  # fmt: skip
    assert changed <= 0.05 * len(out) and drop < 1.0


def test_shortlist_rules_come_from_the_lexicon() -> None:
    from aligner.lexicon import Lexicon
    from aligner.pieces import MarianPieces
    from aligner.shortlist import vmap_lines

    pieces = MarianPieces(TINY_MODEL)
    lexicon = Lexicon({"guerre": {"war": 0.8, "conflict": 0.03}, "zzz": {"nothing": 0.9}}, "test")
    lines = vmap_lines(pieces, lexicon, ["the"], frequent=1)
    fixed = lines[0].split("\t")[1].split()
    assert lines[0].startswith("\t") and set(pieces.target.encode("the", out_type=str)) <= set(fixed)
    assert "." in fixed and '"' in fixed  # punctuation is always allowed
    rules = dict(line.split("\t") for line in lines[1:])
    war = set(pieces.target.encode("war", out_type=str))
    key = " ".join(pieces.source.encode("guerre", out_type=str))
    assert war - set(fixed) <= set(rules[key].split())  # guerre → war
    assert not any("conflict" in r for r in rules.values())  # below min_p
    assert vmap_lines(pieces, lexicon, ["the"], frequent=1) == lines  # deterministic


def test_convert_command_and_translate_with_the_converted_folder(tmp_path: Path) -> None:
    story = tmp_path / "s.txt"
    story.write_text("\n\n".join(sources()[:6]) + "\n", encoding="utf-8")
    out = tmp_path / "ct2"
    conv = subprocess.run([*ALIGNER, "models", "convert", str(TINY_MODEL), "--quantization", "float32", "-o", str(out)],
                          env=cli_env(), capture_output=True, text=True)  # fmt: skip
    assert conv.returncode == 0, conv.stderr
    assert (out / "model.bin").is_file() and (out / "source.spm").is_file() and (out / "hf_config.json").is_file()
    common = ["translate", str(story), "--beam", "1", "--quiet"]
    assert (out / "vmap.txt").is_file()  # the shortlist travels with the converted model
    base = subprocess.run(
        [*ALIGNER, *common, "--model", str(TINY_MODEL), "--engine", "transformers"],
        env=cli_env(),
        capture_output=True,
        text=True,
    )
    fast = subprocess.run([*ALIGNER, *common, "--model", str(out), "--engine", "ctranslate2", "--compute-type",
                           "float32", "--no-shortlist"], env=cli_env(), capture_output=True, text=True)  # fmt: skip
    assert base.returncode == 0 and fast.returncode == 0, fast.stderr
    assert fast.stdout == base.stdout and fast.stdout.count("\n\n") == 5


def test_conversion_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aligner.fast import CTranslate2Translator

    monkeypatch.setenv("ALIGNER_CACHE", str(tmp_path))
    first = CTranslate2Translator(str(TINY_MODEL), beam=1)
    stamp = (first.ct2_dir / "model.bin").stat().st_mtime_ns
    second = CTranslate2Translator(str(TINY_MODEL), beam=1)
    assert second.ct2_dir == first.ct2_dir and (second.ct2_dir / "model.bin").stat().st_mtime_ns == stamp
    assert first.ct2_dir.parent == tmp_path / "ct2" and first.ct2_dir.name.endswith("-int8")


def test_bad_quantization_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run([*ALIGNER, "models", "convert", str(TINY_MODEL), "--quantization", "int3", "-o",
                           str(tmp_path / "x")], env=cli_env(), capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2 and "unknown quantization 'int3'" in proc.stderr and not (tmp_path / "x").exists()


def test_the_default_engine_is_ctranslate2_and_never_imports_torch(tmp_path: Path) -> None:
    story = tmp_path / "s.txt"
    story.write_text("\n\n".join(sources()[:4]) + "\n", encoding="utf-8")
    # warm the conversion cache first: converting a transformers checkpoint does load it with torch
    subprocess.run(
        [*ALIGNER, "translate", str(story), "--model", str(TINY_MODEL), "--quiet"], env=cli_env(), check=True
    )
    probe = (
        "import sys, runpy; sys.argv = ['aligner', 'translate', sys.argv[1], '--model', sys.argv[2]];\n"
        "try:\n    runpy.run_module('aligner.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('loaded:', sorted(m for m in ('torch', 'transformers') if m in sys.modules), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", probe, str(story), str(TINY_MODEL)], env=cli_env(),
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "loaded: []" in proc.stderr
    assert proc.stdout.count("\n\n") == 3 and "Thank you." in proc.stdout
    # the throughput line: sentences and pieces generated
    assert "aligner: 4 sentences, " in proc.stderr and " pieces/s)" in proc.stderr


def test_replicas_follow_threads_and_batches_follow_the_beam() -> None:
    from aligner.fast import CTranslate2Translator

    greedy = CTranslate2Translator(str(TINY_MODEL), beam=1, threads=2)
    beam4 = CTranslate2Translator(str(TINY_MODEL), beam=4, threads=1, batch_tokens=100)
    assert greedy.replicas == 2 and beam4.replicas == 1
    assert (greedy.batch_size, greedy.batch_tokens) == (32, 1024)
    assert (beam4.batch_size, beam4.batch_tokens) == (8, 100)
    texts = sources()[:40]
    assert greedy.translate(texts) == CTranslate2Translator(str(TINY_MODEL), beam=1, threads=1).translate(texts)
