"""The one evaluation of the fitted risk model on the held-out LIG lines 8,682–10,881 (the newstest2010 block).

    python eval/quality/evaluate.py        # ≈5 min; writes eval/quality/results.md, results.json, curve.png

This is the only script that reads the held-out lines' truth (their post-edits). It runs the tool as a user
would: ``aligner batch`` on one story per WMT document (LIG lines matched to newstest2010 segments by
``lig.py``), MT = LIG's Moses output detokenised with sacremoses, fed as ``--translations``, reference = the WMT
English, in four conditions: with and without the reference, with and without ``--second-opinion`` on Google's
output. Every run uses the lexical table that saw no LIG line and no newstest2009/2010 segment
(``lexicon_heldout.py``, through ``ALIGNER_LEXICON``), as the fit did. It then compares each bead's ``risk`` from
``result.json`` with the truth (TER of the Moses output against the lower-cased, Moses-tokenised post-edit):

- Pearson and Spearman of risk with sentence HTER (each LIG line gets its bead's risk), and with bead HTER;
- the share of all edits caught reviewing the riskiest beads up to 10 / 20 / 30 % of the MT words (Moses tokens),
  beside sorting by bead chrF (lowest first, from the same result.json), random order (its expectation: the
  budget itself) and the oracle (beads by their true share of edited words); the whole curve in curve.png;
- word level on the last 881 lines (10,001–10,881): each Moses token gets the probability of the word unit of
  result.json that covers it; BAD when it is at least the model's threshold (chosen by cross-validation on lines
  1–8,681, stored in the model); F1 of the BAD class and MCC, beside the published WCE-LIG figures for that split
  (Servan et al., IWSLT 2015) and the trivial all-BAD F1 on the same labels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset
import lig

HERE = Path(__file__).resolve().parent
WORK = lig.ARTIFACTS / "heldout"
CONDITIONS = {  # name → (reference?, second opinion?)
    "reference + Google": (True, True),
    "reference": (True, False),
    "no reference + Google": (False, True),
    "no reference": (False, False),
}
BOOTSTRAP = 2000  # resamples of the stories for the 95 % intervals (seeded: the intervals are reproducible)
PUBLISHED = {  # WCE-LIG on the last 881 lines (Servan et al., IWSLT 2015)
    "WCE-LIG, all features (incl. Google and Bing)": 0.43,
    "WCE-LIG, baseline features": 0.30,
    "all BAD (published)": 0.35,
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def heldout_stories(corpus: lig.Corpus) -> list[lig.Story]:
    stories = [s for s in corpus.stories if any(n in lig.HELDOUT for n in s.lines)]
    assert all(n in lig.HELDOUT for s in stories for n in s.lines)
    return stories


def write_inputs(corpus: lig.Corpus, stories: list[lig.Story]) -> dict[str, Path]:
    WORK.mkdir(parents=True, exist_ok=True)
    paths = {
        "ref": WORK / "stories.jsonl",
        "noref": WORK / "stories-noref.jsonl",
        "mt": WORK / "moses.jsonl",
        "google": WORK / "google.jsonl",
    }
    with paths["ref"].open("w", encoding="utf-8") as ref, paths["noref"].open("w", encoding="utf-8") as noref:
        for s in stories:
            ref.write(json.dumps(dataset.story_json(corpus, s, reference=True), ensure_ascii=False) + "\n")
            noref.write(json.dumps(dataset.story_json(corpus, s, reference=False), ensure_ascii=False) + "\n")
    for key, field in (("mt", "mt"), ("google", "google")):
        with paths[key].open("w", encoding="utf-8") as out:
            for s in stories:
                for n in s.lines:
                    line = corpus.lines[n]
                    out.write(
                        json.dumps({"source": line.fr, "translation": getattr(line, field)}, ensure_ascii=False) + "\n"
                    )
    return paths


def run_batch(paths: dict[str, Path], name: str, reference: bool, second: bool, lexicon: Path) -> tuple[Path, float]:
    out = WORK / "runs" / name.replace(" ", "-").replace("+", "plus")
    if out.exists():
        import shutil

        shutil.rmtree(out)
    cmd = [
        sys.executable,
        "-m",
        "aligner.cli",
        "batch",
        str(paths["ref" if reference else "noref"]),
        "-o",
        str(out),
        "--translations",
        str(paths["mt"]),
        "--quiet",
    ]
    if second:
        cmd += ["--second-opinion", str(paths["google"])]
    env = dict(os.environ, ALIGNER_LEXICON=str(lexicon))
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    return out, time.perf_counter() - start


def read_runs(corpus: lig.Corpus, stories: list[lig.Story], out: Path) -> dict[str, Any]:
    """Per bead: risk, chrF, edits, words, lines; per line: its bead's risk; per Moses token: its probability."""
    from aligner.results.rundir import read_run

    beads: list[dict[str, Any]] = []
    line_risk: dict[int, float] = {}
    token_p: dict[int, list[float]] = {}
    threshold = None
    for s in stories:
        result = read_run(out / "stories" / s.id)
        assert result.quality is not None, s.id
        threshold = result.quality.threshold
        numbers = dataset.sentence_lines(corpus, s, result)
        per_bead = result.scores.per_bead if result.scores is not None else None
        for k, bead in enumerate(result.beads):
            lines = [numbers[i] for i in bead.left]
            if not lines:
                continue
            beads.append(
                {
                    "risk": result.quality.risk[k],
                    "chrf": per_bead[k].chrf if per_bead is not None else None,
                    "edits": sum(corpus.lines[n].edits for n in lines),
                    "words": sum(corpus.lines[n].mt_words for n in lines),
                    "pe_words": sum(corpus.lines[n].pe_words for n in lines),
                    "lines": lines,
                    "story": s.id,
                }
            )
            for n in lines:
                line_risk[n] = result.quality.risk[k]
        for i, n in enumerate(numbers):
            line = corpus.lines[n]
            spans = dataset.token_spans(result.mt[i], line.mt_tok.split())
            words = result.quality.words[i]
            token_p[n] = [max((w.p for w in words if w.start < e and s_ < w.end), default=0.0) for s_, e in spans]
    return {"beads": beads, "line_risk": line_risk, "token_p": token_p, "threshold": threshold}


