"""Glossary files: TBX-Basic (ISO 30042:2019), TBX 2008, CSV/TSV and MateCat XLSX read into entries; merging;
every bad-file message names the file, the entry and the fix."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from aligner.errors import InputError
from aligner.terms import Entry, Glossary, load_glossary

TBX_BASIC = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="fr" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>desk</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="kyiv">
      <note>Ukrainian spelling since 2019</note>
      <langSec xml:lang="fr"><termSec><term>Kiev</term></termSec></langSec>
      <langSec xml:lang="en">
        <termSec><term>Kyiv</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec>
        <termSec><term>Kiev</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></termSec>
      </langSec>
    </conceptEntry>
    <conceptEntry id="un">
      <langSec xml:lang="fr">
        <termSec><term>Organisation des Nations unies</term></termSec>
        <termSec><term>ONU</term></termSec>
      </langSec>
      <langSec xml:lang="en">
        <termSec><term>U.N.</term><termNote type="administrativeStatus">admittedTerm-admn-sts</termNote></termSec>
        <termSec><term>United Nations</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
        </termSec>
        <termSec><term>UNO</term><termNote type="administrativeStatus">supersededTerm-admn-sts</termNote></termSec>
      </langSec>
      <langSec xml:lang="de"><termSec><term>Vereinte Nationen</term></termSec></langSec>
    </conceptEntry>
    <conceptEntry id="nice">
      <note>aligner:case-sensitive</note>
      <langSec xml:lang="fr"><termSec><term>Nice</term></termSec></langSec>
      <langSec xml:lang="en"><termSec><term>Nice</term></termSec></langSec>
    </conceptEntry>
    <conceptEntry id="de-only">
      <langSec xml:lang="de"><termSec><term>Raumhafen</term></termSec></langSec>
      <langSec xml:lang="en"><termSec><term>spaceport</term></termSec></langSec>
    </conceptEntry>
  </body></text>
</tbx>
"""

TBX_2008 = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif PUBLIC "ISO 12200:1999A//DTD MARTIF core (DXFcdV04)//EN" "TBXcdv04.dtd">
<martif type="TBX" xml:lang="en">
  <martifHeader><fileDesc><sourceDesc><p>desk</p></sourceDesc></fileDesc></martifHeader>
  <text><body>
    <termEntry id="t1">
      <note>Baikonur</note>
      <langSet xml:lang="fr"><tig><term>cosmodrome</term></tig></langSet>
      <langSet xml:lang="en">
        <ntig><termGrp><term>spaceport</term>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termGrp></ntig>
        <tig><term>cosmodrome</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></tig>
      </langSet>
    </termEntry>
    <termEntry id="t2">
      <langSet xml:lang="fr-FR"><tig><term>Premier ministre</term></tig></langSet>
      <langSet xml:lang="en-GB"><tig><term>Prime Minister</term></tig><tig><term>premier</term>
        <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote></tig></langSet>
    </termEntry>
  </body></text>
</martif>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_tbx_basic(tmp_path: Path) -> None:
    path = write(tmp_path, "desk.tbx", TBX_BASIC)
    glossary = load_glossary(path)
    assert glossary.source == "desk.tbx"
    assert glossary.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert glossary.entries == (
        Entry("Kiev", ("Kyiv",), (), ("Kiev",), False, "Ukrainian spelling since 2019"),
        Entry("Organisation des Nations unies", ("United Nations",), ("U.N.",), ("UNO",)),
        Entry("ONU", ("United Nations",), ("U.N.",), ("UNO",)),  # each French synonym is an entry
        Entry("Nice", ("Nice",), case_sensitive=True),
    )


def test_tbx_2008(tmp_path: Path) -> None:
    glossary = load_glossary(write(tmp_path, "old.tbx", TBX_2008))
    assert glossary.entries == (
        Entry("cosmodrome", ("spaceport",), (), ("cosmodrome",), note="Baikonur"),
        Entry("Premier ministre", ("Prime Minister",), ("premier",)),
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("desk.tsv", "Kiev\tKyiv\tUkrainian spelling\ncosmodrome\tspaceport\n\n# a comment\n"),
        ("desk.txt", "Kiev\tKyiv\tUkrainian spelling\ncosmodrome\tspaceport\n"),
        ("desk.csv", 'Kiev,Kyiv,"Ukrainian spelling"\ncosmodrome,spaceport\n'),
        ("desk.csv", "\ufeffKiev,Kyiv,Ukrainian spelling\r\ncosmodrome,spaceport\r\n"),
    ],
)
def test_csv_and_tsv(tmp_path: Path, name: str, text: str) -> None:
    assert load_glossary(write(tmp_path, name, text)).entries == (
        Entry("Kiev", ("Kyiv",), note="Ukrainian spelling"),
        Entry("cosmodrome", ("spaceport",)),
    )


