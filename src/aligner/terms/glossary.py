"""A desk's glossary: French terms and the English the desk requires, admits or forbids, read from the formats
desks keep them in and written back out.

Formats, chosen by content first and by suffix second:

- **TBX-Basic** (ISO 30042:2019, DCA style, namespace ``urn:iso:std:iso:30042:ed-2``): one ``conceptEntry`` per
  concept, a ``langSec`` per language, a ``termSec`` per term with ``termNote type="administrativeStatus"``:
  ``preferredTerm-admn-sts`` → preferred, ``admittedTerm-admn-sts`` → admitted, ``deprecatedTerm-admn-sts`` and
  ``supersededTerm-admn-sts`` → forbidden; a term with no status counts as preferred, after the explicit ones.
- **TBX 2008** (the older MARTIF shape: ``martif`` / ``termEntry`` / ``langSet`` / ``tig`` or ``ntig``), the one
  translate-toolkit reads. Its reader (``translate.storage.tbx``) keeps only the first term of each language and
  drops ``administrativeStatus``, so both TBX shapes are read here with lxml by one code path.
- **CSV / TSV**: ``source<TAB>target[<TAB>note]`` (or commas in a ``.csv``), no header; or with a header line
  ``source,target,note,admitted,forbidden,case_sensitive`` (any subset after ``source,target``; several terms in
  one cell separated by ``|``), the form :func:`write_csv` writes.
- **XLSX**, MateCat's glossary layout: a header row ``Forbidden | Domain | Subdomain | Definition | fr-FR | Notes |
  Example of use | en-GB | Notes | Example of use``; the French column is the first whose header is a ``fr`` locale,
  the English one the first ``en`` locale. A row whose Forbidden cell is true forbids its English term.

A TBX concept gives one entry per French term (synonyms each match), all with the concept's English terms. TBX-Basic
has no case-sensitivity data category: a concept-level ``<note>aligner:case-sensitive</note>`` says it (written by
:func:`write_tbx`, read back here). Every problem raises :class:`~aligner.errors.InputError` with one line naming
the file, the entry and the fix.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from .match import _Index

__all__ = ["CASE_SENSITIVE_NOTE", "Entry", "Glossary", "load_glossary", "write_csv", "write_tbx"]

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CASE_SENSITIVE_NOTE = "aligner:case-sensitive"
CSV_COLUMNS = ("source", "target", "note", "admitted", "forbidden", "case_sensitive")

_STATUS = {
    "preferredterm-admn-sts": "preferred",
    "admittedterm-admn-sts": "admitted",
    "deprecatedterm-admn-sts": "forbidden",
    "supersededterm-admn-sts": "forbidden",
}
_TRUE = {"true", "yes", "y", "1", "x", "forbidden", "vrai", "oui"}
_FALSE = {"false", "no", "n", "0", "", "faux", "non"}


@dataclass(frozen=True)
class Entry:
    """One French term and the English the desk wants for it.

    ``preferred``: the required English term(s), the first is the one the MT is forced to use; it may be empty only
    when ``forbidden`` is not (an entry that only says what not to write). ``admitted``: variants that also count
    as the term being used. ``forbidden``: English that must not appear. ``case_sensitive``: match the French (and
    check the English) with its case as written; otherwise case is ignored.
    """

    source: str
    preferred: tuple[str, ...]
    admitted: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    case_sensitive: bool = False
    note: str = ""

    @property
    def targets(self) -> tuple[str, ...]:
        """Every English term that counts as the entry being obeyed: preferred then admitted."""
        return self.preferred + self.admitted


@dataclass(frozen=True)
class Glossary:
    """Entries in file order. ``sha256``: of the file's bytes (one file), of the parts' digests (a merge) or of the
    entries' canonical text (built in memory). ``source``: the file name(s), comma-separated."""

    entries: tuple[Entry, ...]
    sha256: str
    source: str

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def of(cls, entries: Iterable[Entry], source: str = "") -> Glossary:
        """A glossary built in memory (tests, the review page's additions); its digest is of its entries' content."""
        entries = tuple(entries)
        return cls(entries, _content_digest(entries), source)

    @classmethod
    def merge(cls, glossaries: Sequence[Glossary]) -> Glossary:
        """One glossary from several (``--glossary`` repeated), in order. Where two have an entry for the same
        French term with the same case rule (the text compared ignoring case for case-insensitive entries), the
        later file's entry wins, in the earlier one's place: a desk's own file listed after a shared one overrides
        it. The digest is of the parts' digests, in order."""
        if len(glossaries) == 1:
            return glossaries[0]
        by_key: dict[tuple[str, bool], Entry] = {}
        for glossary in glossaries:
            for entry in glossary.entries:
                by_key[_key(entry)] = entry  # insertion order of the first, value of the last
        digest = hashlib.sha256("\n".join(g.sha256 for g in glossaries).encode()).hexdigest()
        return cls(tuple(by_key.values()), digest, ", ".join(g.source for g in glossaries if g.source))

    @cached_property
    def _index(self) -> _Index:
        """The matching index (lemmatised first words), built once per glossary on first use."""
        from .match import _build_index

        return _build_index(self.entries)