def bead_measures(beads: list[dict[str, Any]], key: str, sign: float = 1.0) -> dict[str, float]:
    scores = [sign * b[key] for b in beads]
    edits = [b["edits"] for b in beads]
    words = [b["words"] for b in beads]
    return {f"caught@{int(t * 100)}": dataset.caught_at(t, scores, edits, words) for t in (0.1, 0.2, 0.3)}


def intervals(beads: list[dict[str, Any]], *, chrf: bool, n: int = BOOTSTRAP, seed: int = 0) -> dict[str, Any]:
    """95 % percentile intervals of caught@20 (and of its gain over bead chrF, paired: the same resample for both),
    resampling whole stories with replacement: beads of a story are not independent (one desk, one topic)."""
    import numpy as np

    stories = sorted({b["story"] for b in beads})
    members = {s: [b for b in beads if b["story"] == s] for s in stories}
    rng = np.random.default_rng(seed)
    risk, gain = [], []
    for _ in range(n):
        sample = [b for k in rng.integers(0, len(stories), len(stories)) for b in members[stories[k]]]
        edits, words = [b["edits"] for b in sample], [b["words"] for b in sample]
        caught = dataset.caught_at(0.2, [b["risk"] for b in sample], edits, words)
        risk.append(caught)
        if chrf:
            gain.append(caught - dataset.caught_at(0.2, [-b["chrf"] for b in sample], edits, words))

    def ci(xs: list[float]) -> list[float]:
        return [round(float(v), 4) for v in np.percentile(xs, [2.5, 97.5])]

    out: dict[str, Any] = {"resamples": n, "seed": seed, "unit": "story", "caught@20": ci(risk)}
    if chrf:
        out["caught@20 minus bead chrF"] = ci(gain)
    return out


