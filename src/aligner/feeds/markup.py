"""Inline markup carried from a French paragraph onto its English: which English words an ``<em>``, ``<strong>``,
``<a href>``… of the source covers.

The MT is made sentence by sentence from plain text (the model never sees a tag, so no tag can be lost, invented or
mistranslated by it); the markup is put back afterwards, through a word alignment of each source sentence with its
English (the MT, or a translator's post-edit), in four steps:

1. **Words.** Both sides are cut into words (letters and digits; punctuation is not a word), with their character
   offsets.
2. **Links.** Every French word ``f`` and English word ``e`` of the sentence pair get a score: 1 when they are the
   same word (case and accents aside: names, numbers, *Finistère*/*Finistere*), ``p(e|f)`` from the project's
   lexical table (``aligner.alignment.lexicon``, IBM Model 1 on 100,000 French–English sentence pairs), and at
   least 0.5 for cognates (a shared accent-free five-letter prefix, or a Levenshtein similarity of 0.8 between
   words of five letters or more: *préfecture*/*prefecture*, *démantèlement*/*dismantlement*). The pairs are then
   linked one to one by competitive linking (Melamed 2000): the best-scoring pair first, each word at most once,
   scores weighed down a little by the distance between the words' relative positions, so that of two *the* the
   nearer one is taken.
3. **Projection.** An element covering French words ``S`` is put on the English words from the first to the last
   one linked to a word of ``S`` (phrase extraction, as in phrase-based MT). It is accepted when that English stretch
   holds no word linked to a French word outside ``S`` (the consistency condition: a reordering that would pull a
   neighbouring phrase inside the element is refused) and at least one of the element's content words (three
   letters or more, or digits) is linked. An element covering a whole sentence covers the whole English sentence;
   an empty element (``<br/>``, an image) goes before the English of the next French word.
4. **Fallback.** Otherwise the element is kept *at sentence level*: it wraps the whole English sentence, so that a
   link or an emphasis is never lost and never put on the wrong sentence, and a ``Note`` asks the translator to move
   it onto the right words (a ``markup`` QA flag on the bead in a run, a warning from ``aligner translate``).

Nesting is kept: a child element is clipped to its parent's English, and two elements whose English stretches cross
are split where they cross (as HTML parsers mend crossed tags), so the output is always well-formed. An element that
spans a sentence boundary is projected per sentence and joined again when its pieces end up side by side.

Sentences that a post-edit merged (the English of the first one holds both, the next is ``""``) are aligned as one.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..alignment.lexicon import strip_accents
from ..reading.document import Kind

_WORD = re.compile(r"[^\W_]+")
MIN_LINK = 0.08  # lexical-table probability below which a pair is not linked at all
COGNATE = 0.5
DISTORTION = 0.3  # a link's score is multiplied by 1 - DISTORTION × |relative position difference|
GAP = 3  # English words between two targets of one element that still make one group


@dataclass(frozen=True)
class Inline:
    """An inline element of a paragraph, over ``text[start:end]`` of its whitespace-normalised text (0-based
    character offsets, half-open). ``parent`` is the index of the enclosing ``Inline`` in the paragraph's tuple (-1 at
    the top); parents come before their children (document order). ``void``: an element that holds no text of the
    paragraph (``<br/>``, an image): ``start == end``."""

    start: int
    end: int
    name: str
    parent: int = -1
    void: bool = False


@dataclass(frozen=True)
class Block:
    """A paragraph of an item as read: its kind, its text (whitespace collapsed to single spaces, stripped) and its
    inline elements."""

    kind: Kind
    text: str
    inlines: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class Placed:
    """Inline element ``inline`` of the source paragraph put on ``english[start:end]`` of the English paragraph."""

    inline: int
    start: int
    end: int


@dataclass(frozen=True)
class Note:
    """An element kept at sentence level (or lost with its sentence): paragraph and sentence ids (0-based, of the
    source document) and a one-line message for the translator."""

    paragraph: int
    sentence: int
    message: str


@dataclass(frozen=True)
class Transferred:
    """A paragraph's English (its sentences' English joined by single spaces) and where its elements go."""

    text: str
    placed: tuple[Placed, ...]
    failed: tuple[tuple[int, int], ...]  # (inline index, sentence index within the paragraph) kept at sentence level
    lost: tuple[tuple[int, int], ...] = ()  # (inline, sentence): its sentence's English is gone (merged elsewhere)


def words(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` for each word of ``text``: runs of letters and digits."""
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def _content(word: str) -> bool:
    return len(word) >= 3 or word.isdigit()