def _key(entry: Entry) -> tuple[str, bool]:
    return (entry.source if entry.case_sensitive else entry.source.casefold(), entry.case_sensitive)


def _content_digest(entries: Sequence[Entry]) -> str:
    text = "\n".join(
        "\t".join(
            [
                e.source,
                "|".join(e.preferred),
                "|".join(e.admitted),
                "|".join(e.forbidden),
                str(e.case_sensitive),
                e.note,
            ]
        )
        for e in entries
    )
    return hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------------------------------------- loading


def load_glossary(path: str | Path) -> Glossary:
    """Read a glossary file (TBX-Basic, TBX 2008, CSV/TSV or XLSX; see the module docstring)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"glossary {path}: no such file: check the path given to --glossary") from None
    except OSError as exc:
        raise InputError(f"glossary {path}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise InputError(f"glossary {path}: the file is empty: give a TBX, CSV/TSV or XLSX glossary with entries")
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() in {".xlsx", ".xlsm"}:
        entries = _read_xlsx(path, data)
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<" or path.suffix.lower() in {".tbx", ".xml"}:
        entries = _read_tbx(path, data)
    else:
        entries = _read_delimited(path, data)
    if not entries:
        raise InputError(f"glossary {path}: no French→English entries found: {_FORMATS_HINT}")
    return Glossary(tuple(entries), hashlib.sha256(data).hexdigest(), path.name)


_FORMATS_HINT = (
    "expected TBX with fr and en terms, `source<TAB>target[<TAB>note]` lines, or a MateCat XLSX with fr and en columns"
)


def _split_terms(cell: str) -> tuple[str, ...]:
    return tuple(t for t in (" ".join(p.split()) for p in cell.split("|")) if t)


def _clean(terms: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(t.split()) for t in terms if t.strip()))


def _make_entry(
    where: str,
    source: str,
    preferred: Sequence[str],
    admitted: Sequence[str] = (),
    forbidden: Sequence[str] = (),
    case_sensitive: bool = False,
    note: str = "",
) -> Entry:
    source = " ".join(source.split())
    if not re.search(r"[^\W_]", source):
        raise InputError(f"{where}: the French term {source!r} has no letter or digit: give the French term to match")
    preferred, admitted, forbidden = (_clean(preferred), _clean(admitted), _clean(forbidden))
    if not preferred and not forbidden:
        raise InputError(f"{where}: {source!r} has no English term: give a target (or mark one as forbidden)")
    clash = set(preferred + admitted) & set(forbidden)
    if clash:
        raise InputError(
            f"{where}: {source!r} both requires and forbids {sorted(clash)[0]!r}: keep it in one of the two"
        )
    return Entry(source, preferred, admitted, forbidden, case_sensitive, " ".join(note.split()))


# TBX (both shapes)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _read_tbx(path: Path, data: bytes) -> list[Entry]:
    from lxml import etree

    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"glossary {path}: not well-formed XML (line {exc.lineno}: {exc.msg}): fix the file") from None
    shape = _local(root.tag)
    term_tags: tuple[str, ...]
    if shape == "tbx":  # TBX v3
        concept_tag, lang_tag, term_tags = "conceptEntry", "langSec", ("termSec",)
    elif shape == "martif":  # TBX 2008
        concept_tag, lang_tag, term_tags = "termEntry", "langSet", ("tig", "ntig")
    else:
        raise InputError(f"glossary {path}: the root element is <{shape}>, not <tbx> or <martif>: {_FORMATS_HINT}")
    default_lang = root.get(XML_LANG, "")
    entries: list[Entry] = []
    langs_seen: set[str] = set()
    for n, concept in enumerate(root.iter(f"{{*}}{concept_tag}", concept_tag), start=1):
        where = f"glossary {path}, {concept_tag} {concept.get('id') or f'#{n}'}"
        terms: dict[str, list[tuple[str, str]]] = {"fr": [], "en": []}
        for lang_sec in concept:
            if _local(lang_sec.tag) != lang_tag:
                continue
            lang = (lang_sec.get(XML_LANG) or default_lang).split("-")[0].lower()
            langs_seen.add(lang)
            if lang not in terms:
                continue
            for term_sec in lang_sec.iter():
                if _local(term_sec.tag) in term_tags:
                    terms[lang].append(_tbx_term(where, term_sec))
        notes = [" ".join("".join(e.itertext()).split()) for e in concept if _local(e.tag) == "note"]
        case_sensitive = CASE_SENSITIVE_NOTE in notes
        note = "; ".join(x for x in notes if x and x != CASE_SENSITIVE_NOTE)
        if not terms["fr"] or not terms["en"]:
            continue  # a concept of a multilingual termbase without this pair: not ours
        english = _by_status(terms["en"])
        for fr_term, _status in terms["fr"]:
            entries.append(
                _make_entry(
                    where,
                    fr_term,
                    english["preferred"],
                    english["admitted"],
                    english["forbidden"],
                    case_sensitive,
                    note,
                )
            )
    if not entries and langs_seen and not {"fr", "en"} <= langs_seen:
        raise InputError(
            f'glossary {path}: its languages are {", ".join(sorted(langs_seen))}: it needs French (xml:lang="fr") '
            'and English (xml:lang="en") terms in the same entries'
        )
    return entries


def _tbx_term(where: str, term_sec: Any) -> tuple[str, str]:
    term = ""
    status = ""
    for child in term_sec.iter():
        name = _local(child.tag)
        if name == "term" and not term:
            term = " ".join("".join(child.itertext()).split())
        elif name == "termNote" and child.get("type") == "administrativeStatus":
            value = (child.text or "").strip()
            status = _STATUS.get(value.lower(), "")
            if not status:
                raise InputError(
                    f"{where}: administrativeStatus {value!r} is not one of preferredTerm-admn-sts, "
                    "admittedTerm-admn-sts, deprecatedTerm-admn-sts, supersededTerm-admn-sts: use one of them"
                )
    if not term:
        raise InputError(f"{where}: a term section has no <term>: add the term or remove the section")
    return term, status


def _by_status(terms: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"preferred": [], "admitted": [], "forbidden": []}
    unmarked = [t for t, s in terms if not s]
    for term, status in terms:
        if status:
            out[status].append(term)
    out["preferred"] += unmarked  # no status: preferred, after those the file marks so
    return out


# CSV / TSV


def _read_delimited(path: Path, data: bytes) -> list[Entry]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"glossary {path}: not UTF-8 (at byte offset {exc.start}): save it as UTF-8") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if "\t" in first or path.suffix.lower() == ".tsv" else ","
    if delimiter == "," and "," not in first:
        raise InputError(
            f"glossary {path}: line 1 has neither a tab nor a comma: write `source<TAB>target[<TAB>note]` lines"
        )
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [c.strip().lower() for c in rows[0]] if rows else []
    named = bool(header) and header[:2] == ["source", "target"]
    if named:
        unknown = [c for c in header if c not in CSV_COLUMNS]
        if unknown:
            raise InputError(
                f"glossary {path}, line 1: unknown column {unknown[0]!r}: the columns are {', '.join(CSV_COLUMNS)}"
            )
    entries = []
    for number, row in enumerate(rows, start=1):
        if (named and number == 1) or not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        where = f"glossary {path}, line {number}"
        if named:
            cells = dict(zip(header, row))
            case = cells.get("case_sensitive", "").strip().lower()
            if case not in _TRUE | _FALSE:
                raise InputError(f"{where}: case_sensitive is {case!r}: write true or false")
            entries.append(
                _make_entry(
                    where,
                    cells.get("source", ""),
                    _split_terms(cells.get("target", "")),
                    _split_terms(cells.get("admitted", "")),
                    _split_terms(cells.get("forbidden", "")),
                    case in _TRUE,
                    cells.get("note", ""),
                )
            )
            continue
        if len(row) < 2 or not row[1].strip():
            sep = "<TAB>" if delimiter == "\t" else ","
            raise InputError(f"{where}: {row[0].strip()!r} has no English term: write `source{sep}target[{sep}note]`")
        if len(row) > 3:
            raise InputError(f"{where}: {len(row)} columns, expected 2 or 3 (source, target, note): quote the note")
        entries.append(_make_entry(where, row[0], _split_terms(row[1]), note=row[2] if len(row) > 2 else ""))
    return entries


# XLSX (MateCat)

_LOCALE = re.compile(r"^([a-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")


def _read_xlsx(path: Path, data: bytes) -> list[Entry]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"glossary {path}: not a readable XLSX workbook ({exc}): save it again as .xlsx") from None
    try:
        sheet = book.worksheets[0]
        rows = [["" if c is None else str(c).strip() for c in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        raise InputError(f"glossary {path}: the first sheet is empty: put the header row and the entries there")
    header = rows[0]
    lower = [h.lower() for h in header]
    locales = [(i, m.group(1).lower()) for i, h in enumerate(header) if (m := _LOCALE.match(h.strip()))]
    fr_col = next((i for i, lang in locales if lang == "fr"), None)
    en_col = next((i for i, lang in locales if lang == "en"), None)
    if fr_col is None or en_col is None:
        raise InputError(
            f"glossary {path}: the header row has no {'French' if fr_col is None else 'English'} column: "
            "name the columns by locale (fr-FR, en-GB) as in MateCat's glossary template"
        )
    forbidden_col = lower.index("forbidden") if "forbidden" in lower else None
    note_col = en_col + 1 if en_col + 1 < len(lower) and lower[en_col + 1] in {"notes", "note"} else None
    source_note_col = fr_col + 1 if fr_col + 1 < len(lower) and lower[fr_col + 1] in {"notes", "note"} else None
    entries = []
    for number, row in enumerate(rows[1:], start=2):
        row = row + [""] * (len(header) - len(row))
        if not any(row):
            continue
        where = f"glossary {path}, row {number}"
        flag = row[forbidden_col].lower() if forbidden_col is not None else ""
        if flag not in _TRUE | _FALSE:
            raise InputError(f"{where}: Forbidden is {flag!r}: write TRUE or FALSE")
        english = _split_terms(row[en_col])
        if not row[fr_col]:
            raise InputError(f"{where}: no French term in column {header[fr_col]}: fill it or delete the row")
        if not english:
            raise InputError(f"{where}: {row[fr_col]!r} has no English term in column {header[en_col]}: fill it")
        notes = [row[c] for c in (source_note_col, note_col) if c is not None and row[c]]
        if flag in _TRUE:
            entries.append(_make_entry(where, row[fr_col], (), forbidden=english, note="; ".join(notes)))
        else:
            entries.append(_make_entry(where, row[fr_col], english, note="; ".join(notes)))
    return _fold_forbidden(entries)


def _fold_forbidden(entries: list[Entry]) -> list[Entry]:
    """MateCat lists a forbidden translation as its own row: fold it into the entry of the same French term that
    has a preferred translation, so "Kiev → Kyiv" and "Kiev ⊘ Kiev" become one entry."""
    by_key: dict[tuple[str, bool], Entry] = {}
    for entry in entries:
        key = _key(entry)
        seen = by_key.get(key)
        if seen is None:
            by_key[key] = entry
            continue
        by_key[key] = Entry(
            seen.source,
            tuple(dict.fromkeys(seen.preferred + entry.preferred)),
            tuple(dict.fromkeys(seen.admitted + entry.admitted)),
            tuple(dict.fromkeys(seen.forbidden + entry.forbidden)),
            seen.case_sensitive,
            "; ".join(x for x in (seen.note, entry.note) if x),
        )
    return list(by_key.values())


# ----------------------------------------------------------------------------------------------- writing


def tbx_bytes(glossary: Glossary) -> bytes:
    """The glossary as a TBX-Basic document (DCA style), valid against the TBX v3 core RNG and the TBX-Basic
    Schematron: one ``conceptEntry`` per entry, the French term in ``langSec xml:lang="fr"``, each English term in
    its own ``termSec`` with its ``administrativeStatus`` (forbidden terms as ``deprecatedTerm-admn-sts``)."""
    from lxml import etree

    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        element = etree.SubElement(parent, f"{{{TBX_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    root = etree.Element(
        f"{{{TBX_NS}}}tbx", {"type": "TBX-Basic", "style": "dca", XML_LANG: "fr"}, nsmap={None: TBX_NS}
    )
    header = sub(root, "tbxHeader")
    file_desc = sub(header, "fileDesc")
    sub(sub(file_desc, "sourceDesc"), "p", f"aligner glossary from {glossary.source or 'memory'}")
    body = sub(sub(root, "text"), "body")
    for n, entry in enumerate(glossary.entries, start=1):
        concept = sub(body, "conceptEntry", id=f"c{n}")
        if entry.note:
            sub(concept, "note", entry.note)
        if entry.case_sensitive:
            sub(concept, "note", CASE_SENSITIVE_NOTE)
        french = sub(concept, "langSec", **{XML_LANG: "fr"})
        sub(sub(french, "termSec"), "term", entry.source)
        english = sub(concept, "langSec", **{XML_LANG: "en"})
        for terms, status in (
            (entry.preferred, "preferredTerm-admn-sts"),
            (entry.admitted, "admittedTerm-admn-sts"),
            (entry.forbidden, "deprecatedTerm-admn-sts"),
        ):
            for term in terms:
                term_sec = sub(english, "termSec")
                sub(term_sec, "term", term)
                sub(term_sec, "termNote", status, type="administrativeStatus")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def write_tbx(glossary: Glossary, path: str | Path) -> None:
    """Write ``glossary`` to ``path`` as TBX-Basic (see :func:`tbx_bytes`)."""
    Path(path).write_bytes(tbx_bytes(glossary))


def csv_text(glossary: Glossary, *, delimiter: str = ",") -> str:
    """The glossary as CSV with a header (``source,target,note,admitted,forbidden,case_sensitive``; several terms
    in a cell joined by ``|``): every field survives a round trip through :func:`load_glossary`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in glossary.entries:
        writer.writerow(
            [
                e.source,
                "|".join(e.preferred),
                e.note,
                "|".join(e.admitted),
                "|".join(e.forbidden),
                "true" if e.case_sensitive else "false",
            ]
        )
    return out.getvalue()


def write_csv(glossary: Glossary, path: str | Path) -> None:
    """Write ``glossary`` to ``path`` as CSV (tab-separated when the name ends in ``.tsv``; see :func:`csv_text`)."""
    path = Path(path)
    path.write_text(csv_text(glossary, delimiter="\t" if path.suffix.lower() == ".tsv" else ","), encoding="utf-8")
