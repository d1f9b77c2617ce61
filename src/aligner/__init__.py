"""aligner: translate French wire copy to English, align it with the reference, score it.

A script needs only these names::

    import aligner

    story = aligner.read_document("story.txt")                       # French
    reference = aligner.read_document("story.en.txt", lang="en")     # the agency's English
    translator = aligner.make_translator(model="models/tiny-marian-fr-en", beam=1)
    result = aligner.run_story(story, translator, reference)         # a RunResult
    print(result.scores.document.bleu.score, result.signature)
    aligner.write_run(result, "runs/story")                          # report.html, result.json, …

Nothing heavy happens at import time: models load when a translator is made, torch only for the
transformers engine.
"""

from __future__ import annotations

from .alignment.beads import Alignment, Bead
from .alignment.bitext import align_bitext
from .errors import AlignerError, AlignmentError, InputError, ModelError
from .pipeline import run_story
from .reading.document import Document, Kind, Paragraph, Sentence
from .reading.reader import parse_text, read_document
from .results import DocumentScores, RunResult, Scores
from .results.rundir import read_run, write_run
from .scoring.metrics import corpus_scores
from .signature import Signature
from .translation import Translation, Translator, make_translator
from .version import VERSION as __version__

__all__ = [
    "AlignerError",
    "Alignment",
    "AlignmentError",
    "Bead",
    "Document",
    "DocumentScores",
    "InputError",
    "Kind",
    "ModelError",
    "Paragraph",
    "RunResult",
    "Scores",
    "Sentence",
    "Signature",
    "Translation",
    "Translator",
    "__version__",
    "align_bitext",
    "corpus_scores",
    "make_translator",
    "parse_text",
    "read_document",
    "read_run",
    "run_story",
    "write_run",
]