def main() -> int:
    import matplotlib  # noqa: F401  (the plot's library, checked before the runs rather than after them)

    lexicon = dataset.use_clean_lexicon()
    corpus = lig.load()
    stories = heldout_stories(corpus)
    matched = corpus.matched["newstest2010"]
    log(f"held-out: {len(stories)} stories (WMT documents), {sum(len(s.lines) for s in stories)} lines")
    paths = write_inputs(corpus, stories)
    results: dict[str, Any] = {"stories": len(stories), "matched": matched, "conditions": {}}
    curves: dict[str, tuple[list[float], list[float]]] = {}
    model_id = ""
    for name, (reference, second) in CONDITIONS.items():
        out, seconds = run_batch(paths, name, reference, second, lexicon)
        log(f"{name}: aligner batch in {seconds:.0f} s")
        data = read_runs(corpus, stories, out)
        sig = json.loads((out / "stories" / stories[0].id / "result.json").read_text(encoding="utf-8"))["signature"]
        model_id = next(p for p in sig.split("|") if p.startswith("risk:"))[5:]
        beads = data["beads"]
        for b in beads:
            b["share"] = b["edits"] / max(b["words"], 1)
            b["hter"] = b["edits"] / max(b["pe_words"], 1)
        lines = sorted(data["line_risk"])
        line_risk = [data["line_risk"][n] for n in lines]
        line_hter = [corpus.lines[n].hter for n in lines]
        row: dict[str, Any] = {
            "batch_seconds": round(seconds, 1),
            "beads": len(beads),
            "lines": len(lines),
            "pearson_sentence_hter": dataset.pearson(line_risk, line_hter),
            "spearman_sentence_hter": dataset.spearman(line_risk, line_hter),
            "pearson_bead_hter": dataset.pearson([b["risk"] for b in beads], [b["hter"] for b in beads]),
            "spearman_bead_hter": dataset.spearman([b["risk"] for b in beads], [b["hter"] for b in beads]),
            "risk": bead_measures(beads, "risk"),
            "oracle": bead_measures(beads, "share"),
            "interval": intervals(beads, chrf=reference),
        }
        if reference:
            row["chrf"] = bead_measures(beads, "chrf", -1.0)
            chrf = [b["chrf"] for b in beads]
            row["pearson_chrf_bead_hter"] = dataset.pearson(chrf, [b["hter"] for b in beads])
            curves[f"bead chrF, lowest first ({name})"] = dataset.caught_curve(
                [-c for c in chrf], [b["edits"] for b in beads], [b["words"] for b in beads]
            )
        curves[f"risk ({name})"] = dataset.caught_curve(
            [b["risk"] for b in beads], [b["edits"] for b in beads], [b["words"] for b in beads]
        )
        if name == "reference":
            curves["oracle"] = dataset.caught_curve(
                [b["share"] for b in beads], [b["edits"] for b in beads], [b["words"] for b in beads]
            )
        # word level, last 881 lines
        test = [n for n in lig.WORD_TEST]
        probs = [p for n in test for p in data["token_p"][n]]
        gold = [b for n in test for b in corpus.lines[n].bad]
        assert len(probs) == len(gold)
        t = data["threshold"]
        row["word"] = {"threshold": t, **dataset.f1_mcc([p >= t for p in probs], gold)}
        row["word"]["all_bad"] = dataset.f1_mcc([True] * len(gold), gold)["f1_bad"]
        row["word"]["bad_share"] = sum(gold) / len(gold)
        row["word"]["tokens"] = len(gold)
        results["conditions"][name] = row
        log(f"{name}: {json.dumps({k: v for k, v in row.items() if k != 'word'})} word {row['word']}")
    results["model"] = model_id
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    plot(curves, HERE / "curve.png")
    (HERE / "results.md").write_text(report(results), encoding="utf-8")
    log("wrote eval/quality/results.md, results.json, curve.png")
    return 0


