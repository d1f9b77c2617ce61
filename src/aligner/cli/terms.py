"""``aligner terms``: a review's glossary written out, and glossary entries suggested from post-edits.

Kept in its own module (parser and commands): ``parser.py`` and ``commands.py`` only register it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files import write_output

SUGGEST_HEADER = "# French → English\tbeads\tagreement\tMT replaced\texamples"
FUNCTION_WORDS = 300  # the most frequent English words never make a suggestion alone


def add_terms_parser(sub: Any) -> None:
    """Register ``aligner terms export`` and ``aligner terms suggest`` on the top-level subparsers ``sub``."""
    p = sub.add_parser("terms", help="a review's glossary: export it, or suggest entries from post-edits")
    tsub = p.add_subparsers(dest="terms_command", required=True)

    e = tsub.add_parser("export", help="write the review's glossary (entries added from the review page)")
    e.add_argument("db", type=Path, help="review database (review.sqlite)")
    e.add_argument("--format", choices=["tbx", "csv"], default="tbx", help="tbx: TBX-Basic (default); csv")
    e.add_argument("-o", "--out", default="-", help="output file (default and -: standard output)")

    s = tsub.add_parser(
        "suggest",
        help="suggest entries from confirmed post-edits: the same MT words replaced for the same French in "
        "several beads, best first",
    )
    s.add_argument("db", type=Path, help="review database (review.sqlite)")
    s.add_argument(
        "--dir", type=Path, help="the reviewed run or batch directory, where the MT is (default: the database's folder)"
    )
    s.add_argument("--min-count", type=int, default=2, help="beads a replacement needs to be suggested (default 2)")
    s.add_argument(
        "--format",
        choices=["lines", "tbx", "csv"],
        default="lines",
        help="lines (default): one `French → English` per line, then the count, agreement, MT and example beads; "
        "tbx or csv: the suggestions as a glossary",
    )
    s.add_argument("--top", type=int, default=0, help="only the N best (default: all)")
    s.add_argument("-o", "--out", default="-", help="output file (default and -: standard output)")


def cmd_terms(args: argparse.Namespace) -> int:
    if args.terms_command == "export":
        return _export(args)
    return _suggest(args)


def _glossary_bytes(glossary: Any, fmt: str) -> bytes:
    from ..terms.glossary import csv_text, tbx_bytes

    return tbx_bytes(glossary) if fmt == "tbx" else csv_text(glossary).encode("utf-8")


def _export(args: argparse.Namespace) -> int:
    from ..store import SqliteStore

    store = SqliteStore.open_readonly(args.db)
    try:
        glossary = store.terms()
    finally:
        store.close()
    if not glossary.entries:
        raise InputError(f"{args.db}: the review's glossary has no entries: add them from the review page first")
    write_output(args.out, _glossary_bytes(glossary, args.format))
    _said(args.out, f"wrote {len(glossary)} entries to {args.out} ({args.format})")
    return 0


def _suggest(args: argparse.Namespace) -> int:
    from ..alignment.bitext import load_lexicon
    from ..files import data_file
    from ..review.sources import confirmed_post_edits
    from ..terms.suggest import suggest, suggestions_glossary

    if args.min_count < 1:
        raise InputError(f"--min-count must be at least 1, got {args.min_count}")
    post_edits, missing = confirmed_post_edits(args.db, args.dir)
    if missing:
        print(f"aligner: warning: {missing} confirmed beads are not in the reviewed runs: left out", file=sys.stderr)
    function_words = data_file("english-frequent.txt").read_text(encoding="utf-8").split()[:FUNCTION_WORDS]
    found = suggest(post_edits, lexicon=load_lexicon().table, function_words=function_words, min_count=args.min_count)
    if args.top:
        found = found[: args.top]
    if args.format == "lines":
        write_output(args.out, "".join(f"{line}\n" for line in [SUGGEST_HEADER, *(s.line() for s in found)]))
    else:
        if not found:
            raise InputError(
                f"{args.db}: no suggestion from {len(post_edits)} confirmed beads: lower --min-count, or confirm more"
            )
        write_output(args.out, _glossary_bytes(suggestions_glossary(found, Path(args.db).name), args.format))
    _said(args.out, f"{len(found)} suggestions from {len(post_edits)} confirmed beads")
    return 0


def _said(out: str, message: str) -> None:
    """A summary line: on stderr when the output itself goes to standard output."""
    print(message, file=sys.stderr if out == "-" else sys.stdout)
