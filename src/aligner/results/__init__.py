"""The results of aligner, as data, in one package: a run of one story (``run``), a test-set evaluation, a system
comparison and an alignment evaluation (``evaluation``), a batch's story summary (``batch``), and the scores they
hold (``scores``). Frozen dataclasses, each with ``to_json()`` /
``from_json()`` that round-trip (``X.from_json(x.to_json()) == x``), one versioned schema each.

Every consumer (report, exports, batch summary and index, the CLI's JSON output, the review server)
works on these objects, never on loose dicts. ``BeadTexts.of`` is the one place a bead becomes its
source / MT / reference texts.

Conventions: sentence and bead ids are 0-based. A bead's ``left`` ids index the source sentences and,
since the MT is made sentence by sentence, the MT too; its ``right`` ids index the reference, or, in a
run without a reference, the MT (``identity`` alignment: one bead per sentence). Scores are rounded
to 4 decimals when they are made, so that the JSON holds them exactly.
"""

from __future__ import annotations

from .batch import StorySummary
from .evaluation import (
    ALIGN_EVAL_SCHEMA,
    COMPARE_SCHEMA,
    EVAL_SCHEMA,
    AlignmentEvaluation,
    AlignScores,
    BookResult,
    Comparison,
    Counts,
    EvalResult,
    SegmentResult,
    SystemRow,
)
from .run import (
    RUN_SCHEMA,
    SEVERITIES,
    BeadTexts,
    Flag,
    Identity,
    RunResult,
    alignment_to_json,
    document_from_json,
    document_to_json,
    flag_counts,
)
from .scores import BeadScore, Bucket, DocumentScores, MetricScore, ParagraphScore, Scores, rounded

__all__ = [
    "ALIGN_EVAL_SCHEMA",
    "COMPARE_SCHEMA",
    "EVAL_SCHEMA",
    "RUN_SCHEMA",
    "SEVERITIES",
    "AlignScores",
    "AlignmentEvaluation",
    "BeadScore",
    "BeadTexts",
    "BookResult",
    "Bucket",
    "Comparison",
    "Counts",
    "DocumentScores",
    "EvalResult",
    "Flag",
    "Identity",
    "MetricScore",
    "ParagraphScore",
    "RunResult",
    "Scores",
    "SegmentResult",
    "StorySummary",
    "SystemRow",
    "alignment_to_json",
    "document_from_json",
    "document_to_json",
    "flag_counts",
    "rounded",
]
