"""The ``aligner`` command: parse, build, call, print. User errors (``AlignerError``) end with one line on
stderr and exit code 2, no traceback."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

from ..errors import AlignerError
from .commands import COMMANDS
from .parser import build_parser

__all__ = ["main"]


def _show_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    print(f"aligner: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        return COMMANDS[args.command](args)
    except AlignerError as exc:
        print(f"aligner: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aligner: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `aligner translate story.txt | head`: the reader left; nothing to report
        return 0
