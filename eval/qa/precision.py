"""How often each QA flag is right: the checks on real MT and on human translations, with hand-judged samples.

    python eval/qa/precision.py [--data ../shared/data]   # writes eval/qa/results.md and eval/qa/samples/

The checks run as the pipeline runs them on a bead without a reference (``check_bead(source, mt, "", False)``),
one sentence pair = one bead, on

- ``google``: LIG post-edition corpus, French source and Google Translate's English (~2015), lines 1–8,681;
- ``bing``: the same sources and Bing Translator's English, lines 1–8,681;
- ``newstest``: WMT newstest2014 fr-en, the human reference as if it were MT (a correct translation: by the brief's
  rule every error or warning fired there is a false positive).

LIG lines 8,682–10,881 are a held-out evaluation split for another issue: they are never read (the files are read
line by line and closed after line 8,681).

For each flag code, a sample of at most ``SAMPLE`` firings is drawn from the three sets pooled: the firings with
the smallest sha256 of ``SEED|set|line|code`` (a uniform random sample that stays the same when firings elsewhere
come or go). Each sampled firing was read and judged by hand; the judgements are in
``eval/qa/samples/judgements.tsv`` (set, line, code, the reason judged, verdict ``TP``/``FP``, a note, and the two
texts), keyed by set, line, code and reason: a firing whose reason has changed since it was judged is judged again.
Sampled firings without a judgement are written to ``eval/qa/samples/pending.tsv`` and shown as ``?``.

Two precisions per code: *as judged* (a flag on a newstest reference that points at a real error of that reference,
an unpaired quotation mark or a wrong year, counts as right) and *strict* (every newstest firing counts as wrong).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # eval/: machine.py, shared by the benchmarks

from machine import cpu_name

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "samples"
JUDGEMENTS = SAMPLES / "judgements.tsv"
PENDING = SAMPLES / "pending.tsv"
LIG_LINES = 8681  # lines 8,682–10,881 are held out: never read
BEFORE = "5640831"  # the checks before issue 16, counted on the same sets for comparison
SAMPLE = 30
SEED = "issue-16"
SETS = ("google", "bing", "newstest")
KNOWN_SEVERITY = {  # codes that may fire on none of the sets now
    "too-long": "warning",
    "too-short": "warning",
    "dropped": "error",
    "added": "error",
    "repetition": "error",
}
SET_NAMES = {
    "google": "LIG Google (1–8,681)",
    "bing": "LIG Bing (1–8,681)",
    "newstest": "newstest2014 refs",
}
FIELDS = ("set", "line", "code", "reason", "verdict", "note", "source", "mt")
# plain TSV: one record a line, no quoting (texts have their tabs and newlines made spaces, backslashes escaped)
TSV = {"delimiter": "\t", "quoting": csv.QUOTE_NONE, "quotechar": None, "escapechar": "\\", "lineterminator": "\n"}


@dataclass(frozen=True)
class Firing:
    set: str
    line: int  # 1-based line of the corpus files
    code: str
    severity: str
    reason: str
    source: str
    mt: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.set, self.line, self.code)

    @property
    def order(self) -> str:
        return hashlib.sha256(f"{SEED}|{self.set}|{self.line}|{self.code}".encode()).hexdigest()


def read_lines(path: Path, limit: int | None = None) -> list[str]:
    """The lines of ``path`` without their newline; with ``limit``, only the first ``limit`` lines are read."""
    with path.open(encoding="utf-8", newline="\n") as fh:
        lines = islice(fh, limit) if limit is not None else fh
        return [line.rstrip("\n") for line in lines]


def corpora(data: Path) -> dict[str, tuple[list[str], list[str]]]:
    lig = data / "lig-postedit-fren"
    source = read_lines(lig / "src-ref-all.fr", LIG_LINES)
    google = read_lines(lig / "output_Google_Translator.en", LIG_LINES)
    bing = read_lines(lig / "output_Bing_Translator.en", LIG_LINES)
    wmt = data / "wmt-newstest-fren" / "txt"
    sets = {
        "google": (source, google),
        "bing": (source, bing),
        "newstest": (read_lines(wmt / "newstest2014.fr"), read_lines(wmt / "newstest2014.en")),
    }
    for name, (src, mt) in sets.items():
        if len(src) != len(mt):
            raise SystemExit(f"{name}: {len(src)} source lines but {len(mt)} translations")
    assert len(source) == LIG_LINES
    return sets


def fire(sets: dict[str, tuple[list[str], list[str]]]) -> tuple[list[Firing], dict[str, float]]:
    from aligner.qa.checks import check_bead

    firings: list[Firing] = []
    seconds: dict[str, float] = {}
    for name, (src, mt) in sets.items():
        start = time.perf_counter()
        for k, (s, t) in enumerate(zip(src, mt)):
            for flag in check_bead(s, t, "", False):
                firings.append(Firing(name, k + 1, flag.code, flag.severity, flag.reason, s, t))
        seconds[name] = time.perf_counter() - start
    return firings, seconds


CHILD = """
import json, sys
from collections import Counter
from aligner.qa.checks import check_bead
sets = json.load(open(sys.argv[1], encoding="utf-8"))
out = {}
for name, (src, mt) in sets.items():
    counts = Counter()
    for s, t in zip(src, mt):
        counts.update(f.code for f in check_bead(s, t, "", False))
    out[name] = counts