def test_csv_with_header_has_every_field(tmp_path: Path) -> None:
    text = (
        "source,target,note,admitted,forbidden,case_sensitive\n"
        "Kiev,Kyiv,Ukrainian spelling,,Kiev,false\n"
        "ONU,U.N.,,UN|United Nations,UNO,true\n"
    )
    assert load_glossary(write(tmp_path, "desk.csv", text)).entries == (
        Entry("Kiev", ("Kyiv",), (), ("Kiev",), False, "Ukrainian spelling"),
        Entry("ONU", ("U.N.",), ("UN", "United Nations"), ("UNO",), True),
    )


def matecat_xlsx(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Forbidden", "Domain", "Subdomain", "Definition", "fr-FR", "Notes", "Example of use", "en-GB",
                  "Notes", "Example of use"])  # fmt: skip
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_matecat_xlsx(tmp_path: Path) -> None:
    path = matecat_xlsx(
        tmp_path / "desk.xlsx",
        [
            [False, "news", "", "", "Kiev", "", "Kiev a besoin de liquidités", "Kyiv", "Ukrainian spelling", ""],
            [True, "news", "", "", "Kiev", "", "", "Kiev", "", ""],
            ["FALSE", "", "", "", "cosmodrome", "", "", "spaceport", "", ""],
            [None] * 10,
        ],
    )
    assert load_glossary(path).entries == (
        Entry("Kiev", ("Kyiv",), (), ("Kiev",), False, "Ukrainian spelling"),
        Entry("cosmodrome", ("spaceport",)),
    )


def test_merge_later_file_wins(tmp_path: Path) -> None:
    shared = Glossary.of([Entry("Kiev", ("Kiev",)), Entry("cosmodrome", ("cosmodrome",))], "shared.tsv")
    desk = Glossary.of([Entry("kiev", ("Kyiv",))], "desk.tsv")
    merged = Glossary.merge([shared, desk])
    assert merged.entries == (Entry("kiev", ("Kyiv",)), Entry("cosmodrome", ("cosmodrome",)))
    assert merged.source == "shared.tsv, desk.tsv"
    assert merged.sha256 == hashlib.sha256(f"{shared.sha256}\n{desk.sha256}".encode()).hexdigest()
    assert Glossary.merge([desk]) is desk


def test_content_digest_depends_on_entries() -> None:
    a = Glossary.of([Entry("Kiev", ("Kyiv",))])
    assert a.sha256 == Glossary.of([Entry("Kiev", ("Kyiv",))]).sha256
    assert a.sha256 != Glossary.of([Entry("Kiev", ("Kyiv",), forbidden=("Kiev",))]).sha256


