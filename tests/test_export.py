"""Exports of a run for CAT tools and data teams: units, TSV and JSONL byte for byte, TMX and XLIFF read back
with translate-toolkit, and ``export_run``'s errors.

The run is made by hand (a 2-1 bead, a 1-1 bead with quotes, a 0-1 bead; flags on two of them) so that every
expected byte can be written down from the inputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from translate.storage import tmx, xliff

from aligner.alignment.beads import Alignment, Bead
from aligner.errors import InputError
from aligner.pipeline import read_run, write_run
from aligner.reading.document import Document, Kind, Paragraph, Sentence
from aligner.results import BeadScore, DocumentScores, Flag, MetricScore, RunResult, Scores
from aligner.review.export import FORMATS, Unit, export_run, to_jsonl, to_tmx, to_tsv, to_xliff, units_of
from aligner.signature import Signature
from aligner.translation.base import Translation

SOURCE = Document(
    "story-1",
    (
        Paragraph(0, Kind.PROSE, (Sentence(0, 0, "Le chat dort."), Sentence(1, 0, "Il rêve."))),
        Paragraph(1, Kind.PROSE, (Sentence(2, 1, 'Le chien dit "non".'),)),
    ),
)
REFERENCE = Document(
    "story-1",
    (
        Paragraph(0, Kind.PROSE, (Sentence(0, 0, "The cat sleeps and dreams."),)),
        Paragraph(1, Kind.PROSE, (Sentence(1, 1, 'The dog says "no".'), Sentence(2, 1, "Extra."))),
    ),
    lang="en",
)
MT = (Translation("The cat sleeps."), Translation("It dreams."), Translation('The dog says "no".'))
SACREBLEU = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
SCORES = Scores(MetricScore("BLEU", 40.0, SACREBLEU), MetricScore("chrF2", 55.0, SACREBLEU))
UNTRANSLATED = Flag("untranslated", "error", "French left in the English: rêve")
OMISSION = Flag("omission", "warning", "no MT")
NOTE = Flag("note", "info", "a 0-1 bead")


def hand_made_run(reference: bool = True) -> RunResult:
    if reference:
        alignment = Alignment(
            (Bead((0, 1), (0,), 0.9), Bead((2,), (1,), 0.75), Bead((), (2,), 0.5)),
            "bitext",
            (("width", "10"),),
            "0123456789abcdef",
        )
        scores = DocumentScores(
            SCORES, SCORES, (BeadScore(50.0, 60.5), BeadScore(100.0, 100.0), BeadScore(0.0, 0.0)), ()
        )
        flags: tuple[tuple[Flag, ...], ...] = ((UNTRANSLATED,), (), (OMISSION, NOTE))
    else:
        alignment = Alignment((Bead((0,), (0,), 1.0), Bead((1,), (1,), 1.0), Bead((2,), (2,), 1.0)), "identity")
        scores = None
        flags = ((), (UNTRANSLATED,), ())
    signature = Signature(model="hand", engine="file").with_alignment(
        alignment.method, alignment.settings, alignment.lexicon
    )
    return RunResult(SOURCE, MT, REFERENCE if reference else None, alignment, scores, signature, flags)


def flag_dict(flag: Flag) -> dict[str, str]:
    return {"code": flag.code, "severity": flag.severity, "reason": flag.reason}


# ----------------------------------------------------------------------------------------------- units


def test_units_of_a_run_with_reference() -> None:
    assert units_of(hand_made_run()) == [
        Unit(
            0,
            "2-1",
            "Le chat dort. Il rêve.",
            "The cat sleeps. It dreams.",
            "The cat sleeps and dreams.",
            50.0,
            60.5,
            0.9,
            (flag_dict(UNTRANSLATED),),
        ),
        Unit(1, "1-1", 'Le chien dit "non".', 'The dog says "no".', 'The dog says "no".', 100.0, 100.0, 0.75, ()),
        Unit(2, "0-1", "", "", "Extra.", 0.0, 0.0, 0.5, (flag_dict(OMISSION), flag_dict(NOTE))),
    ]


def test_units_of_a_run_without_reference() -> None:
    """One unit per source sentence; no reference, no scores and no confidence (the identity's 1.0 means nothing)."""
    units = units_of(hand_made_run(reference=False))
    assert [(u.id, u.kind, u.source, u.mt) for u in units] == [
        (0, "1-1", "Le chat dort.", "The cat sleeps."),
        (1, "1-1", "Il rêve.", "It dreams."),
        (2, "1-1", 'Le chien dit "non".', 'The dog says "no".'),
    ]
    assert all(u.reference is None and u.bleu is None and u.chrf is None and u.confidence is None for u in units)
    assert [u.flags for u in units] == [(), (flag_dict(UNTRANSLATED),), ()]


# ----------------------------------------------------------------------------------------------- TSV and JSONL


def test_tsv() -> None:
    result = hand_made_run()
    assert to_tsv(result, units_of(result)).decode("utf-8") == (
        "bead\tkind\tsource\tmt\treference\tbleu\tchrf\tconfidence\tflags\n"
        "0\t2-1\tLe chat dort. Il rêve.\tThe cat sleeps. It dreams.\tThe cat sleeps and dreams.\t50.0\t60.5\t0.9"
        "\tuntranslated\n"
        # fields with a double quote are quoted, the quote doubled (csv's QUOTE_MINIMAL)
        '1\t1-1\t"Le chien dit ""non""."\t"The dog says ""no""."\t"The dog says ""no""."\t100.0\t100.0\t0.75\t\n'
        "2\t0-1\t\t\tExtra.\t0.0\t0.0\t0.5\tomission,note\n"
    )


def test_tsv_without_reference_leaves_the_columns_empty() -> None:
    result = hand_made_run(reference=False)
    assert to_tsv(result, units_of(result)).decode("utf-8").splitlines()[1:] == [
        "0\t1-1\tLe chat dort.\tThe cat sleeps.\t\t\t\t\t",
        "1\t1-1\tIl rêve.\tIt dreams.\t\t\t\t\tuntranslated",
        '2\t1-1\t"Le chien dit ""non""."\t"The dog says ""no""."\t\t\t\t\t',
    ]


def test_jsonl() -> None:
    result = hand_made_run()
    data = to_jsonl(result, units_of(result))
    assert "rêve".encode() in data  # UTF-8, not \u escapes
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 4  # one line per unit, newline-terminated
    assert lines[0] == (
        '{"story": "story-1", "bead": 0, "kind": "2-1", "source": "Le chat dort. Il rêve.", '
        '"mt": "The cat sleeps. It dreams.", "reference": "The cat sleeps and dreams.", "bleu": 50.0, '
        '"chrf": 60.5, "confidence": 0.9, "flags": [{"code": "untranslated", "severity": "error", '
        '"reason": "French left in the English: rêve"}]}'
    )
    assert json.loads(lines[1]) == {
        "story": "story-1",
        "bead": 1,
        "kind": "1-1",
        "source": 'Le chien dit "non".',
        "mt": 'The dog says "no".',
        "reference": 'The dog says "no".',
        "bleu": 100.0,
        "chrf": 100.0,
        "confidence": 0.75,
        "flags": [],
    }
    assert json.loads(lines[2])["flags"] == [flag_dict(OMISSION), flag_dict(NOTE)]


def test_jsonl_without_reference_has_nulls() -> None:
    result = hand_made_run(reference=False)
    first = json.loads(to_jsonl(result, units_of(result)).decode("utf-8").split("\n")[0])
    assert first == {
        "story": "story-1",
        "bead": 0,
        "kind": "1-1",
        "source": "Le chat dort.",
        "mt": "The cat sleeps.",
        "reference": None,
        "bleu": None,
        "chrf": None,
        "confidence": None,
        "flags": [],
    }


def test_jsonl_of_no_units_is_empty() -> None:
    assert to_jsonl(hand_made_run(), []) == b""


# ----------------------------------------------------------------------------------------------- TMX and XLIFF


def test_tmx_reads_back() -> None:
    result = hand_made_run()
    store = tmx.tmxfile.parsestring(to_tmx(result, units_of(result)))
    units = store.units
    # French ↔ the human reference (what a translation memory wants)
    assert [(u.source, u.target) for u in units] == [
        ("Le chat dort. Il rêve.", "The cat sleeps and dreams."),
        ('Le chien dit "non".', 'The dog says "no".'),
        ("", "Extra."),
    ]
    assert [u.xmlelement.get("tuid") for u in units] == ["bead-0", "bead-1", "bead-2"]
    assert units[0].getnotes() == (
        "bead 0 (2-1)\nMT: The cat sleeps. It dreams.\nflags: untranslated (error): French left in the English: rêve"
    )
    assert units[1].getnotes() == 'bead 1 (1-1)\nMT: The dog says "no".'  # no flags, no flags note
    props = {p.get("type"): p.text for p in units[2].xmlelement.findall("prop")}
    assert props == {
        "x-aligner-bead": "2",
        "x-aligner-kind": "0-1",
        "x-aligner-mt": None,  # an empty MT
        "x-aligner-flags": "omission,note",
    }
    props = {p.get("type"): p.text for p in units[0].xmlelement.findall("prop")}
    assert props["x-aligner-mt"] == "The cat sleeps. It dreams."
    languages = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in units[0].xmlelement.findall("tuv")}
    assert languages == {"fr", "en"}


