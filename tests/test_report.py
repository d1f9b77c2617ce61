"""The review page: view rows (plain data) first, then HTML where every fragment is escaped.

Runs are made by ``run_story`` with existing translations (a ``FileTranslator``): no model is loaded.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from aligner.alignment.beads import Alignment, Bead
from aligner.errors import InputError
from aligner.pipeline import run_story
from aligner.reading.reader import parse_text
from aligner.results import RunResult, StorySummary
from aligner.results.report import (
    QueueEntry,
    Row,
    asset,
    bead_mt,
    queue_view,
    render,
    render_index,
    render_report,
    static_page,
    view_rows,
    word_diff,
)
from aligner.translation.memory import FileTranslator

FRENCH = """date 2023-09 PARIS (AP) — Le président a parlé lundi à la télévision nationale. Il a promis une réforme \
des retraites avant la fin de l'année.

CE QU'IL FAUT SAVOIR:

— Les syndicats appellent à la grève jeudi.

___

Le gouvernement doit présenter son projet au Parlement en octobre. Les députés voteront en novembre.

The Associated Press
"""

TABLE = {
    "PARIS (AP) — Le président a parlé lundi à la télévision nationale.": (
        "PARIS (AP) — The president spoke on national television on Monday."
    ),
    "Il a promis une réforme des retraites avant la fin de l'année.": (
        "He promised a pension reform before the end of the year."
    ),
    "Ce qu'il faut savoir:": "What to know:",
    "Les syndicats appellent à la grève jeudi.": "Unions are calling for a strike on Thursday.",
    "Le gouvernement doit présenter son projet au Parlement en octobre.": (
        "The government must present its plan to Parliament in October."
    ),
    "Les députés voteront en novembre.": "Lawmakers will vote in November.",
}

# the reference joins the first two sentences into one: a 2-1 bead
ENGLISH = """PARIS (AP) — The president spoke on national television on Monday and promised a pension reform before \
the end of the year.

WHAT TO KNOW:

— Unions are calling for a strike on Thursday.

___

The government must present its plan to Parliament in October. Lawmakers will vote in November.

