"""The CTranslate2 engine on the project's tiny Marian checkpoint: exact greedy parity in float32, a small,
measured drift in int8, conversion by the CLI and a conversion cache."""

from __future__ import annotations

import subprocess
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

    ct = CTranslate2Translator(str(TINY_MODEL), beam=1, typography=False, compute_type="float32")
    assert ct.translate(sources()) == reference_outputs  # every one of the 308 training sentences
    # token level, on the raw engines
    hf = MarianTranslator(str(TINY_MODEL), beam=1, typography=False)
    batch = sources()[:40]
    enc = hf.tokenizer(batch, return_tensors="pt", padding=True)
    with torch.inference_mode():
        ids = hf.model.generate(**enc, num_beams=1, do_sample=False, max_length=128)
    special = {hf.tokenizer.pad_token_id, hf.tokenizer.eos_token_id}
    hf_tokens = [hf.tokenizer.convert_ids_to_tokens([i for i in row.tolist() if i not in special]) for row in ids]
    ct_in = [hf.tokenizer.convert_ids_to_tokens(hf.tokenizer(s)["input_ids"]) for s in batch]
    ct_tokens = [r.hypotheses[0] for r in ct.ct2.translate_batch(ct_in, beam_size=1, max_decoding_length=127)]
    assert ct_tokens == hf_tokens
    assert ct.signature["engine"] == "ctranslate2" and ct.signature["compute_type"] == "float32"


def test_int8_changes_few_outputs(reference_outputs: list[str]) -> None:
    import sacrebleu

    from aligner.fast import CTranslate2Translator

    ct = CTranslate2Translator(str(TINY_MODEL), beam=1, typography=False, compute_type="int8")
    out = ct.translate(sources())
    changed = sum(a != b for a, b in zip(out, reference_outputs))
    refs = (TINY_MODEL / "train.en").read_text(encoding="utf-8").splitlines()
    drop = sacrebleu.corpus_bleu(reference_outputs, [refs]).score - sacrebleu.corpus_bleu(out, [refs]).score
    print(f"int8: {changed}/{len(out)} outputs differ from fp32 transformers; BLEU drop {drop:.2f}")
    assert changed <= 0.05 * len(out) and drop < 1.0


def test_convert_command_and_translate_with_the_converted_folder(tmp_path: Path) -> None:
    story = tmp_path / "s.txt"
    story.write_text("\n\n".join(sources()[:6]) + "\n", encoding="utf-8")
    out = tmp_path / "ct2"
    conv = subprocess.run([*ALIGNER, "models", "convert", str(TINY_MODEL), "--quantization", "float32", "-o", str(out)],
                          env=cli_env(), capture_output=True, text=True)  # fmt: skip
    assert conv.returncode == 0, conv.stderr
    assert (out / "model.bin").is_file() and (out / "source.spm").is_file() and (out / "hf_config.json").is_file()
    common = ["translate", str(story), "--beam", "1", "--quiet"]
    base = subprocess.run(
        [*ALIGNER, *common, "--model", str(TINY_MODEL)], env=cli_env(), capture_output=True, text=True
    )
    fast = subprocess.run([*ALIGNER, *common, "--model", str(out), "--engine", "ctranslate2", "--compute-type",
                           "float32"], env=cli_env(), capture_output=True, text=True)  # fmt: skip
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
