"""The CTranslate2 engine: the same Marian checkpoint, converted once, run by CTranslate2.

``convert(folder, out, quantization)`` turns a Marian checkpoint (Helsinki-NLP layout) into a
CTranslate2 model folder and copies the tokenizer files beside it, so the folder is
self-contained. ``CTranslate2Translator`` is ``MarianTranslator`` with generation done by
``ctranslate2.Translator.translate_batch``: same normalisation, splitting of over-long sentences,
length-sorted batches, caps, ``<unk>`` accounting and typography. A hub id or transformers folder
is converted on first use into ``$ALIGNER_CACHE/ct2/`` (default ``~/.cache/aligner``), keyed by the
model, its revision (for folders: a hash of the weights) and the quantization.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import ModelError
from .models import DEFAULT_MODEL, ResolvedModel, check_model_dir, resolve_model
from .translate import MarianTranslator

TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json", "special_tokens_map.json")
QUANTIZATIONS = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32")


def _ctranslate2() -> Any:
    try:
        import ctranslate2
    except ImportError:
        raise ModelError(
            "the ctranslate2 engine needs the ctranslate2 package: pip install ctranslate2 (or use "
            "--engine transformers)"
        ) from None
    return ctranslate2


def is_ct2_dir(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "source.spm").is_file()


def convert(folder: str | Path, out: str | Path, quantization: str = "int8") -> Path:
    """Convert the Marian checkpoint in ``folder`` to a CTranslate2 folder ``out`` (written whole or not at all)."""
    if quantization not in QUANTIZATIONS:
        raise ModelError(f"unknown quantization {quantization!r}; choose from {', '.join(QUANTIZATIONS)}")
    src = Path(folder)
    check_model_dir(src)
    ct2 = _ctranslate2()
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        staged = tmp / "model"
        ct2.converters.TransformersConverter(str(src)).convert(str(staged), quantization=quantization, force=True)
        for name in TOKENIZER_FILES:
            if (src / name).is_file():
                shutil.copy2(src / name, staged / name)
        shutil.copy2(src / "config.json", staged / "hf_config.json")  # ct2 writes its own config.json
        if (src / "generation_config.json").is_file():
            shutil.copy2(src / "generation_config.json", staged / "hf_generation_config.json")
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"cannot convert {src} to CTranslate2: {str(exc).splitlines()[0]}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _cache_root() -> Path:
    return Path(os.environ.get("ALIGNER_CACHE", "~/.cache/aligner")).expanduser() / "ct2"


def _weights_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for name in ("model.safetensors", "pytorch_model.bin", "config.json"):
        if (folder / name).is_file():
            with open(folder / name, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:16]


def cached_conversion(resolved: ResolvedModel, quantization: str) -> Path:
    """The CTranslate2 folder for a resolved transformers checkpoint, converting it on first use."""
    key = resolved.revision if resolved.revision not in ("local", "file") else _weights_hash(resolved.path)
    name = resolved.model_id.strip("/").replace("/", "--").replace("..", "_").lstrip(".") or "model"
    target = _cache_root() / f"{name}-{key}-{quantization}"
    if not is_ct2_dir(target):
        convert(resolved.path, target, quantization)
    return target


class CTranslate2Translator(MarianTranslator):
    """A Marian model run by CTranslate2. ``compute_type``: CTranslate2's (default int8 on CPU, the model's
    own weights' type with ``default``); ``model`` may also be a folder written by ``aligner models convert``."""

    engine = "ctranslate2"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        compute_type: str = "int8",
        quantization: str | None = None,
        threads: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.compute_type = compute_type
        self.quantization = quantization or ("float32" if compute_type == "float32" else "int8")
        self.ct2_threads = threads or 0  # 0: CTranslate2 picks (all cores)
        super().__init__(model, threads=threads, **kwargs)

    def _resolve(self, model: str, revision: str) -> ResolvedModel:
        path = Path(model).expanduser()
        if is_ct2_dir(path):
            return ResolvedModel(path.resolve(), model, "local")
        return resolve_model(model, revision=revision)

    def _load_model(self, path: str, device: str) -> None:
        ct2 = _ctranslate2()
        folder = Path(path)
        self.ct2_dir = folder if is_ct2_dir(folder) else cached_conversion(self.resolved, self.quantization)
        try:
            self.ct2 = ct2.Translator(
                str(self.ct2_dir),
                device=device,
                compute_type=self.compute_type,
                inter_threads=1,
                intra_threads=self.ct2_threads,
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"cannot load the CTranslate2 model in {self.ct2_dir}: {exc}") from None

    def _limits(self) -> tuple[int, int | None]:
        import json

        folder = self.ct2_dir
        config = json.loads((folder / "hf_config.json").read_text(encoding="utf-8"))
        gen_path = folder / "hf_generation_config.json"
        gen = json.loads(gen_path.read_text(encoding="utf-8")) if gen_path.is_file() else {}
        return int(config["max_position_embeddings"]), gen.get("max_length")

    @property
    def signature(self) -> Mapping[str, str]:
        return {**super().signature, "compute_type": self.compute_type}

    def _generate(
        self, units: Sequence[str], finished: Callable[[Sequence[int]], None]
    ) -> tuple[list[str], list[bool]]:
        tokenized = [self.tokenizer.convert_ids_to_tokens(self.tokenizer(u)["input_ids"]) for u in units]
        order = sorted(range(len(units)), key=lambda i: len(tokenized[i]), reverse=True)
        outputs: list[str] = [""] * len(units)
        limited: list[bool] = [False] * len(units)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            batch = [tokenized[i] for i in idx]
            longest = max(len(t) for t in batch)
            # transformers' max_length counts the decoder start token; CTranslate2 counts generated tokens
            cap = min(self.max_output_tokens, 2 * longest + 16) - 1
            results = self.ct2.translate_batch(
                batch, beam_size=self.beam, max_batch_size=len(batch), max_decoding_length=cap
            )
            for row, i in enumerate(idx):
                hyp = results[row].hypotheses[0]
                limited[i] = len(hyp) >= cap
                outputs[i] = self.tokenizer.convert_tokens_to_string(hyp)
            finished(idx)
        return outputs, limited
