"""The lexical table: word tokens, accent folding, the gzip TSV format and where the table is found."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

import aligner
from aligner.alignment.bitext import load_lexicon
from aligner.alignment.lexicon import Lexicon, default_lexicon_path, strip_accents, tokens
from aligner.errors import AlignmentError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("  ... — !", []),
        ("Le Chat DORT.", ["le", "chat", "dort"]),
        ("L'homme d’État", ["l", "homme", "d", "état"]),  # both apostrophes split words; accents are kept
        ("En 2023, 45 % des voix", ["en", "2023", "45", "des", "voix"]),  # digits are tokens, % is not
        ("grand_père", ["grand", "père"]),  # an underscore is not a letter
        ("AT&amp;T", ["at", "t"]),  # HTML entities are decoded first
        ("l&#39;État", ["l", "état"]),
        ("Ça coûte cher", ["ça", "coûte", "cher"]),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("Équateur", "Equateur"),  # case kept
        ("ÉTÉ à Noël", "ETE a Noel"),
        ("ça, garçon", "ca, garcon"),
        ("naïve cœur", "naive cœur"),  # œ is a letter of its own, not a letter with a mark
        ("plain ASCII 123", "plain ASCII 123"),
        ("e\u0301te\u0301", "ete"),  # already decomposed
    ],
)
def test_strip_accents(text: str, expected: str) -> None:
    assert strip_accents(text) == expected


TABLE = {"maison": {"house": 0.75, "home": 0.125}, "chat": {"cat": 0.5}, "été": {"summer": 0.25, "been": 0.5}}


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "lex.tsv.gz"
    Lexicon(TABLE, "trained").save(path, header=["trained on: test", "iterations: 5"])
    loaded = Lexicon.load(path)
    assert loaded.table == TABLE  # header lines are comments, not pairs; non-ASCII words survive
    assert loaded.source == str(path)
    assert len(loaded) == 5  # pairs, not French words


def test_saved_file_is_sorted_gzip_tsv_with_four_decimals(tmp_path: Path) -> None:
    path = tmp_path / "lex.tsv.gz"
    Lexicon({"b": {"z": 0.123456, "a": 1.0}, "a": {"x": 0.5}}, "t").save(path, header=["h"])
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    assert text == "# h\na\tx\t0.5000\nb\ta\t1.0000\nb\tz\t0.1235\n"
    assert Lexicon.load(path).table["b"]["z"] == 0.1235  # what is loaded is what was written


def test_save_is_byte_identical_whatever_the_insertion_order(tmp_path: Path) -> None:
    """Sorted lines and a gzip mtime of 0: the same table gives the same bytes (fails with a time-stamped gzip)."""
    reordered = {fr: dict(reversed(list(en.items()))) for fr, en in reversed(list(TABLE.items()))}
    Lexicon(TABLE, "a").save(tmp_path / "one.tsv.gz")
    Lexicon(reordered, "b").save(tmp_path / "two.tsv.gz")
    one = (tmp_path / "one.tsv.gz").read_bytes()
    assert one == (tmp_path / "two.tsv.gz").read_bytes()
    assert one[4:8] == b"\x00\x00\x00\x00"  # gzip MTIME field


def test_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    Lexicon(TABLE, "a").save(tmp_path / "lex.tsv.gz")
    assert [p.name for p in tmp_path.iterdir()] == ["lex.tsv.gz"]


def test_sha256_is_the_first_16_hex_digits_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lex.tsv.gz"
    Lexicon(TABLE, "a").save(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    loaded = Lexicon.load(path)
    assert loaded.sha256 == digest[:16]
    assert len(loaded.sha256) == 16


def test_sha256_changes_with_the_content(tmp_path: Path) -> None:
    Lexicon(TABLE, "a").save(tmp_path / "one.tsv.gz")
    Lexicon({**TABLE, "chien": {"dog": 0.5}}, "a").save(tmp_path / "two.tsv.gz")
    assert Lexicon.load(tmp_path / "one.tsv.gz").sha256 != Lexicon.load(tmp_path / "two.tsv.gz").sha256


def test_default_lexicon_path_honours_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mine.tsv.gz"
    monkeypatch.setenv("ALIGNER_LEXICON", str(path))
    assert default_lexicon_path() == path
    Lexicon(TABLE, "a").save(path)
    assert Lexicon.load().table == TABLE  # Lexicon.load() with no path reads the override too
    assert load_lexicon().table == TABLE


@pytest.mark.parametrize("value", [None, ""])
def test_default_lexicon_path_is_inside_the_package(value: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset or empty ALIGNER_LEXICON: the table shipped in the installed package (not a path relative to the
    working directory or to the repository)."""
    if value is None:
        monkeypatch.delenv("ALIGNER_LEXICON", raising=False)
    else:
        monkeypatch.setenv("ALIGNER_LEXICON", value)
    path = default_lexicon_path()
    assert path == Path(aligner.__file__).parent / "data" / "lexicon-fr-en.tsv.gz"
    assert path.parts[-3:] == ("aligner", "data", "lexicon-fr-en.tsv.gz")
    assert path.is_file()


