"""Does a sentence's machine translation depend on which other sentences share its batch?

    python eval/batch/batch_dependence.py [--data ../shared/data] [--work /tmp/batchdep] [--scale 1.0]
                                          # rewrites eval/batch/batch_dependence.md

Batch jobs translate a sentence in whatever batch it lands in (its story, its worker, the sentences
around it), and the output must be byte-identical whatever the workers. This script translates the
same sentences in different batch contexts through ``make_translator`` (the project's front end and
backends, unmodified) and counts the sentences whose output text differs:

- a. each sentence alone (one ``translate`` call per sentence) vs all of them in one call (the front
  end sorts by length and plans batches with the backend's defaults);
- b. the sentences shuffled into calls of 20 ("stories") and, shuffled again, calls of 7, vs one call
  (and 20 vs 7);
- c. ``batch_size=1`` vs the default, each in one call;
- d. determinism: the one-call run twice in one process, once more in a second process, and
  ``threads=1`` vs ``threads=2`` (CTranslate2: two one-thread replicas decoding different batches;
  transformers: torch intra-op threads, in a process of its own since torch's setting is process-wide).

Configurations: CTranslate2 int8 (the CPU default) and float32, shortlist (``vmap``) on and off, beam 1
and 4, threads 1 (all experiments) and 2 (the batched ones: b, d); transformers float32 and int8 (torch
dynamic quantisation), beam 1 and 4, threads 1 (all experiments) and 2 (one call twice, on a subset:
torch with two threads on two busy cores is very slow). Differences where a run hit the length cap are
counted apart: the front end's cap depends on the batch by design (``2 × longest source + 16``). The
transformers backend never flags the cap for these checkpoints (their ``forced_eos_token_id``), so a
relabelling wrapper (``CapFlag``) flags it for the count; generation itself is untouched.

Two models:

- ``tiny``: models/tiny-marian-fr-en (2+2 layers, d_model 64, 257-piece vocabulary), default caps;
- ``random``: opus-mt-fr-en's exact architecture with random weights (models/build_random_opus.py, built
  into ``--work`` when missing): real-size GEMMs, so int8 and float32 kernels behave as with the real
  model. It never emits ``</s>``, so every output runs to the cap: the main runs fix the cap with
  ``max_new_tokens`` (every selected source is long enough for the cap to be the same in every batch) and
  one extra run shows the default cap. Its output is degenerate (a few tokens repeated), so token identity
  is a weak test there; the numeric probe is the informative one.

Numeric probe (a, threads 1): the same units, alone vs in the front end's batches (its split, pieces, plan
and caps), bit for bit. CTranslate2: ``translate_batch(..., return_scores=True)`` on the backend's own
translator, vmap and beam as configured. transformers: ``generate(..., output_scores=True)`` with the
backend's padding. Equal tokens with unequal scores mean the arithmetic depends on the batch, so a real
model with two near-tied candidates can flip a token.

Every process runs with HF_HUB_OFFLINE=1 and ALIGNER_CACHE=<work>/cache. About 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "models" / "tiny-marian-fr-en"
RANDOM_MAX_NEW = 24  # random model: cap = min(24 + 1, 2 × longest + 16) - 1 = 24 for every source of >= 5 pieces
RANDOM_MIN_PIECES = 5
SIZES = {
    "tiny": {"news": 600, "long": 20, "short": 20, "lig": 100},
    "random": {"news": 9, "long": 2, "short": 2, "lig": 3},
}
TINY_TF_EVERY = 5
TF_THREADS_EVERY = 5
CT2_GRID = [(ct, sl, th) for ct in ("int8", "float32") for sl in (True, False) for th in (1, 2)]
TF_GRID = [(ct, th) for ct in ("float32", "int8") for th in (1, 2)]
BEAMS = (1, 4)
GROUP_A, GROUP_B = 20, 7
EXAMPLES = 2


# ----------------------------------------------------------------------------------------------- sentences


def load_sentences(data: Path, which: str, keep: Any = None) -> list[str]:
    """Unique French sentences: newstest2014's first lines, its longest and very short ones further on, LIG lines.
    ``keep``: a filter applied before picking."""
    size = SIZES[which]
    ok = keep or (lambda s: True)
    news = [
        s.strip()
        for s in (data / "wmt-newstest-fren" / "txt" / "newstest2014.fr").read_text(encoding="utf-8").splitlines()
    ]
    lig = [s.strip() for s in (data / "lig-postedit-fren" / "src-ref-all.fr").read_text(encoding="utf-8").splitlines()]
    head = [s for s in news[:600] if s and ok(s)][: size["news"]]
    rest = sorted({s for s in news[600:] if s and ok(s)}, key=lambda s: (len(s), s))
    short = rest[: size["short"] * 3 : 3]  # the very shortest, every third for some variety
    long = rest[::-1][: size["long"]]
    picked = head + long + short + random.Random(11).sample([s for s in lig if s and ok(s)], size["lig"])
    return list(dict.fromkeys(picked))


# ----------------------------------------------------------------------------------------------- worker side


def translate_groups(translator: Any, sources: list[str], size: int, seed: int) -> list[Any]:
    order = list(range(len(sources)))
    random.Random(seed).shuffle(order)
    out: list[Any] = [None] * len(sources)
    for k in range(0, len(order), size):
        idx = order[k : k + size]
        for i, t in zip(idx, translator.translate([sources[i] for i in idx])):
            out[i] = t
    return out


def record(outs: list[Any]) -> dict[str, Any]:
    return {"text": [t.text for t in outs], "limit": [bool(t.hit_length_limit) for t in outs]}


def run_experiments(
    translator: Any, sources: list[str], mode: str, thr_sources: list[str] | None = None
) -> dict[str, Any]:
    """The experiments' outputs for one configuration. ``mode``: ``full`` (everything), ``batched`` (one call
    twice, calls of 20 and of 7: no single-sentence batches), ``twice`` (one call twice), ``one``."""
    from aligner.translation.frontend import MarianTranslator

    res: dict[str, Any] = {}
    t0 = time.perf_counter()
    res["one"] = record(translator.translate(sources))
    res["t_one"] = time.perf_counter() - t0
    if mode == "one":
        return res
    res["one_again"] = record(translator.translate(sources))
    if mode == "twice":
        return res
    if mode == "full":
        t1 = time.perf_counter()
        res["alone"] = record([translator.translate([s])[0] for s in sources])
        res["t_alone"] = time.perf_counter() - t1
    res["g20"] = record(translate_groups(translator, sources, GROUP_A, 1))
    res["g7"] = record(translate_groups(translator, sources, GROUP_B, 2))
    if mode == "full":
        bs1 = MarianTranslator(
            translator.backend,
            translator.pieces,
            translator.model,
            beam=translator.beam,
            batch_size=1,
            max_new_tokens=translator.max_output_tokens - 1,
        )
        res["bs1"] = record(bs1.translate(sources))
    if thr_sources:  # the input of the threads-2 process, for its threads comparison
        res["one_thr"] = record(translator.translate(thr_sources))
    return res


class CapFlag:
    """A transformers backend whose hypotheses say when generation stopped at the length cap. The checkpoints'
    ``forced_eos_token_id`` makes ``generate`` write ``</s>`` as the last allowed piece, so
    ``TransformersBackend.generate`` always finds ``</s>`` and never sets ``truncated``; here a hypothesis of
    ``max_pieces - 1`` pieces (its ``</s>`` forced at the cap) counts as capped. Generation is the backend's own."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    def generate(self, batches: Any, *, beam: int) -> Any:
        from aligner.translation.frontend import Hypothesis

        for batch, hyps in zip(batches, self._backend.generate(batches, beam=beam)):
            yield [Hypothesis(h.pieces, h.truncated or len(h.pieces) >= batch.max_pieces - 1) for h in hyps]


