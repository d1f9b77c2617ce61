"""The CTranslate2 engine: the same Marian checkpoint, converted once, run by CTranslate2.

``convert(folder, out, quantization)`` turns a Marian checkpoint (Helsinki-NLP layout) into a
CTranslate2 model folder and copies the tokenizer files beside it, so the folder is
self-contained. ``CTranslate2Translator`` is ``MarianTranslator`` with generation done by
``ctranslate2.Translator.translate_batch``: same normalisation, splitting of over-long sentences,
length-sorted batches, caps, ``<unk>`` accounting and typography; tokenization by
``aligner.pieces`` (no torch or transformers in the process once the model is converted), a
vocabulary shortlist from the lexicon (``aligner.shortlist``), one one-thread replica per core.
A hub id or transformers folder is converted on first use into ``$ALIGNER_CACHE/ct2/`` (default
``~/.cache/aligner``), keyed by the model, its revision (for folders: a hash of the weights) and
the quantization.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import ModelError
from .models import DEFAULT_MODEL, ResolvedModel, check_model_dir, resolve_model
from .translate import MarianTranslator, plan_batches

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


def write_vmap(folder: Path) -> bool:
    """Write the lexicon shortlist ``vmap.txt`` into a CTranslate2 folder; False when there is no lexicon."""
    from .lexicon import DEFAULT_LEXICON, Lexicon
    from .pieces import MarianPieces
    from .shortlist import DEFAULT_FREQUENT, vmap_lines

    if not DEFAULT_LEXICON.is_file() or not DEFAULT_FREQUENT.is_file():
        return False
    frequent = DEFAULT_FREQUENT.read_text(encoding="utf-8").split()
    lines = vmap_lines(MarianPieces(folder), Lexicon.load(DEFAULT_LEXICON), frequent)
    tmp = folder / ".vmap.txt.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(folder / "vmap.txt")
    return True


def convert(folder: str | Path, out: str | Path, quantization: str = "int8", *, shortlist: bool = True) -> Path:
    """Convert the Marian checkpoint in ``folder`` to a CTranslate2 folder ``out`` (written whole or not at all),
    with the lexicon shortlist ``vmap.txt`` unless ``shortlist`` is False."""
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
        if shortlist:
            write_vmap(staged)
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
    """A hash of the checkpoint's weights and config, remembered per (path, size, mtime) in the cache."""
    files = [folder / n for n in ("model.safetensors", "pytorch_model.bin", "config.json") if (folder / n).is_file()]
    stamp = "|".join(f"{f.resolve()}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
    memo = _cache_root() / "hashes" / hashlib.sha256(stamp.encode()).hexdigest()[:32]
    if memo.is_file():
        return memo.read_text(encoding="utf-8").strip()
    h = hashlib.sha256()
    for f in files:
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    digest = h.hexdigest()[:16]
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_name(memo.name + ".tmp")
    tmp.write_text(digest + "\n", encoding="utf-8")
    tmp.replace(memo)
    return digest


def cached_conversion(resolved: ResolvedModel, quantization: str) -> Path:
    """The CTranslate2 folder for a resolved transformers checkpoint, converting it on first use."""
    key = resolved.revision if resolved.revision not in ("local", "file") else _weights_hash(resolved.path)
    name = resolved.model_id.strip("/").replace("/", "--").replace("..", "_").lstrip(".") or "model"
    target = _cache_root() / f"{name}-{key}-{quantization}"
    if not is_ct2_dir(target):
        convert(resolved.path, target, quantization)
    elif not (target / "vmap.txt").is_file():
        write_vmap(target)  # converted by an older aligner
    return target


class CTranslate2Translator(MarianTranslator):
    """A Marian model run by CTranslate2, without torch or transformers in the process.

    ``compute_type``: CTranslate2's; ``auto`` is int8 on CPU and int8_float16 on CUDA.
    ``threads``: CPU cores to use (default: all); they run as that many one-thread replicas, each
    decoding its own batch (on 2 cores that beat one two-thread replica, eval/speed/results.md).
    ``shortlist``: restrict the output layer to the batch's candidate pieces (``aligner.shortlist``),
    when the model folder has a ``vmap.txt``; ``aligner models convert`` and the conversion cache
    write one. ``model`` may be a hub id, a transformers folder or a folder from ``models convert``.
    """

    engine = "ctranslate2"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        compute_type: str = "auto",
        quantization: str | None = None,
        shortlist: bool = True,
        **kwargs: Any,
    ) -> None:
        self.quantization = quantization or ("float32" if compute_type == "float32" else "int8")
        self.shortlist = shortlist
        super().__init__(model, compute_type=compute_type, **kwargs)

    def _batching(self, beam: int, batch_size: int | None, batch_tokens: int | None) -> tuple[int, int | None]:
        """Defaults scale with the beam, which multiplies the rows decoded: beam 4 → 8 sentences and 256
        padded tokens per batch (a replica per core stays under 400 MB), greedy → 32 and 1,024."""
        size = max(8, 32 // beam) if batch_size is None else batch_size
        return size, (max(64, 1024 // beam) if batch_tokens is None else batch_tokens)

    def _resolve(self, model: str, revision: str) -> ResolvedModel:
        path = Path(model).expanduser()
        if is_ct2_dir(path):
            return ResolvedModel(path.resolve(), model, "local")
        return resolve_model(model, revision=revision)

    def _load_model(self, path: str, device: str) -> str:
        ct2 = _ctranslate2()
        gpus = ct2.get_cuda_device_count()
        if device == "auto":
            device = "cuda" if gpus > 0 else "cpu"
        elif device == "cuda" and gpus == 0:
            raise ModelError("--device cuda was asked for but CTranslate2 sees no CUDA device; use --device cpu")
        if self.compute_type == "auto":
            self.compute_type = "int8" if device == "cpu" else "int8_float16"
        folder = Path(path)
        self.ct2_dir = folder if is_ct2_dir(folder) else cached_conversion(self.resolved, self.quantization)
        self.use_vmap = self.shortlist and (self.ct2_dir / "vmap.txt").is_file()
        cores = self.threads or os.cpu_count() or 1
        self.replicas = cores if device == "cpu" else 1
        try:
            self.ct2 = ct2.Translator(
                str(self.ct2_dir),
                device=device,
                compute_type=self.compute_type,
                inter_threads=self.replicas,
                intra_threads=1 if device == "cpu" else 0,
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"cannot load the CTranslate2 model in {self.ct2_dir}: {exc}") from None
        return device

    def _limits(self) -> tuple[int, int | None]:
        folder = self.ct2_dir
        config = json.loads((folder / "hf_config.json").read_text(encoding="utf-8"))
        gen_path = folder / "hf_generation_config.json"
        gen = json.loads(gen_path.read_text(encoding="utf-8")) if gen_path.is_file() else {}
        return int(config["max_position_embeddings"]), gen.get("max_length")

    @property
    def signature(self) -> Mapping[str, str]:
        return {
            **super().signature,
            "compute_type": self.compute_type,
            "shortlist": "lexicon-vmap" if self.use_vmap else "none",
        }

    def _generate(
        self, units: Sequence[str], finished: Callable[[Sequence[int]], None]
    ) -> tuple[list[str], list[bool]]:
        tokenized = [self.pieces.encode(u) for u in units]
        outputs: list[str] = [""] * len(units)
        limited: list[bool] = [False] * len(units)
        pending = []
        for idx in plan_batches([len(t) for t in tokenized], self.batch_size, self.batch_tokens):
            # transformers' max_length counts the decoder start token; CTranslate2 counts generated tokens
            cap = min(self.max_output_tokens, 2 * len(tokenized[idx[0]]) + 16) - 1
            job = self.ct2.translate_batch(
                [tokenized[i] for i in idx],
                beam_size=self.beam,
                max_batch_size=0,
                max_decoding_length=cap,
                use_vmap=self.use_vmap,
                asynchronous=True,  # every replica takes the next batch as soon as it is free
            )
            pending.append((idx, cap, job))
        for idx, cap, job in pending:
            for row, i in enumerate(idx):
                hyp = job[row].result().hypotheses[0]
                limited[i] = len(hyp) >= cap
                outputs[i] = self.pieces.decode(hyp)
                self.generated += len(hyp)
            finished(idx)
        return outputs, limited
