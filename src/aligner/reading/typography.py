"""Typography on both sides of the model.

Input: OPUS-MT models were trained on French run through Moses ``normalize-punctuation.perl -l fr``
before SentencePiece (« » → ", ’ → ', no space before : ;). ``MarianTokenizer`` builds that
normaliser but never applies it, so ``normalize_source`` does, to give the model the text it saw
in training. The SentencePiece ``nmt_nfkc`` rule also folds U+00A0/U+202F/U+2009 into spaces.

Output: the model writes straight quotes and apostrophes; ``english_typography`` turns a
paragraph of English into English conventions: “ ” and ’, no space before : ; ? !, and (AP
style) the period and comma inside the closing quote.
"""

from __future__ import annotations

import re
from functools import lru_cache

# French typography's narrow and thin no-break spaces play the role Moses's rules give U+00A0
_AS_NO_BREAK = str.maketrans({"\u202f": "\u00a0", "\u2009": "\u00a0", "\u200b": ""})
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": ""})


@lru_cache(maxsize=1)
def _moses_fr():  # type: ignore[no-untyped-def]
    from sacremoses import MosesPunctNormalizer

    return MosesPunctNormalizer(lang="fr")


def normalize_source(text: str) -> str:
    """French text as OPUS-MT saw it in training: Moses punctuation normalisation on the raw text (OPUS-MT's
    preprocessing ran it before anything else, so its rules for no-break spaces, ``«\u00a0oui\u00a0»`` → ``"oui"``,
    apply), then plain spaces."""
    normalized: str = _moses_fr().normalize(text.translate(_AS_NO_BREAK))
    return normalized.translate(_SPACES).strip()


_SPACE_BEFORE = re.compile(r"[ \u00a0\u202f\u2009]+([:;?!])")
_GUILLEMETS = re.compile(r"«[ \u00a0\u202f]*(.*?)[ \u00a0\u202f]*»")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)|(?<=s)'(?=\s|$)")


def _curl_double(text: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch != '"':
            out.append(ch)
            continue
        prev = text[i - 1] if i else " "
        opening = prev.isspace() or prev in "([{—–-“‘/"
        out.append("“" if opening else "”")
    return "".join(out)


def _tighten_quotes(text: str) -> str:
    """Moses-style ``" x "`` → ``"x"``: straight quotes paired left to right, spaces just inside each pair dropped
    (never the text between two quotations)."""
    parts = text.split('"')
    for k in range(1, len(parts) - 1, 2):  # inside a complete pair
        parts[k] = parts[k].strip(" ")
    return '"'.join(parts)


def english_typography(text: str) -> str:
    """English conventions for one paragraph of machine-translated English.

    ``'Il dit : « oui » !'``-style leftovers become ``He says: “yes”!``; straight quotes are
    paired into “ ”; apostrophes inside and after words become ’.
    """
    text = text.translate(_SPACES)
    text = _GUILLEMETS.sub(lambda m: "“" + m.group(1) + "”", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = re.sub(r"(?<=\S)[ ]+([.,])(?=\s|$|[”\"])", r"\1", text)
    text = _tighten_quotes(text)
    text = _curl_double(text)
    text = _APOSTROPHE.sub("’", text)
    text = re.sub(r"”([.,])", r"\1”", text)
    return re.sub(r" {2,}", " ", text).strip()
