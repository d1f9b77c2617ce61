"""The ``numbers`` check: the figures of the French source and of the English MT must be the same quantities.

Written for French → English news, where the same quantity is written many ways:

- separators: French 3,5 / 1 000 / 1.000 and English 3.5 / 1,000 (a copied French 3,632 % stays wrong: in English
  it reads three thousand);
- scale words: 1,36 milliard = 1.36 billion = 1,360 million; French *billion* is 10¹² (an English *trillion*),
  so 2 billions → 2 billion is flagged;
- clock times: 14h30, 14 h 30, 14 heures 30 = 2:30 p.m. = 2.30pm = 14:30; 8h = 8 a.m.; midi = noon;
  an hour the English gives as a duration (2h45 → 2 hours 45 minutes) or a bare 6.30 is accepted too;
- decades (années 80 = 1980s = '80s), ranges (1950-1953 = 1950-53), ordinals (1er, 2e, XXe siècle = 21st… only
  their value counts), leading zeros (le 4 novembre = November 04);
- spelled-out numbers on either side (douze = 12, vingt ans = 20 years, trois millions = 3 million, une
  trentaine = about 30, 10 ans = a decade): they fill a gap but are never reported themselves, since *one*,
  *un*, *second* and *neuf* are mostly not numbers;
- unit conversions that English copy makes (15 m = 50ft, 210 km/h = 130mph, 922 kg = 2,032 pounds): accepted
  when the English number carries an imperial unit and is within 4 % of the converted value.

What is left over is reported with the figures as written: "missing from the MT: 14h30; not in the source:
3:30 p.m.".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ..results import Flag


@dataclass(frozen=True)
class Quantity:
    """A number in a text: ``value`` with its scale word applied ("3,5 millions" → 3500000), ``base`` without it,
    ``text`` as written, ``unit``: an imperial unit written after it (English only), ``soft``: spelled out."""

    value: Decimal
    base: Decimal
    text: str
    scaled: bool = False
    unit: str = ""
    soft: bool = False


@dataclass(frozen=True)
class Clock:
    """A time of day: ``minutes`` after midnight (0–1439), ``text`` as written; ``either_half``: an English
    2:30 without a.m./p.m. (2:30 or 14:30); ``soft``: midi, noon, midnight (also words of other meanings)."""

    minutes: int
    text: str
    hour: int
    minute: int
    either_half: bool = False
    soft: bool = False


# ----------------------------------------------------------------------------------------------- words

_SCALE_FR = {
    "mille": 10**3,
    "milles": 10**3,  # a frequent misspelling of the invariable "mille" (after a decimal figure: miles)
    "million": 10**6,
    "millions": 10**6,
    "milliard": 10**9,
    "milliards": 10**9,
    "md": 10**9,
    "mds": 10**9,
    "mrd": 10**9,
    "mrds": 10**9,
    "billion": 10**12,  # the long scale: un billion = a trillion
    "billions": 10**12,
}
_SCALE_EN = {
    "thousand": 10**3,
    "million": 10**6,
    "millions": 10**6,
    "mn": 10**6,
    "billion": 10**9,
    "billions": 10**9,
    "bn": 10**9,
    "trillion": 10**12,
    "trillions": 10**12,
    "tn": 10**12,
    "trn": 10**12,
}
_ABBREVIATED_SCALES = frozenset({"md", "mds", "mrd", "mrds", "mn", "bn", "tn", "trn"})  # only after a figure
_FR_UNITS = {
    "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "premier": 1, "première": 1, "premiers": 1, "premières": 1, "second": 2, "seconde": 2, "deuxième": 2,
    "troisième": 3, "quatrième": 4, "cinquième": 5, "sixième": 6, "septième": 7, "huitième": 8, "neuvième": 9,
    "dixième": 10, "onzième": 11, "douzième": 12, "treizième": 13, "quatorzième": 14, "quinzième": 15,
    "seizième": 16, "vingtième": 20, "trentième": 30, "quarantième": 40, "cinquantième": 50, "soixantième": 60,
    "centième": 100, "millième": 1000, "unième": 1,
}  # fmt: skip
_FR_ABOUT = {
    "dizaine": 10, "dizaines": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000,
}  # fmt: skip
_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
    "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90,
    "hundredth": 100, "thousandth": 1000,
    "dozen": 12, "decade": 10, "fortnight": 15, "twice": 2,  # "quinze jours" is the French fortnight
}  # fmt: skip
_FR_ET = frozenset({"un", "une", "onze", "unième"})
_HUNDREDS = {"fr": {"cent": 100, "cents": 100}, "en": {"hundred": 100, "hundreds": 100}}
# 12 ans et demi = 12.5 years = 12 and a half; the fraction may follow the unit
_FRACTIONS = {
    "et demi": Decimal("0.5"),
    "et demie": Decimal("0.5"),
    "et quart": Decimal("0.25"),
    "trois quarts": Decimal("0.75"),
    "and a half": Decimal("0.5"),
    "and a quarter": Decimal("0.25"),
    "and three quarters": Decimal("0.75"),
}

# ----------------------------------------------------------------------------------------------- patterns

_SPACES = "[ \u00a0\u202f]"
# a figure: 1 000 / 1,000 / 1.000 grouped by thousands (not followed by another digit: "18 2005" is 18 and 2005),
# or a run of digits; then a decimal part and a range (1950-53, 34-0, 10-11 000)
_FIGURE = re.compile(
    rf"(?<![\w.,])(\d{{1,3}}(?:(?:{_SPACES}|[.,])\d{{3}})+(?!\d)|\d+)(?:[.,](\d+))?"
    rf"(?:\s?[-–]\s?(\d{{1,3}}(?:{_SPACES}\d{{3}})+(?!\d)|\d+)(?![.,]\d))?"
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_HALF = re.compile(r"^(?:\s+[^\W\d_]+)?\s+(" + "|".join(k.replace(" ", r"\s+") for k in _FRACTIONS) + r")\b")
# XXe siècle, Ve République, XXe congrès: Roman ordinals ("Le" is not the L-th, "Ier" a monarch's); XXI century
_ROMAN_ORDINAL = re.compile(r"\b([IVXL]{2,}|V|X)(?:e|ème|eme|°)(?![^\W\d_])")
_ROMAN_CENTURY_EN = re.compile(r"\b([IVXL]{2,})(?=\s+century\b)")
# a phone number in pairs of digits (08.11.00.06.95, 08 11 00 06 95): one number
_PHONE = re.compile(r"(?<![\w.,])\d{2}(?:[. \u00a0]\d{2}){3,4}(?![\w.,]?\d)")
# figures that are names more than counts, so soft: n°1 (the leading, the top), 33 tours (an LP)
_SOFT_FIGURE_FR = re.compile(r"(?i:\bn°\s?|\bnuméro\s)(\d+)\b|\b(33|45|78)\s?(?:T\b|tours\b)")
_QUARTER_EN = re.compile(r"\bQ[1-4]\s?/\s?(\d{2})\b")  # Q1/15: first quarter of 2015
_DECADE_FR = re.compile(r"\bannées\s+(\d{2}|\d{4})\b", re.IGNORECASE)
_DECADE_EN = re.compile(r"(?<![\w.,])['’]?(\d0)s\b")
_CURRENCY_SCALE_EN = re.compile(r"[$£€]\s?(\d+(?:[.,]\d+)?)\s?(m|bn|k)\b")  # $5m, £2.5bn

_CLOCK_FR = re.compile(
    r"(?<![\w.,:])(\d{1,2})\s?(?:h|H|heures?)(?:\s?(\d{2}))?(?![\w])"
    r"(\s+(?:du\s+soir|de\s+l['’]après-midi|de\s+l['’]aprés-midi))?"
)
_CLOCK_AMPM = re.compile(r"(?<![\w.,:])(\d{1,2})(?:[:.](\d{2}))?\s?([ap])\.?\s?m\b\.?", re.IGNORECASE)
_CLOCK_COLON = re.compile(r"(?<![\w.,:])(\d{1,2}):\s?(\d{2})(?![\d:])")
_CLOCK_OCLOCK = re.compile(r"(?<![\w.,:])(\d{1,2})\s?o['’]clock\b", re.IGNORECASE)
_CLOCK_WORDS = {"fr": {"midi": 12 * 60, "minuit": 0}, "en": {"noon": 12 * 60, "midday": 12 * 60, "midnight": 0}}

# metric → imperial: the factors English copy converts by, and the imperial units that show it did
_CONVERSIONS = (2.20462, 3.28084, 1.09361, 0.621371, 0.393701, 0.0393701, 0.264172, 1.10231, 2.47105, 0.386102,
                10.7639, 35.3147, 0.0353147)  # fmt: skip
_IMPERIAL = re.compile(
    r"\s?-?\s?(pounds?|lbs?|ft|feet|foot|miles?|mph|inch(?:es)?|in\b|yards?|yds?|gallons?|tons?|acres?|"
    r"square\s+(?:feet|foot|miles?)|sq\.?\s?(?:ft|mi)|cubic\s+(?:feet|foot)|ounces?|oz|°\s?F|degrees\s+Fahrenheit)",
    re.IGNORECASE,
)


def _normalise(text: str, lang: str) -> str:
    text = re.sub(r"(?<=\d)[xX](?=\d)", " x ", text)  # 4x4
    text = re.sub(r"(?<=[a-zà-ÿ]{2})(?=\d{3,}|\d{1,3}[ \u00a0]\d{3})", " ", text)  # "en1985", "de1 000": glued
    if lang == "en":
        text = re.sub(r"(?<![\w/])9/11(?![\w/])", "September 11", text)  # the English name of 11 septembre 2001
    return text


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


# ----------------------------------------------------------------------------------------------- clocks


def clocks(text: str, lang: str) -> tuple[list[Clock], str]:
    """Times of day in ``text``, and the text with them blanked out (so that their figures are not counted twice)."""
    found: list[tuple[int, int, Clock]] = []
    for m in _CLOCK_FR.finditer(text):  # read in the English too: a 14h30 copied into it is the same time
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if hour > 24 or minute > 59:
            continue
        if lang == "fr" and hour in (13, 20) and not minute and re.search(r"\b(?:le|du|au)\s$", text[: m.start()]):
            # le 20h, au 13h: the television news, not a time (soft: it only fills a gap)
            found.append((m.start(), m.end(), Clock(hour * 60, m.group(0).strip(), hour, 0, soft=True)))
            continue
        if m.group(3) and hour < 12:
            hour += 12  # 8 heures du soir
        found.append((m.start(), m.end(), Clock((hour % 24) * 60 + minute, m.group(0).strip(), hour, minute)))
    for m in _CLOCK_COLON.finditer(text):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour <= 24 and minute <= 59:  # 16:35; in English 2:30 can be either half of the day
            clock = Clock((hour % 24) * 60 + minute, m.group(0).strip(), hour, minute, lang == "en" and hour <= 12)
            found.append((m.start(), m.end(), clock))
    if lang == "en":
        for m in _CLOCK_AMPM.finditer(text):
            hour, minute = int(m.group(1)), int(m.group(2) or 0)
            if not 1 <= hour <= 12 or minute > 59:
                continue
            hour24 = hour % 12 + (12 if m.group(3).lower() == "p" else 0)
            found.append((m.start(), m.end(), Clock(hour24 * 60 + minute, m.group(0).strip(), hour24, minute)))
        for m in _CLOCK_OCLOCK.finditer(text):
            hour = int(m.group(1))
            if hour <= 12:
                found.append((m.start(), m.end(), Clock(hour * 60, m.group(0).strip(), hour, 0, either_half=True)))
    words = _CLOCK_WORDS[lang]
    for m in re.finditer(r"(?<![\w-])(" + "|".join(words) + r")(?![\w-])", text):
        minutes = words[m.group(1)]
        found.append((m.start(), m.end(), Clock(minutes, m.group(1), minutes // 60, 0, soft=True)))
    found.sort(key=lambda f: (f[0], -f[1]))
    kept: list[tuple[int, int, Clock]] = []
    for start, end, clock in found:
        if kept and start < kept[-1][1]:
            continue  # overlapping readings of one time: the first and longest wins
        kept.append((start, end, clock))
    return [c for _, _, c in kept], _blank(text, [(s, e) for s, e, _ in kept])


# ----------------------------------------------------------------------------------------------- figures


def _figure_value(whole: str, frac: str | None, lang: str) -> Decimal:
    digits = re.sub(_SPACES, "", whole)
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        thousands = "." if lang == "fr" else ","
        # 1.000 (fr) / 1,000 (en) group thousands; the other separator before three digits is a decimal point
        if digits[-4] == thousands or digits.count(digits[-4]) > 1:
            digits = digits.replace(",", "").replace(".", "")
        else:
            frac = digits[-3:]
            digits = digits[:-4].replace(",", "").replace(".", "")
    return Decimal(digits + (f".{frac}" if frac else ""))


def _scale_after(text: str, end: int, lang: str) -> tuple[int, int]:
    """(scale, end of the scale word) of the word right after position ``end``; (1, end) when there is none."""
    m = re.match(r"(?:\s|\u00a0|\u202f|-)?([^\W\d_]+)", text[end:])
    if m:
        word = m.group(1).lower()
        table = _SCALE_FR if lang == "fr" else _SCALE_EN
        if word in table:
            return table[word], end + m.end()
    return 1, end


def _roman(numeral: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50}
    total = 0
    for a, b in zip(numeral, [*numeral[1:], ""]):
        v = values[a]
        total += -v if b and values[b] > v else v
    return total


def figures(text: str, lang: str) -> list[Quantity]:
    """Numbers written in figures (and Roman ordinals: XXe siècle), with their scale word, in reading order.
    ``text`` should have its clock times blanked out first (``clocks``)."""
    out: list[tuple[int, Quantity]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: Decimal, text: str) -> None:
        out.append((start, Quantity(value, value, text)))
        taken.append((start, end))

    for m in _PHONE.finditer(text):
        add(m.start(), m.end(), Decimal(re.sub(r"\D", "", m.group(0))), m.group(0))
    if lang == "fr":
        for m in _SOFT_FIGURE_FR.finditer(text):
            taken.append((m.start(), m.end()))  # read by ``spelled``, as soft
        for m in _DECADE_FR.finditer(text):
            year = int(m.group(1))
            add(m.start(1), m.end(1), Decimal(year if year >= 100 else 1900 + year), m.group(0))
        for m in _ROMAN_ORDINAL.finditer(text):
            add(m.start(), m.end(), Decimal(_roman(m.group(1))), m.group(0))
    else:
        for m in _DECADE_EN.finditer(text):
            add(m.start(), m.end(), Decimal(1900 + int(m.group(1))), m.group(0))
        for m in _QUARTER_EN.finditer(text):
            add(m.start(), m.end(), Decimal(2000 + int(m.group(1))), m.group(0))
        for m in _ROMAN_CENTURY_EN.finditer(text):
            add(m.start(), m.end(), Decimal(_roman(m.group(1))), m.group(0))
        for m in _CURRENCY_SCALE_EN.finditer(text):
            base = _figure_value(m.group(1), None, "en")
            scale = {"m": 10**6, "bn": 10**9, "k": 10**3}[m.group(2).lower()]
            out.append((m.start(1), Quantity(base * scale, base, m.group(0), scaled=True)))
            taken.append((m.start(1), m.end()))
    blanked = _blank(text, taken)
    for m in _FIGURE.finditer(blanked):
        whole, frac, upper = m.group(1), m.group(2), m.group(3)
        base = _figure_value(whole, frac, lang)
        half = _HALF.match(blanked[m.end() :])
        if half and upper is None:
            base += _FRACTIONS[re.sub(r"\s+", " ", half.group(1))]
        scale, end = _scale_after(blanked, m.end(), lang)
        if scale == 1000 and frac and blanked[m.end() : end].strip().lower() == "milles":
            scale, end = 1, m.end()  # 26,2 milles: miles, not thousands
        unit = ""
        if lang == "en" and (imperial := _IMPERIAL.match(blanked[end:])):
            unit = imperial.group(1).lower()
        if upper is None:
            out.append((m.start(), Quantity(base * scale, base, text[m.start() : end].strip(), scale > 1, unit)))
            continue
        # a range: the scale and unit belong to both ends (10-11 milliards), read as written
        out.append((m.start(), Quantity(base * scale, base, whole + (f",{frac}" if frac else ""), scale > 1, unit)))
        hi = upper
        if len(whole) == 4 and len(hi) == 2 and not frac and int(whole[:2] + hi) > int(whole):
            hi = whole[:2] + hi  # 1950-53 → 1953
        hi_value = _figure_value(hi, None, lang)
        out.append((m.start(3), Quantity(hi_value * scale, hi_value, upper, scale > 1, unit)))
    return [q for _, q in sorted(out, key=lambda p: p[0])]


# ----------------------------------------------------------------------------------------------- spelled out


def spelled(text: str, lang: str) -> list[Quantity]:
    """Numbers written in words ("dix-sept millions", "twenty-first", "une trentaine", "a decade"): soft."""
    words = [(m.group(0).lower(), m.group(0)) for m in _WORD.finditer(text.replace("-", " "))]
    units = _FR_UNITS if lang == "fr" else _EN_UNITS
    about = _FR_ABOUT if lang == "fr" else {}
    hundreds = _HUNDREDS[lang]
    scales = {w: v for w, v in (_SCALE_FR if lang == "fr" else _SCALE_EN).items() if w not in _ABBREVIATED_SCALES}

    def is_number(word: str) -> bool:
        return word in units or word in hundreds

    out: list[Quantity] = []
    k = 0
    while k < len(words):
        start, total, current, seen, half = k, 0, 0, False, Decimal(0)
        while k < len(words):
            w = words[k][0]
            if w in units or w in about:
                value = units.get(w) or about.get(w, 0)
                if lang == "fr" and w in ("vingt", "vingts") and k > start and words[k - 1][0] == "quatre":
                    current += 80 - 4  # quatre-vingt(s); soixante-dix and quatre-vingt-seize simply add up
                elif w in about and current == 1:
                    current = value  # une trentaine: "une" is the article
                else:
                    current += value
                seen = True
            elif w in hundreds:
                current, seen = (current or 1) * 100, True
            elif w in scales:
                total, current, seen = total + (current or 1) * scales[w], 0, True
            elif w == "et" and current % 10 == 0 and k + 1 < len(words) and words[k + 1][0] in _FR_ET:
                pass  # vingt et un, soixante et onze
            elif w == "and" and current and current % 100 == 0 and k + 1 < len(words) and is_number(words[k + 1][0]):
                pass  # a hundred and five (but "five and ten" are two numbers)
            elif w == "and" and seen and [x for x, _ in words[k + 1 : k + 3]] == ["a", "half"]:
                half, k = Decimal("0.5"), k + 2  # eight and a half
            elif w == "a" and not seen and k + 1 < len(words) and words[k + 1][0] in (*hundreds, *scales, "dozen"):
                pass  # a hundred, a million, a dozen
            else:
                break
            k += 1
        if not seen:
            k += 1
            continue
        whole = total + current
        if lang == "fr" and start > 0 and words[start - 1][0] == "années" and 10 <= whole <= 90:
            whole += 1900  # les années cinquante
        amount = Decimal(whole) + half
        out.append(Quantity(amount, amount, " ".join(orig for _, orig in words[start:k]), soft=True))
    if lang == "fr":
        for m in _SOFT_FIGURE_FR.finditer(text):
            figure = Decimal(m.group(1) or m.group(2))
            out.append(Quantity(figure, figure, m.group(0), soft=True))
    return out


# ----------------------------------------------------------------------------------------------- comparison


def numbers(text: str, lang: str) -> Counter[str]:
    """The figures of ``text`` as canonical strings: French 3,5 and English 3.5 → "3.5"; 1 000 / 1,000 → "1000";
    3,5 millions → "3500000"; a range 1950-53 → "1950", "1953"; times of day as "14:30"."""
    found, rest = clocks(_normalise(text, lang), lang)
    out: Counter[str] = Counter(f"{c.minutes // 60}:{c.minutes % 60:02d}" for c in found if not c.soft)
    out.update(_canonical(q.value) for q in figures(rest, lang))
    return out


def _canonical(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _same_clock(a: Clock, b: Clock) -> bool:
    if a.minutes == b.minutes:
        return True
    return (a.either_half and (a.minutes + 720) % 1440 == b.minutes) or (
        b.either_half and (b.minutes + 720) % 1440 == a.minutes
    )


def _pop(pool: list[Quantity], value: Decimal) -> Quantity | None:
    for k, q in enumerate(pool):
        if q.value == value:
            return pool.pop(k)
    return None


def _clock_as_figures(clock: Clock, *pools: list[Quantity]) -> bool:
    """A time the other side writes as plain figures or words: 6.30 (no a.m./p.m.), 15 heures → at 3, 5h → five
    hours, 2h45 → 2 hours 45 minutes. What it matches is taken out of ``pools``."""
    hours = sorted({clock.hour, clock.hour % 12 or 12, clock.hour + 12 if clock.hour < 12 else clock.hour})
    for pool in pools:
        if clock.minute:
            if any(_pop(pool, Decimal(f"{h}.{clock.minute:02d}")) for h in hours):
                return True
            for h in hours:
                if any(q.value == h for q in pool) and any(q.value == clock.minute for q in pool):
                    _pop(pool, Decimal(h))
                    _pop(pool, Decimal(clock.minute))
                    return True
        elif any(_pop(pool, Decimal(h)) for h in hours):
            return True
    return False


def _equivalent(a: Quantity, b: Quantity) -> bool:
    """Left-overs that are the same quantity written differently (``a`` French, ``b`` English)."""
    if a.base == b.base and not a.scaled and b.scaled:
        return True  # 10 à 11 milliards → 10 billion to 11 billion: French leaves the scale to the range's end
    for x, y in ((a.value, b.value), (b.value, a.value)):
        if y < 100 and y % 10 == 0 and x == 1900 + y:
            return True  # années 50 et 60 → 1950s and '60s
    for precise, rounded in ((a, b), (b, a)):
        decimals = re.search(r"[.,](\d+)", precise.text)
        if decimals and len(decimals.group(1)) >= 2 and precise.value >= 10 and rounded.value % 1 == 0:
            if abs(precise.value - rounded.value) <= Decimal("0.5"):
                return True  # 45,72 cm → 46 cm: rounded (3,5 → 4 or 0,22 → 0 is not rounding away detail)
    return _converted(a, b)


def _converted(a: Quantity, b: Quantity) -> bool:
    """``b`` (English, with an imperial unit) is ``a`` (French, metric) converted: 15 m → 50ft, 20 °C → 68°F."""
    if not b.unit or a.value <= 0:
        return False
    if b.unit.startswith(("°", "degrees")):
        return abs(float(a.value) * 1.8 + 32 - float(b.value)) <= 2
    ratio = float(b.value) / float(a.value)
    return any(abs(ratio / f - 1) <= 0.04 for f in _CONVERSIONS)


@lru_cache(maxsize=8192)
def _read(text: str, lang: str) -> tuple[tuple[Clock, ...], tuple[Quantity, ...], tuple[Quantity, ...]]:
    """The text's times of day, figures and spelled-out numbers, read once per text: the review server checks every
    save of a bead against the same French sentence."""
    found, rest = clocks(_normalise(text, lang), lang)
    return tuple(found), tuple(figures(rest, lang)), tuple(spelled(rest, lang))


def compare(source: str, mt: str) -> tuple[list[str], list[str]]:
    """(figures of the source missing from the MT, figures of the MT not in the source), as written."""
    (src_clocks_, src_, src_soft_), (mt_clocks_, out_, out_soft_) = _read(source, "fr"), _read(mt, "en")
    src_clocks, src, src_soft = list(src_clocks_), list(src_), list(src_soft_)  # copies: the matching pops from them
    mt_clocks, out, out_soft = list(mt_clocks_), list(out_), list(out_soft_)

    missing_clocks: list[Clock] = []
    for clock in [c for c in src_clocks if not c.soft]:
        match = next((k for k, c in enumerate(mt_clocks) if _same_clock(clock, c)), None)
        if match is None:
            missing_clocks.append(clock)
        else:
            del mt_clocks[match]
    extra_clocks: list[Clock] = []
    for clock in [c for c in mt_clocks if not c.soft]:
        match = next((k for k, c in enumerate(src_clocks) if c.soft and _same_clock(clock, c)), None)
        if match is None:
            extra_clocks.append(clock)
        else:
            del src_clocks[match]
    missing_clocks = [c for c in missing_clocks if not _clock_as_figures(c, out, out_soft)]
    extra_clocks = [c for c in extra_clocks if not _clock_as_figures(c, src, src_soft)]

    missing: list[Quantity] = []
    matched: list[tuple[Quantity, Quantity]] = []
    for q in src:
        hit = _pop(out, q.value)
        if hit is None:
            missing.append(q)
        else:
            matched.append((q, hit))
    extra = out
    for a in list(missing):
        b = next((b for b in extra if _equivalent(a, b)), None)
        if b is not None:
            missing.remove(a)
            extra.remove(b)
            matched.append((a, b))
    # 130mph (210 km/h): a conversion added beside a figure that is there too
    extra = [b for b in extra if not (b.unit and any(_converted(a, b) for a in src))]
    # one quantity said twice on one side and once on the other: "à 15 m du sommet et 15 m du sol" → "50ft from the
    # top and bottom", "les 1er et 8 janvier 2014" → "January 1st and 8 2014"
    missing = [q for q in missing if not any(q.value == a.value for a, _ in matched)]
    extra = [q for q in extra if not any(q.value == b.value for _, b in matched)]
    # spelled-out numbers fill what is left: douze → 12, trois millions → 3 million, twenty years → 20 ans
    missing = [q for q in missing if _pop(out_soft, q.value) is None]
    extra = [q for q in extra if _pop(src_soft, q.value) is None]
    return [c.text for c in missing_clocks] + [_shown(q) for q in missing], [c.text for c in extra_clocks] + [
        _shown(q) for q in extra
    ]


def _shown(q: Quantity) -> str:
    """The figure as written, with its value when that is not obvious: "3.200 (= 3.2)", "2 billions (= 2E+12)"."""
    value = _canonical(q.value)
    if not re.search(r"\d[.,]\d", q.text) and re.sub(r"\D", "", q.text).lstrip("0") == value.lstrip("0"):
        return q.text
    return f"{q.text} (= {value})"


def check_numbers(source: str, mt: str) -> Flag | None:
    missing, extra = compare(source, mt)
    if not missing and not extra:
        return None
    parts = []
    if missing:
        parts.append("missing from the MT: " + ", ".join(missing))
    if extra:
        parts.append("not in the source: " + ", ".join(extra))
    return Flag("numbers", "error", "numbers differ; " + "; ".join(parts))
