"""Translation behind one small protocol.

``Translator.translate(texts) -> list[str]`` is all the pipeline needs. Engines:

- ``MarianTranslator``: ``MarianTokenizer`` + ``MarianMTModel.generate`` (transformers 5 has no
  "translation" pipeline), length-sorted batches, no truncation, ``<unk>`` accounting.
- ``FileTranslator``: existing translations looked up by source sentence, to review any other
  system's output (and to drive tests of everything after translation with real MT).
- ``MemoTranslator``: a translation memory in front of any engine; a sentence is never translated
  twice in a run.

torch and transformers are imported when a ``MarianTranslator`` is built, never at import time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import InputError, ModelError
from .models import DEFAULT_MODEL, DEFAULT_REVISION, resolve_model
from .pieces import MarianPieces
from .typography import english_typography, normalize_source


@dataclass(frozen=True)
class Translation:
    """One sentence's translation and what the engine noticed while making it."""

    text: str
    unk: tuple[str, ...] = ()  # source pieces the vocabulary lacks (decoding drops them silently)
    chunks: int = 1  # >1: the sentence was longer than the model's limit and split at clauses
    hit_length_limit: bool = False  # generation stopped at the length cap, not at </s>


@runtime_checkable
class Translator(Protocol):
    """Anything that turns French sentences into English ones, in order, one output per input."""

    def translate(self, texts: Sequence[str]) -> list[str]: ...

    @property
    def signature(self) -> Mapping[str, str]: ...


def translate_detailed(translator: Translator, texts: Sequence[str]) -> list[Translation]:
    """``Translation`` records from any translator (engines without details get plain ones)."""
    detailed = getattr(translator, "translate_detailed", None)
    if callable(detailed):
        result: list[Translation] = detailed(texts)
        return result
    return [Translation(t) for t in translator.translate(texts)]


ProgressFn = Callable[[int], None]  # called with the number of sentences just finished

_CLAUSE_BREAKS = re.compile(r"(?<=[;:,)»”])\s+|\s+(?=[—–(«“])|\s+(?=(?:et|mais|ou|donc|car|qui|que|dont|où)\s)")