BAD_TEXT = [
    ("empty.tsv", "  \n", r"empty\.tsv: the file is empty: give a TBX"),
    ("one.tsv", "Kiev\n", r"one\.tsv, line 1: 'Kiev' has no English term: write `source<TAB>target"),
    ("one.tsv", "Kiev\t \n", r"one\.tsv, line 1: 'Kiev' has no English term"),
    ("plain.csv", "Kiev Kyiv\n", r"plain\.csv: line 1 has neither a tab nor a comma: write `source<TAB>target"),
    ("wide.tsv", "a\tb\tc\td\n", r"wide\.tsv, line 1: 4 columns, expected 2 or 3 \(source, target, note\)"),
    ("punct.tsv", "Kiev\tKyiv\n--\tx\n", r"punct\.tsv, line 2: the French term '--' has no letter or digit"),
    ("both.csv", "source,target,forbidden\nKiev,Kyiv,Kyiv\n", r"both\.csv, line 2: 'Kiev' both requires and forbids"),
    ("head.csv", "source,target,colour\nKiev,Kyiv,red\n", r"head\.csv, line 1: unknown column 'colour': the columns"),
    ("case.csv", "source,target,case_sensitive\nKiev,Kyiv,maybe\n", r"case\.csv, line 2: case_sensitive is 'maybe'"),
    ("bad.tbx", "<tbx><text>", r"bad\.tbx: not well-formed XML \(line 1: .*\): fix the file"),
    ("root.tbx", "<html/>", r"root\.tbx: the root element is <html>, not <tbx> or <martif>"),
    (
        "status.tbx",
        TBX_BASIC.replace("admittedTerm-admn-sts", "okTerm"),
        r"status\.tbx, conceptEntry un: administrativeStatus 'okTerm' is not one of preferredTerm-admn-sts",
    ),
    (
        "noterm.tbx",
        TBX_BASIC.replace("<term>Kyiv</term>", ""),
        r"noterm\.tbx, conceptEntry kyiv: a term section has no",
    ),
    (
        "langs.tbx",
        TBX_2008.replace('"fr"', '"es"').replace('"fr-FR"', '"es-ES"'),
        r"langs\.tbx: its languages are en, es: it needs French \(xml:lang=\"fr\"\) and English",
    ),
    (
        "forbid.tbx",
        TBX_2008.replace("<ntig><termGrp><term>spaceport</term>", "<ntig><termGrp><term>cosmodrome</term>"),
        r"forbid\.tbx, termEntry t1: 'cosmodrome' both requires and forbids 'cosmodrome'",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_TEXT)
def test_bad_text_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(InputError, match=rf"^glossary .*{message}"):
        load_glossary(write(tmp_path, name, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"glossary .*nowhere\.tbx: no such file: check the path given to --glossary"):
        load_glossary(tmp_path / "nowhere.tbx")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.tsv"
    path.write_bytes("ministère\tministry\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.tsv: not UTF-8 \(at byte offset 6\): save it as UTF-8"):
        load_glossary(path)


def test_bad_xlsx(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"broken\.xlsx: not a readable XLSX workbook .*: save it again as \.xlsx"):
        load_glossary(broken)
    flag = matecat_xlsx(tmp_path / "flag.xlsx", [["perhaps", "", "", "", "Kiev", "", "", "Kyiv", "", ""]])
    with pytest.raises(InputError, match=r"flag\.xlsx, row 2: Forbidden is 'perhaps': write TRUE or FALSE"):
        load_glossary(flag)
    empty_en = matecat_xlsx(tmp_path / "noen.xlsx", [[False, "", "", "", "Kiev", "", "", "", "", ""]])
    with pytest.raises(InputError, match=r"noen\.xlsx, row 2: 'Kiev' has no English term in column en-GB: fill it"):
        load_glossary(empty_en)

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["French", "English"])
    book.active.append(["Kiev", "Kyiv"])
    book.save(tmp_path / "nolocale.xlsx")
    with pytest.raises(InputError, match=r"nolocale\.xlsx: the header row has no French column: name the columns"):
        load_glossary(tmp_path / "nolocale.xlsx")


# ----------------------------------------------------------------------------------------------- export

TBX_DIR = Path(__file__).resolve().parent / "data" / "tbx"
VENDORED = {
    "TBXcoreStructV03.rng": "e91e89f82e69fe42f3bdad6f2cd8ab2dbdcdd73c7bd63ab2bfa417262054e461",
    "TBX-Basic_DCA.sch": "0584301b1afdd855e6a325d6e6945dc86a86f1dce265e61ed362227a8149907f",
    "TBX-Basic_DCA.xslt1-for-lxml.sch": "1ed3fb8836214e869997e30ed12bd4d37aaa46ea63b910bb2160cab32d26bf7d",
    "Example_Astronomy_DCA_VALID.tbx": "0edfdba94a1391d1416c14ff3943086e3fbcf9858147e0a0972df37718194988",
}

DESK = Glossary.of(
    [
        Entry("Kiev", ("Kyiv",), (), ("Kiev",), False, "Ukrainian spelling since 2019 & <AP style>"),
        Entry("Organisation des Nations unies", ("United Nations",), ("U.N.", "UN"), ("UNO",)),
        Entry("ONU", ("U.N.",), ("UN",), case_sensitive=True),
        Entry("cosmodrome", ("spaceport",)),
        Entry("Kiev", (), forbidden=("Kiew",)),  # only says what not to write
    ],
    "desk.tsv",
)


def tbx_problems(data: bytes) -> list[str]:
    """Why ``data`` is not valid TBX-Basic (DCA): the core RNG's errors, then the dialect Schematron's."""
    from lxml import etree, isoschematron

    doc = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    rng = etree.RelaxNG(etree.parse(str(TBX_DIR / "TBXcoreStructV03.rng")))
    sch = isoschematron.Schematron(etree.parse(str(TBX_DIR / "TBX-Basic_DCA.xslt1-for-lxml.sch")))
    problems = [] if rng.validate(doc) else [f"rng: {e.message}" for e in rng.error_log]
    if not sch.validate(doc):
        problems += [f"sch: {e.message}" for e in sch.error_log]
    return problems


def test_vendored_tbx_schemas_match_this_readme() -> None:
    readme = (TBX_DIR / "README.md").read_text(encoding="utf-8")
    for name, digest in VENDORED.items():
        assert hashlib.sha256((TBX_DIR / name).read_bytes()).hexdigest() == digest
        assert digest in readme


def test_the_validator_accepts_the_official_example_and_rejects_broken_documents() -> None:
    example = (TBX_DIR / "Example_Astronomy_DCA_VALID.tbx").read_bytes()
    assert tbx_problems(example) == []
    wrong_type = example.replace(b'type="partOfSpeech"', b'type="colour"', 1)
    assert any("Permitted type value(s)" in p for p in tbx_problems(wrong_type))
    no_style = example.replace(b'style="dca" ', b"", 1)
    assert tbx_problems(no_style)


def test_tbx_export_is_valid_tbx_basic_and_round_trips(tmp_path: Path) -> None:
    from aligner.terms import write_tbx

    path = tmp_path / "desk.tbx"
    write_tbx(DESK, path)
    assert tbx_problems(path.read_bytes()) == []
    assert load_glossary(path).entries == DESK.entries


def test_tbx_basic_import_export_round_trip(tmp_path: Path) -> None:
    from aligner.terms import write_tbx

    original = load_glossary(write(tmp_path, "desk.tbx", TBX_BASIC))
    write_tbx(original, tmp_path / "again.tbx")
    assert tbx_problems((tmp_path / "again.tbx").read_bytes()) == []
    assert load_glossary(tmp_path / "again.tbx").entries == original.entries


def test_tbx_2008_import_exports_as_tbx_basic(tmp_path: Path) -> None:
    from aligner.terms import write_tbx

    old = load_glossary(write(tmp_path, "old.tbx", TBX_2008))
    write_tbx(old, tmp_path / "new.tbx")
    assert tbx_problems((tmp_path / "new.tbx").read_bytes()) == []
    assert load_glossary(tmp_path / "new.tbx").entries == old.entries


@pytest.mark.parametrize("name", ["desk.csv", "desk.tsv"])
def test_csv_export_round_trips(tmp_path: Path, name: str) -> None:
    from aligner.terms import write_csv

    write_csv(DESK, tmp_path / name)
    text = (tmp_path / name).read_text(encoding="utf-8")
    delimiter = "," if name.endswith(".csv") else "\t"
    assert text.splitlines()[0] == delimiter.join(
        ["source", "target", "note", "admitted", "forbidden", "case_sensitive"]
    )
    assert load_glossary(tmp_path / name).entries == DESK.entries


def test_tbx_2008_first_terms_agree_with_translate_toolkit(tmp_path: Path) -> None:
    # translate-toolkit's reader keeps the first term of each language only (and no administrativeStatus): where it
    # has something to say, it says what load_glossary reads
    from translate.storage import tbx

    path = write(tmp_path, "old.tbx", TBX_2008)
    units = tbx.tbxfile.parsefile(str(path)).units
    toolkit = [(u.source, u.target) for u in units]
    ours = [(e.source, (e.preferred + e.admitted + e.forbidden)[0]) for e in load_glossary(path).entries]
    assert toolkit == ours == [("cosmodrome", "spaceport"), ("Premier ministre", "Prime Minister")]
