"""The Marian front end: everything around generation, shared by every backend.

``MarianTranslator`` normalises the French as OPUS-MT's training data was (Moses punctuation),
translates each distinct sentence once, splits a sentence longer than the model's input limit at
clause boundaries (nothing is truncated), plans length-sorted batches, caps generation at 2 × source
+ 16 pieces (a runaway loop, not a translation), lists source pieces the vocabulary lacks, and gives
the output English typography. Generation itself is a ``Backend``'s: ``generate(batches)`` turns
batches of source pieces into target pieces (``aligner.translation.backends``: CTranslate2 and
transformers). With a glossary, a sentence whose output breaks it is decoded again with the term forced
(``aligner.translation.terms``); the others are left exactly as decoded. ``make_translator`` in
``aligner.translation`` builds one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..errors import ModelError
from ..reading.typography import english_typography, normalize_source
from ..signature import Signature
from .base import ProgressFn, Translation
from .models import ResolvedModel
from .pieces import MarianPieces
from .terms import glossary_tag

if TYPE_CHECKING:
    from ..alignment.lexicon import Lexicon
    from ..terms import Glossary, TermMatch


@dataclass(frozen=True)
class Batch:
    """Sentences decoded together: their source pieces (each ending with ``</s>``) and the most target pieces
    (without ``</s>``) any of them may get."""

    sources: tuple[tuple[str, ...], ...]
    max_pieces: int


@dataclass(frozen=True)
class Hypothesis:
    """A sentence's target pieces and whether generation stopped at the batch's ``max_pieces``; ``score``: the
    model's length-normalised log-probability of the pieces (set by ``Backend.force`` only; CTranslate2's covers
    the pieces after the forced prefix, transformers' all of them)."""

    pieces: tuple[str, ...]
    truncated: bool
    score: float = 0.0


@dataclass(frozen=True)
class ForcedBatch:
    """Sentences decoded again with target pieces forced first (``prefixes``, one per sentence, the decoder
    continuing freely after them; may be empty) and piece sequences never generated (``suppress``, the same for
    the whole batch); ``max_pieces`` counts the prefix."""

    sources: tuple[tuple[str, ...], ...]
    prefixes: tuple[tuple[str, ...], ...]
    suppress: tuple[tuple[str, ...], ...]
    max_pieces: int


class Backend(Protocol):
    """Generation by one engine. ``generate`` yields each batch's hypotheses, in the order of ``batches``."""

    engine: str  # "ctranslate2" or "transformers"
    version: str  # the engine package's version
    compute_type: str
    device: str
    shortlist: str  # "on", "off", or "" where the engine has none
    max_positions: int  # the model's position embeddings: the longest input or output
    max_length: int | None  # the checkpoint's generation max_length, if any

    def default_batching(self, beam: int) -> tuple[int, int | None]: ...

    def generate(self, batches: Sequence[Batch], *, beam: int) -> Iterator[list[Hypothesis]]: ...

    def score(self, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]]) -> list[list[float]]:
        """Per pair, the log-probability of each target piece and of ``</s>`` given the source pieces (which end
        with ``</s>``): forced decoding."""
        ...

    def nbest(self, batch: Batch, *, beam: int, n: int) -> list[list[tuple[str, ...]]]:
        """Per source of ``batch``, its ``n`` best hypotheses' pieces, best first (beam ``max(beam, n)``)."""
        ...

    def force(
        self, batches: Sequence[ForcedBatch], *, beam: int, alternatives: int
    ) -> Iterator[list[list[Hypothesis]]]:
        """Each batch's sentences decoded with their prefixes forced: per sentence, the ``alternatives`` best
        hypotheses (at most ``beam``), each with its score, best first."""
        ...