The Associated Press
"""


def run(reference: bool) -> RunResult:
    source = parse_text(FRENCH, doc_id="story-1")
    ref = parse_text(ENGLISH, doc_id="story-1", lang="en") if reference else None
    return run_story(source, FileTranslator(TABLE, name="table"), ref)


@pytest.fixture(scope="module")
def with_ref() -> RunResult:
    result = run(reference=True)
    # precondition: the aligner found the 2-1 bead (if this fails, look at the bitext aligner, not the report)
    assert [(b.left, b.right) for b in result.beads] == [
        ((0, 1), (0,)),
        ((2,), (1,)),
        ((3,), (2,)),
        ((4,), (3,)),
        ((5,), (4,)),
        ((6,), (5,)),
    ]
    return result


@pytest.fixture(scope="module")
def without_ref() -> RunResult:
    return run(reference=False)


def outline(rows: list[Row]) -> list[tuple[str, int, str, int]]:
    return [(r.kind, r.paragraph, r.label, r.bead) for r in rows]


# ----------------------------------------------------------------------------------------------- view rows


def test_view_rows_in_reading_order(with_ref: RunResult) -> None:
    assert outline(view_rows(with_ref)) == [
        ("paragraph", 0, "¶ 1 · prose", -1),
        ("bead", 0, "", 0),
        ("paragraph", 1, "¶ 2 · header", -1),
        ("bead", 1, "", 1),
        ("paragraph", 2, "¶ 3 · bullet", -1),
        ("bead", 2, "", 2),
        ("break", 3, "section break", -1),
        ("paragraph", 4, "¶ 5 · prose", -1),
        ("bead", 4, "", 3),
        ("bead", 4, "", 4),
        ("paragraph", 5, "¶ 6 · byline", -1),
        ("bead", 5, "", 5),
    ]


def test_view_rows_of_a_merged_bead(with_ref: RunResult) -> None:
    first = next(r for r in view_rows(with_ref) if r.kind == "bead")
    assert first.bead_kind == "2-1"
    assert first.source == (
        "PARIS (AP) — Le président a parlé lundi à la télévision nationale. "
        "Il a promis une réforme des retraites avant la fin de l'année."
    )
    assert first.mt == (
        "PARIS (AP) — The president spoke on national television on Monday. "
        "He promised a pension reform before the end of the year."
    )
    assert first.reference == (
        "PARIS (AP) — The president spoke on national television on Monday and promised a pension reform before "
        "the end of the year."
    )


def test_view_rows_carry_scores_and_flags(with_ref: RunResult) -> None:
    assert with_ref.scores is not None
    beads = [r for r in view_rows(with_ref) if r.kind == "bead"]
    assert [r.bead for r in beads] == list(range(6))
    for k, row in enumerate(beads):
        assert row.confidence == with_ref.beads[k].score
        assert row.bleu == with_ref.scores.per_bead[k].bleu
        assert row.chrf == with_ref.scores.per_bead[k].chrf
        assert row.flags == with_ref.flags[k]
    header = beads[1]
    assert (header.source, header.mt, header.reference) == ("CE QU'IL FAUT SAVOIR:", "WHAT TO KNOW:", "WHAT TO KNOW:")


def test_view_rows_without_reference(without_ref: RunResult) -> None:
    rows = view_rows(without_ref)
    beads = [r for r in rows if r.kind == "bead"]
    assert len(beads) == 7  # one per source sentence
    assert [r.bead_kind for r in beads] == ["1-1"] * 7
    assert all(r.reference == "" and r.confidence is None and r.bleu is None and r.chrf is None for r in beads)
    assert [r.paragraph for r in beads] == [0, 0, 1, 2, 4, 4, 5]
    assert sum(r.kind == "break" for r in rows) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a trailing section break still gets its row, after the last bead
        ("Un.\n\nDeux.\n\n___", [("paragraph", 0), ("bead", 0), ("paragraph", 1), ("bead", 1), ("break", 2)]),
        # a leading one comes before the first paragraph
        ("___\n\nUn.", [("break", 0), ("paragraph", 1), ("bead", 1)]),
        # two in a row are two rows
        ("Un.\n\n___\n\n_____\n\nDeux.", [("paragraph", 0), ("bead", 0), ("break", 1), ("break", 2),
                                         ("paragraph", 3), ("bead", 3)]),
    ],
)  # fmt: skip
def test_view_rows_section_breaks(text: str, expected: list[tuple[str, int]]) -> None:
    source = parse_text(text, doc_id="d")
    result = run_story(source, FileTranslator({"Un.": "One.", "Deux.": "Two."}, name="t"))
    assert [(r.kind, r.paragraph) for r in view_rows(result)] == expected


def test_view_rows_of_null_beads(with_ref: RunResult) -> None:
    """A 1-0 bead sits in its sentence's paragraph; a 0-1 bead (reference only) in the paragraph shown last."""
    assert with_ref.scores is not None
    beads = (
        Bead((0, 1), (0,), 0.5),
        Bead((2,), (), 0.1),  # the header, with no reference
        Bead((), (1,), 0.1),  # the reference's header, with no source
        *with_ref.beads[2:],
    )
    result = dataclasses.replace(
        with_ref,
        alignment=Alignment(beads, "hand"),
        scores=None,
        flags=((),) * len(beads),
    )
    rows = view_rows(result)
    assert outline(rows)[:6] == [
        ("paragraph", 0, "¶ 1 · prose", -1),
        ("bead", 0, "", 0),
        ("paragraph", 1, "¶ 2 · header", -1),
        ("bead", 1, "", 1),
        ("bead", 1, "", 2),
        ("paragraph", 2, "¶ 3 · bullet", -1),
    ]
    assert (rows[3].source, rows[3].mt, rows[3].reference, rows[3].bead_kind) == (
        "CE QU'IL FAUT SAVOIR:",
        "WHAT TO KNOW:",
        "",
        "1-0",
    )
    assert (rows[4].source, rows[4].mt, rows[4].reference, rows[4].bead_kind) == ("", "", "WHAT TO KNOW:", "0-1")


# ----------------------------------------------------------------------------------------------- word diff


def marked(text: str) -> list[tuple[str, str]]:
    """A compact notation for the expected words: ``+w`` marked x (MT only), ``-w`` marked m (reference only)."""
    out = []
    for w in text.split():
        mark = {"+": "x", "-": "m"}.get(w[0], "") if len(w) > 1 else ""
        out.append((w[1:] if mark else w, mark))
    return out


