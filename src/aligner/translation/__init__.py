"""Translation: French sentences in, ``Translation``s out, behind one protocol (``Translator``).

``make_translator`` is the one way to build a translator, for the CLI, batch jobs, scripts and tests:

- ``engine="ctranslate2"`` (the default, ``"auto"``, when ctranslate2 is installed) or
  ``"transformers"``: a MarianMT model (hub id or folder) through the Marian front end
  (``frontend.MarianTranslator``) over a generation backend (``backends``);
- ``translations=PATH``: existing translations (``memory.FileTranslator``), to review another
  system's output.

torch and transformers are imported only when a transformers backend is built (or a checkpoint is
converted for CTranslate2), never at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ModelError
from .base import ProgressFn, Translation, Translator, texts_of
from .memory import TranslationMemory
from .models import DEFAULT_MODEL, DEFAULT_REVISION, ResolvedModel, resolve_model

if TYPE_CHECKING:
    from ..terms import Glossary

ENGINES = ("auto", "ctranslate2", "transformers")

__all__ = ["DEFAULT_MODEL", "ENGINES", "Translation", "Translator", "make_translator", "resolve_engine", "texts_of"]


def resolve_engine(engine: str) -> str:
    """``auto`` → ``ctranslate2`` when it is installed, else ``transformers``."""
    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return "transformers"
    return "ctranslate2"


def make_translator(
    engine: str = "auto",
    *,
    model: str = DEFAULT_MODEL,
    revision: str = DEFAULT_REVISION,
    beam: int = 4,
    batch_size: int | None = None,
    batch_tokens: int | None = None,
    compute_type: str = "auto",
    device: str = "auto",
    threads: int | None = None,
    shortlist: bool = True,
    normalize: bool = True,
    typography: bool = True,
    max_input_tokens: int | None = None,
    max_new_tokens: int | None = None,
    progress: ProgressFn | None = None,
    translations: str | Path | None = None,
    sources: Sequence[str] | None = None,
    memory: str | Path | TranslationMemory | None = None,
    glossary: Glossary | None = None,
) -> Translator:
    """A translator. With ``translations``, existing translations (JSONL records ``{"source", "translation"}``,
    or, given the story's ``sources``, a text file with one line per source sentence); otherwise the MarianMT
    ``model`` (hub id, transformers folder or CTranslate2 folder) on ``engine``. With ``memory`` (a review database
    or a TMX file), exact matches come from the memory and only the rest from the translator. With ``glossary``, the
    model's output obeys it (a sentence breaking it is decoded again with the terms forced; the others are
    unchanged), existing translations are only checked against it, and the signature names it. Every other option
    maps to a CLI flag of the same name; ``threads``: CPU cores; ``shortlist``: CTranslate2's vocabulary shortlist."""
    from .base import GlossaryChecked
    from .memory import MemoryTranslator, open_translations

    # a bad file fails before any model loads; a memory already read (a batch's snapshot) is used as it is
    tm = TranslationMemory.open(memory) if isinstance(memory, (str, Path)) else memory
    if translations is not None:
        translator: Translator = open_translations(translations, sources)
        if glossary is not None:
            translator = GlossaryChecked(translator, glossary)
    else:
        translator = _marian(
            engine,
            model=model,
            revision=revision,
            beam=beam,
            batch_size=batch_size,
            batch_tokens=batch_tokens,
            compute_type=compute_type,
            device=device,
            threads=threads,
            shortlist=shortlist,
            normalize=normalize,
            typography=typography,
            max_input_tokens=max_input_tokens,
            max_new_tokens=max_new_tokens,
            progress=progress,
            glossary=glossary,
        )
    return MemoryTranslator(translator, tm) if tm is not None else translator


def _quantization(compute_type: str) -> str:
    """The weights a CTranslate2 conversion stores: float32 for exact float32 runs, int8 for every other type."""
    return "float32" if compute_type == "float32" else "int8"


def prepare(
    *,
    engine: str = "auto",
    model: str = DEFAULT_MODEL,
    revision: str = DEFAULT_REVISION,
    compute_type: str = "auto",
    translations: str | Path | None = None,
    **_: object,
) -> None:
    """Do once, before many processes each make the same translator: resolve the model (download it if needed)
    and convert it for CTranslate2, so that workers only load it."""
    if translations is not None:
        return
    if resolve_engine(engine) == "ctranslate2":
        from .convert import cached_conversion, is_ct2_dir

        if not is_ct2_dir(Path(model).expanduser()):
            cached_conversion(resolve_model(model, revision=revision), _quantization(compute_type))
    else:
        resolve_model(model, revision=revision)


def _marian(
    engine: str,
    *,
    model: str,
    revision: str,
    beam: int,
    batch_size: int | None,
    batch_tokens: int | None,
    compute_type: str,
    device: str,
    threads: int | None,
    shortlist: bool,
    normalize: bool,
    typography: bool,
    max_input_tokens: int | None,
    max_new_tokens: int | None,
    progress: ProgressFn | None,
    glossary: Glossary | None = None,
) -> Translator:
    from .frontend import Backend, MarianTranslator, check_settings
    from .pieces import MarianPieces

    check_settings(beam=beam, batch_size=batch_size, batch_tokens=batch_tokens, max_new_tokens=max_new_tokens)
    if device not in ("auto", "cpu", "cuda"):
        raise ModelError(f"device must be auto, cpu or cuda, got {device!r}")
    engine = resolve_engine(engine)
    if engine == "ctranslate2":
        from .backends import CTranslate2Backend
        from .convert import cached_conversion, is_ct2_dir

        folder = Path(model).expanduser()
        if is_ct2_dir(folder):
            resolved = ResolvedModel(folder.resolve(), model, "local")
            ct2_dir = resolved.path
        else:
            resolved = resolve_model(model, revision=revision)
            ct2_dir = cached_conversion(resolved, _quantization(compute_type))
        pieces = MarianPieces(ct2_dir)
        backend: Backend = CTranslate2Backend(
            ct2_dir, compute_type=compute_type, device=device, threads=threads, shortlist=shortlist
        )
    else:
        from .backends import TransformersBackend

        resolved = resolve_model(model, revision=revision)
        pieces = MarianPieces(resolved.path)
        backend = TransformersBackend(resolved.path, pieces, compute_type=compute_type, device=device, threads=threads)
    return MarianTranslator(
        backend,
        pieces,
        resolved,
        beam=beam,
        batch_size=batch_size,
        batch_tokens=batch_tokens,
        normalize=normalize,
        typography=typography,
        max_input_tokens=max_input_tokens,
        max_new_tokens=max_new_tokens,
        progress=progress,
        glossary=glossary,
    )