print(json.dumps(out))
"""


def counts_at(commit: str, sets: dict[str, tuple[list[str], list[str]]]) -> dict[str, Counter[str]]:
    """Firings per code and set of the checks as they were at ``commit`` (its ``src`` from ``git archive``, run in
    a child process: the working tree is not touched)."""
    archive = subprocess.run(["git", "archive", commit, "src"], cwd=ROOT, capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory(prefix="qa-before-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        data = Path(tmp) / "sets.json"
        data.write_text(json.dumps(sets), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(Path(tmp) / "src"), ALIGNER_CACHE=str(Path(tmp) / "cache"))
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(data)], cwd=tmp, env=env, capture_output=True, text=True, check=True
        )
    return {name: Counter(c) for name, c in json.loads(child.stdout).items()}


def one_line(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def load_judgements() -> dict[tuple[str, int, str], dict[str, str]]:
    if not JUDGEMENTS.is_file():
        return {}
    with JUDGEMENTS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, **TSV))
    return {(r["set"], int(r["line"]), r["code"]): r for r in rows}


def sample(firings: list[Firing]) -> dict[str, list[Firing]]:
    by_code: dict[str, list[Firing]] = defaultdict(list)
    for f in firings:
        by_code[f.code].append(f)
    return {code: sorted(fs, key=lambda f: f.order)[:SAMPLE] for code, fs in by_code.items()}


def verdict(f: Firing, judged: dict[tuple[str, int, str], dict[str, str]]) -> tuple[str, str]:
    row = judged.get(f.key)
    if row is None or row["reason"] != one_line(f.reason):
        return "?", ""
    return row["verdict"], row["note"]


def write_tsv(path: Path, rows: Iterator[dict[str, str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, FIELDS, **TSV)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def percent(hits: int, n: int) -> str:
    return f"{100 * hits / n:.0f} % ({hits}/{n})" if n else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("ALIGNER_SHARED", ROOT.parent / "shared")) / "data"
    )
    args = parser.parse_args()
    sets = corpora(args.data)
    firings, seconds = fire(sets)
    before = counts_at(BEFORE, sets)
    wmt = args.data / "wmt-newstest-fren" / "txt"
    extra = {"newstest2013": (read_lines(wmt / "newstest2013.fr"), read_lines(wmt / "newstest2013.en"))}
    extra_firings, _ = fire(extra)
    nt13 = Counter(f.code for f in extra_firings)
    judged = load_judgements()
    samples = sample(firings)
    severity = {f.code: f.severity for f in firings}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for f in firings:
        counts[f.code][f.set] += 1

    pending = [f for fs in samples.values() for f in fs if verdict(f, judged)[0] == "?"]
    write_tsv(
        PENDING,
        (
            {
                "set": f.set,
                "line": str(f.line),
                "code": f.code,
                "reason": one_line(f.reason),
                "verdict": judged.get(f.key, {}).get("verdict", ""),
                "note": judged.get(f.key, {}).get("note", ""),
                "source": one_line(f.source),
                "mt": one_line(f.mt),
            }
            for f in pending
        ),
    )

    order = {"error": 0, "warning": 1, "info": 2}
    severity.update({c: s for c, s in KNOWN_SEVERITY.items() if c not in severity})
    every = set(counts) | {c for per_set in before.values() for c in per_set} | set(nt13)
    codes = sorted(every, key=lambda c: (order[severity.get(c, "info")], c))
    rows = []
    for code in codes:
        picked = samples.get(code, [])
        verdicts = [verdict(f, judged)[0] for f in picked]
        tp = sum(v == "TP" for v in verdicts)
        strict = sum(v == "TP" and f.set != "newstest" for v, f in zip(verdicts, picked))
        unjudged = sum(v == "?" for v in verdicts)
        by_set = Counter(f.set for f in picked)
        fired = " | ".join(f"{before[n][code]} → {counts[code][n]}" for n in SETS)
        sample_cell = f"{len(picked)} ({by_set['google']}/{by_set['bing']}/{by_set['newstest']})" if picked else "0"
        rows.append(
            f"| `{code}` | {severity.get(code, '?')} | {fired} | {nt13[code]} | {sample_cell} | "
            f"{percent(tp, len(picked) - unjudged)} | {percent(strict, len(picked) - unjudged)} |"
            + (f" {unjudged} not judged |" if unjudged else " |")
        )
        if picked:
            write_sample(code, severity[code], picked, judged, counts[code])

    table = "\n".join(
        [
            "| code | severity | LIG Google, before → now | LIG Bing, before → now | newstest2014 refs, before → now | "
            "newstest2013 refs, now (not sampled) | sample (G/B/N) | precision, as judged | precision, strict | |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
            *rows,
        ]
    )
    lines = {name: len(src) for name, (src, _) in sets.items()}
    timing = ", ".join(f"{SET_NAMES[n]} {seconds[n]:.1f} s for {lines[n]:,} pairs" for n in SETS)
    generated = (HERE / "results.md").read_text(encoding="utf-8") if (HERE / "results.md").is_file() else ""
    head, _, _ = generated.partition("<!-- table -->")
    _, _, tail = generated.partition("<!-- /table -->")
    stamp = (
        f"Generated by `python eval/qa/precision.py` on {datetime.date.today().isoformat()}, {cpu_name()} "
        f"({os.cpu_count()} cores), Python {platform.python_version()}; checking took {timing}. "
        f"Before: the checks at commit {BEFORE}. Sample: at most {SAMPLE} firings per code from the three sets pooled "
        f"(now), seed `{SEED}`. "
        f"{len(pending)} sampled firings not judged."
    )
    body = f"<!-- table -->\n{stamp}\n\n{table}\n<!-- /table -->"
    (HERE / "results.md").write_text((head or "# QA flag precision\n\n") + body + (tail or "\n"), encoding="utf-8")
    print(table)
    print(stamp)
    return 1 if pending else 0


def write_sample(
    code: str,
    severity: str,
    picked: list[Firing],
    judged: dict[tuple[str, int, str], dict[str, str]],
    counts: Counter[str],
) -> None:
    out = [
        f"# `{code}` ({severity}): {len(picked)} sampled firings",
        "",
        f"Fired {counts['google']} times on LIG Google, {counts['bing']} on LIG Bing, {counts['newstest']} on "
        "newstest2014 references. Line numbers are 1-based lines of the corpus files. Verdict: TP, the flag points "
        "at a real problem of the English; FP, it does not.",
        "",
    ]
    for k, f in enumerate(picked, 1):
        v, note = verdict(f, judged)
        out += [
            f"## {k}. {SET_NAMES[f.set]}, line {f.line}: **{v}**",
            "",
            f"- reason: {f.reason}",
            f"- FR: {one_line(f.source)}",
            f"- EN: {one_line(f.mt)}",
            f"- judgement: {note}" if note else "- judgement: (none yet)",
            "",
        ]
    (SAMPLES / f"{code}.md").write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
