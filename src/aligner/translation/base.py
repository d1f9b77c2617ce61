"""What every translator returns, and the one protocol the pipeline needs.

``Translator.translate(texts) -> list[Translation]``: one ``Translation`` per input, in input order,
with what the engine noticed (pieces it could not read, splits, length cap). ``signature`` says
how the translations were made. The Marian front end (``aligner.translation.frontend``), existing
translations (``…memory.FileTranslator``) and a translation memory in front of either
(``…memory.MemoryTranslator``) all fit behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..signature import Signature

if TYPE_CHECKING:
    from ..terms import Glossary

ProgressFn = Callable[[int], None]  # called with the number of sentences just finished


@dataclass(frozen=True)
class Translation:
    """One sentence's translation and what the engine noticed while making it."""

    text: str
    unk: tuple[str, ...] = ()  # source pieces the vocabulary lacks (decoding drops them silently)
    chunks: int = 1  # >1: the sentence was longer than the model's limit and split at clauses
    hit_length_limit: bool = False  # generation stopped at the length cap, not at </s>
    origin: str = "mt"  # "mt": made by the translator; "memory": an exact match in a translation memory


@runtime_checkable
class Translator(Protocol):
    """Anything that turns French sentences into English ones, in order, one output per input."""

    @property
    def signature(self) -> Signature: ...

    def translate(self, texts: Sequence[str]) -> list[Translation]: ...


def texts_of(translations: Sequence[Translation]) -> list[str]:
    return [t.text for t in translations]


def glossary_of(translator: Translator) -> Glossary | None:
    """The glossary a translator obeys or is checked against (``make_translator(glossary=...)``), if any."""
    found: Glossary | None = getattr(translator, "glossary", None)
    return found


class GlossaryChecked:
    """A translator that cannot be steered (existing translations) given a glossary: the translations pass
    unchanged, and the signature names the glossary, since the QA checks the translations against it."""

    def __init__(self, inner: Translator, glossary: Glossary) -> None:
        self.inner = inner
        self.glossary = glossary

    @property
    def signature(self) -> Signature:
        from .terms import glossary_tag

        return replace(self.inner.signature, glossary=glossary_tag(self.glossary))

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        return self.inner.translate(texts)