def split_long(text: str, n_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Split ``text`` at clause boundaries until every piece has at most ``limit`` tokens.

    Splits at the clause boundary nearest the middle (after ; : , or before a dash, bracket,
    quote or conjunction), falling back to the space nearest the middle, then to characters.
    Joining the pieces with single spaces gives back ``text`` (whitespace folded).
    """
    if n_tokens(text) <= limit:
        return [text]
    middle = len(text) // 2
    cuts = [m.start() for m in _CLAUSE_BREAKS.finditer(text)] or [m.start() for m in re.finditer(r"\s+", text)]
    cuts = [c for c in cuts if 0 < c < len(text)]
    if cuts:
        cut = min(cuts, key=lambda c: abs(c - middle))
        left, right = text[:cut].strip(), text[cut:].strip()
    else:
        left, right = text[:middle], text[middle:]
    if not left or not right:
        left, right = text[:middle], text[middle:]
    return split_long(left, n_tokens, limit) + split_long(right, n_tokens, limit)


def plan_batches(lengths: Sequence[int], max_sentences: int, max_tokens: int | None = None) -> list[list[int]]:
    """Indices grouped into batches, longest first: a batch holds at most ``max_sentences`` and, when
    ``max_tokens`` is set, at most ``max_tokens`` padded tokens (longest × count; a longer sentence
    goes alone)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    batches: list[list[int]] = []
    for i in order:
        batch = batches[-1] if batches else None
        # the batch's first sentence is its longest: padded size = lengths[batch[0]] × (count + 1)
        if (
            batch is None
            or len(batch) >= max_sentences
            or (max_tokens is not None and lengths[batch[0]] * (len(batch) + 1) > max_tokens)
        ):
            batches.append([i])
        else:
            batch.append(i)
    return batches


class MarianTranslator:
    """A MarianMT model through transformers, from a hub id (revision pinned) or a local folder.

    ``beam``: beam size (1 = greedy). ``batch_size``: most sentences per ``generate`` call, taken in
    order of length (default 16); ``batch_tokens``: most padded source tokens per batch (default no
    limit). ``compute_type``: float32 (default), bfloat16 or int8 (torch dynamic quantisation, CPU).
    ``device``: "cpu", "cuda" or "auto". ``threads``: torch intra-op threads
    (None leaves torch's default). ``normalize``: Moses punctuation normalisation of the French,
    as OPUS-MT's training data had. ``typography``: English quotes and spacing in the output.
    """

    engine = "transformers"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        revision: str = DEFAULT_REVISION,
        beam: int = 4,
        batch_size: int | None = None,
        batch_tokens: int | None = None,
        compute_type: str = "auto",
        device: str = "auto",
        threads: int | None = None,
        normalize: bool = True,
        typography: bool = True,
        max_input_tokens: int | None = None,
        max_new_tokens: int | None = None,
        progress: ProgressFn | None = None,
    ) -> None:
        if beam < 1:
            raise ModelError(f"beam size must be at least 1, got {beam}")
        batch_size, batch_tokens = self._batching(beam, batch_size, batch_tokens)
        if batch_size < 1:
            raise ModelError(f"batch size must be at least 1, got {batch_size}")
        if batch_tokens is not None and batch_tokens < 1:
            raise ModelError(f"batch tokens must be at least 1, got {batch_tokens}")
        if device not in ("auto", "cpu", "cuda"):
            raise ModelError(f"device must be auto, cpu or cuda, got {device!r}")
        self.resolved = self._resolve(model, revision)
        path = str(self.resolved.path)
        self.pieces = MarianPieces(path)
        self.threads = threads
        self.compute_type = compute_type
        self.device = self._load_model(path, device)
        self.beam = beam
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.normalize = normalize
        self.typography = typography
        self.progress = progress
        positions, gen_limit = self._limits()
        limit = min(self.pieces.model_max_length, positions)
        self.max_input_tokens = (max_input_tokens or limit) - 1  # room for </s>
        self.max_output_tokens = min(int(gen_limit or limit), positions)  # counts the decoder start token
        if max_new_tokens is not None:
            if max_new_tokens < 1:
                raise ModelError(f"max new tokens must be at least 1, got {max_new_tokens}")
            self.max_output_tokens = min(self.max_output_tokens, max_new_tokens + 1)
        self.generated = 0  # target pieces generated so far (without </s>), for throughput reports

    def _batching(self, beam: int, batch_size: int | None, batch_tokens: int | None) -> tuple[int, int | None]:
        """Batch limits, the engine's defaults where not given: 16 sentences, no token limit."""
        return (16 if batch_size is None else batch_size), batch_tokens

    def _resolve(self, model: str, revision: str) -> Any:
        return resolve_model(model, revision=revision)

    def _load_model(self, path: str, device: str) -> str:
        """Load tokenizer and model; return the device actually used."""
        import torch
        from transformers import MarianMTModel, MarianTokenizer
        from transformers.utils import logging as hf_logging

        # generate() notices and the weight-loading bar: progress is the CLI's job
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        if self.threads is not None:
            torch.set_num_threads(self.threads)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        elif device == "cuda" and not torch.cuda.is_available():
            raise ModelError("--device cuda was asked for but torch sees no CUDA device; use --device cpu")
        try:
            self.tokenizer = MarianTokenizer.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load the tokenizer in {path}: {str(exc).splitlines()[0]}") from None
        try:
            loaded: Any = MarianMTModel.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load the model in {path}: {str(exc).splitlines()[0]}") from None
        model = loaded.to(device).eval()
        if self.compute_type in ("auto", "float32"):
            self.compute_type = "float32"
        elif self.compute_type == "int8" and device == "cpu":
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)  # type: ignore[no-untyped-call]
        elif self.compute_type == "bfloat16":
            model = model.to(torch.bfloat16)
        else:
            raise ModelError(
                f"the transformers engine runs float32, bfloat16 or (on CPU) int8, not {self.compute_type!r}"
            )
        self.model = model
        return device

    def _limits(self) -> tuple[int, int | None]:
        """(max_position_embeddings, generation max_length or None) of the checkpoint."""
        config = self.model.config
        return int(config.max_position_embeddings), getattr(self.model.generation_config, "max_length", None)

    @property
    def signature(self) -> Mapping[str, str]:
        return {
            "model": self.resolved.model_id,
            "revision": self.resolved.revision,
            "engine": self.engine,
            "beam": str(self.beam),
            "compute_type": self.compute_type,
            "normalize": "moses-fr" if self.normalize else "none",
            "typography": "english" if self.typography else "none",
        }

    def _n_tokens(self, text: str) -> int:
        return len(self.pieces.pieces(text))

    def translate(self, texts: Sequence[str]) -> list[str]:
        return [t.text for t in self.translate_detailed(texts)]

    def translate_detailed(self, texts: Sequence[str]) -> list[Translation]:
        """Translate sentences; output ``i`` is the translation of ``texts[i]``."""
        prepared = [normalize_source(t) if self.normalize else t.strip() for t in texts]
        unique = list(dict.fromkeys(p for p in prepared if p))
        # Split over-long sentences into units the model accepts; remember which unit is whose.
        units: list[str] = []
        owner: list[tuple[int, int]] = []  # (index in unique, chunk count)
        for u, text in enumerate(unique):
            parts = split_long(text, self._n_tokens, self.max_input_tokens)
            units.extend(parts)
            owner.extend((u, len(parts)) for _ in parts)
        left_of = dict(owner)  # chunks still to translate, per sentence

        def finished(unit_indices: Sequence[int]) -> None:
            if self.progress is None:
                return
            whole = 0
            for i in unit_indices:
                u = owner[i][0]
                left_of[u] -= 1
                whole += left_of[u] == 0
            self.progress(whole)

        outputs, limited = self._generate(units, finished)
        if self.progress is not None and len(prepared) > len(unique):
            self.progress(len(prepared) - len(unique))  # repeats and blanks cost nothing
        joined: dict[str, Translation] = {}
        pos = 0
        for text in unique:
            n = owner[pos][1] if pos < len(owner) else 1
            unk = tuple(p for p in self.pieces.pieces(text) if p not in self.pieces.vocab)
            out = " ".join(outputs[pos : pos + n]).strip()
            if self.typography:
                out = english_typography(out)
            joined[text] = Translation(out, unk, n, any(limited[pos : pos + n]))
            pos += n
        return [joined[p] if p else Translation("") for p in prepared]

    def _generate(
        self, units: Sequence[str], finished: Callable[[Sequence[int]], None]
    ) -> tuple[list[str], list[bool]]:
        import torch

        lengths = [self._n_tokens(u) + 1 for u in units]
        outputs: list[str] = [""] * len(units)
        limited: list[bool] = [False] * len(units)
        for idx in plan_batches(lengths, self.batch_size, self.batch_tokens):
            batch = [units[i] for i in idx]
            enc = self.tokenizer(batch, return_tensors="pt", padding=True).to(self.device)
            longest = int(enc["input_ids"].shape[1])
            # A translation runs to </s>; the cap only stops a degenerate loop (2× source + 16).
            cap = min(self.max_output_tokens, 2 * longest + 16)
            with torch.inference_mode():
                generated = self.model.generate(**enc, num_beams=self.beam, max_length=cap, do_sample=False)
            eos, pad = self.tokenizer.eos_token_id, self.tokenizer.pad_token_id
            for row, i in enumerate(idx):
                ids = generated[row].tolist()[1:]
                limited[i] = eos not in ids
                self.generated += sum(t not in (eos, pad) for t in ids)
            texts = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
            for row, i in enumerate(idx):
                outputs[i] = texts[row]
            finished(idx)
        return outputs, limited