@pytest.mark.parametrize(
    ("mt", "reference", "expected_mt", "expected_ref"),
    [
        ("", "", "", ""),
        ("the cat sat", "the cat sat", "the cat sat", "the cat sat"),
        ("the cat sat", "the dog sat", "the +cat sat", "the -dog sat"),
        # case and surrounding punctuation do not make a word different
        ("The cat, “sat”.", "the cat sat", "The cat, “sat”.", "the cat sat"),
        # MT-only words at the end, reference-only words at the start
        ("he left early today", "sadly he left early", "he left early +today", "-sadly he left early"),
        # one side empty: everything on the other side is marked
        ("", "word", "", "-word"),
        ("word", "", "+word", ""),
        # a token that is only punctuation is never marked
        ("yes !", "yes", "yes !", "yes"),
        # whitespace is folded to single spaces
        ("a  b\n c", "a b c", "a b c", "a b c"),
    ],
)
def test_word_diff(mt: str, reference: str, expected_mt: str, expected_ref: str) -> None:
    assert word_diff(mt, reference) == (marked(expected_mt), marked(expected_ref))


def test_marked_words_are_escaped_in_the_page(without_ref: RunResult) -> None:
    """The diff gives words, the template escapes them: markup in a marked word stays text."""
    hostile = '<script>alert("x")</script> & <b onclick="x">'
    doc = parse_text(hostile)
    ref = parse_text("ok", lang="en")
    page = render_report(run_story(doc, FileTranslator({hostile: hostile + " ok"}, name="t"), ref))
    assert "<script>alert" not in page and "<b onclick" not in page
    assert '<mark class="x">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</mark>' in page
    assert '<mark class="x">&lt;b</mark> <mark class="x">onclick=&#34;x&#34;&gt;</mark>' in page


# ----------------------------------------------------------------------------------------------- the page


def bead_rows(page: str) -> list[str]:
    return re.findall(r'<tr class="bead" .*?</tr>', page)


def test_report_without_reference_has_no_reference_column_and_no_confidence(without_ref: RunResult) -> None:
    page = render_report(without_ref)
    assert "Reference (en)" not in page
    assert '<th>Source (fr)</th><th>MT (en)</th><th class="sc">Scores</th><th class="qa">QA</th>' in page
    rows = bead_rows(page)
    assert len(rows) == 7
    for row in rows:
        assert 'data-conf=""' in row
        assert "conf " not in row
        assert row.count('<td lang="en"') == 1  # the MT only
    assert 'colspan="5"' in page and 'colspan="6"' not in page
    assert 'value="conf"' not in page and 'value="chrf"' not in page  # nothing to sort by but reading order


def test_report_with_reference(with_ref: RunResult) -> None:
    page = render_report(with_ref)
    assert "<th>Reference (en)</th>" in page
    rows = bead_rows(page)
    assert len(rows) == 6
    confidence = with_ref.beads[0].score
    assert f'data-conf="{confidence:.4f}"' in rows[0]
    assert f"conf {confidence:.2f}<br>" in rows[0]
    assert rows[0].count('<td lang="en"') == 2
    assert 'colspan="6"' in page and 'colspan="5"' not in page
    assert 'value="conf"' in page


def test_report_escapes_hostile_text() -> None:
    hostile = '<script>alert("fr")</script> & Cie'
    source = parse_text(hostile, doc_id="<b>story</b>")
    translator = FileTranslator({hostile: '<img src=x onerror="alert(1)"> & Co'}, name="<i>sys</i>")
    page = render_report(run_story(source, translator))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;fr&#34;)&lt;/script&gt; &amp; Cie" in page
    assert "<img" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; Co" in page
    assert "<b>story</b>" not in page and "<h1>&lt;b&gt;story&lt;/b&gt;</h1>" in page
    assert "<i>sys</i>" not in page


# ----------------------------------------------------------------------------------------------- batch index


