"""The CTranslate2 engine on the project's tiny Marian checkpoint: exact greedy parity in float32, a small,
measured drift in int8 and with the vocabulary shortlist, conversion by the CLI, a conversion cache, and a
process that never imports torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aligner.translation import make_translator, texts_of
from aligner.translation.backends import CTranslate2Backend
from aligner.translation.frontend import MarianTranslator
from conftest import ALIGNER, TINY_MODEL, cli_env

ctranslate2 = pytest.importorskip("ctranslate2")


def engine(name: str, **options: Any) -> MarianTranslator:
    """The tiny model on engine ``name`` with ``make_translator``'s ``options``."""
    translator = make_translator(name, model=str(TINY_MODEL), **options)
    assert isinstance(translator, MarianTranslator)
    return translator


def ct2(translator: MarianTranslator) -> CTranslate2Backend:
    assert isinstance(translator.backend, CTranslate2Backend)
    return translator.backend


def sources() -> list[str]:
    return (TINY_MODEL / "train.fr").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def reference_outputs() -> list[str]:
    return texts_of(engine("transformers", beam=1, typography=False).translate(sources()))


def test_float32_greedy_is_token_identical_to_transformers(reference_outputs: list[str]) -> None:
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    ct = engine("ctranslate2", beam=1, typography=False, compute_type="float32", shortlist=False)
    assert texts_of(ct.translate(sources())) == reference_outputs  # every one of the 308 training sentences
    # token level, against transformers' own tokenizer and generate (not our transformers backend)
    tokenizer = MarianTokenizer.from_pretrained(str(TINY_MODEL), local_files_only=True)
    model = MarianMTModel.from_pretrained(str(TINY_MODEL), local_files_only=True).eval()
    batch = sources()[:40]
    enc = tokenizer(batch, return_tensors="pt", padding=True)
    with torch.inference_mode():
        ids = model.generate(**enc, num_beams=1, do_sample=False, max_length=128)
    special = {tokenizer.pad_token_id, tokenizer.eos_token_id}
    hf_tokens = [tokenizer.convert_ids_to_tokens([i for i in row.tolist() if i not in special]) for row in ids]
    ct_in = [ct.pieces.encode(s) for s in batch]  # aligner's pieces, as the engine tokenizes
    ct_tokens = [r.hypotheses[0] for r in ct2(ct).model.translate_batch(ct_in, beam_size=1, max_decoding_length=127)]
    assert ct_tokens == hf_tokens
    sig = ct.signature
    assert (sig.engine, sig.compute_type, sig.shortlist) == ("ctranslate2", "float32", "off")
    assert sig.engine_version == ctranslate2.__version__


@pytest.mark.parametrize(
    ("compute_type", "shortlist"),
    [("int8", False), ("float32", True), ("int8", True)],
    ids=["int8", "shortlist", "both"],
)
def test_int8_and_shortlist_change_few_outputs(
    reference_outputs: list[str], compute_type: str, shortlist: bool
) -> None:
    import sacrebleu

    ct = engine("ctranslate2", beam=1, typography=False, compute_type=compute_type, shortlist=shortlist)
    assert ct2(ct).use_vmap == shortlist and (ct2(ct).folder / "vmap.txt").is_file()
    out = texts_of(ct.translate(sources()))
    changed = sum(a != b for a, b in zip(out, reference_outputs))
    refs = (TINY_MODEL / "train.en").read_text(encoding="utf-8").splitlines()
    drop = sacrebleu.corpus_bleu(reference_outputs, [refs]).score - sacrebleu.corpus_bleu(out, [refs]).score
    print(f"{compute_type}, shortlist {shortlist}: {changed}/{len(out)} outputs differ from fp32 transformers; "
          f"BLEU drop {drop:.2f}")  # fmt: skip
    assert changed <= 0.05 * len(out) and drop < 1.0


def test_shortlist_rules_come_from_the_lexicon() -> None:
    from aligner.alignment.lexicon import Lexicon
    from aligner.translation.pieces import MarianPieces
    from aligner.translation.shortlist import vmap_lines

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
    monkeypatch.setenv("ALIGNER_CACHE", str(tmp_path))
    first = ct2(engine("ctranslate2", beam=1)).folder
    stamp = (first / "model.bin").stat().st_mtime_ns
    second = ct2(engine("ctranslate2", beam=1)).folder
    assert second == first and (second / "model.bin").stat().st_mtime_ns == stamp
    assert first.parent == tmp_path / "ct2" and first.name.endswith("-int8")


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
    greedy = engine("ctranslate2", beam=1, threads=2)
    beam4 = engine("ctranslate2", beam=4, threads=1, batch_tokens=100)
    assert ct2(greedy).replicas == 2 and ct2(beam4).replicas == 1
    assert (greedy.batch_size, greedy.batch_tokens) == (32, 1024)
    assert (beam4.batch_size, beam4.batch_tokens) == (8, 100)
    texts = sources()[:40]
    assert greedy.translate(texts) == engine("ctranslate2", beam=1, threads=1).translate(texts)