@pytest.mark.parametrize("as_str", [False, True])
def test_load_lexicon_on_a_missing_path(tmp_path: Path, as_str: bool) -> None:
    missing = tmp_path / "nowhere" / "lex.tsv.gz"
    with pytest.raises(AlignmentError, match=r"^no lexical table at .*nowhere.*lex\.tsv\.gz; rebuild it with"):
        load_lexicon(str(missing) if as_str else missing)


def test_load_lexicon_missing_env_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIGNER_LEXICON", str(tmp_path / "absent.tsv.gz"))
    with pytest.raises(AlignmentError, match=r"no lexical table at .*absent"):
        load_lexicon()


def test_load_lexicon_loads_a_given_table(tmp_path: Path) -> None:
    path = tmp_path / "given.tsv.gz"
    Lexicon(TABLE, "a").save(path)
    lexicon = load_lexicon(path)
    assert lexicon.table == TABLE
    assert lexicon.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def test_parsed_table_is_kept_by_content_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second load reads the cache (a planted table comes back), and a changed file is never served the
    table of the old one (fails with a cache keyed by path, or one never read)."""
    import marshal

    monkeypatch.setenv("ALIGNER_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "lex.tsv.gz"
    Lexicon(TABLE, "a").save(path)
    assert Lexicon.load(path).table == TABLE
    (cached,) = (tmp_path / "cache" / "lexicon").iterdir()
    assert cached.name.startswith(hashlib.sha256(path.read_bytes()).hexdigest())
    assert marshal.loads(cached.read_bytes()) == TABLE
    cached.write_bytes(marshal.dumps({"planted": {"yes": 1.0}}))
    assert Lexicon.load(path).table == {"planted": {"yes": 1.0}}  # read from the cache, not parsed
    Lexicon({**TABLE, "chien": {"dog": 0.5}}, "a").save(path)  # same path, new content
    assert Lexicon.load(path).table == {**TABLE, "chien": {"dog": 0.5}}


@pytest.mark.parametrize("damage", [b"", b"not marshal at all", b"\xe9"])
def test_a_damaged_cache_is_parsed_again_and_replaced(
    damage: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIGNER_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "lex.tsv.gz"
    Lexicon(TABLE, "a").save(path)
    Lexicon.load(path)
    (cached,) = (tmp_path / "cache" / "lexicon").iterdir()
    cached.write_bytes(damage)
    assert Lexicon.load(path).table == TABLE
    assert Lexicon.load(path).table == TABLE and len(cached.read_bytes()) > len(damage)


def test_an_unwritable_cache_costs_nothing_but_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    monkeypatch.setenv("ALIGNER_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "lex.tsv.gz"
    Lexicon(TABLE, "a").save(path)
    assert Lexicon.load(path).table == TABLE
    assert Lexicon.load(path).table == TABLE