def test_render_index() -> None:
    # mutation: scores not at sacreBLEU's printed precision (1 decimal, its default --width) or sorted by the rounded
    # text, flags as a comma list, sort values missing
    stories = [
        StorySummary(
            "s1",
            "ok",
            12,
            2,
            (("untranslated", 2), ("numbers", 1)),
            (("beads_bleu", 31.46), ("beads_chrf", 58.2368)),
            risk=((0.5, 10), (0.1, 30)),
        ),
        StorySummary("s2", "error", error="no sentences"),
        StorySummary("s3", "ok", 4),
    ]
    page = render_index("Batch <one>", stories)
    assert "<h1>Batch &lt;one&gt;</h1>" in page and "<p>3 stories.</p>" in page
    body = page.split('<table class="beads stories">')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>.*?</tr>", body)
    assert len(rows) == 3
    assert rows[0] == (
        '<tr><td class="sid"><a href="stories/s1/report.html">s1</a></td><td>ok</td><td data-v="0.2000">20%</td>'
        '<td data-v="31.4600">31.5</td><td data-v="58.2368">58.2</td><td>2</td>'
        '<td data-v="3" title="untranslated 2, numbers 1">untranslated 2 +1</td></tr>'
    )
    # a failed story has no report to link to, and no numbers
    assert rows[1] == (
        '<tr><td class="sid">s2</td><td>error</td><td data-v="">–</td><td data-v="">–</td><td data-v="">–</td>'
        '<td>–</td><td data-v="" title=""></td></tr>'
    )
    # an ok story without a reference: linked, no scores
    assert rows[2] == (
        '<tr><td class="sid"><a href="stories/s3/report.html">s3</a></td><td>ok</td><td data-v="">–</td>'
        '<td data-v="">–</td><td data-v="">–</td><td>0</td><td data-v="0" title=""></td></tr>'
    )
    # the desk queue: s1's riskier bead (10 of its 40 words: the first bead reaches 20 %)
    queue = page.split('<table class="beads queue">')[1].split("</table>")[0]
    assert re.findall(r'data-story="([^"]*)" data-bead="(\d+)"', queue) == [("s1", "0")]
    assert page.count('href="stories/s1/report.html"') == 1 and 'href="stories/s1/report.html#bead-0"' in page


def test_render_index_escapes_ids_and_flags() -> None:
    page = render_index("t", [StorySummary('a"b<c>', "ok", 1, 1, (("<x>", 1),)), StorySummary("<e>", "error")])
    assert 'href="stories/a&#34;b&lt;c&gt;/report.html"' in page
    assert "<c>" not in page and "<e>" not in page and "<x>" not in page
    assert "&lt;x&gt; 1" in page


def test_render_index_of_no_stories() -> None:
    page = render_index("empty", [])
    assert "<p>0 stories.</p>" in page
    assert "<tbody></tbody>" in page


# ----------------------------------------------------------------------------------------------- desk queue quotes


def test_bead_mt_joins_a_beads_sentences_and_marks_missing_mt(with_ref: RunResult) -> None:
    # mutations: only the bead's first sentence quoted (the 2-1 bead), an MT-less bead quoted as "" (it leads the
    # queue at risk 1 with nothing to read)
    beads = (Bead((), (1,), 0.1), *with_ref.beads)
    result = dataclasses.replace(with_ref, alignment=Alignment(beads, "hand"), flags=((),) * len(beads))
    quotes = bead_mt(result)
    assert quotes[1] == with_ref.mt[0] + " " + with_ref.mt[1]
    assert quotes[0] == "(no MT) reference: WHAT TO KNOW:"
    assert quotes[2:] == tuple(with_ref.mt[2:])


def test_queue_quotes_are_cut_escaped_and_survive_an_unreadable_story() -> None:
    # mutations: no cut (or a cut past 90 characters), the quote unescaped, one unreadable result.json failing the index
    long = "abcdefg " * 30  # 240 characters: the 90th falls inside the 12th word
    texts = {"a": ('short <b>bold</b> & "q"', long), "gone": ()}

    def mt(story: str) -> tuple[str, ...]:
        if story == "gone":
            raise InputError("gone/result.json: no such file")
        return texts[story]

    queue = [QueueEntry("a", 1, 0.9, 40), QueueEntry("gone", 0, 0.8, 3), QueueEntry("a", 0, 0.7, 4)]
    view = queue_view(queue, 47, 100, "story/{id}", mt=mt)
    quotes = [r["mt"] for r in view["rows"]]
    assert quotes[0] == ("abcdefg " * 11).strip() + "…"  # 11 whole words (88 characters), never a cut word
    assert view["rows"][0]["mt_full"] == long.strip()
    assert quotes[1] == ""
    assert quotes[2] == 'short <b>bold</b> & "q"'
    page = render("index.html", page=static_page("t", asset("index.js")), stories=[], count=0, live=False, queue=view)
    assert "short &lt;b&gt;bold&lt;/b&gt; &amp; &#34;q&#34;" in page and "<b>" not in page
    assert page.count('<td class="quote"') == 3