MAX_FORCING_ROUNDS = 3  # a sentence still breaking the glossary after a re-decode is re-decoded from the new output
MAX_VARIANTS = 2  # an entry with several preferred terms: each of its first two is tried, the model's score decides
SUPPRESSED_SPELLINGS = 32  # piece sequences suppressed per forbidden form
# a re-decode searches with at most this beam (and keeps as many hypotheses): the forced prefix fixes most of the
# sentence, and at beam 4 the re-decodes made the glossary cost 1.3x the time of a run without it (eval/terms)
FORCING_BEAM = 2

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
    """A MarianMT model: this front end over a generation ``Backend``.

    ``beam``: beam size (1 = greedy). ``batch_size`` / ``batch_tokens``: most sentences and most padded
    source tokens per batch (the backend's defaults when None). ``normalize``: Moses punctuation
    normalisation of the French. ``typography``: English quotes and spacing in the output.
    ``max_input_tokens``: split sentences longer than this (default: the model's limit).
    ``max_new_tokens``: cap per sentence. ``progress``: told how many sentences each batch finished.
    ``glossary``: terms the output must use (and forbidden ones it must not); a sentence that breaks it is
    decoded again with the terms forced, every other sentence is exactly what it is without the glossary.
    """

    def __init__(
        self,
        backend: Backend,
        pieces: MarianPieces,
        model: ResolvedModel,
        *,
        beam: int = 4,
        batch_size: int | None = None,
        batch_tokens: int | None = None,
        normalize: bool = True,
        typography: bool = True,
        max_input_tokens: int | None = None,
        max_new_tokens: int | None = None,
        progress: ProgressFn | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        check_settings(beam=beam, batch_size=batch_size, batch_tokens=batch_tokens, max_new_tokens=max_new_tokens)
        self.backend = backend
        self.pieces = pieces
        self.model = model
        self.beam = beam
        default_size, default_tokens = backend.default_batching(beam)
        self.batch_size = default_size if batch_size is None else batch_size
        self.batch_tokens = default_tokens if batch_tokens is None else batch_tokens
        self.normalize = normalize
        self.typography = typography
        self.progress = progress
        limit = min(pieces.model_max_length, backend.max_positions)
        self.max_input_tokens = (max_input_tokens or limit) - 1  # room for </s>
        # counts the decoder start token, as transformers' max_length does
        self.max_output_tokens = min(int(backend.max_length or limit), backend.max_positions)
        if max_new_tokens is not None:
            self.max_output_tokens = min(self.max_output_tokens, max_new_tokens + 1)
        self.generated = 0  # target pieces generated so far (without </s>), for throughput reports
        self.glossary = glossary
        self.forced = 0  # sentences (units) whose output a re-decode with forced terms replaced
        self._lexicon: Lexicon | None = None
        self._target_vocab: set[str] | None = None

    @property
    def signature(self) -> Signature:
        b = self.backend
        return Signature(
            model=self.model.model_id,
            revision=self.model.revision,
            engine=b.engine,
            engine_version=b.version,
            compute_type=b.compute_type,
            beam=str(self.beam),
            shortlist=b.shortlist,
            normalize="moses-fr" if self.normalize else "none",
            typography="english" if self.typography else "none",
            glossary=glossary_tag(self.glossary) if self.glossary is not None else "",
        )

    def _n_tokens(self, text: str) -> int:
        return len(self.pieces.pieces(text))

    def translate(self, texts: Sequence[str]) -> list[Translation]:
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
        outputs, limited = self._generate(units, owner)
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

    def _source_pieces(self, text: str) -> tuple[str, ...]:
        prepared = normalize_source(text) if self.normalize else text.strip()
        pieces = self.pieces.pieces(prepared)[: self.max_input_tokens]  # scoring never splits: the head is enough
        return (*pieces, self.pieces.eos)

    def score(self, sources: Sequence[str], targets: Sequence[str]) -> list[list[float]]:
        """Glass-box: per (source, translation) pair, the model's log-probability of each target piece and of the
        end of sentence (CTranslate2 ``score_batch``; a forward pass with transformers). The translation is
        tokenised as it is (the English typography the front end applies is not undone)."""
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        limit = self.max_output_tokens - 1
        src = [self._source_pieces(s) for s in sources]
        tgt = [tuple(self.pieces.target_pieces(t.strip())[:limit]) for t in targets]
        out: list[list[float]] = [[] for _ in sources]
        for idx in plan_batches([len(s) for s in src], self.batch_size, self.batch_tokens):
            scored = self.backend.score([src[i] for i in idx], [tgt[i] for i in idx])
            for i, lp in zip(idx, scored):
                out[i] = [float(v) for v in lp]
        return out

    def nbest(self, sources: Sequence[str], n: int) -> list[list[str]]:
        """Glass-box: per source, the model's ``n`` best translations (beam ``max(beam, n)``), best first, with the
        front end's typography."""
        if n < 1:
            raise ModelError(f"n-best size must be at least 1, got {n}")
        src = [self._source_pieces(s) for s in sources]
        out: list[list[str]] = [[] for _ in sources]
        for idx in plan_batches([len(s) for s in src], self.batch_size, self.batch_tokens):
            longest = len(src[idx[0]])
            batch = Batch(tuple(src[i] for i in idx), min(self.max_output_tokens, 2 * longest + 16) - 1)
            for i, hyps in zip(idx, self.backend.nbest(batch, beam=self.beam, n=n)):
                texts = [self.pieces.decode(list(h)) for h in hyps]
                out[i] = [english_typography(t) if self.typography else t for t in texts]
        return out

    def _generate(self, units: Sequence[str], owner: Sequence[tuple[int, int]]) -> tuple[list[str], list[bool]]:
        tokenized = [tuple(self.pieces.encode(u)) for u in units]
        plan = plan_batches([len(t) for t in tokenized], self.batch_size, self.batch_tokens)
        # a translation runs to </s>; the cap only stops a degenerate loop (2 × source + 16)
        batches = [
            Batch(
                tuple(tokenized[i] for i in idx),
                min(self.max_output_tokens, 2 * len(tokenized[idx[0]]) + 16) - 1,
            )
            for idx in plan
        ]
        outputs: list[str] = [""] * len(units)
        limited: list[bool] = [False] * len(units)
        left_of = dict(owner)  # chunks still to translate, per sentence
        for idx, hyps in zip(plan, self.backend.generate(batches, beam=self.beam)):
            whole = 0
            for i, hyp in zip(idx, hyps):
                outputs[i] = self.pieces.decode(list(hyp.pieces))
                limited[i] = hyp.truncated
                self.generated += len(hyp.pieces)
                u = owner[i][0]
                left_of[u] -= 1
                whole += left_of[u] == 0
            if self.progress is not None:
                self.progress(whole)
        if self.glossary is not None:
            caps = [0] * len(units)
            for idx, batch in zip(plan, batches):
                for i in idx:
                    caps[i] = batch.max_pieces
            self._force_terms(self.glossary, units, tokenized, outputs, limited, caps)
        return outputs, limited

    def _force_terms(
        self,
        glossary: Glossary,
        units: Sequence[str],
        tokenized: Sequence[tuple[str, ...]],
        outputs: list[str],
        limited: list[bool],
        caps: Sequence[int],
    ) -> None:
        """Re-decode the units whose output breaks the glossary, in place: the first output up to each violation,
        the term, then free decoding (beam at most ``FORCING_BEAM``), the matched entries' forbidden terms
        suppressed; of the hypotheses, the one breaking the glossary least, then the model's best score, replaces
        the output when it breaks it less."""
        from ..terms import find_terms
        from .terms import breaches, forced_text, violations

        matched: dict[int, list[TermMatch]] = {}
        for i, unit in enumerate(units):
            found = find_terms(glossary, unit)
            if found:
                matched[i] = found
        broken = {i: b for i, ms in matched.items() if (b := breaches(ms, outputs[i]))}
        if not broken:
            return
        lexicon = self._lexicon_table()
        suppress = {i: self._suppressed(matched[i]) for i in broken}
        replaced: set[int] = set()
        for _ in range(MAX_FORCING_ROUNDS):
            rows: list[tuple[int, tuple[str, ...]]] = []
            for i in sorted(broken):
                fixes = violations(matched[i], units[i], outputs[i], lexicon)
                if not fixes:
                    continue
                variants = min(MAX_VARIANTS, max(len(v.entry.preferred) for v in fixes))
                for k in range(max(1, variants)):
                    text = forced_text(outputs[i], fixes, variant=k).rstrip()
                    prefix = tuple(self.pieces.target.encode(text, out_type=str))
                    if (i, prefix) not in rows and all(p in self.pieces.vocab for p in prefix):
                        rows.append((i, prefix))  # (else a term the model cannot write)
            if not rows:
                break
            best: dict[int, tuple[int, float, Hypothesis]] = {}
            for row_ids, hyps in self._decode_forced(rows, tokenized, suppress, caps):
                for r, alternatives in zip(row_ids, hyps):
                    i = rows[r][0]
                    for hyp in alternatives:
                        self.generated += len(hyp.pieces)
                        key = (breaches(matched[i], self.pieces.decode(list(hyp.pieces))), -hyp.score)
                        if i not in best or key < best[i][:2]:
                            best[i] = (*key, hyp)
            improved: dict[int, int] = {}
            for i, (left, _, hyp) in best.items():
                if left < broken[i]:
                    outputs[i] = self.pieces.decode(list(hyp.pieces))
                    limited[i] = hyp.truncated
                    replaced.add(i)
                    if left:
                        improved[i] = left
            broken = improved
            if not broken:
                break
        self.forced += len(replaced)

    def _decode_forced(
        self,
        rows: Sequence[tuple[int, tuple[str, ...]]],
        tokenized: Sequence[tuple[str, ...]],
        suppress: dict[int, tuple[tuple[str, ...], ...]],
        caps: Sequence[int],
    ) -> Iterator[tuple[list[int], list[list[Hypothesis]]]]:
        """The forced rows (unit, prefix) in batches planned as the first decode's; yields each batch's row indices and
        hypotheses. A batch suppresses the forbidden terms of all its sentences' entries (CTranslate2 takes
        ``suppress_sequences`` per batch): a desk's forbidden term is a wrong form whatever the sentence, and
        batching sentences by their forbidden sets would decode most of them alone."""
        limit = self.max_output_tokens - 1
        plans: list[list[int]] = []
        batches: list[ForcedBatch] = []
        for chosen in plan_batches([len(tokenized[i]) for i, _ in rows], self.batch_size, self.batch_tokens):
            banned = sorted({seq for r in chosen for seq in suppress[rows[r][0]]})
            cap = max(max(caps[rows[r][0]], len(rows[r][1]) + 8) for r in chosen)
            plans.append(chosen)
            batches.append(
                ForcedBatch(
                    tuple(tokenized[rows[r][0]] for r in chosen),
                    tuple(rows[r][1] for r in chosen),
                    tuple(banned),
                    min(limit, cap),
                )
            )
        beam = min(self.beam, FORCING_BEAM)
        yield from zip(plans, self.backend.force(batches, beam=beam, alternatives=beam))

    def _lexicon_table(self) -> Lexicon | None:
        """The lexical table that places a term in the English (loaded once, when a sentence first needs it)."""
        if self._lexicon is None:
            from ..alignment.lexicon import Lexicon

            try:
                self._lexicon = Lexicon.load()
            except (OSError, ValueError):  # no table: terms are placed by their relative position alone
                return None
        return self._lexicon

    def _suppressed(self, matches: Sequence[TermMatch]) -> tuple[tuple[str, ...], ...]:
        """Every spelling in target pieces of the matched entries' forbidden terms, at a word start and (for a form
        of four characters or more) glued to what precedes."""
        from .terms import segmentations, suppressed_forms

        if self._target_vocab is None:
            target = self.pieces.target
            written = {target.id_to_piece(i) for i in range(target.get_piece_size())}
            self._target_vocab = (written & set(self.pieces.vocab)) - set(self.pieces.special)
        out: dict[tuple[str, ...], None] = {}
        for form in suppressed_forms(matches):
            spellings = [" " + form] + ([form] if len(form) >= 4 else [])
            for text in spellings:
                out.update(dict.fromkeys(segmentations(text, self._target_vocab, limit=SUPPRESSED_SPELLINGS)))
        return tuple(sorted(out))


def check_settings(
    *, beam: int = 1, batch_size: int | None = None, batch_tokens: int | None = None, max_new_tokens: int | None = None
) -> None:
    """Raise ``ModelError`` for a decoding setting out of range (before any model is loaded)."""
    if beam < 1:
        raise ModelError(f"beam size must be at least 1, got {beam}")
    if batch_size is not None and batch_size < 1:
        raise ModelError(f"batch size must be at least 1, got {batch_size}")
    if batch_tokens is not None and batch_tokens < 1:
        raise ModelError(f"batch tokens must be at least 1, got {batch_tokens}")
    if max_new_tokens is not None and max_new_tokens < 1:
        raise ModelError(f"max new tokens must be at least 1, got {max_new_tokens}")
