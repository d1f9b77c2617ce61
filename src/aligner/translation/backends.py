"""Generation backends for the Marian front end: CTranslate2 (the default) and transformers (the reference).

Both take batches of source pieces and give back target pieces (``Backend`` in
``aligner.translation.frontend``); tokenization, splitting, caps and typography are the front end's.

- ``CTranslate2Backend``: the checkpoint converted once (``aligner.translation.convert``), int8 by
  default on CPU, one one-thread replica per core each decoding its own batch (on 2 cores that beat
  one two-thread replica, eval/speed/results.md), and the lexicon shortlist (``vmap``) when the
  converted folder has one. No torch or transformers in the process once the model is converted.
- ``TransformersBackend``: ``MarianMTModel.generate`` (transformers 5 has no "translation"
  pipeline), float32 by default, or torch dynamic int8 / bfloat16. Pieces are mapped to ids with the
  model's ``vocab.json`` exactly as ``MarianTokenizer`` maps them (unknown pieces → ``<unk>``), and
  special tokens are dropped from the output as ``skip_special_tokens`` does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import ModelError
from .convert import ctranslate2_module
from .frontend import Batch, ForcedBatch, Hypothesis
from .pieces import MarianPieces


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


class CTranslate2Backend:
    """A converted Marian model in CTranslate2. ``folder``: a CTranslate2 folder (``aligner models convert``).
    ``compute_type``: CTranslate2's (``auto``: int8 on CPU, int8_float16 on CUDA). ``threads``: CPU cores
    (default all), run as that many one-thread replicas. ``shortlist``: use ``vmap.txt`` when present."""

    engine = "ctranslate2"

    def __init__(
        self,
        folder: Path,
        *,
        compute_type: str = "auto",
        device: str = "auto",
        threads: int | None = None,
        shortlist: bool = True,
    ) -> None:
        ct2 = ctranslate2_module()
        self.version = _version("ctranslate2")
        gpus = ct2.get_cuda_device_count()
        if device == "auto":
            device = "cuda" if gpus > 0 else "cpu"
        elif device == "cuda" and gpus == 0:
            raise ModelError("--device cuda was asked for but CTranslate2 sees no CUDA device; use --device cpu")
        self.device = device
        self.compute_type = compute_type if compute_type != "auto" else ("int8" if device == "cpu" else "int8_float16")
        self.folder = folder
        self.use_vmap = shortlist and (folder / "vmap.txt").is_file()
        self.shortlist = "on" if self.use_vmap else "off"
        self.replicas = (threads or os.cpu_count() or 1) if device == "cpu" else 1
        try:
            self.model = ct2.Translator(
                str(folder),
                device=device,
                compute_type=self.compute_type,
                inter_threads=self.replicas,
                intra_threads=1 if device == "cpu" else 0,
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"cannot load the CTranslate2 model in {folder}: {exc}") from None
        config = json.loads((folder / "hf_config.json").read_text(encoding="utf-8"))
        gen_path = folder / "hf_generation_config.json"
        gen = json.loads(gen_path.read_text(encoding="utf-8")) if gen_path.is_file() else {}
        self.max_positions = int(config["max_position_embeddings"])
        self.max_length: int | None = gen.get("max_length")

    def default_batching(self, beam: int) -> tuple[int, int | None]:
        """The beam multiplies the rows decoded: beam 4 → 8 sentences and 256 padded tokens per batch (a replica
        per core stays under 400 MB), greedy → 32 and 1,024."""
        return max(8, 32 // beam), max(64, 1024 // beam)

    def generate(self, batches: Sequence[Batch], *, beam: int) -> Iterator[list[Hypothesis]]:
        jobs = [
            self.model.translate_batch(
                [list(s) for s in batch.sources],
                beam_size=beam,
                max_batch_size=0,
                max_decoding_length=batch.max_pieces,
                use_vmap=self.use_vmap,
                asynchronous=True,  # every replica takes the next batch as soon as it is free
            )
            for batch in batches
        ]
        for batch, job in zip(batches, jobs):
            hyps = [row.result().hypotheses[0] for row in job]
            yield [Hypothesis(tuple(h), len(h) >= batch.max_pieces) for h in hyps]

    def score(self, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]]) -> list[list[float]]:
        # score_batch appends </s> to each target and returns one log-probability per target token and for </s>
        results = self.model.score_batch([list(s) for s in sources], [list(t) for t in targets])
        return [list(r.log_probs) for r in results]

    def nbest(self, batch: Batch, *, beam: int, n: int) -> list[list[tuple[str, ...]]]:
        rows = self.model.translate_batch(
            [list(s) for s in batch.sources],
            beam_size=max(beam, n),
            num_hypotheses=n,
            max_decoding_length=batch.max_pieces,
            use_vmap=self.use_vmap,
        )
        return [[tuple(h) for h in row.hypotheses] for row in rows]

    def force(
        self, batches: Sequence[ForcedBatch], *, beam: int, alternatives: int
    ) -> Iterator[list[list[Hypothesis]]]:
        """``target_prefix`` per sentence, ``suppress_sequences`` per batch. The hypotheses include the prefix;
        ``max_decoding_length`` counts it; the scores (length-normalised log-probabilities) cover the pieces after
        it.

        With the shortlist, on one CPU replica: CTranslate2 4.8 maps the prefix and the suppressed pieces to
        shortlist positions with a table it never clears between shortlisted calls (``Decoder::update_output_layer``
        ``emplace``s into it), so a piece keeps the position it had in the first shortlist that held it since the
        output layer was last the full vocabulary ("The concert of David Bowie", forced after another sentence, came
        back as "Prague argument Al Car Bowie"). A one-step full-vocabulary decode queued just before each batch
        clears the table, and the replica runs its jobs in order; a batch whose hypotheses still miss their prefix
        or hold a suppressed sequence (another caller's job came between) is decoded again on the full vocabulary.
        With several replicas (a job goes to any of them) re-decodes use the full vocabulary, as on a GPU, where the
        output layer is padded to a size multiple and the table is then never cleared at all (not tested here)."""
        shortlisted = self.use_vmap and self.replicas == 1 and self.device == "cpu"
        jobs = []
        for batch in batches:
            if shortlisted:
                self.model.translate_batch(
                    [list(batch.sources[0])], beam_size=1, max_decoding_length=1, use_vmap=False, asynchronous=True
                )
            jobs.append(self._force_job(batch, beam=beam, alternatives=alternatives, use_vmap=shortlisted))
        for batch, job in zip(batches, jobs):
            out = self._hypotheses(batch, job)
            if shortlisted and not _obeyed(batch, out):
                out = self._hypotheses(
                    batch, self._force_job(batch, beam=beam, alternatives=alternatives, use_vmap=False)
                )
            yield out

    def _force_job(self, batch: ForcedBatch, *, beam: int, alternatives: int, use_vmap: bool) -> Any:
        return self.model.translate_batch(
            [list(s) for s in batch.sources],
            target_prefix=[list(p) or None for p in batch.prefixes],
            beam_size=beam,
            num_hypotheses=max(1, min(alternatives, beam)),
            suppress_sequences=[list(s) for s in batch.suppress] or None,
            return_scores=True,
            max_batch_size=0,
            max_decoding_length=batch.max_pieces,
            use_vmap=use_vmap,
            asynchronous=True,
        )

    @staticmethod
    def _hypotheses(batch: ForcedBatch, job: Any) -> list[list[Hypothesis]]:
        out: list[list[Hypothesis]] = []
        for row in job:
            result = row.result()
            out.append(
                [
                    Hypothesis(tuple(h), len(h) >= batch.max_pieces, float(score))
                    for h, score in zip(result.hypotheses, result.scores)
                ]
            )
        return out


def _obeyed(batch: ForcedBatch, rows: Sequence[Sequence[Hypothesis]]) -> bool:
    """Whether every hypothesis starts with its sentence's prefix and holds none of the batch's suppressed sequences
    ending after it."""
    starting: dict[str, list[tuple[str, ...]]] = {}
    for seq in batch.suppress:
        if seq:
            starting.setdefault(seq[0], []).append(seq)
    longest = max((len(seq) for seq in batch.suppress), default=0)
    for prefix, hyps in zip(batch.prefixes, rows):
        for hyp in hyps:
            if hyp.pieces[: len(prefix)] != prefix:
                return False
            for i in range(max(0, len(prefix) - longest + 1), len(hyp.pieces)):
                for seq in starting.get(hyp.pieces[i], ()):
                    if i + len(seq) > len(prefix) and hyp.pieces[i : i + len(seq)] == seq:
                        return False
    return True


class TransformersBackend:
    """A Marian checkpoint in transformers. ``compute_type``: float32 (``auto``), bfloat16 or int8 (torch
    dynamic quantisation, CPU). ``threads``: torch intra-op threads (None leaves torch's default)."""

    engine = "transformers"
    shortlist = ""

    def __init__(
        self,
        folder: Path,
        pieces: MarianPieces,
        *,
        compute_type: str = "auto",
        device: str = "auto",
        threads: int | None = None,
    ) -> None:
        import torch
        from transformers import MarianMTModel
        from transformers.utils import logging as hf_logging

        self.version = _version("transformers")
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        if threads is not None:
            torch.set_num_threads(threads)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        elif device == "cuda" and not torch.cuda.is_available():
            raise ModelError("--device cuda was asked for but torch sees no CUDA device; use --device cpu")
        self.device = device
        if compute_type not in ("auto", "float32", "bfloat16") and not (compute_type == "int8" and device == "cpu"):
            raise ModelError(f"the transformers engine runs float32, bfloat16 or (on CPU) int8, not {compute_type!r}")
        try:
            loaded: Any = MarianMTModel.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load the model in {folder}: {str(exc).splitlines()[0]}") from None
        model = loaded.to(device).eval()
        self.compute_type = "float32" if compute_type == "auto" else compute_type
        if self.compute_type == "int8":
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)  # type: ignore[no-untyped-call]
        elif self.compute_type == "bfloat16":
            model = model.to(torch.bfloat16)
        self.model = model
        self.max_positions = int(model.config.max_position_embeddings)
        self.max_length = getattr(model.generation_config, "max_length", None)
        self.vocab = pieces.vocab
        self.unk_id = self.vocab[pieces.unk]
        self.pad_id = self.vocab[pieces.pad]
        self.piece_of = {i: p for p, i in self.vocab.items()}
        self.special = {self.vocab[t] for t in pieces.special if t in self.vocab}

    def default_batching(self, beam: int) -> tuple[int, int | None]:
        return 16, None

    def generate(self, batches: Sequence[Batch], *, beam: int) -> Iterator[list[Hypothesis]]:
        import torch

        eos = self.model.generation_config.eos_token_id
        for batch in batches:
            longest = max(len(s) for s in batch.sources)
            ids = [[self.vocab.get(p, self.unk_id) for p in s] for s in batch.sources]
            input_ids = torch.tensor([row + [self.pad_id] * (longest - len(row)) for row in ids], device=self.device)
            mask = torch.tensor([[1] * len(row) + [0] * (longest - len(row)) for row in ids], device=self.device)
            with torch.inference_mode():
                out = self.model.generate(
                    input_ids=input_ids,
                    attention_mask=mask,
                    num_beams=beam,
                    max_length=batch.max_pieces + 1,  # counts the decoder start token
                    do_sample=False,
                )
            hyps = []
            for row in out.tolist():
                generated = row[1:]
                # Marian checkpoints set forced_eos_token_id: generate() writes </s> as the last allowed piece,
                # so a sentence cut at the cap ends in </s> there rather than lacking it
                last = generated[batch.max_pieces - 1] if len(generated) >= batch.max_pieces else None
                truncated = eos not in generated or last == eos
                kept = tuple(self.piece_of[i] for i in generated if i not in self.special)
                hyps.append(Hypothesis(kept, truncated))
            yield hyps

    def _padded(self, rows: Sequence[Sequence[int]], fill: int) -> Any:
        import torch

        longest = max(len(r) for r in rows)
        return torch.tensor([list(r) + [fill] * (longest - len(r)) for r in rows], device=self.device)

    def score(self, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]]) -> list[list[float]]:
        """A forward pass with the target as labels (``</s>`` appended): the log-softmax at each label."""
        import torch

        eos = self.model.generation_config.eos_token_id
        src = [[self.vocab.get(p, self.unk_id) for p in s] for s in sources]
        tgt = [[self.vocab.get(p, self.unk_id) for p in t] + [eos] for t in targets]
        input_ids = self._padded(src, self.pad_id)
        mask = self._padded([[1] * len(r) for r in src], 0)
        labels = self._padded(tgt, -100)
        with torch.inference_mode():
            logits = self.model(input_ids=input_ids, attention_mask=mask, labels=labels).logits
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            picked = logprobs.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        return [picked[k, : len(t)].tolist() for k, t in enumerate(tgt)]

    def nbest(self, batch: Batch, *, beam: int, n: int) -> list[list[tuple[str, ...]]]:
        import torch

        ids = [[self.vocab.get(p, self.unk_id) for p in s] for s in batch.sources]
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=self._padded(ids, self.pad_id),
                attention_mask=self._padded([[1] * len(r) for r in ids], 0),
                num_beams=max(beam, n),
                num_return_sequences=n,
                max_length=batch.max_pieces + 1,
                do_sample=False,
            )
        rows = [tuple(self.piece_of[i] for i in row[1:] if i not in self.special) for row in out.tolist()]
        return [rows[k * n : (k + 1) * n] for k in range(len(ids))]

    def force(
        self, batches: Sequence[ForcedBatch], *, beam: int, alternatives: int
    ) -> Iterator[list[list[Hypothesis]]]:
        """The prefixes and suppressed sequences per sentence, by a logits processor over the log-probabilities
        (``_Forcing``): a forced piece keeps its own log-probability, so ``sequences_scores`` (beam search:
        length-normalised) include the prefix; greedy search gives no score."""
        import torch
        from transformers import LogitsProcessorList

        eos = self.model.generation_config.eos_token_id
        n = max(1, min(alternatives, beam))
        for batch in batches:
            longest = max(len(s) for s in batch.sources)
            ids = [[self.vocab.get(p, self.unk_id) for p in s] for s in batch.sources]
            input_ids = torch.tensor([row + [self.pad_id] * (longest - len(row)) for row in ids], device=self.device)
            mask = torch.tensor([[1] * len(row) + [0] * (longest - len(row)) for row in ids], device=self.device)
            forcing = _Forcing(
                [[self.vocab.get(p, self.unk_id) for p in prefix] for prefix in batch.prefixes],
                [[self.vocab[p] for p in seq] for seq in batch.suppress if all(p in self.vocab for p in seq)],
                beams=beam,
            )
            with torch.inference_mode():
                out = self.model.generate(
                    input_ids=input_ids,
                    attention_mask=mask,
                    num_beams=beam,
                    num_return_sequences=n,
                    max_length=batch.max_pieces + 1,
                    do_sample=False,
                    logits_processor=LogitsProcessorList([forcing]),
                    output_scores=beam > 1,
                    return_dict_in_generate=True,
                )
            scores = out.sequences_scores.tolist() if beam > 1 else [0.0] * len(out.sequences)
            rows: list[list[Hypothesis]] = [[] for _ in batch.sources]
            for k, (row, score) in enumerate(zip(out.sequences.tolist(), scores)):
                generated = row[1:]
                last = generated[batch.max_pieces - 1] if len(generated) >= batch.max_pieces else None
                truncated = eos not in generated or last == eos
                kept = tuple(self.piece_of[i] for i in generated if i not in self.special)
                rows[k // n].append(Hypothesis(kept, truncated, float(score)))
            yield rows


class _Forcing:
    """A transformers logits processor: row ``r`` (sentence ``r // beams``) may only write its sentence's prefix
    while inside it, and never ends one of the ``suppress`` sequences. Works on log-probabilities (beam search
    applies processors after ``log_softmax``), leaving the allowed pieces' values untouched."""

    def __init__(self, prefixes: list[list[int]], suppress: list[list[int]], *, beams: int) -> None:
        self.prefixes = prefixes
        self.beams = beams
        self.single = sorted({s[0] for s in suppress if len(s) == 1})
        self.longer = [s for s in suppress if len(s) > 1]

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        step = input_ids.shape[1] - 1  # pieces written so far (the first is the decoder start)
        history = input_ids[:, 1:].tolist() if self.longer else []
        for row in range(scores.shape[0]):
            prefix = self.prefixes[row // self.beams]
            if step < len(prefix):
                keep = scores[row, prefix[step]].clone()
                scores[row, :] = -torch.inf
                scores[row, prefix[step]] = keep
                continue
            if self.single:
                scores[row, self.single] = -torch.inf
            for seq in self.longer:
                written = history[row]
                if len(written) >= len(seq) - 1 and written[len(written) - len(seq) + 1 :] == seq[:-1]:
                    scores[row, seq[-1]] = -torch.inf
        return scores