@dataclass
class WordAligner:
    """Links the words of a French sentence with those of its English, one to one (see the module's docstring).
    ``table``: ``p(e|f)`` by lower-cased French word, then English word (``Lexicon.table``); empty: names, numbers and
    cognates only."""

    table: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def score(self, french: str, english: str) -> float:
        f, e = french.lower(), english.lower()
        if f == e:
            return 1.0
        fa, ea = strip_accents(f), strip_accents(e)
        if fa == ea:
            return 1.0
        p = self.table.get(f, {}).get(e, 0.0)
        if len(fa) >= 5 and len(ea) >= 5 and (fa[:5] == ea[:5] or _similarity(fa, ea) >= 0.8):
            p = max(p, COGNATE)
        return p

    def link(self, french: Sequence[str], english: Sequence[str]) -> dict[int, int]:
        """French word index → English word index, one to one."""
        n, m = len(french), len(english)
        candidates: list[tuple[float, float, int, int]] = []
        for i, f in enumerate(french):
            for j, e in enumerate(english):
                s = self.score(f, e)
                if s >= MIN_LINK:
                    distance = abs((i + 0.5) / n - (j + 0.5) / m)
                    candidates.append((s * (1 - DISTORTION * distance), s, i, j))
        candidates.sort(key=lambda c: (-c[0], c[2], c[3]))
        links: dict[int, int] = {}
        taken: set[int] = set()
        for _weighted, _s, i, j in candidates:
            if i not in links and j not in taken:
                links[i] = j
                taken.add(j)
        return links


def _similarity(a: str, b: str) -> float:
    from rapidfuzz.distance import Levenshtein

    return float(Levenshtein.normalized_similarity(a, b))


@dataclass(frozen=True)
class _Unit:
    """Consecutive sentences of a paragraph aligned as one: their source span and their English."""

    first: int  # sentence index within the paragraph
    start: int  # source characters [start, end)
    end: int
    english: str
    offset: int  # where ``english`` starts in the English paragraph; -1 when it is empty


def _units(bounds: Sequence[tuple[int, int]], english: Sequence[str]) -> list[_Unit]:
    units: list[_Unit] = []
    offset = 0
    for k, ((start, end), text) in enumerate(zip(bounds, english)):
        text = text.strip()
        if text or not units:
            if text and units and units[-1].english:
                offset += 1  # the joining space
            units.append(_Unit(k, start, end, text, offset if text else -1))
            offset += len(text)
        else:  # merged into the unit before (a post-edit that joined sentences)
            u = units[-1]
            units[-1] = _Unit(u.first, u.start, end, u.english, u.offset)
    return units


