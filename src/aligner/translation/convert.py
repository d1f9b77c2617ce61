"""Converting a Marian checkpoint for CTranslate2, once, and caching the result.

``convert(folder, out, quantization)`` turns a Marian checkpoint (Helsinki-NLP layout) into a
CTranslate2 model folder and copies the tokenizer files beside it, so the folder is self-contained,
with the lexicon shortlist ``vmap.txt`` (``aligner.translation.shortlist``). A hub id or
transformers folder is converted on first use into ``$ALIGNER_CACHE/ct2/`` (default
``~/.cache/aligner``), keyed by the model, its revision (for folders: a hash of the weights) and the
quantization (``cached_conversion``).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..files import atomic_directory, write_atomic
from .models import ResolvedModel, check_model_dir

TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json", "special_tokens_map.json")
QUANTIZATIONS = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32")


def ctranslate2_module() -> Any:
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


SHORTLIST_RULES = 2  # bump when vmap_lines changes: cached conversions then get their vmap.txt rebuilt


def _shortlist_stamp() -> str | None:
    """What a ``vmap.txt`` was built from (the rules' version, the lexicon's and word list's sha256); None when the
    package has no lexicon."""
    from ..alignment.lexicon import default_lexicon_path
    from .shortlist import frequent_words_path

    lexicon, frequent = default_lexicon_path(), frequent_words_path()
    if not lexicon.is_file() or not frequent.is_file():
        return None
    digest = hashlib.sha256(lexicon.read_bytes() + frequent.read_bytes()).hexdigest()[:16]
    return f"rules {SHORTLIST_RULES}, data {digest}\n"


def write_vmap(folder: Path) -> bool:
    """Write the lexicon shortlist ``vmap.txt`` (and ``vmap.stamp``, what it was built from) into a CTranslate2
    folder; False when there is no lexicon."""
    from ..alignment.lexicon import Lexicon, default_lexicon_path
    from .pieces import MarianPieces
    from .shortlist import frequent_words_path, vmap_lines

    stamp = _shortlist_stamp()
    if stamp is None:
        return False
    words = frequent_words_path().read_text(encoding="utf-8").split()
    lines = vmap_lines(MarianPieces(folder), Lexicon.load(default_lexicon_path()), words)
    write_atomic(folder / "vmap.txt", "\n".join(lines) + "\n")
    write_atomic(folder / "vmap.stamp", stamp)
    return True


def vmap_is_current(folder: Path) -> bool:
    stamp = folder / "vmap.stamp"
    return (
        (folder / "vmap.txt").is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == _shortlist_stamp()
    )


def convert(folder: str | Path, out: str | Path, quantization: str = "int8", *, shortlist: bool = True) -> Path:
    """Convert the Marian checkpoint in ``folder`` to a CTranslate2 folder ``out`` (written whole or not at all),
    with the lexicon shortlist ``vmap.txt`` unless ``shortlist`` is False."""
    if quantization not in QUANTIZATIONS:
        raise ModelError(f"unknown quantization {quantization!r}; choose from {', '.join(QUANTIZATIONS)}")
    src = Path(folder)
    check_model_dir(src)
    ct2 = ctranslate2_module()
    target = Path(out)
    try:
        _quiet_transformers()
        with atomic_directory(target) as staged:
            ct2.converters.TransformersConverter(str(src)).convert(str(staged), quantization=quantization, force=True)
            for name in TOKENIZER_FILES:
                if (src / name).is_file():
                    shutil.copy2(src / name, staged / name)
            shutil.copy2(src / "config.json", staged / "hf_config.json")  # ct2 writes its own config.json
            if (src / "generation_config.json").is_file():
                shutil.copy2(src / "generation_config.json", staged / "hf_generation_config.json")
            if shortlist:
                write_vmap(staged)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"cannot convert {src} to CTranslate2: {str(exc).splitlines()[0]}") from None
    return target


def _cache_root() -> Path:
    from ..files import cache_dir

    return cache_dir("ct2")


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
    write_atomic(memo, digest + "\n")
    return digest


def cached_conversion(resolved: ResolvedModel, quantization: str) -> Path:
    """The CTranslate2 folder for a resolved transformers checkpoint, converting it on first use."""
    key = resolved.revision if resolved.revision not in ("local", "file") else _weights_hash(resolved.path)
    name = resolved.model_id.strip("/").replace("/", "--").replace("..", "_").lstrip(".") or "model"
    target = _cache_root() / f"{name}-{key}-{quantization}"
    if not is_ct2_dir(target):
        convert(resolved.path, target, quantization)
    elif not vmap_is_current(target):
        write_vmap(target)  # converted by an older aligner, or the lexicon changed
    return target


def _quiet_transformers() -> None:
    """The converter loads the checkpoint with transformers: no weight-loading bar on stderr (progress is the
    CLI's job)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
