from __future__ import annotations

import json
from pathlib import Path

import pytest

from aligner.errors import InputError
from aligner.reading.document import Kind
from aligner.reading.reader import DecodingWarning, iter_jsonl_stories, parse_text, read_document
from conftest import SEED, needs_shared


@needs_shared
def test_example_story_structure() -> None:
    doc = read_document(SEED)
    assert doc.meta("date") == "2023-09"
    kinds = [p.kind for p in doc.paragraphs]
    assert kinds[0] is Kind.PROSE and doc.paragraphs[0].sentences[0].text.startswith("Suivez")
    assert kinds[1] is Kind.HEADER and doc.paragraphs[1].text == "CE QU’IL FAUT SAVOIR:"
    assert kinds[2:5] == [Kind.BULLET] * 3 and doc.paragraphs[2].prefix == "— "
    assert not doc.paragraphs[2].text.startswith("—")
    assert kinds.count(Kind.BREAK) == 4
    assert kinds[-1] is Kind.BYLINE and doc.paragraphs[-1].text == "The Associated Press"
    ids = [s.id for s in doc.sentences]
    assert ids == list(range(len(ids)))
    stray = [s.text for s in doc.sentences if "debout. avec Moscou" in s.text]
    assert len(stray) == 1 and stray[0].endswith("« anti-impérialiste ».")


@pytest.mark.parametrize(
    ("data", "expected_first"),
    [
        (b"Bonjour.\n\nAu revoir.\n", "Bonjour."),
        ("\ufeffBonjour.\r\n\r\nAu revoir.\r\n".encode(), "Bonjour."),
        ("Première ligne\r\ncontinuée.\r\n\r\nAu revoir.".encode(), "Première ligne continuée."),
    ],
)
def test_utf8_with_bom_and_crlf(tmp_path: Path, data: bytes, expected_first: str) -> None:
    f = tmp_path / "s.txt"
    f.write_bytes(data)
    doc = read_document(f)
    assert [p.text for p in doc.paragraphs] == [expected_first, "Au revoir."]


def test_cp1252_is_decoded_with_a_warning_naming_the_encoding(tmp_path: Path) -> None:
    f = tmp_path / "latin.txt"
    f.write_bytes("L’été à Noël coûte 5 €.".encode("cp1252"))
    with pytest.warns(DecodingWarning, match=r"latin\.txt.*cp1252"):
        doc = read_document(f)
    assert doc.sentences[0].text == "L’été à Noël coûte 5 €."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"empty\.txt: the file is empty"),
        (b"  \n\n ", r"empty\.txt: the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"empty\.txt: this looks like a binary file"),
        (b"caf\x81 \x8d", r"empty\.txt: not UTF-8 .* and not cp1252"),
        (b"___\n\n___\n", r"empty\.txt: no sentences found"),
    ],
)
def test_bad_files_are_refused_with_the_file_named(tmp_path: Path, data: bytes, message: str) -> None:
    f = tmp_path / "empty.txt"
    f.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_document(f)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        read_document(tmp_path / "nope.txt")


def test_presegmented_lines_are_sentences() -> None:
    doc = parse_text("Une phrase. Deux phrases.\nTrois.\n\nQuatre.", presegmented=True)
    assert [s.text for s in doc.sentences] == ["Une phrase. Deux phrases.", "Trois.", "Quatre."]
    assert [s.paragraph for s in doc.sentences] == [0, 0, 1]


def test_jsonl_stories(tmp_path: Path) -> None:
    f = tmp_path / "b.jsonl"
    rows = [
        {"id": "a", "paragraphs": ["Un. Deux.", ["Trois.", "Quatre."]], "reference": ["One. Two.", "Three. Four."]},
        {"id": "b", "paragraphs": "Cinq.\n\nSix."},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    stories = list(iter_jsonl_stories(f))
    assert [s.source.id for s in stories] == ["a", "b"]
    assert [s.text for s in stories[0].source.sentences] == ["Un.", "Deux.", "Trois.", "Quatre."]
    assert stories[0].reference is not None and len(stories[0].reference.sentences) == 4
    assert stories[1].reference is None and len(stories[1].source.paragraphs) == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"b\.jsonl:1: not valid JSON"),
        ('{"id": "x"}', r"b\.jsonl:1: missing \"id\" or \"paragraphs\""),
        ('{"id": "../etc", "paragraphs": ["a"]}', r"b\.jsonl:1: id '\.\./etc' may only use"),
        ('{"id": "..", "paragraphs": ["a"]}', r"b\.jsonl:1: id '\.\.' .* may not start with '\.'"),
        ('{"id": "x", "paragraphs": [3]}', r"b\.jsonl:1: paragraph 0 must be a string"),
    ],
)
def test_jsonl_errors_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    f = tmp_path / "b.jsonl"
    f.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        list(iter_jsonl_stories(f))