def _project(
    source: str,
    unit: _Unit,
    piece: tuple[int, int],
    aligner: WordAligner,
    cache: dict[int, tuple[list[tuple[int, int, str]], list[tuple[int, int, str]], dict[int, int]]],
) -> tuple[int, int] | None:
    """The English characters (relative to the unit's English) that source characters ``piece`` cover, or None."""
    text = source[unit.start : unit.end]
    lo, hi = piece[0] - unit.start, piece[1] - unit.start
    if unit.english == text:  # copied (a byline) or unchanged: the same characters
        return lo, hi
    if unit.first not in cache:
        fr, en = words(text), words(unit.english)
        cache[unit.first] = (fr, en, aligner.link([w for *_, w in fr], [w for *_, w in en]))
    fr, en, links = cache[unit.first]
    if lo == hi:  # an empty element: before the English of the next French word, at the end after the last one
        after = [links[i] for i, w in enumerate(fr) if w[0] >= lo and i in links]
        if after:
            return en[after[0]][0], en[after[0]][0]
        if not any(w[0] >= lo for w in fr):
            return len(unit.english), len(unit.english)
        before = [links[i] for i, w in enumerate(fr) if w[1] <= lo and i in links]
        return (en[before[-1]][1],) * 2 if before else (len(unit.english),) * 2
    covered = [i for i, (s, e, _) in enumerate(fr) if s < hi and e > lo]
    if not covered:
        return None
    if len(covered) == len(fr):
        return 0, len(unit.english)
    if not any(_content(fr[i][2]) for i in covered if i in links):
        return None
    french = [w for *_, w in fr]
    inside = set(covered)
    anchors = {j for i, j in links.items() if i not in inside and _anchor(french[i], en[j][2], aligner)}
    span = _consistent(sorted((links[i], aligner.score(french[i], en[links[i]][2])) for i in covered if i in links),
                       anchors)  # fmt: skip
    if span is None:
        return None
    first, last = span
    linked = set(links.values())

    def belongs(j: int) -> bool:  # an unlinked English word the element's French explains better than the rest
        if j in linked:
            return False
        score_in = max(aligner.score(french[i], en[j][2]) for i in covered)
        score_out = max((aligner.score(f, en[j][2]) for i, f in enumerate(french) if i not in inside), default=0.0)
        return score_in > score_out

    while first > 0 and belongs(first - 1):
        first -= 1
    while last + 1 < len(en) and belongs(last + 1):
        last += 1
    return en[first][0], en[last][1]


def _anchor(french: str, english: str, aligner: WordAligner) -> bool:
    """A link strong enough to refuse an element's English stretch that it falls in: a word of four letters or more,
    a number, or a sure pair (*à*/*to* is neither: function words link loosely)."""
    return len(french) >= 4 or french.isdigit() or aligner.score(french, english) >= 0.5


def _consistent(targets: Sequence[tuple[int, float]], anchors: set[int]) -> tuple[int, int] | None:
    """The English words ``[first, last]`` for an element whose words link to ``targets`` (English index, score):
    all of them when no outside anchor falls in between; else the best group of neighbouring targets (gaps of at
    most ``GAP`` words) that has none, when it holds at least half of them (a word linked to the wrong one of two
    repeats does not sink the element)."""
    first, last = targets[0][0], targets[-1][0]
    if not any(first <= j <= last for j in anchors):
        return first, last
    groups: list[list[tuple[int, float]]] = [[targets[0]]]
    for t in targets[1:]:
        if t[0] - groups[-1][-1][0] > GAP:
            groups.append([])
        groups[-1].append(t)
    for group in sorted(groups, key=lambda g: (-len(g), -sum(s for _, s in g))):
        lo, hi = group[0][0], group[-1][0]
        if 2 * len(group) >= len(targets) and not any(lo <= j <= hi for j in anchors):
            return lo, hi
    return None


def transfer(
    block: Block, bounds: Sequence[tuple[int, int]], english: Sequence[str], aligner: WordAligner
) -> Transferred:
    """Carry ``block``'s inline elements onto the English of its sentences.

    ``bounds``: each sentence's ``[start, end)`` in ``block.text``, in order; ``english``: each sentence's English
    (``""``: merged into the sentence before). Returns the English paragraph and the elements placed on it, ready for
    ``nest`` (nested, never crossing)."""
    units = _units(bounds, english)
    text = " ".join(u.english for u in units if u.english)
    cache: dict[int, tuple[list[tuple[int, int, str]], list[tuple[int, int, str]], dict[int, int]]] = {}
    ranges: dict[int, list[tuple[int, int, int]]] = {}  # inline → [(unit index, start, end)] in the English
    failed: list[tuple[int, int]] = []
    lost: list[tuple[int, int]] = []
    for k, inline in enumerate(block.inlines):
        pieces: list[tuple[int, int, int]] = []
        home = _home(inline.start, units) if inline.start == inline.end else -1  # an empty element's sentence
        for u_index, unit in enumerate(units):
            lo, hi = max(inline.start, unit.start), min(inline.end, unit.end)
            empty_here = u_index == home
            if lo >= hi and not empty_here:
                continue
            if empty_here:
                lo = hi = inline.start
            if unit.offset < 0:
                lost.append((k, unit.first))
                break
            got = _project(block.text, unit, (lo, hi), aligner, cache)
            if got is None:
                failed.append((k, unit.first))
                got = (0, len(unit.english))
            pieces.append((u_index, unit.offset + got[0], unit.offset + got[1]))
            if empty_here:
                break
        parent = ranges.get(inline.parent) if inline.parent >= 0 else None
        if parent is not None:
            pieces = _clip(pieces, parent, k, units, failed)
        ranges[k] = pieces
    placed = [Placed(k, s, e) for k, pieces in ranges.items() for s, e in _joined(pieces, text)]
    return Transferred(text, tuple(placed), tuple(dict.fromkeys(failed)), tuple(dict.fromkeys(lost)))