def with_beam(translator: Any, beam: int, backend: Any = None) -> Any:
    """The same backend under a front end with another beam (and the backend's default batching for it)."""
    from aligner.translation.frontend import MarianTranslator

    return MarianTranslator(
        backend or translator.backend,
        translator.pieces,
        translator.model,
        beam=beam,
        max_new_tokens=translator.max_output_tokens - 1,
    )


def front_batches(translator: Any, sources: list[str]) -> tuple[list[tuple[str, ...]], list[list[int]], list[int]]:
    """The front end's units (over-long sentences split as it splits them) as pieces, its batch plan and caps."""
    from aligner.reading.typography import normalize_source
    from aligner.translation.frontend import plan_batches, split_long

    texts = list(dict.fromkeys(normalize_source(s) for s in sources))
    units = [u for t in texts for u in split_long(t, translator._n_tokens, translator.max_input_tokens)]
    pieces = [tuple(translator.pieces.encode(u)) for u in units]
    plan = plan_batches([len(p) for p in pieces], translator.batch_size, translator.batch_tokens)
    caps = [min(translator.max_output_tokens, 2 * len(pieces[idx[0]]) + 16) - 1 for idx in plan]
    return pieces, plan, caps


def ct2_scores(translator: Any, sources: list[str]) -> dict[str, Any]:
    """Hypotheses and scores, alone vs in the front end's batches, on the backend's ctranslate2 translator."""
    backend = translator.backend
    pieces, plan, caps = front_batches(translator, sources)

    def run(batch: list[tuple[str, ...]], cap: int) -> list[tuple[list[str], float]]:
        res = backend.model.translate_batch(
            [list(p) for p in batch],
            beam_size=translator.beam,
            max_batch_size=0,
            max_decoding_length=cap,
            use_vmap=backend.use_vmap,
            return_scores=True,
        )
        return [(r.hypotheses[0], float(r.scores[0])) for r in res]

    return alone_and_batched(run, translator, pieces, plan, caps)


