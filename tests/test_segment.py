from __future__ import annotations

import pytest

from aligner.reading.segment import split_sentences


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("", "fr", []),
        ("   ", "fr", []),
        ("Une seule phrase", "fr", ["Une seule phrase"]),
        # the example story's stray period before a lower-case word is not a boundary
        (
            "et que Pyongyang resterait toujours debout. avec Moscou sur le front « anti-impérialiste ».",
            "fr",
            ["et que Pyongyang resterait toujours debout. avec Moscou sur le front « anti-impérialiste »."],
        ),
        (
            "M. Dupont et Mme Martin sont arrivés. Ils ont parlé.",
            "fr",
            ["M. Dupont et Mme Martin sont arrivés.", "Ils ont parlé."],
        ),
        ("En 52 av. J.-C. César gagna. Puis rien.", "fr", ["En 52 av. J.-C. César gagna.", "Puis rien."]),
        (
            "La guerre de 1950-1953 a coûté 4.5 milliards. Voilà.",
            "fr",
            ["La guerre de 1950-1953 a coûté 4.5 milliards.", "Voilà."],
        ),
        ("Est-ce vrai ? Oui ! Non…", "fr", ["Est-ce vrai ?", "Oui !", "Non…"]),
        (
            "Il a ajouté : « Nous croyons avec certitude que nous gagnerons. » Puis il est parti.",
            "fr",
            ["Il a ajouté : « Nous croyons avec certitude que nous gagnerons. »", "Puis il est parti."],
        ),
        (
            "comme une « violation flagrante de la région ». » Le sommet étant axé.",
            "fr",
            ["comme une « violation flagrante de la région ». »", "Le sommet étant axé."],
        ),
        ("The U.S. Army said so. Then Mr. Smith left.", "en", ["The U.S. Army said so.", "Then Mr. Smith left."]),
        ("George W. Bush spoke. St. Louis is big.", "en", ["George W. Bush spoke.", "St. Louis is big."]),
        ("He said “We want peace.” Then he left.", "en", ["He said “We want peace.”", "Then he left."]),
        ("It rose 4.5% in 2023. 650 people came.", "en", ["It rose 4.5% in 2023.", "650 people came."]),
    ],
)
def test_split_sentences(text: str, lang: str, expected: list[str]) -> None:
    assert split_sentences(text, lang) == expected


def test_sentences_are_substrings_with_typography_intact() -> None:
    text = "Qualifiant le dirigeant de « camarade Poutine », Kim a parlé.\u00a0Il a ajouté : « Oui ! »"
    parts = split_sentences(text, "fr")
    assert len(parts) == 2
    assert all(p in text for p in parts)
