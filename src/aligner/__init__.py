"""aligner: translate French wire copy to English, align it with the reference, score it.

The public API is small; everything heavy (torch, transformers) loads only when a
``MarianTranslator`` is built.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .align import Alignment, Bead, align_length, align_similarity
from .document import Document, Kind, Paragraph, Sentence
from .errors import AlignerError, AlignmentError, InputError, ModelError
from .pipeline import RunResult, process, write_run
from .reader import parse_text, read_document
from .score import corpus_scores
from .segment import split_sentences
from .translate import FileTranslator, MarianTranslator, MemoTranslator, Translation, Translator

__all__ = [
    "AlignerError",
    "Alignment",
    "AlignmentError",
    "Bead",
    "Document",
    "FileTranslator",
    "InputError",
    "Kind",
    "MarianTranslator",
    "MemoTranslator",
    "ModelError",
    "Paragraph",
    "RunResult",
    "Sentence",
    "Translation",
    "Translator",
    "__version__",
    "align_length",
    "align_similarity",
    "corpus_scores",
    "parse_text",
    "process",
    "read_document",
    "split_sentences",
    "write_run",
]
