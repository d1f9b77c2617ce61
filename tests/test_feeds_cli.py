"""News items on the command line: the acceptance tests of issue 19 (`aligner translate ITEM -o OUT` gives a valid
English item of the same kind; `aligner run ITEM --ref ENGLISH_ITEM` aligns and scores against the English item's
text), malformed items (exit 2, one line naming the file, nothing written), the reviewed item
(`aligner export --format item`) and the review application on a run of an item. Each test names the mutation it
catches."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from aligner.feeds import read_source
from aligner.results.rundir import read_run
from aligner.review.effort import slots
from aligner.store import SqliteStore
from conftest import ALIGNER, TINY_MODEL, cli_env
from test_feeds_schemas import ITEMS, NAR, NITF_NS, item_errors

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
WMT = ITEMS / "wmt-english.jsonl"


def aligner(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ALIGNER, *args], env=cli_env(), capture_output=True, text=True, timeout=600)


def translate(name: str, out: Path) -> bytes:
    proc = aligner("translate", str(ITEMS / name), "-o", str(out), "--model", str(TINY_MODEL), "--beam", "1",
                   "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out.read_bytes()


def html_tags(html: str) -> list[tuple[str, dict[str, str]]]:
    import lxml.html

    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [(el.tag, dict(el.attrib)) for el in root.iter() if el.tag in ("em", "strong", "a")]


# ---------------------------------------------------------------------------------------------- acceptance


def test_a_french_ninjs_item_translates_into_a_valid_english_item(tmp_path: Path) -> None:
    """Acceptance (ninjs 3.1): valid against the vendored schema, the same number of paragraphs, the <em>, <strong>
    and <a href> present, subjects kept, language English, a new uri, a link to the original. Mutations: `translate`
    writing the text layout instead of the item (not JSON); any one of those properties lost."""
    original = json.loads((ITEMS / "1202-lemondefr.fr.json").read_bytes())
    data = translate("1202-lemondefr.fr.json", tmp_path / "out.json")
    assert item_errors(data) == []
    got = json.loads(data)
    body, source_body = got["bodies"][0]["value"], original["bodies"][0]["value"]
    assert body.count("<p>") == source_body.count("<p>") == 4
    assert len(got["bodies"][1]["value"].split("\n")) == 4
    assert html_tags(body) == html_tags(source_body)  # same elements, same attributes, in the same order
    assert got["subjects"] == original["subjects"]
    assert got["language"] == "en"
    assert got["uri"] == original["uri"] + "-en"
    assert [(a["name"], a["uri"], a["language"]) for a in got["associations"]] == [("original", original["uri"], "fr")]
    assert got["headlines"][0]["value"] != original["headlines"][0]["value"]  # translated (by the tiny model)


def test_a_french_newsml_g2_item_translates_into_a_valid_english_item(tmp_path: Path) -> None:
    """Acceptance (NewsML-G2 2.35, NITF 3.6 body): the same checks; the NITF body validated on its own."""
    before = etree.parse(str(ITEMS / "1084-canoe.fr.xml")).getroot()
    data = translate("1084-canoe.fr.xml", tmp_path / "out.xml")
    assert item_errors(data) == []
    root = etree.fromstring(data)
    ns = {"g": NAR, "n": NITF_NS}
    assert len(root.findall(".//n:body.content/n:p", ns)) == len(before.findall(".//n:body.content/n:p", ns)) == 4
    inline = [(etree.QName(e).localname, dict(e.attrib)) for e in root.iterfind(".//n:p//*", ns)]
    assert inline == [("em", {}), ("a", {"href": "http://watchdisneyjunior.com"}), ("em", {})]
    assert [s.get("qcode") for s in root.iterfind("g:contentMeta/g:subject", ns)] == [
        s.get("qcode") for s in before.iterfind("g:contentMeta/g:subject", ns)
    ]
    assert root.get(XML_LANG) == "en"
    assert [lang.get("tag") for lang in root.iterfind("g:contentMeta/g:language", ns)] == ["en"]
    assert root.get("guid") == before.get("guid") + "-en" and root.get("version") == "1"
    links = [link for link in root.iterfind("g:itemMeta/g:link", ns) if link.get("residref") == before.get("guid")]
    assert len(links) == 1 and links[0].get("rel") == "irel:seeAlso"


@pytest.mark.parametrize(
    ("source", "reference", "item_file"),
    [("1202-lemondefr.fr.json", "1202-lemondefr.en.json", "translation.json"),
     ("1084-canoe.fr.xml", "1084-canoe.en.xml", "translation.xml")],
)  # fmt: skip
def test_run_an_item_against_an_english_item(tmp_path: Path, source: str, reference: str, item_file: str) -> None:
    """Acceptance: `aligner run ITEM --ref ENGLISH_ITEM` aligns with and scores against the English item's text
    (its paragraphs, not its JSON or XML), and the run directory holds the translated item beside translation.txt.
    The MT is WMT's English (--translations), so the scores must be near 100. Mutations: --ref read as plain text
    (one "sentence" of markup: BLEU near 0); the item not written into the run directory."""
    out = tmp_path / "run"
    proc = aligner("run", str(ITEMS / source), "--ref", str(ITEMS / reference), "--translations", str(WMT),
                   "-o", str(out), "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].endswith(f"alignment.txt, {item_file.replace('translation', 'source')}, "
                                                 f"{item_file}")  # fmt: skip
    result = read_run(out)
    english = read_source(ITEMS / reference, lang="en").document
    assert result.reference == english
    assert all(len(b.left) == len(b.right) == 1 for b in result.beads if b.left)  # one English sentence each
    assert result.scores is not None and result.scores.document.bleu.score > 90
    assert (out / "translation.txt").is_file()
    assert item_errors((out / item_file).read_bytes()) == []
    assert (out / item_file.replace("translation", "source")).read_bytes() == (ITEMS / source).read_bytes()


def test_translate_an_item_from_standard_input(tmp_path: Path) -> None:
    """`-` reads an item as well as a story (by content). Mutation: stdin always read as plain text."""
    proc = subprocess.run([*ALIGNER, "translate", "-", "--model", str(TINY_MODEL), "--beam", "1", "--quiet"],
                          input=(ITEMS / "1009-lemondefr.fr.json").read_bytes(), env=cli_env(), capture_output=True,
                          timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert item_errors(proc.stdout) == []
    assert json.loads(proc.stdout)["uri"].endswith("1009-lemondefr-en")


# ---------------------------------------------------------------------------------------------- bad input

BAD: list[tuple[str, str, str]] = [
    ("broken.json", '{"uri": "urn:x", "headlines": [{"value": "Titre"}', r"broken\.json: not valid JSON \("),
    ("nouri.json", '{"headlines": [{"value": "Titre"}]}', r'nouri\.json: not a ninjs item: "uri"'),
    ("broken.xml", f'<newsItem xmlns="{NAR}"><itemMeta>', r"broken\.xml: not well-formed XML at line 1"),
    ("other.xml", "<rss/>", r"other\.xml: an XML document whose root is <rss>"),
]


@pytest.mark.parametrize("command", ["translate", "run"])
@pytest.mark.parametrize(("name", "content", "message"), BAD)
def test_a_malformed_item_exits_2_naming_the_file(
    tmp_path: Path, command: str, name: str, content: str, message: str
) -> None:
    """One line on stderr, exit code 2, no output written. Mutations: a traceback (exit 1); an output file or run
    directory left behind."""
    import re

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = tmp_path / ("out.json" if command == "translate" else "run")
    proc = aligner(command, str(path), "-o", str(out), "--model", str(TINY_MODEL), "--quiet")
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and re.match(r"aligner: error: " + re.escape(str(tmp_path)) + "/" + message, lines[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_export_item_of_a_plain_run_exits_2(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Merci.\n", encoding="utf-8")
    done = aligner("run", str(story), "--model", str(TINY_MODEL), "-o", str(tmp_path / "run"), "--quiet")
    assert done.returncode == 0, done.stderr
    proc = aligner("export", str(tmp_path / "run"), "--format", "item", "-o", str(tmp_path / "x.json"))
    assert proc.returncode == 2 and "plain-text story, not a news item; export it with --format story" in proc.stderr
    assert not (tmp_path / "x.json").exists()


# ---------------------------------------------------------------------------------------------- review and export


@pytest.fixture(scope="module")
def item_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("item-run") / "run"
    proc = aligner("run", str(ITEMS / "1084-canoe.fr.xml"), "--ref", str(ITEMS / "1084-canoe.en.xml"),
                   "--translations", str(WMT), "-o", str(out), "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def test_the_reviewed_item_carries_the_post_edit(item_run: Path, tmp_path: Path) -> None:
    """A confirmed post-edit of the paragraph with <em> and <a href>: `export --format item` writes it, with the
    elements on its words, the version counted up by the saves, valid. Mutations: the export writes the MT (no
    review); the version stays 1 (a receiver would not replace the MT item)."""
    result = read_run(item_run)
    at = slots(result)
    bead = next(k for k, t in enumerate(result.all_texts()) if "Sheriff" in t.source)
    edit = ("The first nine episodes of Sheriff Callie's Wild West will be on watchdisneyjunior.com from November 24, "
            "and in its app for phones and tablets.")  # fmt: skip
    store = SqliteStore(item_run / "review.sqlite")
    store.save(result.source.id, at[bead], base=0, text=edit, status="confirmed", reviewer="anne", seconds=30.0)
    store.close()
    out = tmp_path / "final.xml"
    proc = aligner("export", str(item_run), "--format", "item", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"wrote the reviewed item to {out} (item)"
    data = out.read_bytes()
    assert item_errors(data) == []
    root = etree.fromstring(data)
    assert root.get("version") == "2"
    p = next(p for p in root.iter(f"{{{NITF_NS}}}p") if "Sheriff" in "".join(p.itertext()))
    assert " ".join("".join(p.itertext()).split()) == edit
    assert [(etree.QName(e).localname, e.text) for e in p] == [
        ("em", "Sheriff Callie's Wild West"), ("a", "watchdisneyjunior.com")
    ]  # fmt: skip


def test_review_opens_on_a_run_of_an_item(item_run: Path) -> None:
    """`aligner review` serves a run whose source was an item: the index and the story page answer, with the
    item's paragraphs and their kinds. Mutation: a kind the page cannot show (a 500)."""
    from starlette.testclient import TestClient

    from aligner.review.server import Review, create_app, open_site

    store = SqliteStore(item_run / "review.sqlite")
    try:
        site = open_site(item_run)
        client: Any = TestClient(create_app(Review(site, store, "tester")), base_url="http://127.0.0.1")
        story = site.order[0]
        assert client.get("/").status_code == 200
        page = client.get(f"/story/{story}")
        assert page.status_code == 200
        assert "Disney mise sur les tablettes" in page.text and "dateline" in page.text
        state = client.get(f"/api/story/{story}/state")
        assert state.status_code == 200
    finally:
        store.close()