def test_tmx_without_reference_pairs_the_source_with_the_mt() -> None:
    result = hand_made_run(reference=False)
    store = tmx.tmxfile.parsestring(to_tmx(result, units_of(result)))
    assert [(u.source, u.target) for u in store.units] == [
        ("Le chat dort.", "The cat sleeps."),
        ("Il rêve.", "It dreams."),
        ('Le chien dit "non".', 'The dog says "no".'),
    ]


def test_xliff_reads_back() -> None:
    result = hand_made_run()
    store = xliff.xlifffile.parsestring(to_xliff(result, units_of(result)))
    units = store.units
    # source French, target the MT, the reference as an alternative translation
    assert [(u.source, u.target) for u in units] == [
        ("Le chat dort. Il rêve.", "The cat sleeps. It dreams."),
        ('Le chien dit "non".', 'The dog says "no".'),
        ("", ""),
    ]
    assert [u.xmlelement.get("id") for u in units] == ["bead-0", "bead-1", "bead-2"]
    assert [[alt.target for alt in u.getalttrans()] for u in units] == [
        ["The cat sleeps and dreams."],
        ['The dog says "no".'],
        ["Extra."],
    ]
    for u in units:
        assert u.xmlelement.find(u.namespaced("target")).get("state") == "needs-review-translation"
        assert not u.isapproved()  # machine translation: not approved until reviewed
    assert units[0].getnotes() == "untranslated (error): French left in the English: rêve"
    assert units[1].getnotes() == ""
    assert units[2].getnotes() == "omission (warning): no MT; note (info): a 0-1 bead"
    assert store.getsourcelanguage() == "fr" and store.gettargetlanguage() == "en"


