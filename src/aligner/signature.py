"""How a number was made: the ``Signature`` of a run, rendered and parsed in sacreBLEU's ``key:value|…`` style.

A score's full signature is sacreBLEU's own (kept exactly as sacreBLEU prints it) followed by ours::

    nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0|model:Helsinki-NLP/opus-mt-fr-en|revision:…|…

Nested settings get keys of their own (``align.width:10``, ``align.null:8``): no value ever holds a
``|``. A value is written as it is, except that ``%`` and ``|`` are percent-encoded (a folder name
may contain them), so ``Signature.parse(s.render()) == s`` for every signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

from .errors import InputError
from .version import VERSION as __version__

# our keys, in rendering order (field name → key); empty fields are left out
_KEYS = {
    "test": "test",
    "langpair": "langpair",
    "origlang": "origlang",
    "docs": "docs",
    "system": "system",
    "model": "model",
    "revision": "revision",
    "engine": "engine",
    "engine_version": "engine.version",
    "compute_type": "compute",
    "beam": "beam",
    "shortlist": "shortlist",
    "normalize": "normalize",
    "typography": "typography",
    "memory": "memory",
    "glossary": "glossary",
    "lexicon": "lexicon",
    "align": "align",
    "risk": "risk",
    "second_opinion": "second",
    "version": "aligner",
}
_FIELD_OF = {key: name for name, key in _KEYS.items()}
ALIGN_PREFIX = "align."


def _encode(value: str) -> str:
    return value.replace("%", "%25").replace("|", "%7C")


def _decode(value: str) -> str:
    return value.replace("%7C", "|").replace("%25", "%")


@dataclass(frozen=True)
class Signature:
    """The settings behind a run or a score. Strings throughout; ``""`` means "not part of this computation".

    Translation: ``model`` (hub id or folder), ``revision`` (commit sha, ``local`` or ``file``), ``engine`` and
    ``engine_version``, ``compute_type``, ``beam``, ``shortlist`` (``yes``/``no``), ``normalize``, ``typography``,
    ``memory`` (translation memory used), ``glossary`` (the terminology obeyed and checked: the first 16 hex
    digits of its sha256 and its entry count, ``3f2a9c…#57``). Alignment: ``lexicon`` (sha256 of the lexical
    table, first 16 hex digits), ``align`` (method) and ``align_settings`` (its costs, each rendered as
    ``align.NAME:VALUE``). Risk (``aligner.quality``): ``risk`` (the fitted model's id, ``+glass-box`` when the MT
    model's own probabilities were computed) and ``second_opinion`` (the other system compared: name and
    revision). Test sets: ``test``, ``langpair``, ``origlang``, ``docs``, ``system``. ``version``: aligner's.
    """

    model: str = ""
    revision: str = ""
    engine: str = ""
    engine_version: str = ""
    compute_type: str = ""
    beam: str = ""
    shortlist: str = ""
    normalize: str = ""
    typography: str = ""
    memory: str = ""
    glossary: str = ""
    lexicon: str = ""
    align: str = ""
    align_settings: tuple[tuple[str, str], ...] = ()
    risk: str = ""
    second_opinion: str = ""
    test: str = ""
    langpair: str = ""
    origlang: str = ""
    docs: str = ""
    system: str = ""
    version: str = field(default=__version__)

    def pairs(self) -> list[tuple[str, str]]:
        """(key, value) in rendering order, empty values left out."""
        out: list[tuple[str, str]] = []
        for name, key in _KEYS.items():
            value = getattr(self, name)
            if value:
                out.append((key, value))
            if name == "align":
                out.extend((ALIGN_PREFIX + k, v) for k, v in self.align_settings)
        return out

    def render(self) -> str:
        return "|".join(f"{k}:{_encode(v)}" for k, v in self.pairs())

    def __str__(self) -> str:
        return self.render()

    @classmethod
    def parse(cls, text: str) -> Signature:
        """The inverse of ``render``. Raises ``InputError`` for an unknown key or a part without ``:``."""
        values: dict[str, Any] = {"version": ""}
        settings: list[tuple[str, str]] = []
        for part in text.split("|") if text else []:
            key, sep, value = part.partition(":")
            if not sep:
                raise InputError(f"signature part {part!r} has no ':' (expected key:value)")
            if key.startswith(ALIGN_PREFIX):
                settings.append((key[len(ALIGN_PREFIX) :], _decode(value)))
            elif key in _FIELD_OF:
                values[_FIELD_OF[key]] = _decode(value)
            else:
                raise InputError(f"signature key {key!r} is not one of aligner's ({', '.join(_FIELD_OF)})")
        return cls(**values, align_settings=tuple(settings))

    def with_alignment(self, method: str, settings: tuple[tuple[str, str], ...], lexicon: str = "") -> Signature:
        return replace(self, align=method, align_settings=settings, lexicon=lexicon)

    def translation_part(self) -> Signature:
        """Only the translation settings (what decides the MT text): for keying caches of translations."""
        keep = {"model", "revision", "engine", "engine_version", "compute_type", "beam", "shortlist", "normalize"}
        keep |= {"typography", "glossary"}
        return Signature(**{f.name: getattr(self, f.name) for f in fields(self) if f.name in keep}, version="")


def score_signature(sacrebleu: str, ours: Signature) -> str:
    """sacreBLEU's signature followed by ours."""
    rendered = ours.render()
    return f"{sacrebleu}|{rendered}" if rendered and sacrebleu else (sacrebleu or rendered)


@lru_cache(maxsize=4096)  # a result.json repeats a handful of signatures on every score: parse each once
def split_score_signature(text: str) -> tuple[str, Signature]:
    """(sacreBLEU's signature, ours) from a full score signature: ours start at the first key that is ours
    and that follows sacreBLEU's ``version``."""
    parts = text.split("|") if text else []
    start = len(parts)
    seen_version = False
    for k, part in enumerate(parts):
        key = part.partition(":")[0]
        if seen_version and (key in _FIELD_OF or key.startswith(ALIGN_PREFIX)):
            start = k
            break
        seen_version = seen_version or key == "version"
    if not seen_version:  # no sacreBLEU part at all
        start = 0
    return "|".join(parts[:start]), Signature.parse("|".join(parts[start:]))
