"""Inline markup carried from French onto English (``aligner.feeds.markup``): word links, projection of an element
onto the English words, the sentence-level fallback with its note, nesting, merged sentences. Each case names the
mutation of the method that fails it."""

from __future__ import annotations

import re

import pytest

from aligner.alignment.bitext import load_lexicon
from aligner.feeds.markup import Block, Inline, Node, Placed, WordAligner, nest, sentence_bounds, transfer
from aligner.reading.document import Kind
from aligner.reading.segment import split_sentences


@pytest.fixture(scope="module")
def aligner() -> WordAligner:
    return WordAligner(load_lexicon().table)


def block_of(marked: str) -> Block:
    """``"Le <em>portique</em> démonté"`` → the block's text and its inline elements (no nesting in these cases
    unless written ``<b><i>…</i></b>``)."""
    text = ""
    inlines: list[Inline] = []
    open_: list[int] = []
    for piece in re.split(r"(<[a-z]+/?>|</[a-z]+>)", marked):
        if piece.startswith("</"):
            k = open_.pop()
            inlines[k] = Inline(inlines[k].start, len(text), inlines[k].name, inlines[k].parent)
        elif piece.endswith("/>"):
            inlines.append(Inline(len(text), len(text), piece[1:-2], open_[-1] if open_ else -1, void=True))
        elif piece.startswith("<"):
            inlines.append(Inline(len(text), len(text), piece[1:-1], open_[-1] if open_ else -1))
            open_.append(len(inlines) - 1)
        else:
            text += piece
    return Block(Kind.PROSE, text, tuple(inlines))


def render(text: str, nodes: list[Node], block: Block) -> str:
    out = []
    at = 0

    def emit(node: Node) -> None:
        nonlocal at
        name = block.inlines[node.inline].name
        out.append(text[at : node.start])
        at = node.start
        if block.inlines[node.inline].void:
            out.append(f"<{name}/>")
            return
        out.append(f"<{name}>")
        for child in node.children:
            emit(child)
        out.append(text[at : node.end] + f"</{name}>")
        at = node.end

    for node in nodes:
        emit(node)
    return "".join(out) + text[at:]


def carry(marked: str, english: list[str], aligner: WordAligner) -> tuple[str, list[tuple[str, int]]]:
    block = block_of(marked)
    bounds = sentence_bounds(block.text, split_sentences(block.text, "fr"))
    done = transfer(block, bounds, english, aligner)
    failed = [(block.inlines[k].name, n) for k, n in done.failed]
    return render(done.text, nest(done.placed, block.inlines), block), failed


CASES = [
    # (case, French with markup, English per sentence, expected English with markup, elements kept at sentence level)
    ("a name, the same in both", "Il a rencontré <em>Ecomouv</em> hier.", ["He met Ecomouv yesterday."],
     "He met <em>Ecomouv</em> yesterday.", []),  # mutation: identical words not linked
    ("reordered adjective", "Une décision <em>historique</em> a été prise.", ["A historic decision was taken."],
     "A <em>historic</em> decision was taken.", []),  # mutation: positions copied instead of links
    ("a phrase through the lexical table", "Annoncée par <a>la préfecture du Finistère</a> mercredi.",
     ["Announced by the Finistère police department on Wednesday."],
     "Announced by <a>the Finistère police department</a> on Wednesday.", []),  # mutation: no unlinked-word extension
    ("accents aside, the same word", "Il a vu <em>Zoé</em> hier.", ["He saw Zoe yesterday."],
     "He saw <em>Zoe</em> yesterday.", []),  # mutation: accents not folded
    ("a cognate the table lacks", "La <em>cybercriminalité</em> augmente vite.", ["Cybercrime is rising fast."],
     "<em>Cybercrime</em> is rising fast.", []),  # mutation: no cognates
    ("nothing links: sentence level", "La circulation sur la <strong>nationale</strong> a été détournée.",
     ["Traffic on the main road was diverted."],
     "<strong>Traffic on the main road was diverted.</strong>", [("strong", 0)]),  # mutation: element dropped
    ("a whole sentence", "<em>Le portique a été démonté.</em> Les grues sont parties.",
     ["The portico was dismantled.", "The cranes left."],
     "<em>The portico was dismantled.</em> The cranes left.", []),  # mutation: element spread over the paragraph
    ("one element per sentence", "Le <em>portique</em> a été démonté. Les <em>grues</em> sont parties.",
     ["The portico was dismantled.", "The cranes left."],
     "The <em>portico</em> was dismantled. The <em>cranes</em> left.", []),  # mutation: sentences not kept apart
    ("nested elements", "Il a parlé de <b>la décision <i>historique</i></b> hier.",
     ["He spoke of the historic decision yesterday."],
     "He spoke of <b>the <i>historic</i> decision</b> yesterday.", []),  # mutation: child outside its parent
    ("an empty element goes before the next word", "Italie,<br/> lundi 8 juillet.", ["Italy, Monday, July 8."],
     "Italy, <br/>Monday, July 8.", []),  # mutation: void elements dropped
    ("copied text keeps its offsets", "Par <person>Jean Dupont</person>", ["Par Jean Dupont"],
     "Par <person>Jean Dupont</person>", []),  # mutation: copied bylines realigned
    ("an element across two sentences", "Le portique a été <em>démonté. Les grues</em> sont parties.",
     ["The portico was removed.", "The cranes left."],
     "The portico was <em>removed. The cranes</em> left.", []),  # mutation: pieces not joined again
    ("of two repeats, the one in the same place", "Il a dit que le <em>maire</em> partira.",
     ["The mayor said that the mayor will leave."],
     "The mayor said that the <em>mayor</em> will leave.", []),  # mutation: no distortion weight
    ("a repeated word linked to the wrong repeat",  # WMT's own sentence pair
     "Il est passé à 160 km/h au-dessus du célèbre <a>sanctuaire Monserrate</a>, situé à plus de 3 000 mètres "
     "d'altitude, où de nombreux badauds s'étaient rassemblés pour observer son exploit.",
     ["He flew past over the famous Monserrate Sanctuary at 160km/h. The sanctuary is located at an altitude of "
      "over 3000 meters and numerous spectators had gathered there to watch his exploit."],
     "He flew past over the famous <a>Monserrate Sanctuary</a> at 160km/h. The sanctuary is located at an altitude "
     "of over 3000 meters and numerous spectators had gathered there to watch his exploit.",
     []),  # mutation: no fallback to the group of neighbouring links
]  # fmt: skip


