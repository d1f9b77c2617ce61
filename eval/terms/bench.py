"""A glossary obeyed by the MT, measured: term success, forbidden terms, chrF and time, with and without it.

    python models/build_random_opus.py          # once: the random-weight model (eval/artifacts/, ~300 MB)
    python eval/terms/bench.py --model eval/artifacts/random-opus-mt-fr-en --label "random weights (mechanism)"
    python eval/terms/bench.py --model models/tiny-marian-fr-en --label "tiny model"
    # on a connected machine, the real model:
    python eval/terms/bench.py --model Helsinki-NLP/opus-mt-fr-en --label "opus-mt-fr-en"

Over the French-original documents of WMT newstest2014 fr-en (``../shared/data/wmt-newstest-fren/txt``, the
lines whose ``origlang`` is ``fr``; ``--docs N``: the first N documents), each document translated as one story
(one ``translate`` call, as ``aligner run`` does), once without and once with the glossary, by two translators
over one loaded model (the same weights, threads and batching), alternating which goes first from one document
to the next. Prints a Markdown table row per figure and writes ``--json``:

- term success rate: required-term occurrences used / occurrences (WMT 2023's definition: each occurrence of an
  entry's French term in a source sentence counts once, and is a success when the MT uses the entry's preferred
  or admitted English at least that many times in the sentence; matching as ``aligner.terms`` does);
- forbidden-term rate: (sentence, entry) pairs whose MT holds a forbidden term of the entry / pairs whose entry
  forbids something;
- chrF (sacreBLEU, corpus level) against the reference, with and without;
- time per sentence with and without (translation only, model loaded), their ratio, the CPU and the load average;
- sentences without any glossary term whose MT differs between the two runs (must be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # eval/: machine.py, shared by the benchmarks

from machine import cpu_name

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "wmt-newstest-fren" / "txt"


def documents(data: Path, first: int | None) -> list[tuple[str, list[str], list[str]]]:
    """(docid, French lines, reference lines) of newstest2014's French-original documents, in file order."""
    fr = (data / "newstest2014.fr").read_text(encoding="utf-8").splitlines()
    en = (data / "newstest2014.en").read_text(encoding="utf-8").splitlines()
    docid = (data / "newstest2014.docid").read_text(encoding="utf-8").splitlines()
    orig = (data / "newstest2014.origlang").read_text(encoding="utf-8").splitlines()
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for f, e, d, o in zip(fr, en, docid, orig):
        if o == "fr":
            docs.setdefault(d, ([], []))[0].append(f)
            docs[d][1].append(e)
    out = [(d, f, e) for d, (f, e) in docs.items()]
    return out[:first] if first else out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="hub id, transformers folder or CTranslate2 folder")
    parser.add_argument("--label", default="", help="what the model is, for the table")
    parser.add_argument("--engine", default="ctranslate2", choices=("ctranslate2", "transformers"))
    parser.add_argument("--glossary", type=Path, default=ROOT / "eval" / "terms" / "glossary-newstest2014.tsv")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--docs", type=int, default=None, help="only the first N French-original documents")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-new-tokens", type=int, default=None)
    parser.add_argument("--no-shortlist", action="store_true", help="CTranslate2's vocabulary shortlist off in both")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "0" if "/" in args.model and not Path(args.model).exists() else "1")
    from sacrebleu.metrics import CHRF

    from aligner.terms import find_terms, load_glossary
    from aligner.translation import make_translator
    from aligner.translation.frontend import MarianTranslator
    from aligner.translation.terms import forbidden_found, term_success

    glossary = load_glossary(args.glossary)
    docs = documents(args.data, args.docs)
    plain = make_translator(
        args.engine,
        model=args.model,
        beam=args.beam,
        threads=args.threads,
        max_new_tokens=args.max_new_tokens,
        shortlist=not args.no_shortlist,
    )
    if not isinstance(plain, MarianTranslator):
        raise SystemExit("bench.py measures a MarianMT model")
    forced = MarianTranslator(
        plain.backend,
        plain.pieces,
        plain.model,
        beam=args.beam,
        max_new_tokens=args.max_new_tokens,
        glossary=glossary,
    )
    plain.translate(docs[0][1][:2])  # warm up: first-call allocations count for neither run
    forced.translate(docs[0][1][:2])
    forced.forced = 0
    seconds = {"without": 0.0, "with": 0.0}
    mt: dict[str, list[str]] = {"without": [], "with": []}
    load_before = os.getloadavg()
    for n, (_, fr, _) in enumerate(docs):
        order = [("without", plain), ("with", forced)]
        if n % 2:
            order.reverse()
        outputs: dict[str, list[str]] = {}
        for name, translator in order:
            start = time.perf_counter()
            outputs[name] = [t.text for t in translator.translate(fr)]
            seconds[name] += time.perf_counter() - start
        for name in mt:
            mt[name] += outputs[name]
        print(f"\r{n + 1}/{len(docs)} documents", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    load_after = os.getloadavg()
    sources = [line for _, fr, _ in docs for line in fr]
    refs = [line for _, _, en in docs for line in en]
    matches = [find_terms(glossary, s) for s in sources]
    figures: dict[str, object] = {}
    for name in ("without", "with"):
        used = total = 0
        bad = forbidding = 0
        for ms, out in zip(matches, mt[name]):
            u, t = term_success(ms, out)
            used, total = used + u, total + t
            entries = {id(m.entry): m for m in ms if m.entry.forbidden}
            forbidding += len(entries)
            bad += sum(1 for m in entries.values() if forbidden_found([m], out))
        figures[name] = {
            "term_success": used / total if total else 1.0,
            "terms_used": used,
            "term_occurrences": total,
            "forbidden_rate": bad / forbidding if forbidding else 0.0,
            "forbidden_found": bad,
            "forbidden_checked": forbidding,
            "chrf": CHRF().corpus_score(mt[name], [refs]).score,
            "seconds_per_sentence": seconds[name] / len(sources),
        }
    ref_used = ref_total = 0
    for ms, ref in zip(matches, refs):
        u, t = term_success(ms, ref)
        ref_used, ref_total = ref_used + u, ref_total + t
    with_terms = sum(1 for ms in matches if ms)
    changed_without_terms = sum(1 for ms, a, b in zip(matches, mt["without"], mt["with"]) if not ms and a != b)
    sig = forced.signature
    figures.update(
        {
            "model": args.model,
            "label": args.label,
            "engine": f"{sig.engine} {sig.engine_version} {sig.compute_type}"
            + (f", shortlist {sig.shortlist}" if sig.shortlist else ""),
            "beam": args.beam,
            "threads": args.threads,
            "documents": len(docs),
            "sentences": len(sources),
            "sentences_with_terms": with_terms,
            "sentences_redecoded": forced.forced,
            "changed_without_terms": changed_without_terms,
            "reference_term_success": ref_used / ref_total if ref_total else 1.0,
            "glossary": f"{args.glossary.name} ({len(glossary)} entries, {sig.glossary})",
            "signature": sig.render(),
            "cpu": cpu_name(),
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "time_ratio": figures["with"]["seconds_per_sentence"] / figures["without"]["seconds_per_sentence"],  # type: ignore[index]
        }
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    w, g = figures["without"], figures["with"]
    assert isinstance(w, dict) and isinstance(g, dict)
    print(
        f"| {args.label or args.model} | {figures['engine']}, beam {args.beam}, {args.threads} thread(s) "
        f"| {g['term_success']:.1%} ({g['terms_used']}/{g['term_occurrences']}) "
        f"| {w['term_success']:.1%} "
        f"| {g['forbidden_rate']:.1%} ({g['forbidden_found']}/{g['forbidden_checked']}) "
        f"| {w['forbidden_rate']:.1%} ({w['forbidden_found']}/{w['forbidden_checked']}) "
        f"| {g['chrf']:.2f} | {w['chrf']:.2f} "
        f"| {g['seconds_per_sentence'] * 1000:.1f} ms | {w['seconds_per_sentence'] * 1000:.1f} ms "
        f"| {figures['time_ratio']:.2f}× | {changed_without_terms} |"
    )
    print(
        f"{len(sources)} sentences in {len(docs)} documents, {with_terms} with a glossary term, "
        f"{forced.forced} re-decoded; the reference uses {ref_used}/{ref_total} of the required terms; "
        f"CPU {figures['cpu']}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
