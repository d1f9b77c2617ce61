"""The ``aligner`` command line: every subcommand and flag. Each flag maps to a keyword of the library call
the command makes (``make_translator``, ``run_story``, ``align_bitext`` …)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..translation.models import DEFAULT_MODEL, DEFAULT_REVISION
from ..version import VERSION as __version__
from .terms import add_terms_parser


def _add_model_args(p: argparse.ArgumentParser, *, translations: bool = True) -> None:
    g = p.add_argument_group("translation")
    g.add_argument("--model", default=DEFAULT_MODEL, help=f"hub id or model folder (default {DEFAULT_MODEL})")
    g.add_argument("--revision", default=DEFAULT_REVISION, help="hub branch, tag or commit sha (default main)")
    if translations:
        g.add_argument(
            "--translations",
            type=Path,
            help="use existing translations instead of a model: one line per source sentence, or JSONL "
            'records {"source": ..., "translation": ...}',
        )
    g.add_argument(
        "--engine",
        choices=["auto", "ctranslate2", "transformers"],
        default="auto",
        help="auto (default): ctranslate2 when installed, the fastest here (the model is converted once into "
        "~/.cache/aligner), else transformers",
    )
    g.add_argument(
        "--compute-type",
        default="auto",
        help="auto (default): int8 with ctranslate2 on CPU, int8_float16 on CUDA, float32 with transformers; "
        "float32 is exact; transformers also takes int8 (CPU) and bfloat16",
    )
    g.add_argument("--beam", type=int, default=4, help="beam size; 1 = greedy (default 4)")
    g.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="most sentences per batch (default: transformers 16; ctranslate2 32 ÷ beam, at least 8)",
    )
    g.add_argument(
        "--batch-tokens",
        type=int,
        default=None,
        help="most padded source tokens per batch (default: transformers no limit; ctranslate2 1024 ÷ beam)",
    )
    g.add_argument(
        "--no-shortlist",
        action="store_true",
        help="ctranslate2: score every target piece at each step instead of the lexicon shortlist",
    )
    g.add_argument(
        "--max-new-tokens",
        type=int,
        default=None,
        help="stop each translation after this many pieces (default: 2 × source + 16); a cut one is flagged",
    )
    g.add_argument(
        "--memory",
        type=Path,
        help="translation memory (a review database or a TMX file): exact matches are used instead of the MT",
    )
    g.add_argument(
        "--glossary",
        type=Path,
        action="append",
        default=[],
        help="a glossary (TBX, CSV/TSV, XLSX) the MT obeys and QA checks; repeatable, a later file's entry wins",
    )
    g.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    g.add_argument("--threads", type=int, default=None, help="CPU cores to use (default: the engine's choice)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or throughput line on stderr")


def _add_risk_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("risk (where to look: the estimated share of each bead's MT words a post-editor changes)")
    g.add_argument("--no-risk", action="store_true", help="do not estimate the risk of beads and words")
    second = g.add_mutually_exclusive_group()
    second.add_argument(
        "--second-opinion",
        type=Path,
        metavar="FILE",
        help="another system's translations of the same sentences, in --translations' formats: its agreement with "
        "the MT is a risk signal",
    )
    second.add_argument(
        "--second-opinion-model", metavar="M", help="a second MarianMT model, run with the same engine settings"
    )
    g.add_argument(
        "--glass-box",
        action="store_true",
        help="also record the MT model's token log-probabilities and n-best agreement per bead (slower; a model "
        "only, not --translations)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aligner", description="Translate French wire copy to English, align it with a reference, score it."
    )
    parser.add_argument("--version", action="version", version=f"aligner {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="translate, align and score one story; write a run directory")
    p.add_argument(
        "source", type=Path, help="French story: plain text or a news item (ninjs, NewsML-G2, NITF); - for stdin"
    )
    p.add_argument("--ref", type=Path, help="English reference of the story (plain text or a news item)")
    p.add_argument("-o", "--out", type=Path, required=True, help="output directory")
    p.add_argument("--presegmented", action="store_true", help="inputs hold one sentence per line")
    _add_model_args(p)
    _add_risk_args(p)

    p = sub.add_parser("translate", help="translate one story, keeping its layout (a news item gives a news item)")
    p.add_argument(
        "source", type=Path, help="French story: plain text or a news item (ninjs, NewsML-G2, NITF); - for stdin"
    )
    p.add_argument("-o", "--out", type=Path, help="output file (default and -: standard output)")
    p.add_argument("--presegmented", action="store_true", help="the input holds one sentence per line")
    _add_model_args(p, translations=False)

    p = sub.add_parser("align", help="align a French text with its English translation and print the beads")
    p.add_argument("--src", type=Path, required=True, help="left text (French source; - for standard input)")
    p.add_argument("--tgt", type=Path, required=True, help="right text (English reference; - for standard input)")
    p.add_argument("--mt", type=Path, help="MT of --src, one line per source sentence (helps bitext)")
    p.add_argument(
        "--method",
        choices=["bitext", "length", "similarity"],
        default="bitext",
        help="bitext: lexical table + length (+ MT) (default); length: Gale–Church only; similarity: MT ↔ English only",
    )
    p.add_argument("--presegmented", action="store_true", help="inputs hold one sentence per line")
    p.add_argument("--json", action="store_true", help="JSON instead of vecalign's [i]:[j]:cost lines")
    p.add_argument("--ratio", type=float, default=1.0, help="length-only mode: target chars per source char")

    p = sub.add_parser("score", help="BLEU, chrF and TER of line-parallel files (as the sacrebleu CLI)")
    p.add_argument("--hyp", type=Path, required=True, help="system output, one segment per line (- for stdin)")
    p.add_argument("--ref", type=Path, required=True, help="reference, one segment per line (- for stdin)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("eval", help="translate and score a standard test set (sacreBLEU's, offline from $SACREBLEU)")
    p.add_argument("testset", help="a test set sacreBLEU knows: wmt14, wmt13, …")
    p.add_argument("-l", "--langpair", default="fr-en", help="language pair (default fr-en)")
    p.add_argument("--origlang", help="only documents first written in this language (as sacrebleu --origlang)")
    p.add_argument(
        "--metrics",
        default="bleu,chrf,chrf++,ter",
        help="comma-separated: bleu, chrf, chrf++, ter, comet (default bleu,chrf,chrf++,ter)",
    )
    p.add_argument("--first-docs", type=int, help="only the first N documents (a quick check, not a published score)")
    p.add_argument("--comet-model", type=Path, help="local COMET checkpoint (…/checkpoints/model.ckpt), never fetched")
    p.add_argument("-o", "--out", type=Path, help="write translations.txt, result.json and report.md here")
    p.add_argument("--report", type=Path, help="also write the markdown report to this file (e.g. under eval/)")
    p.add_argument("--json", action="store_true", help="print result.json instead of the score lines")
    p.add_argument(
        "--english-typography",
        action="store_true",
        help="curly quotes and ’ in the output (off: the model's own straight quotes, as WMT references have)",
    )
    _add_model_args(p)

    p = sub.add_parser("compare", help="compare systems on one reference: scores, paired bootstrap and AR p-values")
    p.add_argument("systems", type=Path, nargs="+", help="system outputs, line-parallel with --ref; first = baseline")
    p.add_argument("--ref", type=Path, required=True, help="reference, one segment per line")
    p.add_argument("--metrics", default="bleu,chrf,ter", help="comma-separated: bleu, chrf, chrf++, ter")
    p.add_argument("--paired-bs-n", type=int, default=1000, help="bootstrap resamples (0: skip; default 1000)")
    p.add_argument("--paired-ar-n", type=int, default=10000, help="randomisation trials (0: skip; default 10000)")
    p.add_argument("--lowercase", action="store_true", help="case-insensitive BLEU and chrF (sacrebleu -lc)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes for the tests (default 1)")
    p.add_argument("-o", "--out", type=Path, help="save the comparison as JSON here")
    p.add_argument("--report", type=Path, help="save the markdown table here")

    p = sub.add_parser("eval-align", help="align gold sets (TransRead layout) and print vecalign strict/lax P/R/F1")
    p.add_argument("gold", type=Path, help="folder of B.fr, B.en, B.links.tsv (+ B.fr.ids, B.en.ids)")
    p.add_argument("--books", help="comma-separated book names (default: all)")
    p.add_argument("--method", choices=["bitext", "length"], default="bitext", help="aligner (default bitext)")
    p.add_argument("--no-paragraphs", action="store_true", help="ignore B.*.ids paragraph anchors")
    p.add_argument("--tuned-on", default="", help="comma-separated books the costs were tuned on (marked †)")
    p.add_argument("--report", type=Path, help="write the markdown table here (e.g. eval/alignment/...)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", help="export a run directory's beads (TMX, XLIFF, TSV, JSONL), story or news item")
    p.add_argument("rundir", type=Path, help="a directory written by `aligner run` (or a batch's stories/ID)")
    p.add_argument(
        "--format",
        choices=["tmx", "xliff", "tsv", "jsonl", "story", "item"],
        required=True,
        help="with a review: XLIFF with states and notes, TMX of the confirmed pairs, JSONL of the post-edits, "
        "story = the final English story in the source's layout, item = the final English news item (ninjs, "
        "NewsML-G2 or NITF, as the source was)",
    )
    p.add_argument("--db", type=Path, help="review database (default: the run's or its batch's review.sqlite)")
    p.add_argument("-o", "--out", type=Path, required=True, help="output file (- for standard output)")

    p = sub.add_parser(
        "batch", help="run many stories (a folder of .txt stories or news items, or a .jsonl), resumable"
    )
    p.add_argument(
        "stories",
        type=Path,
        help="a folder of stories and news items (NAME.txt, NAME.json, NAME.xml; references NAME.en.*) or a JSONL file",
    )
    p.add_argument("-o", "--out", type=Path, required=True)
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="stories in parallel: worker processes on this machine (default 1: this process), or Ray actors with "
        "--ray (default there: as many as the cluster's CPUs allow)",
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run on a Ray cluster (pip install 'aligner[ray]'): a local one by default, an existing one by "
        "address (HOST:PORT, or auto for the cluster this machine belongs to)",
    )
    p.add_argument("--cpus-per-worker", type=int, default=1, help="--ray: CPUs (and CTranslate2 threads) per actor")
    p.add_argument(
        "--story-timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="a story that takes longer is stopped and recorded as failed (a rerun retries it); its worker process "
        "or Ray actor is killed and replaced (default: 600). In one process (no --workers, or 1) it is an alarm, which "
        "cannot stop a story stuck inside one native call (one CTranslate2 batch): --workers 2 can",
    )
    _add_model_args(p)
    _add_risk_args(p)

    p = sub.add_parser("review", help="post-edit a run or a batch in the browser (a local web application)")
    p.add_argument("dir", type=Path, help="a run directory (aligner run -o) or a batch output (aligner batch -o)")
    p.add_argument("--db", type=Path, help="review database (default: DIR/review.sqlite)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; others need a token)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--reviewer", help="your name in the history (default: $USER)")
    p.add_argument("--token", help="access token (default: none on 127.0.0.1, generated for any other host)")
    p.add_argument("--memory", type=Path, help="a review database or TMX file whose close matches are suggested")
    p.add_argument(
        "--glossary",
        type=Path,
        action="append",
        default=[],
        help="a glossary (TBX, CSV/TSV, XLSX) the post-edits are checked against, with the review's own entries; "
        "repeatable",
    )

    add_terms_parser(sub)  # aligner terms export | suggest (cli/terms.py)

    p = sub.add_parser("models", help="download or list models")
    msub = p.add_subparsers(dest="models_command", required=True)
    pull = msub.add_parser("pull", help="download a MarianMT model (into the HF cache, or --dir)")
    pull.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    pull.add_argument("--revision", default=DEFAULT_REVISION)
    pull.add_argument("--dir", type=Path, help="download into this folder instead of the HF cache")
    msub.add_parser("list", help="models in the HF cache and in ./models")
    conv = msub.add_parser("convert", help="convert a MarianMT model to CTranslate2 (int8 by default)")
    conv.add_argument("model", nargs="?", default=DEFAULT_MODEL, help="hub id or model folder")
    conv.add_argument("--revision", default=DEFAULT_REVISION)
    conv.add_argument("--quantization", default="int8", help="int8 (default), float32, float16, int8_float32, …")
    conv.add_argument("-o", "--out", type=Path, required=True, help="output folder (then --model FOLDER)")
    conv.add_argument("--no-shortlist", action="store_true", help="do not write the lexicon shortlist vmap.txt")
    return parser
