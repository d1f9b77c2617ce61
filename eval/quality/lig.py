"""The LIG post-edit corpus as the quality evaluation uses it: lines, their WMT documents, stories, and the truth.

- ``TRAIN`` = LIG lines 1–8,681 (news commentary, then the WMT newstest2009 block): everything is fitted, tuned and
  chosen on these. ``HELDOUT`` = lines 8,682–10,881 (the newstest2010 block; its last 881 lines are the usual
  word-level test split): used once, for the final evaluation. Line numbers are 1-based, as in the issue.
- Each line of the newstest blocks is matched to its WMT segment (``../shared/data/wmt-newstest-fren/txt``): first
  by its text with spaces folded, then, for the rest, by the closest unmatched segment of the same set (rapidfuzz
  ratio ≥ 85: the LIG copy fixes typos such as ``resteencore``). Stories are WMT documents (``.docid``), their
  sentences in WMT order, their reference the WMT English of the same segments. News-commentary lines have no
  document ids and no reference: stories of 20 consecutive lines.
- MT = LIG's Moses output (lower-cased, tokenised) detokenised with sacremoses; HTER truth = TER of the Moses
  output against the post-edit lower-cased and Moses-tokenised (sacremoses, ``escape=False``); a Moses token is BAD
  when TER edits it (substituted, deleted or shifted: ``aligner.scoring.statistics.ter_edited_words``).

``load()`` builds it once (≈20 s) and caches it in ``eval/artifacts/quality/lig.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
LIG = DATA / "lig-postedit-fren"
WMT = DATA / "wmt-newstest-fren" / "txt"
ARTIFACTS = ROOT / "eval" / "artifacts" / "quality"
CACHE = ARTIFACTS / "lig.json"

TRAIN = range(1, 8682)  # 1-based line numbers 1 … 8,681
HELDOUT = range(8682, 10882)  # 8,682 … 10,881
WORD_TEST = range(10001, 10882)  # the last 881 lines: the word-level test split (inside HELDOUT)
BLOCKS = (("newstest2009", range(6157, 8682)), ("newstest2010", range(8682, 10882)))
NC_STORY = 20  # news-commentary lines per story

FILES = {
    "fr": "src-ref-all.fr",
    "mt_tok": "tgt-mt-all.en",
    "pe": "tgt-pe-all.en",
    "google": "output_Google_Translator.en",
    "bing": "output_Bing_Translator.en",
}


@dataclass
class Line:
    n: int  # 1-based LIG line number
    fr: str
    mt_tok: str  # Moses output as distributed: lower-cased, tokenised
    mt: str  # detokenised (what the tool is fed)
    pe: str
    pe_tok: str  # lower-cased, Moses-tokenised post-edit
    google: str
    bing: str
    edits: int  # TER edits of mt_tok against pe_tok
    pe_words: int
    bad: list[bool]  # per Moses token of mt_tok: edited by TER
    wmt_set: str = ""
    wmt_index: int = -1  # 0-based segment of the WMT set
    docid: str = ""
    ref: str = ""  # WMT English reference of the segment
    match: str = ""  # "exact", "fuzzy" or "" (no WMT segment)

    @property
    def mt_words(self) -> int:
        return len(self.mt_tok.split())

    @property
    def hter(self) -> float:
        return self.edits / max(self.pe_words, 1)


@dataclass
class Story:
    id: str
    lines: list[int]  # LIG line numbers in story order
    reference: bool
    block: str  # "nc", "newstest2009", "newstest2010"


@dataclass
class Corpus:
    lines: dict[int, Line]
    stories: list[Story]
    matched: dict[str, dict[str, int]] = field(default_factory=dict)  # per set: exact / fuzzy / unmatched

    def story_of(self) -> dict[int, str]:
        return {n: s.id for s in self.stories for n in s.lines}


def _fold(text: str) -> str:
    return " ".join(text.split())


def _read(name: str) -> list[str]:
    return (LIG / name).read_text(encoding="utf-8").split("\n")[:-1]


def _match_block(lines: dict[int, Line], set_name: str, numbers: range) -> dict[str, int]:
    from rapidfuzz import fuzz

    fr = (WMT / f"{set_name}.fr").read_text(encoding="utf-8").split("\n")[:-1]
    en = (WMT / f"{set_name}.en").read_text(encoding="utf-8").split("\n")[:-1]
    docid = (WMT / f"{set_name}.docid").read_text(encoding="utf-8").split("\n")[:-1]
    by_text: dict[str, list[int]] = {}
    for k, text in enumerate(fr):
        by_text.setdefault(_fold(text), []).append(k)
    taken: set[int] = set()
    todo = []
    counts = {"exact": 0, "fuzzy": 0, "unmatched": 0}
    for n in numbers:
        hits = [k for k in by_text.get(_fold(lines[n].fr), []) if k not in taken]
        if hits:
            _attach(lines[n], set_name, hits[0], docid, en, "exact")
            taken.add(hits[0])
            counts["exact"] += 1
        else:
            todo.append(n)
    for n in todo:
        # the closest unmatched segment near where the neighbours sit (the blocks are in WMT order, a few swaps)
        before = [lines[m].wmt_index for m in range(n - 5, n) if m in lines and lines[m].wmt_set == set_name]
        centre = before[-1] + 1 if before else 0
        candidates = [k for k in range(max(0, centre - 60), min(len(fr), centre + 60)) if k not in taken]
        best = max(candidates, key=lambda k: fuzz.ratio(_fold(lines[n].fr), _fold(fr[k])), default=None)
        if best is not None and fuzz.ratio(_fold(lines[n].fr), _fold(fr[best])) >= 85:
            _attach(lines[n], set_name, best, docid, en, "fuzzy")
            taken.add(best)
            counts["fuzzy"] += 1
        else:
            counts["unmatched"] += 1
    counts["segments_in_set"] = len(fr)
    counts["documents"] = len({lines[n].docid for n in numbers if lines[n].docid})
    return counts


def _attach(line: Line, set_name: str, k: int, docid: list[str], en: list[str], how: str) -> None:
    line.wmt_set, line.wmt_index, line.docid, line.ref, line.match = set_name, k, docid[k], en[k], how


def _story_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "story"


def build() -> Corpus:
    from sacremoses import MosesDetokenizer, MosesTokenizer

    from aligner.scoring.statistics import ter_edited_words

    cols = {key: _read(name) for key, name in FILES.items()}
    tokenizer, detokenizer = MosesTokenizer(lang="en"), MosesDetokenizer(lang="en")
    lines: dict[int, Line] = {}
    for k in range(len(cols["fr"])):
        mt_tok = cols["mt_tok"][k].strip()
        pe_tok = " ".join(tokenizer.tokenize(cols["pe"][k].strip(), escape=False)).lower()
        edits, bad = ter_edited_words(mt_tok.split(), pe_tok.split())
        lines[k + 1] = Line(
            n=k + 1,
            fr=cols["fr"][k].strip(),
            mt_tok=mt_tok,
            mt=detokenizer.detokenize(mt_tok.split()),
            pe=cols["pe"][k].strip(),
            pe_tok=pe_tok,
            google=cols["google"][k].strip(),
            bing=cols["bing"][k].strip(),
            edits=edits,
            pe_words=len(pe_tok.split()),
            bad=bad,
        )
    matched = {name: _match_block(lines, name, numbers) for name, numbers in BLOCKS}
    stories: list[Story] = []
    nc = [n for n in range(1, BLOCKS[0][1].start)]
    for start in range(0, len(nc), NC_STORY):
        stories.append(Story(f"nc-{start // NC_STORY + 1:04d}", nc[start : start + NC_STORY], False, "nc"))
    for name, numbers in BLOCKS:
        docs: dict[str, list[int]] = {}
        for n in numbers:
            if lines[n].docid:
                docs.setdefault(lines[n].docid, []).append(n)
        for docid, members in docs.items():
            members.sort(key=lambda m: lines[m].wmt_index)
            stories.append(Story(_story_id(f"{name}-{docid}"), members, True, name))
        loose = [n for n in numbers if not lines[n].docid]
        for start in range(0, len(loose), NC_STORY):  # lines no WMT segment matches: stories without a reference
            stories.append(
                Story(f"{name}-unmatched-{start // NC_STORY + 1}", loose[start : start + NC_STORY], False, name)
            )
    ids = [s.id for s in stories]
    assert len(ids) == len(set(ids)), "story ids must be unique"
    return Corpus(lines, stories, matched)


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in FILES.values():
        digest.update((LIG / name).read_bytes())
    for set_name, _ in BLOCKS:
        for ext in ("fr", "en", "docid"):
            digest.update((WMT / f"{set_name}.{ext}").read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def load() -> Corpus:
    key = fingerprint()
    if CACHE.exists():
        data = json.loads(CACHE.read_text(encoding="utf-8"))
        if data.get("fingerprint") == key:
            return Corpus(
                {int(n): Line(**v) for n, v in data["lines"].items()},
                [Story(**s) for s in data["stories"]],
                data["matched"],
            )
    corpus = build()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "fingerprint": key,
        "lines": {n: asdict(v) for n, v in corpus.lines.items()},
        "stories": [asdict(s) for s in corpus.stories],
        "matched": corpus.matched,
    }
    CACHE.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return corpus


if __name__ == "__main__":
    import time

    t = time.perf_counter()
    c = load()
    print(f"{len(c.lines)} lines, {len(c.stories)} stories in {time.perf_counter() - t:.1f} s")
    print(json.dumps(c.matched, indent=1))
    for block in ("nc", "newstest2009", "newstest2010"):
        ss = [s for s in c.stories if s.block == block]
        print(block, len(ss), "stories", sum(len(s.lines) for s in ss), "lines")
    train = [c.lines[n] for n in TRAIN]
    bad = sum(sum(x.bad) for x in train) / sum(len(x.bad) for x in train)
    print(f"BAD share on the training lines: {bad:.3f} (held-out figures come from evaluate.py only)")