@pytest.mark.parametrize(("case", "marked", "english", "expected", "failed"), CASES, ids=[c[0] for c in CASES])
def test_markup_reaches_the_english_words(
    aligner: WordAligner, case: str, marked: str, english: list[str], expected: str, failed: list[tuple[str, int]]
) -> None:
    assert carry(marked, english, aligner) == (expected, failed)


def test_sentences_merged_by_a_post_edit_align_as_one(aligner: WordAligner) -> None:
    """The second sentence's English is in the first (""): elements of both find their words in the merged English.
    Mutation: the empty sentence's elements dropped, or aligned against the empty string."""
    got = carry("Le <em>portique</em> a été démonté. Les <em>grues</em> sont parties.",
                ["The portico was dismantled and the cranes left.", ""], aligner)  # fmt: skip
    assert got == ("The <em>portico</em> was dismantled and the <em>cranes</em> left.", [])


def test_an_element_whose_sentence_went_to_another_paragraph_is_lost(aligner: WordAligner) -> None:
    block = block_of("Le <em>portique</em> a été démonté.")
    done = transfer(block, [(0, len(block.text))], [""], aligner)
    assert (done.text, done.placed, done.lost) == ("", (), ((0, 0),))


def test_a_refused_stretch_falls_back(aligner: WordAligner) -> None:
    """The element's French words link to English words on both sides of a word that belongs to the rest of the
    sentence: the stretch is refused (consistency), the element kept on the sentence. Mutation: no consistency check
    (the element would swallow "yesterday")."""
    got = carry("Il a vu <em>Paris et Rome</em> hier.", ["He saw Paris yesterday and Rome."], aligner)
    assert got == ("<em>He saw Paris yesterday and Rome.</em>", [("em", 0)])


def test_without_a_lexical_table_names_and_cognates_still_link() -> None:
    got = carry("Le <em>président</em> a rencontré <a>Ecomouv</a>.", ["The president met Ecomouv."], WordAligner())
    assert got == ("The <em>president</em> met <a>Ecomouv</a>.", [])


@pytest.mark.parametrize(
    ("placed", "expected"),
    [
        ([Placed(0, 0, 5), Placed(1, 0, 5)], [(0, 0, 5, [(1, 0, 5)])]),  # same range: the source's parent outside
        ([Placed(0, 0, 4), Placed(1, 2, 8)], [(0, 0, 4, [(1, 2, 4)]), (1, 4, 8, [])]),  # crossing: split
        ([Placed(0, 0, 4), Placed(1, 4, 4)], [(0, 0, 4, []), (1, 4, 4, [])]),  # empty at the end: after
    ],
)
def test_nest(placed: list[Placed], expected: list[tuple[int, int, int, list[tuple[int, int, int]]]]) -> None:
    """Mutation: crossing ranges emitted as they are (the XML would not be well-formed)."""
    inlines = [Inline(0, 5, "b"), Inline(0, 5, "i", parent=0)]  # <b><i>…</i></b> in the source
    got = [(n.inline, n.start, n.end, [(c.inline, c.start, c.end) for c in n.children]) for n in nest(placed, inlines)]
    assert got == expected


def test_sentence_bounds_follow_the_segmenter() -> None:
    text = "Le portique a été démonté. Les grues sont parties."
    assert sentence_bounds(text, split_sentences(text, "fr")) == [(0, 26), (27, 50)]