def plot(curves: dict[str, tuple[list[float], list[float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5.5), dpi=110)
    for name, (xs, ys) in curves.items():
        style = {"linestyle": "--"} if "chrF" in name else {"linestyle": ":"} if name == "oracle" else {}
        ax.plot(xs, ys, label=name, linewidth=1.4, **style)
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, label="random order")
    for x in (0.1, 0.2, 0.3):
        ax.axvline(x, color="lightgrey", linewidth=0.6)
    ax.set_xlabel("share of MT words read (riskiest beads first)")
    ax.set_ylabel("share of the post-editor's edits caught")
    ax.set_title("LIG held-out lines 8,682–10,881 (newstest2010 block, 102 WMT documents)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)


def pct(v: float) -> str:
    return f"{100 * v:.1f} %"


def verdict(what: str, caught: float, target: float) -> str:
    """Whether the share caught at 20 % meets its target, in points (rounded as the table shows it)."""
    gap = round(100 * caught, 1) - round(100 * target, 1)
    if gap >= 0:
        return f"- {what}: {pct(caught)} at 20 %: the target of {pct(target)} is met."
    return f"- {what}: {pct(caught)} at 20 %: the target of {pct(target)} is **missed** by {-gap:.1f} points."


def report(r: dict[str, Any]) -> str:
    c = r["conditions"]
    m = r["matched"]
    out = [
        "# Risk per bead and word, measured on post-edits the fit never saw",
        "",
        "Made by `python eval/quality/evaluate.py` (after `python eval/quality/fit.py`); model "
        f"`{r['model']}` (`src/aligner/data/risk-model.json.gz`). Numbers: `results.json`; curve: `curve.png`.",
        "",
        "**Held-out rule.** The model was fitted, its hyper-parameters chosen and its word threshold set by "
        "5-fold cross-validation (grouped by story) on LIG lines 1–8,681 only (`fit.py`; its cross-validated "
        "figures are in `cv.json` and below). Lines 8,682–10,881 (the newstest2010 block, which holds the 881-line "
        "word-level test split) are read by this script only, to measure a model that was fitted, chosen and "
        "committed before it ran; nothing was chosen on them (each evaluation so far is listed at the end of this "
        "page, with what changed before it and why). The lexical "
        "table used for features and alignment in the fit and here was rebuilt without any LIG line and without "
        "newstest2009/2010 (`lexicon_heldout.py`): the shipped table was trained on all of LIG, held-out "
        "post-edits included.",
        "",
        "**Setup.** `aligner batch` on one story per WMT document: the held-out LIG lines were matched to "
        f"newstest2010 segments ({m['exact']} by their text, {m['fuzzy']} by the closest segment, "
        f"{m['unmatched']} unmatched; {m['documents']} documents, {r['stories']} stories); MT = LIG's Moses output "
        "detokenised with sacremoses, given as `--translations`; reference = the WMT English of the same "
        "segments; second opinion = Google's output (LIG's column) as `--second-opinion`. Truth: TER of the Moses "
        "output against the post-edit lower-cased and Moses-tokenised; a bead's edits are its lines' edits, its "
        "words their Moses tokens.",
        "",
        "## Share of all edits caught, reviewing the riskiest beads first",
        "",
        "| order | 10 % of words | 20 % | 30 % |",
        "|---|---:|---:|---:|",
    ]
    rows = [
        ("risk, reference + `--second-opinion` Google", c["reference + Google"]["risk"]),
        ("risk, reference (the tool's own signals)", c["reference"]["risk"]),
        ("risk, no reference + `--second-opinion` Google", c["no reference + Google"]["risk"]),
        ("risk, no reference", c["no reference"]["risk"]),
        ("bead chrF against the reference, lowest first", c["reference"]["chrf"]),
        ("random order (expectation)", {"caught@10": 0.1, "caught@20": 0.2, "caught@30": 0.3}),
        ("oracle: true share of edited words", c["reference"]["oracle"]),
    ]
    for name, v in rows:
        out.append(f"| {name} | {pct(v['caught@10'])} | {pct(v['caught@20'])} | {pct(v['caught@30'])} |")
    out += [
        "",
        "Targets (issue 17): ≥ 28 % at 20 % with the tool's own signals (aim 30 %), ≥ 31 % with the second "
        "opinion (aim 33 %).",
        "",
        verdict("the tool's own signals (reference)", c["reference"]["risk"]["caught@20"], 0.28),
        verdict("`--second-opinion` Google (with the reference)", c["reference + Google"]["risk"]["caught@20"], 0.31),
        "",
    ]
    if all("interval" in v for v in c.values()):
        first = next(iter(c.values()))["interval"]
        out += [
            f"**How sure.** 95 % intervals from {first['resamples']:,} resamples of the {r['stories']} stories "
            "(whole stories drawn with replacement, seeded; the gain over bead chrF is paired: both orders on the "
            "same resample):",
            "",
            "| condition | caught@20 | 95 % interval | gain over bead chrF, 95 % interval |",
            "|---|---:|---:|---:|",
        ]
        for name, v in c.items():
            lo, hi = v["interval"]["caught@20"]
            gain = v["interval"].get("caught@20 minus bead chrF")
            g = f"{100 * gain[0]:+.1f} to {100 * gain[1]:+.1f} points" if gain else "(no reference: no chrF)"
            out.append(f"| {name} | {pct(v['risk']['caught@20'])} | {pct(lo)} – {pct(hi)} | {g} |")
        for name, target in (("reference", 0.28), ("reference + Google", 0.31)):
            lo, hi = c[name]["interval"]["caught@20"]
            where = "inside" if lo <= target <= hi else "below" if target < lo else "above"
            out.append("")
            out.append(f"The target {pct(target)} ({name}) lies {where} its interval.")
        out += [
            "",
            "An interval is the range of the true figure (for stories like these) that this block is consistent "
            "with; a target inside it is neither shown met nor shown missed by this block (the "
            "verdicts above read the point figure).",
            "",
        ]
    out += [
        "**Which features.** Every figure on this page was measured with the source, fluency (English trigram "
        "model), lexical-table, length, QA-flag, reference and second-opinion features. None used the glass-box "
        "features (the MT model's own "
        "log-probabilities and n-best agreement): LIG's MT comes from Moses, which the tool cannot score, and the "
        "shipped model has no sub-model that reads them.",
        "",
        "**What the files saw.** The risk model (`risk-model.json.gz`): LIG lines 1–8,681 only. The lexical table "
        "of every run here (`lexicon_heldout.py`, through `ALIGNER_LEXICON`): no LIG line, no newstest2009/2010. "
        "The lexical table the package ships (`lexicon-fr-en.tsv.gz`) was trained on 10,854 of the 10,881 LIG lines, "
        "post-edits included, and on the WMT references: it was not used here, and figures made with it on these "
        "lines would not be held out. The frequent-word list (`english-frequent.txt`, a rank feature) was counted "
        "on corpora that include the LIG post-edits. The English trigram model of the fluency features "
        "(`english-lm.npz`, `models/build_english_lm.py`) read no LIG line and no newstest2009/2010 or "
        "newssyscomb2009 segment; it is the file the package ships.",
        "",
        "## Correlation of risk with HTER",
        "",
        "| condition | Pearson (sentence) | Spearman (sentence) | Pearson (bead) | Spearman (bead) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, v in c.items():
        out.append(
            f"| {name} | {v['pearson_sentence_hter']:.3f} | {v['spearman_sentence_hter']:.3f} | "
            f"{v['pearson_bead_hter']:.3f} | {v['spearman_bead_hter']:.3f} |"
        )
    out += [
        "",
        f"Bead chrF against the reference: Pearson {c['reference']['pearson_chrf_bead_hter']:.3f} with bead HTER "
        "(negative: lower chrF, more edits).",
        "",
        "## Word level, last 881 lines (10,001–10,881)",
        "",
        "BAD = a Moses token that TER edits (substituted, deleted or shifted) against the lower-cased, "
        "Moses-tokenised post-edit. WCE-LIG's own labels come from TERp-A (HypErrs > 0: stem, synonym and "
        "paraphrase matches count as edits too), which is not available here; the TER labels are the closest we "
        "can derive, and their BAD share is given so that the all-BAD baselines can be compared.",
        "",
        "| system | F1-BAD | MCC | precision BAD | recall BAD |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, v in c.items():
        w = v["word"]
        out.append(
            f"| ours, {name} (threshold {w['threshold']:.2f}) | {w['f1_bad']:.3f} | {w['mcc']:.3f} | "
            f"{w['precision_bad']:.3f} | {w['recall_bad']:.3f} |"
        )
    w = c["reference"]["word"]
    out.append(
        f"| all BAD, our labels ({pct(w['bad_share'])} BAD of {w['tokens']} tokens) | {w['all_bad']:.3f} | 0 | | |"
    )
    for name, f1 in PUBLISHED.items():
        out.append(f"| {name} | {f1:.2f} | | | |")
    out += [
        "",
        "The published figures use Google and Bing; ours use Google only (`--second-opinion` takes one system).",
        "",
        "## Cross-validated on the training lines (from `cv.json`)",
        "",
    ]
    cv = json.loads((HERE / "cv.json").read_text(encoding="utf-8"))
    out += [
        "| signals | beads | caught@20 (CV) | Pearson HTER (CV) | word F1-BAD (CV) | threshold |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for rep in cv["reports"]:
        b, wd = rep["bead"]["cv"], rep["word"]
        out.append(
            f"| {' + '.join(rep['signals'])} | {rep['beads']} | {pct(b['caught@20'])} | "
            f"{b['pearson_hter']:.3f} | {wd['cv']['f1_bad']:.3f} | {wd['threshold']:.2f} |"
        )
    out.append("")
    history = HERE / "history.md"  # what earlier runs and fits measured, kept by hand across reruns
    if history.exists():
        out += ["", history.read_text(encoding="utf-8").rstrip("\n"), ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
