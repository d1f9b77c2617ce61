"""The bilingual aligner: bead types on hand-made French/English, edge cases, and the TransRead gold set."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from aligner.alignment.beads import Alignment
from aligner.alignment.bitext import BEADS, align_bitext, load_lexicon
from aligner.alignment.lexicon import Lexicon, tokens, train_lexicon
from aligner.signature import Signature
from conftest import ALIGNER, DATA, cli_env, needs_shared

FR = [
    "Le chat noir dort sur le tapis de la cuisine.",
    "Il pleut depuis ce matin sur toute la ville.",
    "Les marchés boursiers ont fortement chuté mardi.",
    "Le président a parlé à la télévision hier soir.",
    "Les enfants jouent dans le jardin avec leur chien.",
    "La police a arrêté trois hommes à Marseille.",
]
EN = [
    "The black cat is sleeping on the kitchen mat.",
    "It has been raining on the whole city since this morning.",
    "Stock markets fell sharply on Tuesday.",
    "The president spoke on television last night.",
    "The children are playing in the garden with their dog.",
    "Police arrested three men in Marseille.",
]


BeadPairs = list[tuple[tuple[int, ...], tuple[int, ...]]]


def pairs(alignment: Alignment) -> BeadPairs:
    return [(b.left, b.right) for b in alignment.beads]


def one_to_one(n: int, skip: int = 0) -> BeadPairs:
    return [((i,), (i,)) for i in range(skip, n)]


@pytest.mark.parametrize(
    ("french", "english", "expected"),
    [
        (FR, EN, one_to_one(6)),
        # 2-1: the English joins the first two French sentences
        (FR, [EN[0][:-1] + " and " + EN[1][0].lower() + EN[1][1:], *EN[2:]],
         [((0, 1), (0,))] + [((i,), (i - 1,)) for i in range(2, 6)]),
        # 1-2: the French joins them
        ([FR[0][:-1] + " et " + FR[1][0].lower() + FR[1][1:], *FR[2:]], EN,
         [((0,), (0, 1))] + [((i - 1,), (i,)) for i in range(2, 6)]),
        # 3-1 and 1-3
        (FR, [" ".join(EN[:3]), *EN[3:]], [((0, 1, 2), (0,))] + [((i,), (i - 2,)) for i in range(3, 6)]),
        ([" ".join(FR[:3]), *FR[3:]], EN, [((0,), (0, 1, 2))] + [((i - 2,), (i,)) for i in range(3, 6)]),
        # 1-0 and 0-1: a sentence with no counterpart
        ([*FR[:3], "Un communiqué sans rapport annonce la fermeture des bureaux régionaux.", *FR[3:]], EN,
         one_to_one(3) + [((3,), ())] + [((i + 1,), (i,)) for i in range(3, 6)]),
        (FR, [*EN[:2], "An unrelated notice announced the closure of regional offices.", *EN[2:]],
         one_to_one(2) + [((), (2,))] + [((i,), (i + 1,)) for i in range(2, 6)]),
    ],
)  # fmt: skip
def test_bead_types(french: list[str], english: list[str], expected: list[tuple[tuple[int, ...], ...]]) -> None:
    assert pairs(align_bitext(french, english)) == expected


def test_two_to_two_when_the_boundaries_fall_differently() -> None:
    french = [
        "Le ministre a parlé lundi.",
        "Il a dit que le plan annoncé la semaine dernière par le gouvernement réduirait les coûts de moitié.",
    ]
    english = [
        "The minister spoke on Monday and said that the plan announced last week by the government",
        "would cut costs by half.",
    ]
    assert pairs(align_bitext(french + FR[2:], english + EN[2:])) == [((0, 1), (0, 1)), *one_to_one(6, 2)]


def test_empty_sides_and_single_sentences() -> None:
    assert pairs(align_bitext([], [])) == []
    assert pairs(align_bitext(FR[:2], [])) == [((0,), ()), ((1,), ())]
    assert pairs(align_bitext([], EN[:2])) == [((), (0,)), ((), (1,))]
    assert pairs(align_bitext(FR[:1], EN[:1])) == [((0,), (0,))]
    one = pairs(align_bitext(FR[3:4], EN))
    # the one French sentence finds its partner (a short unrelated neighbour may ride along: null beads cost more)
    assert [b for b in one if b[0]] in ([((0,), (3,))], [((0,), (2, 3))], [((0,), (3, 4))])
    assert sorted(j for _, right in one for j in right) == list(range(6))


def test_confidence_and_signature() -> None:
    a = align_bitext(FR, [*EN[:2], "An unrelated notice announced the closure of regional offices.", *EN[2:]])
    matched = [b.score for b in a.beads if b.left and b.right]
    assert min(matched) > 0.5 and all(b.score == 0.0 for b in a.beads if not (b.left and b.right))
    assert a.method == "bitext" and align_bitext(FR, EN, mt=EN).method == "bitext+mt"
    assert a.settings[:2] == (("width", "10"), ("block", "8")) and ("null", "8") in a.settings
    assert a.lexicon == load_lexicon().sha256 and len(a.lexicon) == 16


def test_paragraph_boundaries_are_soft_anchors() -> None:
    # "Voilà." has no counterpart and nothing to match: the paragraph it opens or closes decides its bead.
    french = [FR[0], "Voilà.", FR[1], FR[2]]
    english = EN[:3]
    opens = align_bitext(french, english, french_paragraphs=[0, 1, 1, 2], english_paragraphs=[0, 1, 2])
    closes = align_bitext(french, english, french_paragraphs=[0, 0, 1, 2], english_paragraphs=[0, 1, 2])
    assert pairs(opens) == [((0,), (0,)), ((1, 2), (1,)), ((3,), (2,))]
    assert pairs(closes) == [((0, 1), (0,)), ((2,), (1,)), ((3,), (2,))]
    # soft: clear content wins over a boundary (the English merges two French sentences across a French break)
    merged = [EN[0], EN[1][:-1] + " and " + EN[2][0].lower() + EN[2][1:]]
    crossing = align_bitext(FR[:3], merged, french_paragraphs=[0, 0, 1], english_paragraphs=[0, 1])
    assert pairs(crossing) == [((0,), (0,)), ((1, 2), (1,))]


def test_mt_helps_where_the_lexicon_is_blind() -> None:
    """Invented words on both sides (no lexicon entry, nothing identical, no cognate): only lengths speak, and they
    pick the wrong merge. The MT of each French sentence names the English words, and the right merge wins."""
    rng = random.Random(3)
    syllables = "ka lo mi zu ra te po ni vu sa ge bi".split()

    def sentence() -> str:
        return " ".join("".join(rng.choice(syllables) for _ in range(3)) for _ in range(5)).capitalize() + "."

    french = [sentence() for _ in range(8)]
    english = [sentence() for _ in range(8)]
    mt = list(english)  # the filler pairs: MT = the English, so they stay 1-1 either way
    # French 4 | 5 + 6 is translated as English 4 | 5: a 1-1 then a 2-1
    french[4:4] = ["Grizbouk tonflé vorpaine.", "Plimouche drapoune.", "Flonk bazourde mirlipot trangue."]
    english[4:4] = ["Snorklewump blizzled frumpet.", "Zimzam flurbish wobble gronk quaffle."]
    mt[4:4] = ["Snorklewump blizzled frumpet.", "Zimzam flurbish.", "Wobble gronk quaffle."]
    blind = pairs(align_bitext(french, english))
    assert blind[4:6] == [((4, 5), (4,)), ((6,), (5,))]  # by length alone: the wrong merge
    helped = pairs(align_bitext(french, english, mt=mt))
    assert helped[4:6] == [((4,), (4,)), ((5, 6), (5,))]
    assert helped[:4] == one_to_one(4) and helped[6:] == [((i + 1,), (i,)) for i in range(6, 10)]
    assert BEADS[:3] == ((1, 1), (1, 0), (0, 1))


def test_tokens_and_a_small_trained_lexicon(tmp_path: Path) -> None:
    assert tokens("L'homme a dit : « Oui » ! 3,5 %") == ["l", "homme", "a", "dit", "oui", "3", "5"]
    fr = [tokens(s) for s in ["la maison", "la voiture", "une maison", "une voiture rouge", "la maison rouge"]]
    en = [tokens(s) for s in ["the house", "the car", "a house", "a red car", "the red house"]]
    lex = train_lexicon(fr, en, iterations=10, min_count=1)
    best = {f: max(d.items(), key=lambda kv: kv[1])[0] for f, d in lex.table.items()}
    assert best == {"la": "the", "maison": "house", "voiture": "car", "une": "a", "rouge": "red"}
    path = tmp_path / "lex.tsv.gz"
    lex.save(path, ["test"])
    assert Lexicon.load(path).table == {f: {e: round(p, 4) for e, p in d.items()} for f, d in lex.table.items()}
    lex.save(tmp_path / "again.tsv.gz", ["test"])
    assert (tmp_path / "again.tsv.gz").read_bytes() == path.read_bytes()  # byte-identical rebuilds


GOLD = DATA / "transread-sentalign-fren"


def eval_align(*args: str) -> dict[str, Any]:
    proc = subprocess.run([*ALIGNER, "eval-align", str(GOLD), *args, "--json"], env=cli_env(), capture_output=True,
                          text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


@needs_shared
def test_transread_beats_hunalign_with_dictionary() -> None:
    out = eval_align()
    assert len(out["books"]) == 11
    assert out["micro"]["f1_strict"] >= 0.90 and out["micro"]["f1_lax"] >= 0.97
    assert out["method"] == "bitext" and out["signature"].startswith("lexicon:")
    assert Signature.parse(out["signature"]).align_settings[:2] == (("width", "10"), ("block", "8"))


@needs_shared
@pytest.mark.slow
def test_length_only_mode_reproduces_the_gale_church_row() -> None:
    out = eval_align("--method", "length")
    assert out["micro"]["f1_strict"] == pytest.approx(0.800, abs=0.01)
    assert out["micro"]["f1_lax"] == pytest.approx(0.917, abs=0.01)


def test_eval_align_names_a_missing_book(tmp_path: Path) -> None:
    (tmp_path / "A.fr").write_text("Bonjour .\n", encoding="utf-8")
    (tmp_path / "A.en").write_text("Hello .\n", encoding="utf-8")
    (tmp_path / "A.links.tsv").write_text("0\t0\n", encoding="utf-8")
    ok = subprocess.run(
        [*ALIGNER, "eval-align", str(tmp_path), "--json"], env=cli_env(), capture_output=True, text=True
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["micro"]["f1_strict"] == 1.0
    bad = subprocess.run([*ALIGNER, "eval-align", str(tmp_path), "--books", "B"], env=cli_env(), capture_output=True,
                         text=True)  # fmt: skip
    assert bad.returncode == 2 and "no book 'B'; books: A" in bad.stderr


@needs_shared
def test_planted_news_runs_with_source_and_mt() -> None:
    """The run pipeline's aligner (French source + MT ↔ reference) on the held-out planted LIG runs."""
    from aligner.scoring.gold import score_alignments
    from test_align import planted_runs

    french = (DATA / "lig-postedit-fren" / "src-ref-all.fr").read_text(encoding="utf-8").split("\n")
    results = []
    for mt, ref, gold, start in planted_runs(seed=2026):
        results.append((gold, pairs(align_bitext(french[start : start + len(mt)], ref, mt=mt))))
    scores = score_alignments(results)
    print(f"planted LIG, bitext+mt: strict F1 {scores.f1_strict:.4f}, lax F1 {scores.f1_lax:.4f}")
    assert scores.f1_strict >= 0.98 and scores.f1_lax >= 0.995