def tf_scores(translator: Any, sources: list[str]) -> dict[str, Any]:
    """Hypotheses and scores, alone vs in the front end's batches, through ``generate`` as the backend calls it."""
    import torch

    backend = translator.backend
    pieces, plan, caps = front_batches(translator, sources)

    def run(batch: list[tuple[str, ...]], cap: int) -> list[tuple[list[int], float]]:
        longest = max(len(s) for s in batch)
        ids = [[backend.vocab.get(p, backend.unk_id) for p in s] for s in batch]
        input_ids = torch.tensor([r + [backend.pad_id] * (longest - len(r)) for r in ids])
        mask = torch.tensor([[1] * len(r) + [0] * (longest - len(r)) for r in ids])
        with torch.inference_mode():
            out = backend.model.generate(
                input_ids=input_ids,
                attention_mask=mask,
                num_beams=translator.beam,
                max_length=cap + 1,
                do_sample=False,
                output_scores=True,
                return_dict_in_generate=True,
            )
        eos = backend.model.generation_config.eos_token_id
        seqs = []
        for row in out.sequences.tolist():
            gen = row[1:]
            seqs.append(gen[: gen.index(eos) + 1] if eos in gen else gen)  # a finished row is padded after </s>
        if translator.beam > 1:
            scores = [float(x) for x in out.sequences_scores]
        else:  # greedy: the chosen tokens' log-probabilities up to </s>, summed
            steps = torch.stack([torch.log_softmax(s.float(), -1) for s in out.scores], 1)  # rows × steps × vocab
            scores = [float(sum(steps[r, t, tok] for t, tok in enumerate(seq))) for r, seq in enumerate(seqs)]
        return list(zip(seqs, scores))

    return alone_and_batched(run, translator, pieces, plan, caps)


def alone_and_batched(run: Any, translator: Any, pieces: list[Any], plan: list[Any], caps: list[int]) -> dict[str, Any]:
    """``run`` each sentence in the front end's batches, then each alone (with its own cap), and compare."""
    batched: list[Any] = [None] * len(pieces)
    for idx, cap in zip(plan, caps):
        for i, h in zip(idx, run([pieces[i] for i in idx], cap)):
            batched[i] = h
    alone = [run([p], min(translator.max_output_tokens, 2 * len(p) + 16) - 1)[0] for p in pieces]
    return score_summary(alone, batched)


def score_summary(alone: list[Any], batched: list[Any]) -> dict[str, Any]:
    same_tokens = [a[0] == b[0] for a, b in zip(alone, batched)]
    diffs = [abs(a[1] - b[1]) for a, b, s in zip(alone, batched, same_tokens) if s]
    return {
        "n": len(alone),
        "token_diff": sum(not s for s in same_tokens),
        "score_diff": sum(d != 0.0 for d in diffs),
        "max_abs": max(diffs, default=0.0),
        "max_rel": max(
            (abs(a[1] - b[1]) / max(abs(a[1]), 1e-30) for a, b, s in zip(alone, batched, same_tokens) if s), default=0.0
        ),
    }


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    from aligner.translation import make_translator

    out: dict[str, Any] = {}
    common = {"model": spec["model"]}
    if spec["max_new"]:
        common["max_new_tokens"] = spec["max_new"]
    for cfg, mode in spec["configs"]:
        sources = spec["sources"]
        t0 = time.perf_counter()
        base: Any  # a MarianTranslator
        if spec["engine"] == "ctranslate2":
            ct, sl, th = cfg
            base = make_translator("ctranslate2", beam=1, compute_type=ct, shortlist=sl, threads=th, **common)
        else:
            ct, th = cfg
            base = make_translator("transformers", beam=1, compute_type=ct, threads=th, **common)
        load = time.perf_counter() - t0
        for beam in spec["beams"]:
            tr = with_beam(base, beam, CapFlag(base.backend) if spec["engine"] == "transformers" else None)
            key = json.dumps([spec["engine"], *cfg, beam])
            t1 = time.perf_counter()
            res = run_experiments(tr, sources, mode, spec.get("thr_sources"))
            if mode == "full" and spec["probe"]:
                res["probe"] = (ct2_scores if spec["engine"] == "ctranslate2" else tf_scores)(tr, sources)
            res["seconds"] = time.perf_counter() - t1
            res["load"] = load
            res["mode"] = mode
            res["batching"] = [tr.batch_size, tr.batch_tokens]
            res["shortlist"] = tr.backend.shortlist
            out[key] = res
            print(f"  {spec['name']} {key} {mode}: {res['seconds']:.1f} s", file=sys.stderr, flush=True)
    return out