def _home(position: int, units: Sequence[_Unit]) -> int:
    """The unit an empty element at ``position`` belongs to: the one it is inside or starts, else the one it ends."""
    inside = [n for n, u in enumerate(units) if u.start <= position < u.end]
    if inside:
        return inside[0]
    ending = [n for n, u in enumerate(units) if u.end <= position]
    return ending[-1] if ending else 0


def _clip(
    pieces: list[tuple[int, int, int]],
    parent: list[tuple[int, int, int]],
    k: int,
    units: Sequence[_Unit],
    failed: list[tuple[int, int]],
) -> list[tuple[int, int, int]]:
    """A child's pieces inside its parent's piece of the same unit; a child that falls outside takes the parent's."""
    out = []
    for u, s, e in pieces:
        around = [(ps, pe) for pu, ps, pe in parent if pu == u]
        if not around:
            continue
        ps, pe = around[0]
        cs, ce = max(s, ps), min(e, pe)
        if cs > ce or (cs == ce and s != e):
            failed.append((k, units[u].first))
            cs, ce = ps, pe
        out.append((u, cs, ce))
    return out


def _joined(pieces: list[tuple[int, int, int]], text: str) -> list[tuple[int, int]]:
    """Pieces of one element in neighbouring units with nothing but spaces and punctuation between them (the end of
    one sentence, the start of the next) become one range again."""
    out: list[tuple[int, int, int]] = []
    for u, s, e in pieces:
        if out:
            pu, ps, pe = out[-1]
            if u == pu + 1 and ps < pe <= s < e and not any(ch.isalnum() for ch in text[pe:s]):
                out[-1] = (u, ps, e)
                continue
        out.append((u, s, e))
    return [(s, e) for _, s, e in out]


@dataclass
class Node:
    """An element placed on ``[start, end)`` of the English, with the elements inside it."""

    inline: int
    start: int
    end: int
    children: list[Node] = field(default_factory=list)


def nest(placed: Sequence[Placed], inlines: Sequence[Inline]) -> list[Node]:
    """The placed elements as a tree. At equal ranges the source's outer element comes first; an element that crosses
    the end of the one it starts in is split there (its rest is placed after); an empty element at the end of another
    goes after it."""
    depth = [_depth(k, inlines) for k in range(len(inlines))]
    todo = [(p.start, -(p.end - p.start), depth[p.inline], p.inline) for p in placed]
    heapq.heapify(todo)
    roots: list[Node] = []
    stack: list[Node] = []
    while todo:
        start, negative_length, _, k = heapq.heappop(todo)
        end = start - negative_length
        while stack and stack[-1].end <= start:
            stack.pop()
        if stack and stack[-1].end < end:
            rest = end - stack[-1].end
            heapq.heappush(todo, (stack[-1].end, -rest, depth[k], k))
            end = stack[-1].end
        node = Node(k, start, end)
        (stack[-1].children if stack else roots).append(node)
        if end > start:
            stack.append(node)
    return roots


def _depth(k: int, inlines: Sequence[Inline]) -> int:
    d = 0
    while inlines[k].parent >= 0 and d <= len(inlines):
        k = inlines[k].parent
        d += 1
    return d


def sentence_bounds(text: str, sentences: Sequence[str]) -> list[tuple[int, int]]:
    """Where each sentence (a substring of ``text``, in order, as the segmenter returns them) lies in ``text``."""
    out = []
    at = 0
    for s in sentences:
        found = text.find(s, at)
        if found < 0:  # not a substring (cannot happen with aligner's segmenter): spread evenly from here
            found = at
        out.append((found, found + len(s)))
        at = found + len(s)
    return out
