"""The ``missing-name`` check (``aligner.qa.names``): exonyms, transliterations and titles are not missing names
(issue 16); a name really absent still is; a broken lexical table is an error naming the file, not a check that
quietly does less.

Each table row names, after ``#``, the change to the code that makes it fail."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from aligner.errors import ModelError
from aligner.qa import names
from aligner.qa.checks import check_pair
from aligner.qa.names import check_names

PRESENT = [
    # exonyms: the pairs (mutation: ``_present`` without the exonym table and without the fuzzy rule; each
    # alone finds them)
    ("Le président s'est rendu à Kiev.", "The president travelled to Kyiv."),
    ("Il vit à Cracovie depuis 2010.", "He has lived in Krakow since 2010."),
    # only the exonym table knows these (mutation: the EXONYMS lookups in ``_present`` removed)
    ("Le port de Dantzig et la ville de Mayence.", "The port of Gdansk and the city of Mainz."),
    ("Les ports d'Anvers et de Gand.", "The ports of Antwerp and Ghent."),
    ("Il a quitté la Bretagne pour Douvres.", "He left Brittany for Dover."),
    # transliterations (mutation: the rapidfuzz rule in ``_present`` removed)
    ("Viktor Ioutchenko a gagné.", "Viktor Yushchenko won."),
    ("Le rapport de Khrouchtchev et de Chevardnadzé.", "The report by Khrushchev and Shevardnadze."),
    # the lexical table (mutation: the lexicon lookup in ``_present`` removed)
    ("Il a épousé une Allemande.", "He married a German."),
    # one name of several words is there when one of its words is (mutation: no grouping by ``_JOINERS``)
    ("Le conflit du Plateau du Golan dure.", "The Golan Heights conflict goes on."),
    # an acronym translated (mutation: English acronyms not counted) or spelt out (mutation: ``_expansions`` returns
    # an empty set; for the second, only whole runs of capitals read)
    ("Le revenu moyen des PDG est bas.", "The average income of CEOs is low."),
    (
        "La Mission des Nations unies en RDC a agi.",
        "The United Nations Mission in the Democratic Republic of Congo acted.",
    ),
    ("Il a suivi le GP d'Abou Dhabi.", "He watched the Grand Prix in Abu Dhabi."),
    # titles and articles are not names (mutation: ``_TITLES`` emptied)
    ("Un air de La chauve-souris.", "A tune from Die Fledermaus."),
]


@pytest.mark.parametrize(("source", "mt"), PRESENT)
def test_a_name_in_another_form_is_not_missing(source: str, mt: str) -> None:
    flag = check_names(source, mt)
    assert flag is None, flag


MISSING = [
    # mutation: English function words kept as "translations" (merkel → her): Merkel would be found in "her"
    ("Angela Merkel a parlé à son peuple.", "She spoke to her people.", "Merkel"),
    # mutation: the fuzzy threshold lowered to 50 (Poutine ~ Pouchkine)
    ("Le président Poutine a parlé.", "President Pushkin spoke.", "Poutine"),
    # mutation: every capitalised word treated as sentence-initial; "à" or "et" joining names
    ("Il a rencontré Sarkozy à Paris.", "He met the president in Paris.", "Sarkozy"),
    ("Hier, Bush et Blair ont parlé.", "Yesterday Bush spoke.", "Blair"),
]


@pytest.mark.parametrize(("source", "mt", "name"), MISSING)
def test_a_name_really_absent_is_flagged(source: str, mt: str, name: str) -> None:
    flag = check_names(source, mt)
    assert flag is not None and flag.severity == "info" and name in flag.reason


def test_a_title_is_not_part_of_the_name() -> None:
    # mutation: ``_TITLES`` not consulted (the flag would name "Dr Martin")
    flag = check_names("Hier, le Dr Martin a parlé.", "Yesterday the doctor spoke.")
    assert flag is not None and flag.reason == "name in the source but not in the MT: Martin"


@pytest.fixture
def lexicon_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Point $ALIGNER_LEXICON somewhere; the QA's cached table is dropped before and after."""

    def point(path: Path) -> None:
        monkeypatch.setenv("ALIGNER_LEXICON", str(path))
        names._lexicon_table.cache_clear()

    yield point
    names._lexicon_table.cache_clear()


def _gzip(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), mtime=0)


BROKEN = [
    ("missing.tsv.gz", None, "is missing"),
    ("not-gzip.tsv.gz", b"this is not a gzip file\n", "is damaged"),
    ("truncated.tsv.gz", _gzip("poutine\tputin\t0.9\n" * 200)[:40], "is damaged"),
    ("not-tsv.tsv.gz", _gzip("poutine putin 0.9\n"), "is damaged"),
    ("not-a-number.tsv.gz", _gzip("poutine\tputin\tninety\n"), "is damaged"),
    ("not-utf8.tsv.gz", gzip.compress(b"poutine\tput\xffin\t0.9\n", mtime=0), "is damaged"),
]


@pytest.mark.parametrize(("name", "content", "what"), BROKEN)
def test_a_broken_lexicon_is_an_error_naming_the_file(
    tmp_path: Path, lexicon_at: object, name: str, content: bytes | None, what: str
) -> None:
    # mutation: ``_lexicon_table`` catches everything and returns {} (the check silently loses the table)
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert callable(lexicon_at)
    lexicon_at(path)
    with pytest.raises(ModelError, match=rf"{path}: the lexical table the QA name check reads {what}"):
        check_pair("Le président Poutine a parlé.", "President Putin spoke.")


def test_a_good_lexicon_elsewhere_is_read(tmp_path: Path, lexicon_at: object) -> None:
    # mutation: ``_lexicon_table`` ignores $ALIGNER_LEXICON (the shipped table does not know Tartempion → Smith)
    path = tmp_path / "tiny.tsv.gz"
    path.write_bytes(_gzip("# a table that knows one name\ntartempion\tsmith\t0.9\n"))
    assert callable(lexicon_at)
    lexicon_at(path)
    assert check_names("Le voisin, M. Tartempion, a parlé.", "The neighbour, Mr Smith, spoke.") is None


def test_a_missing_name_is_quoted_as_the_source_writes_it() -> None:
    flag = check_names("Il est arrivé en Corée du Sud mardi, puis au Plateau du Golan.", "He arrived on Tuesday.")
    assert flag is not None
    assert flag.reason == "names in the source but not in the MT: Corée du Sud, Plateau du Golan"