# ----------------------------------------------------------------------------------------------- driver


def run_worker(spec: dict[str, Any], work: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run one worker process (``--worker``) and read its results."""
    path = work / f"spec-{spec['name']}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    result = work / f"result-{spec['name']}.json"
    subprocess.run([sys.executable, __file__, "--worker", str(path), "--result", str(result)], env=env, check=True)
    loaded: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return loaded


def diff_indices(a: dict[str, Any], b: dict[str, Any]) -> list[int]:
    return [i for i, (x, y) in enumerate(zip(a["text"], b["text"])) if x != y]


COMPARISONS = [  # (label, run A, run B)
    ("a. alone vs one call", "alone", "one"),
    ("b. calls of 20 vs one call", "g20", "one"),
    ("b. calls of 7 vs one call", "g7", "one"),
    ("b. calls of 20 vs calls of 7", "g20", "g7"),
    ("c. batch size 1 vs default", "bs1", "one"),
    ("d. same call twice, one process", "one_again", "one"),
    ("d. one call, second process", "one_proc2", "one"),
    ("d. threads 1 vs 2 (one call)", "one_threads", "one"),
]


def cpu_summary() -> str:
    info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), []))
    wanted = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8"]
    have = [f for f in wanted if f in flags]
    missing = [f for f in wanted if f not in flags]
    return f"{name}, {os.cpu_count()} logical CPUs; flags: {' '.join(have)} (absent: {' '.join(missing) or 'none'})"


def ct2_isa(env: dict[str, str]) -> str:
    code = "import ctranslate2, sys; ctranslate2.Translator(sys.argv[1], device='cpu', compute_type='int8')"
    from aligner.translation.convert import is_ct2_dir  # noqa: F401  (the package must import)

    folder = next((p for p in (Path(env["ALIGNER_CACHE"]) / "ct2").glob("*tiny*int8") if p.is_dir()), None)
    if folder is None:
        return "?"
    p = subprocess.run(
        [sys.executable, "-c", code, str(folder)], env={**env, "CT2_VERBOSE": "1"}, capture_output=True, text=True
    )
    lines = [
        line.split("[info]", 1)[1].strip()
        for line in p.stderr.splitlines()
        if "[info]" in line and "Loaded" not in line
    ]
    return "; ".join(lines[:6])


def short(text: str, n: int = 130) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= n else text[:n] + " …"


def make_specs(sets: dict[str, list[str]], rand_model: Path) -> list[dict[str, Any]]:
    """The worker processes to run, in order."""
    specs: list[dict[str, Any]] = []
    models = {"tiny": (str(TINY), None), "random": (str(rand_model), RANDOM_MAX_NEW)}
    for mname, (mpath, max_new) in models.items():
        base = {"model": mpath, "max_new": max_new, "probe": True, "beams": list(BEAMS)}
        ct2 = {**base, "engine": "ctranslate2", "sources": sets[mname]}
        grid = [[list(c), "full" if c[2] == 1 else "batched"] for c in CT2_GRID]
        specs.append({**ct2, "name": f"{mname}-ct2", "configs": grid})
        specs.append({**ct2, "name": f"{mname}-ct2-proc2", "configs": [[c, "one"] for c, _ in grid]})
        tf = {**base, "engine": "transformers", "sources": sets[f"{mname}-tf"]}
        # torch's thread count is per process: threads 2 in a process of its own, one call twice
        thr = sets[f"{mname}-tf-threads"]
        specs.append(
            {
                **tf,
                "name": f"{mname}-tf-t1",
                "configs": [[[ct, 1], "full"] for ct, th in TF_GRID if th == 1],
                "thr_sources": thr,
            }
        )
        specs.append(
            {**tf, "name": f"{mname}-tf-t1-proc2", "configs": [[[ct, 1], "one"] for ct, th in TF_GRID if th == 1]}
        )
        specs.append(
            {
                **tf,
                "name": f"{mname}-tf-t2",
                "configs": [[[ct, 2], "twice"] for ct, th in TF_GRID if th == 2],
                "sources": thr,
            }
        )
    # the random model at the front end's default cap (no max_new_tokens): one configuration, greedy
    specs.append(
        {
            "model": str(rand_model),
            "max_new": None,
            "engine": "ctranslate2",
            "sources": sets["random"],
            "probe": False,
            "beams": [1],
            "name": "random-defaultcap",
            "configs": [[["int8", True, 1], "full"]],
        }
    )
    return specs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/batchdep"), help="random model, conversions, worker files"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "batch" / "batch_dependence.md")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the sentence counts (a quick trial: 0.2)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker.read_text(encoding="utf-8"))
        args.result.write_text(json.dumps(worker(spec)), encoding="utf-8")
        return 0

    start = time.perf_counter()
    load_before = os.getloadavg()
    for size in SIZES.values():
        for k in size:
            size[k] = max(1, round(size[k] * args.scale))
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ALIGNER_CACHE": str(work / "cache")}
    os.environ.update({"HF_HUB_OFFLINE": "1", "ALIGNER_CACHE": str(work / "cache")})
    rand_model = work / "random-opus-mt-fr-en"
    if not (rand_model / "model.safetensors").is_file():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "models" / "build_random_opus.py"),
                "--data",
                str(args.data),
                "--out",
                str(rand_model),
            ],
            env=env,
            check=True,
        )

    from aligner.translation.pieces import MarianPieces

    rp = MarianPieces(rand_model)
    sets = {"tiny": load_sentences(args.data, "tiny")}
    sets["random"] = load_sentences(args.data, "random", keep=lambda s: len(rp.encode(s)) >= RANDOM_MIN_PIECES)
    sets["tiny-tf"] = sets["tiny"][::TINY_TF_EVERY]  # transformers is slower: every 5th sentence, all kinds kept
    sets["random-tf"] = sets["random"]
    # torch with 2 intra-op threads is slow on 2 busy cores: the threads comparison uses a subset
    sets["tiny-tf-threads"] = sets["tiny-tf"][::TF_THREADS_EVERY]
    sets["random-tf-threads"] = sets["random-tf"][::TF_THREADS_EVERY]

    specs = make_specs(sets, rand_model)
    results: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    for spec in specs:
        print(f"{spec['name']} ({len(spec['sources'])} sentences)", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        results[spec["name"]] = run_worker(spec, work, env)
        seconds[spec["name"]] = time.perf_counter() - t0

    rows, examples = assemble(specs, results)
    cap = results["random-defaultcap"][json.dumps(["ctranslate2", "int8", True, 1, 1])]
    cap_rows, cap_example = [], []
    for label, a, b in COMPARISONS[:5]:
        idx = diff_indices(cap[a], cap[b])
        prefix = sum(1 for i in idx if prefix_pair(cap[a]["text"][i], cap[b]["text"][i]))
        cap_rows.append((label, len(idx), prefix))
        if label.startswith("a."):
            cap_example = [(sets["random"][i], cap[a]["text"][i], cap[b]["text"][i]) for i in idx[:2]]
    elapsed = time.perf_counter() - start
    write_report(
        args.out, rows, examples, cap_rows, cap_example, sets, seconds, elapsed, (load_before, os.getloadavg()), env
    )
    print(f"wrote {args.out} in {elapsed / 60:.1f} min", file=sys.stderr)
    return 0


def prefix_pair(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def assemble(specs: list[dict[str, Any]], results: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Any]]:
    """One row per configuration: each comparison's differing sentences (and how many of them hit the length cap)."""
    rows: list[dict[str, Any]] = []
    examples: list[Any] = []
    by_name = {spec["name"]: spec for spec in specs}
    for spec in specs:
        name = spec["name"]
        if name.endswith("proc2") or name == "random-defaultcap":
            continue
        mname = name.split("-")[0]
        sources = spec["sources"]
        for key, res in results[name].items():
            engine, *cfg, beam = json.loads(key)
            th = cfg[-1]
            pairs: dict[str, tuple[Any, Any, list[str]]] = {}
            for label, a, b in COMPARISONS:
                if a in res and b in res:
                    pairs[label] = (res[a], res[b], sources)
            proc2 = results.get(f"{name}-proc2", {}).get(key)
            if proc2:
                pairs["d. one call, second process"] = (proc2["one"], res["one"], sources)
            twin = json.dumps([engine, *cfg[:-1], 3 - th, beam])
            if engine == "ctranslate2":
                pairs["d. threads 1 vs 2 (one call)"] = (results[name][twin]["one"], res["one"], sources)
            elif th == 1:
                t2 = name.replace("-t1", "-t2")
                pairs["d. threads 1 vs 2 (one call)"] = (
                    res["one_thr"],
                    results[t2][twin]["one"],
                    by_name[t2]["sources"],
                )
            else:
                t1 = results[name.replace("-t2", "-t1")][twin]
                pairs["d. threads 1 vs 2 (one call)"] = (t1["one_thr"], res["one"], sources)
            row = {
                "model": mname,
                "engine": engine,
                "compute": cfg[0],
                "shortlist": res["shortlist"] or "—",
                "beam": beam,
                "threads": th,
                "n": len(sources),
                "mode": res["mode"],
                "seconds": res["seconds"],
                "probe": res.get("probe"),
                "batching": res["batching"],
                "capped": sum(res["one"]["limit"]),
                "cells": {},
            }
            for label, _, _ in COMPARISONS:
                if label not in pairs:
                    continue
                ra, rb, srcs = pairs[label]
                idx = diff_indices(ra, rb)
                # with max_new_tokens the cap is the same in every batch: no difference is the cap's
                capped = [] if spec["max_new"] else [i for i in idx if ra["limit"][i] or rb["limit"][i]]
                row["cells"][label] = (len(idx), len(capped), len(srcs))
                if idx:
                    exs = [
                        (srcs[i], ra["text"][i], ra["limit"][i], rb["text"][i], rb["limit"][i]) for i in idx[:EXAMPLES]
                    ]
                    examples.append((row, label, len(idx), len(srcs), exs))
            rows.append(row)
    return rows, examples


def mechanism_check() -> dict[str, float]:
    """A row's output from a dynamic-int8 and a float32 Linear, alone vs sharing the tensor with a larger-valued row."""
    import torch

    torch.manual_seed(0)
    lin = torch.nn.Sequential(torch.nn.Linear(64, 64)).eval()
    q = torch.ao.quantization.quantize_dynamic(lin, {torch.nn.Linear}, dtype=torch.qint8)  # type: ignore[no-untyped-call]
    x = torch.randn(1, 5, 64)
    both = torch.cat([x, 8 * torch.randn(1, 5, 64)], 0)
    with torch.inference_mode():
        return {
            "tf_int8": float((q(x) - q(both)[:1]).abs().max()),
            "tf_fp32": float((lin(x) - lin(both)[:1]).abs().max()),
        }


def write_report(out, rows, examples, cap_rows, cap_example, sets, seconds, elapsed, load, env) -> None:  # type: ignore[no-untyped-def]
    import ctranslate2
    import torch
    import transformers

    mech = mechanism_check()
    labels = [c[0] for c in COMPARISONS]
    heads = ["a alone", "b 20", "b 7", "b 20/7", "c bs1", "d twice", "d proc", "d thr"]
    L: list[str] = []
    add = L.append
    add("# Batch dependence of machine translation\n")
    add(
        "Does a sentence's machine translation depend on the other sentences in its batch (padding, batch size, int8 "
        "kernels, worker threads)? Written by `python eval/batch/batch_dependence.py` (method in its docstring) on "
        f"{time.strftime('%Y-%m-%d')}; the whole run took {elapsed / 60:.1f} min "
        f"(load average {load[0][0]:.1f} before, "
        f"{load[1][0]:.1f} after: other jobs on the machine slow the timings, not the outputs).\n"
    )
    add("## Machine\n")
    add(f"- CPU: {cpu_summary()}")
    add(f"- CTranslate2 {ctranslate2.__version__}: {ct2_isa(env)}")
    add(
        f"- torch {torch.__version__} (quantized engine `{torch.backends.quantized.engine}`), transformers "
        f"{transformers.__version__}, Python {platform.python_version()}\n"
    )
    add("## Sentences\n")
    t, r = SIZES["tiny"], SIZES["random"]
    add(
        f"- **tiny** model, CTranslate2: N = {len(sets['tiny'])} unique sentences: the first {t['news']} lines of "
        f"newstest2014.fr, its {t['long']} longest and {t['short']} very short lines after line 600, {t['lig']} random "
        f"lines of LIG `src-ref-all.fr`; default length caps. transformers: every {TINY_TF_EVERY}th of them, "
        f"N = {len(sets['tiny-tf'])}."
    )
    add(
        f"- **random** model (both engines): N = {len(sets['random'])}: the first {r['news']} newstest2014.fr lines, "
        f"{r['long']} longest, {r['short']} shortest and {r['lig']} LIG lines among sources of at least "
        f"{RANDOM_MIN_PIECES} pieces; `max_new_tokens={RANDOM_MAX_NEW}`, so the length cap is {RANDOM_MAX_NEW} pieces "
        "in every batch (the last section shows the default cap); every output runs to that cap, and no difference "
        "is attributed to it."
    )
    add(
        f"- transformers threads 1 vs 2 (torch with 2 intra-op threads is slow on this 2-core machine when anything "
        f"else runs): every {TF_THREADS_EVERY}th sentence of the transformers set, N = {len(sets['tiny-tf-threads'])} "
        f"(tiny) and {len(sets['random-tf-threads'])} (random)."
    )
    add(
        "- The **cap** column and `(k cap)` count `Translation.hit_length_limit`. The transformers backend never "
        "sets it for these checkpoints (their `forced_eos_token_id` makes `generate` write `</s>` as the last "
        "allowed piece, so "
        "`TransformersBackend.generate` always finds `</s>`); for transformers the script counts an output of "
        "`max_pieces - 1` pieces as capped instead (`CapFlag`, a wrapper that only relabels).\n"
    )
    add("## Results: sentences whose output text differs\n")
    add(
        "Each cell: how many of the N sentences get a different text in the two runs; `(k cap)`: k of them hit the "
        "length cap in at least one run (see *Length cap* below); `–`: not run (threads 2 is run without the "
        "single-sentence experiments, which use one replica at a time anyway; transformers threads 2 only as one call "
        "twice). Columns: " + "; ".join(f"**{h}** = {lab}" for h, lab in zip(heads, labels)) + ". "
        "**probe**: hypotheses alone vs in the front end's batches, `tokens differ / tokens equal but score not "
        "bit-identical (largest score difference)`. **cap**: sentences hitting the length cap in the one-call run. "
        "**s**: seconds for the configuration's runs. **batch**: sentences / padded tokens per batch.\n"
    )
    add(
        "| model | engine | compute | shortlist | beam | threads | N | "
        + " | ".join(heads)
        + " | probe | cap | s | batch |"
    )
    add("|" + "---|" * (11 + len(heads)))
    for row in rows:
        cells = []
        for lab in labels:
            if lab not in row["cells"]:
                cells.append("–")
                continue
            n, capped, total = row["cells"][lab]
            cell = "0" if n == 0 else f"**{n}**" + (f" ({capped} cap)" if capped else "")
            cells.append(cell + (f" of {total}" if total != row["n"] else ""))
        p = row["probe"]
        pr = "–" if not p else f"{p['token_diff']} / {p['score_diff']} ({p['max_abs']:.1e})"
        eng = "ct2" if row["engine"] == "ctranslate2" else "tf"
        b = row["batching"]
        add(
            f"| {row['model']} | {eng} | {row['compute']} | {row['shortlist']} | {row['beam']} | {row['threads']} | "
            f"{row['n']} | "
            + " | ".join(cells)
            + f" | {pr} | {row['capped']} | {row['seconds']:.0f} | {b[0]}/{b[1] or '—'} |"
        )
    add("")
    add("Per-process wall time (s): " + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items()) + ".\n")
    add("## Verdict per configuration group\n")
    add(
        "Over experiments a–c (all beams and threads of the group): the largest count of differing sentences, and "
        "the largest count among them where neither run hit the length cap. Repeat: differences summed over the "
        "same call twice and the second process; threads: over threads 1 vs 2 (beams summed). Probe: sentences "
        "whose score is not bit-identical alone vs batched "
        "(out of the units decoded; over-long sentences are split into units).\n"
    )
    add(
        "| model | engine | compute | shortlist | largest a–c | without a cap hit | repeat | threads | probe "
        "| verdict |"
    )
    add("|---|---|---|---|---|---|---|---|---|---|")
    groups: dict[tuple[str, ...], list[Any]] = {}
    for row in rows:
        groups.setdefault((row["model"], row["engine"], row["compute"], row["shortlist"]), []).append(row)
    for (m, e, c, sl), rs in groups.items():
        abc = [row["cells"][lab] for row in rs for lab in labels[:5] if lab in row["cells"]]
        repeat = sum(row["cells"][lab][0] for row in rs for lab in labels[5:7] if lab in row["cells"])
        # threads 1 vs 2 appears on both rows of a pair: count it once, from the threads-1 rows
        threads = sum(row["cells"][labels[7]][0] for row in rs if row["threads"] == 1 and labels[7] in row["cells"])
        worst = max((x[0] for x in abc), default=0)
        clean = max((x[0] - x[1] for x in abc), default=0)
        n = rs[0]["n"]
        pr = ", ".join(
            f"beam {row['beam']}: {row['probe']['score_diff']}/{row['probe']['n']}" for row in rs if row["probe"]
        )
        if clean:
            verdict = f"**batch-dependent**: up to {clean} of {n} differ without a cap hit"
        elif worst:
            verdict = "only outputs that hit the length cap differ"
        else:
            verdict = "no difference"
        if repeat:
            verdict += f"; **not deterministic** ({repeat})"
        if threads:
            verdict += f"; **threads 1 vs 2 differ** ({threads})"
        add(
            f"| {m} | {'ct2' if e == 'ctranslate2' else 'tf'} | {c} | {sl} | {worst} | {clean} | {repeat} "
            f"| {threads} | {pr or '–'} | {verdict} |"
        )
    add("")
    add("## Why\n")
    add(
        "- **Length cap (front end, every engine).** `MarianTranslator._generate` gives each batch "
        "`min(model limit, 2 × longest source in the batch + 16)` pieces. A sentence that ends by itself is not "
        "affected; one that loops (the tiny model on some short sentences) runs to its batch's cap, so its output "
        "is longer or shorter, and under beam search can be a different hypothesis, depending on its batch-mates. "
        "These are the `(k cap)` differences."
    )
    add(
        "- **CTranslate2 shortlist.** `use_vmap` restricts the output layer to the candidates of the whole batch "
        "(`VocabularyMap::get_candidates(batch_tokens)` in CTranslate2 takes the batch's sources and returns one "
        "union), so a sentence can use a target piece that only a batch-mate's source made available, and every "
        "log-probability is normalised over a batch-dependent set (the probe's score differences with shortlist "
        "on)."
    )
    add(
        f"- **torch dynamic int8 (transformers `compute_type=int8`).** `quantize_dynamic` quantises each Linear "
        f"layer's input with one scale for the whole tensor, i.e. the whole padded batch. Check: a 64→64 dynamic int8 "
        f"Linear gives a row an output differing by {mech['tf_int8']:.2e} (max abs) when a larger-valued sentence "
        f"shares the tensor; the float32 Linear: {mech['tf_fp32']:.2e}."
    )
    float_rows = [
        row
        for row in rows
        if row["shortlist"] != "on" and (row["compute"] == "float32" or row["engine"] == "ctranslate2")
    ]
    float_clean = max(
        (c[0] - c[1] for row in float_rows for lab, c in row["cells"].items() if lab in labels[:5]), default=0
    )
    seen = (
        "no such flip was seen outside the length cap"
        if not float_clean
        else f"up to {float_clean} sentences differ without a cap hit"
    )
    add(
        "- **Float arithmetic.** Padding and batch size change GEMM shapes and reduction order; float32 results "
        "then differ in the last bits (the probe's ~1e-7–1e-5 score differences). A real model flips a token when "
        "two candidates are closer than that. In the float32 configurations and CTranslate2 int8, all without "
        f"shortlist, {seen}. CTranslate2 int8 quantises activations per row and accumulates in integers, "
        "so its scores are "
        "mostly bit-identical across batches; when a float difference upstream moves a value across a rounding "
        "boundary, the row's quantisation changes and the score moves by more (the int8 probe's ~1e-4 cases)."
    )
    repeats = sum(row["cells"][lab][0] for row in rows for lab in labels[5:7] if lab in row["cells"])
    thr_rows = [row for row in rows if row["threads"] == 1 and labels[7] in row["cells"]]
    thr_bad = [
        f"{r['model']} {r['engine']} {r['compute']} beam {r['beam']}: {r['cells'][labels[7]][0]} of "
        f"{r['cells'][labels[7]][2]}"
        for r in thr_rows
        if r["cells"][labels[7]][0]
    ]
    add(
        f"- **Determinism.** The same call twice in one process and again in a second process: {repeats} "
        f"differences over all {len(rows)} configurations. Threads 1 vs 2 (CTranslate2: `inter_threads=2`, "
        "`intra_threads=1`, each batch on one single-threaded replica; transformers: torch intra-op threads): "
        + ("; ".join(thr_bad) if thr_bad else "no difference")
        + "."
    )
    add(
        "- **Caveat: the random model's output is degenerate** (a few tokens repeated), so its token-level "
        "comparisons are a weak test; its probe column is the informative one.\n"
    )
    add("## Examples of differing outputs\n")
    add(
        "A and B are the two runs of the comparison, in the order of its name (e.g. *alone vs one call*: A alone, "
        f"B in one call). Up to {EXAMPLES} per case; a case whose examples repeat an earlier case's says so.\n"
    )
    if not examples:
        add("None: every comparison above is 0.\n")
    shown: dict[Any, str] = {}
    for row, label, n, total, exs in examples:
        title = (
            f"{row['model']} / {row['engine']} {row['compute']}, shortlist {row['shortlist']}, beam {row['beam']}, "
            f"threads {row['threads']} — {label}: {n} of {total} differ"
        )
        sig = tuple((e[0], e[1], e[3]) for e in exs)
        if sig in shown:
            add(f"- **{title}**: same examples as *{shown[sig]}*")
            continue
        shown[sig] = title
        add(f"\n**{title}**\n")
        for src, a, alim, b, blim in exs:
            add(f"- source: {short(src)}")
            add(f"  - A: {short(a)}" + (" *(hit the length cap)*" if alim else ""))
            add(f"  - B: {short(b)}" + (" *(hit the length cap)*" if blim else ""))
    add("")
    add("## Length cap: the random model at the default cap\n")
    add(
        "The front end caps generation at `2 × (longest source in the batch) + 16` pieces (`frontend._generate`), so "
        "a sentence that does not end by itself (a loop) gets a longer or shorter output depending on its batch. The "
        "random model never ends a sentence, so every output is capped. CTranslate2 int8, shortlist on, beam 1, "
        "threads 1, no `max_new_tokens`:\n"
    )
    add("| comparison | differ | of which one output is a prefix of the other |")
    add("|---|---|---|")
    for label, n, prefix in cap_rows:
        add(f"| {label} | {n} of {len(sets['random'])} | {prefix} |")
    add("")
    for src, a, b in cap_example:
        add(f"- source: {short(src)}")
        add(f"  - alone: {len(a.split())} words: {short(a, 80)}")
        add(f"  - one call: {len(b.split())} words: {short(b, 80)}")
    add("")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(L) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