class FileTranslator:
    """Existing translations, looked up by source sentence (exact text, then whitespace-folded).

    Build one from two line-parallel files (``from_parallel``), from JSONL records with
    ``source``/``translation`` keys (``from_jsonl``), or from a mapping.
    """

    engine = "file"

    def __init__(self, table: Mapping[str, str], *, name: str) -> None:
        self._table = dict(table)
        self._folded = {_fold(k): v for k, v in table.items()}
        self.name = name

    @property
    def signature(self) -> Mapping[str, str]:
        return {"model": self.name, "revision": "file", "engine": self.engine, "beam": "-", "normalize": "none"}

    def translate(self, texts: Sequence[str]) -> list[str]:
        out: list[str] = []
        for text in texts:
            if text in self._table:
                out.append(self._table[text])
            elif _fold(text) in self._folded:
                out.append(self._folded[_fold(text)])
            else:
                short = text if len(text) <= 70 else text[:67] + "..."
                raise InputError(
                    f"{self.name}: no translation for the sentence {short!r}; the translations file must "
                    "cover every source sentence"
                )
        return out

    @classmethod
    def from_parallel(cls, source_file: str | Path, translation_file: str | Path) -> FileTranslator:
        from .reader import decode, read_bytes

        src = decode(read_bytes(source_file), source_file).rstrip("\n").split("\n")
        mt = decode(read_bytes(translation_file), translation_file).rstrip("\n").split("\n")
        if len(src) != len(mt):
            raise InputError(
                f"{translation_file}: {len(mt)} lines but {source_file} has {len(src)}; the files must be line-parallel"
            )
        return cls(dict(zip(src, mt)), name=str(translation_file))

    @classmethod
    def from_jsonl(cls, path: str | Path) -> FileTranslator:
        from .reader import decode, read_bytes

        table: dict[str, str] = {}
        for n, line in enumerate(decode(read_bytes(path), path).split("\n"), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
            if (
                not isinstance(obj, dict)
                or not isinstance(obj.get("source"), str)
                or not isinstance(obj.get("translation"), str)
            ):
                raise InputError(f'{path}:{n}: expected {{"source": "...", "translation": "..."}}')
            table[obj["source"]] = obj["translation"]
        if not table:
            raise InputError(f"{path}: no translations in the file")
        return cls(table, name=str(path))

    @classmethod
    def positional(cls, sources: Sequence[str], translation_file: str | Path) -> FileTranslator:
        """Line ``i`` of ``translation_file`` translates ``sources[i]`` (one line per sentence)."""
        from .reader import decode, read_bytes

        lines = decode(read_bytes(translation_file), translation_file).rstrip("\n").split("\n")
        if len(lines) != len(sources):
            raise InputError(
                f"{translation_file}: {len(lines)} lines but the story has {len(sources)} sentences to translate; "
                "give one line per source sentence (see `aligner run --help`), or a JSONL of source/translation pairs"
            )
        return cls(dict(zip(sources, lines)), name=str(translation_file))


def _fold(text: str) -> str:
    return " ".join(text.split())


class MemoTranslator:
    """A translation memory in front of ``inner``: each distinct sentence is translated once.

    Keyed by the exact source text; valid for one engine with fixed settings (one instance).
    """

    def __init__(self, inner: Translator) -> None:
        self.inner = inner
        self._memo: dict[str, Translation] = {}
        self.hits = 0

    @property
    def signature(self) -> Mapping[str, str]:
        return self.inner.signature

    def translate(self, texts: Sequence[str]) -> list[str]:
        return [t.text for t in self.translate_detailed(texts)]

    def translate_detailed(self, texts: Sequence[str]) -> list[Translation]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._memo]
        self.hits += len(texts) - len(todo)  # sentences that cost nothing
        if todo:
            for text, result in zip(todo, translate_detailed(self.inner, todo)):
                self._memo[text] = result
        return [self._memo[t] for t in texts]


def open_translations(path: str | Path, sources: Iterable[str] | None = None) -> FileTranslator:
    """A ``FileTranslator`` for ``--translations``: JSONL by suffix, else one line per sentence."""
    p = Path(path)
    if p.suffix == ".jsonl":
        return FileTranslator.from_jsonl(p)
    if sources is None:
        raise InputError(f"{p}: a plain-text translations file needs one story; use JSONL for batches")
    return FileTranslator.positional(list(sources), p)