def test_xliff_without_reference_has_no_alternatives() -> None:
    result = hand_made_run(reference=False)
    store = xliff.xlifffile.parsestring(to_xliff(result, units_of(result)))
    assert [u.target for u in store.units] == ["The cat sleeps.", "It dreams.", 'The dog says "no".']
    assert all(u.getalttrans() == [] for u in store.units)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="BUG: export.py's docstring promises XLIFF 1.2 but to_xliff writes translate-toolkit's default, "
    'version="1.1" in the urn:oasis:names:tc:xliff:document:1.1 namespace',
)
def test_xliff_is_version_1_2() -> None:
    from lxml import etree

    result = hand_made_run()
    root = etree.fromstring(to_xliff(result, units_of(result)))
    assert root.get("version") == "1.2"
    assert root.tag == "{urn:oasis:names:tc:xliff:document:1.2}xliff"


# ----------------------------------------------------------------------------------------------- export_run


@pytest.fixture
def rundir(tmp_path: Path) -> Path:
    out = write_run(hand_made_run(), tmp_path / "run")
    assert read_run(out) == hand_made_run()  # precondition: the export reads back exactly the hand-made run
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_run_writes_what_the_writer_makes(rundir: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "exports" / f"story.{fmt}"
    assert export_run(rundir, fmt, out) == 3
    assert out.is_file()
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left


def test_export_run_tsv_bytes(rundir: Path, tmp_path: Path) -> None:
    out = tmp_path / "story.tsv"
    export_run(str(rundir), "tsv", str(out))
    assert out.read_bytes() == to_tsv(hand_made_run(), units_of(hand_made_run()))
    assert out.read_text(encoding="utf-8").splitlines()[3] == "2\t0-1\t\t\tExtra.\t0.0\t0.0\t0.5\tomission,note"


def test_export_run_unknown_format(rundir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^unknown export format 'csv'; choose from tmx, xliff, tsv, jsonl$"):
        export_run(rundir, "csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_export_run_to_a_directory(rundir: Path, tmp_path: Path) -> None:
    target = tmp_path / "somewhere"
    target.mkdir()
    with pytest.raises(InputError, match=r"somewhere: is a directory; give a file name for -o$"):
        export_run(rundir, "tmx", target)
    assert list(target.iterdir()) == []


def test_export_run_of_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-run"
    folder.mkdir()
    with pytest.raises(InputError, match=r"not-a-run: no result\.json; give a directory written by `aligner run`"):
        export_run(folder, "tsv", tmp_path / "out.tsv")
    assert not (tmp_path / "out.tsv").exists()
