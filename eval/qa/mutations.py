"""Every QA test added for issue 16 must fail on some specific change to the checks: this script makes each change
(a mutation) in a copy of the package, runs the QA tests against it, and lists which tests each mutation fails.

    python eval/qa/mutations.py   # writes eval/qa/mutations.md; exit status 1 if a test survives every mutation

The copy is made in a temporary folder and put first on PYTHONPATH, so the working tree is never changed (others
may be running its tests). The comments in the test tables name the mutation each row is there for; this script
checks that claim.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TESTS = [
    "tests/test_qa_numbers.py",
    "tests/test_qa_untranslated.py",
    "tests/test_qa_names.py",
    "tests/test_qa_typography.py",
    "tests/test_qa.py",
]
NEW_TESTS = [*TESTS[:4], "tests/test_qa.py::test_length_of_good_translations_is_not_flagged"]

CLOCK = "def _same_clock(a: Clock, b: Clock) -> bool:\n"
SCALE_DOC = (
    '    """(scale, end of the scale word) of the word right after position ``end``; (1, end) when there is none."""\n'
)
HOURS = "hours = sorted({clock.hour, clock.hour % 12 or 12"
ODD = "    if len(mt_marks) % 2 and not _runs_over(source, mt):\n"
UNCHANGED = '    ("unchanged", "unchanged", "error"),\n'
DOUBLES = '_ENGLISH_DOUBLES = frozenset("had that ha bye blah bla".split())'

# (name, file under src/aligner/qa, [(text, replacement)])
MUTATIONS: list[tuple[str, str, list[tuple[str, str]]]] = [
    # ---- numbers
    ("_same_clock always False", "numbers.py",
     [(CLOCK, CLOCK + "    return False\n")]),
    ("_same_clock always True", "numbers.py",
     [(CLOCK, CLOCK + "    return True\n")]),
    ("p.m. adds no 12 hours", "numbers.py",
     [('hour24 = hour % 12 + (12 if m.group(3).lower() == "p" else 0)', "hour24 = hour % 12")]),
    ("an English a.m./p.m. time either half", "numbers.py",
     [("Clock(hour24 * 60 + minute, m.group(0).strip(), hour24, minute)",
       "Clock(hour24 * 60 + minute, m.group(0).strip(), hour24, minute, either_half=True)")]),
    ("a French hour either half of the day", "numbers.py",
     [("Clock((hour % 24) * 60 + minute, m.group(0).strip(), hour, minute)))",
       "Clock((hour % 24) * 60 + minute, m.group(0).strip(), hour, minute, either_half=True)))")]),
    ("'du soir' not read", "numbers.py", [("if m.group(3) and hour < 12:", "if False:")]),
    ("no soft clock words (midi, noon)", "numbers.py", [("words = _CLOCK_WORDS[lang]", 'words = {"zzzz": 0}')]),
    ("_clock_as_figures returns False", "numbers.py",
     [(HOURS, "return False\n    " + HOURS)]),
    ("'le 20h' rule removed", "numbers.py", [("hour in (13, 20) and not minute", "hour in () and not minute")]),
    ("_scale_after reads no scale", "numbers.py",
     [(SCALE_DOC, SCALE_DOC + "    return 1, end\n")]),
    ("French billions = 10**9", "numbers.py", [('"billions": 10**12,', '"billions": 10**9,')]),
    ("_DECADE_FR not read", "numbers.py", [("_DECADE_FR.finditer(text)", '_DECADE_FR.finditer("")')]),
    ("no 19xx decade equivalence", "numbers.py", [("if y < 100 and y % 10 == 0 and x == 1900 + y:", "if False:")]),
    ("decades not read at all", "numbers.py",
     [("_DECADE_FR.finditer(text)", '_DECADE_FR.finditer("")'),
      ("if y < 100 and y % 10 == 0 and x == 1900 + y:", "if False:")]),
    ("_pop compares the digits as written", "numbers.py",
     [("        if q.value == value:\n", '        if re.sub(r"\\D", "", q.text) == _canonical(value):\n')]),
    ("_pop takes any figure", "numbers.py", [("        if q.value == value:\n", "        if True:\n")]),
    ("_converted returns False", "numbers.py",
     [("    if not b.unit or a.value <= 0:\n        return False\n", "    return False\n")]),
    ("spelled returns []", "numbers.py",
     [('    """Numbers written in words ("dix-sept millions", "twenty-first", "une trentaine", "a decade"): soft."""\n',
       '    """Numbers written in words ("dix-sept millions", "twenty-first", "une trentaine", "a decade"): soft."""\n'
       "    return []\n")]),
    ("'and' joins any two number words", "numbers.py",
     [('elif w == "and" and current and current % 100 == 0 and', 'elif w == "and" and')]),
    ("'et' never joins", "numbers.py", [('elif w == "et" and current % 10 == 0 and', 'elif False and')]),
    ("'une' before an approximation added", "numbers.py", [("elif w in about and current == 1:", "elif False:")]),
    ("_ROMAN_ORDINAL not read", "numbers.py", [("_ROMAN_ORDINAL.finditer(text)", '_ROMAN_ORDINAL.finditer("")')]),
    ("range completion without its four-digit condition", "numbers.py",
     [("if len(whole) == 4 and len(hi) == 2 and not frac and int(whole[:2] + hi) > int(whole):",
       "if len(hi) < len(whole) and not frac:")]),
    ("_normalise leaves glued years", "numbers.py",
     [('    text = re.sub(r"(?<=[a-zà-ÿ]{2})(?=\\d{3,}|\\d{1,3}[ \\u00a0]\\d{3})", " ", text)', "    pass")]),
    ("_HALF not read", "numbers.py", [("half = _HALF.match(blanked[m.end() :])", "half = None")]),
    ("9/11 not read", "numbers.py", [('"September 11", text)', '"9/11", text)')]),
    ("'.' the thousands separator in English too", "numbers.py",
     [('thousands = "." if lang == "fr" else ","', 'thousands = "."')]),
    ("the decimal point dropped", "numbers.py",
     [('return Decimal(digits + (f".{frac}" if frac else ""))', 'return Decimal(digits + (frac or ""))')]),
    ("a missing scale word accepted on either side", "numbers.py",
     [("if a.base == b.base and not a.scaled and b.scaled:", "if a.base == b.base and a.scaled != b.scaled:")]),
    ("rounding accepted below 10", "numbers.py", [("precise.value >= 10 and", "precise.value >= 0 and")]),
    ("'milles' after a decimal read as thousands", "numbers.py",
     [('if scale == 1000 and frac and blanked[m.end() : end].strip().lower() == "milles":', "if False:")]),
    ("numbers() leaves clocks out", "numbers.py",
     [('Counter(f"{c.minutes // 60}:{c.minutes % 60:02d}" for c in found if not c.soft)', "Counter()")]),
    # ---- untranslated
    ("son car plus sans pour back in FRENCH_ONLY", "untranslated.py",
     [('"le la les des du aux une ', '"son car plus sans pour le la les des du aux une ')]),
    ("capitals no longer excluded", "untranslated.py", [(" and not (p.isupper() and len(p) > 1)", "")]),
    ("LOAN_PHRASES without vis-à-vis", "untranslated.py", [('"vis-à-vis", "tête-à-tête"', '"tête-à-tête"')]),
    ("loan phrases' hyphens never spaced", "untranslated.py", [('.replace(r"\\-", r"\\s*-\\s*")', "")]),
    ("LOANWORDS ignored", "untranslated.py", [(" and low not in LOANWORDS", "")]),
    ("_inside_name returns False", "untranslated.py",
     [('    Araignée, Partido de la Revolución), or capitalised after one (Kim Jong Il)."""\n',
       '    Araignée, Partido de la Revolución), or capitalised after one (Kim Jong Il)."""\n    return False\n')]),
    ("a particle excused before any word", "untranslated.py",
     [("if tokens[k].lower() in _PARTICLES and j < len(tokens) and tokens[j][:1].isupper():",
       "if tokens[k].lower() in _PARTICLES:")]),
    ("spaced hyphenated names not closed up", "untranslated.py",
     [('    text = re.sub(r"\\b([A-ZÀ-Ý][^\\W\\d_]*)\\s+-\\s+(?=[^\\W\\d_])", r"\\1-", text)', "    pass")]),
    ("quoted titles not excused", "untranslated.py", [("if title[:1].isupper() and", "if False and")]),
    ("evidence need not be in the source", "untranslated.py", [("p.lower() in source_words and ", "")]),
    ("accented words no evidence", "untranslated.py",
     [("return low in FRENCH_ONLY or (bool(_ACCENT.search(low)) and low not in LOANWORDS)",
       "return low in FRENCH_ONLY")]),
    ("no 'five French words' rule", "untranslated.py", [("if len(french) >= 5 or (", "if (")]),
    ("no 30 % share rule", "untranslated.py",
     [("(len(french) >= 2 and len(french) / len(words) >= 0.3)", "False")]),
    ("'dit' not in FRENCH_ONLY", "untranslated.py", [(" faire dit comme", " faire comme")]),
    # ---- names
    ("no exonym table, no fuzzy rule", "names.py",
     [("forms = EXONYMS.get(folded, ())", "forms: tuple[str, ...] = ()"),
      ("EXONYMS.get(f, ())", "()"), ("if len(f) >= 4 and mt_names:", "if False:")]),
    ("no exonym table", "names.py",
     [("forms = EXONYMS.get(folded, ())", "forms: tuple[str, ...] = ()"), ("EXONYMS.get(f, ())", "()")]),
    ("no fuzzy rule", "names.py", [("if len(f) >= 4 and mt_names:", "if False:")]),
    ("no lexicon lookup", "names.py", [("table.get(part.lower(), {}).items()", "{}.items()")]),
    ("no grouping of a name's words", "names.py",
     [("        joined = groups and not acronym", "        joined = False")]),
    ("'à' and 'et' join names", "names.py",
     [("|la|le|les|l['’])\\s*)", "|la|le|les|l['’]|à|et)\\s*)")]),
    ("English acronyms not counted", "names.py", [("missing += left[len(english) :]", "missing += left")]),
    ("_expansions returns an empty set", "names.py", [("    out = set()\n", "    return set()\n")]),
    ("only whole runs of capitals read as expansions", "names.py",
     [("for j in range(i + 2, len(initials) + 1):", "for j in [len(initials)] if i == 0 else []:")]),
    ("titles and articles not skipped", "names.py", [("if _fold(name) in _TITLES or not", "if not")]),
    ("English function words kept as translations", "names.py", [(" and e not in _ENGLISH_STOP", "")]),
    ("fuzzy threshold 50", "names.py", [("_FUZZY = 80.0", "_FUZZY = 50.0")]),
    ("every capitalised word sentence-initial", "names.py",
     [("elif not acronym and (not before or before[-1] in '.!?«\"“—:–-(…·•*'):", "elif not acronym:")]),
    ("a broken lexicon silently skipped", "names.py",
     [("    except AlignmentError as exc:  # no file there\n",
       "    except Exception:\n        return {}\n    except AlignmentError as exc:  # no file there\n")]),
    ("$ALIGNER_LEXICON ignored", "names.py",
     [("    path = default_lexicon_path()\n",
       '    from ..files import data_file\n\n    path = data_file("lexicon-fr-en.tsv.gz")\n')]),
    # ---- typography
    ("quotes: flag fewer marks than the source (pofilter)", "typography.py",
     [(ODD,
       '    if len(mt_marks) < len(src_marks):\n        return Flag("quotes", "warning", "fewer")\n' + ODD)]),
    ("quotes: flag whenever the MT's marks are odd", "typography.py",
     [("if not source_quotes or len(src_marks) % 2:", "if False:")]),
    ("quotes: the source's odd count not excused", "typography.py",
     [("if not source_quotes or len(src_marks) % 2:", "if not source_quotes:")]),
    ("quotes: no odd-count rule", "typography.py", [(ODD, "    if False:\n")]),
    ("_runs_over returns False", "typography.py",
     [("    src_marks = list(_DOUBLE_MARKS.finditer(source))\n", "    return False\n")]),
    ("_runs_over ignores where the source's quotation closes", "typography.py",
     [("if source_closes_at_end and _OPENING.match(mt, last.start()):", "if _OPENING.match(mt, last.start()):")]),
    ("_empty_quotation returns False", "typography.py",
     [('    marks = list(re.finditer(r"[\\"“”]", text))\n', "    return False\n")]),
    ("check_quotes returns None", "typography.py",
     [("    src_marks, mt_marks = _double_marks(source), _double_marks(mt)\n", "    return None\n")]),
    ("brackets: compare with the source's counts (pofilter)", "typography.py",
     [("        if n_open != n_close:\n",
       "        if (n_open, n_close) != (source.count(opening), source.count(closing)):\n")]),
    ("brackets: nothing compared when the source has brackets", "typography.py",
     [("if source.count(opening) != source.count(closing):", "if source.count(opening):")]),
    ("brackets: '(' only", "typography.py", [('(("(", ")"), ("[", "]"))', '(("(", ")"),)')]),
    ("_runs ignores punctuation", "typography.py",
     [("        elif runs[-1]:\n            runs.append([])\n", "        elif False:\n            runs.append([])\n")]),
    ("the source's own repeats ignored", "typography.py", [("(size, times) in source_shapes or ", "")]),
    ("punctuation and the source's repeats ignored (pofilter doublewords)", "typography.py",
     [("        elif runs[-1]:\n            runs.append([])\n", "        elif False:\n            runs.append([])\n"),
      ("(size, times) in source_shapes or ", "")]),
    ("_ENGLISH_DOUBLES emptied", "typography.py",
     [(DOUBLES, "_ENGLISH_DOUBLES: frozenset[str] = frozenset()")]),
    ("repeats of single words only", "typography.py", [("for size in range(1, 7):", "for size in range(1, 2):")]),
    ("doubled single words not reported", "typography.py",
     [("                words.append(phrase)\n", "                pass\n")]),
    ("a word the source has is excused (as before)", "typography.py",
     [('f"{phrase} {phrase}" in source_text', "phrase in source.lower()")]),
    ("closing marks not skipped before the final punctuation", "typography.py",
     [('_CLOSERS = re.compile(r"[\\s\\"\'’”»)\\]]+$")', '_CLOSERS = re.compile(r"\\s+$")')]),
    ("'...' not read as an ellipsis", "typography.py", [('t.endswith(("...", "…"))', 't.endswith("…")')]),
    ("pofilter's endpunc back", "typography.py",
     [(UNCHANGED, UNCHANGED + '    ("endpunc", "end-punctuation", "info"),\n')]),
    ("capitalisation flagged both ways", "typography.py",
     [("if src.isupper() and out.islower():", "if src.isupper() != out.isupper():")]),
    ("check_end_punctuation returns None", "typography.py",
     [("    src, out = _final_punctuation(source), _final_punctuation(mt)\n", "    return None\n")]),
    ("check_capitalisation returns None", "typography.py",
     [("    src, out = _first_letter(source), _first_letter(mt)\n", "    return None\n")]),
    ("repetition severities swapped", "typography.py",
     [('Flag("repetition", "error"', 'Flag("repetition", "warning"')]),
    # ---- length
    ("MIN_LENGTH_GAP = 0", "checks.py", [("MIN_LENGTH_GAP = 50", "MIN_LENGTH_GAP = 0")]),
    ("bracketed glosses counted", "checks.py", [('t = len(_BRACKETED.sub("", mt).strip())', "t = len(mt.strip())")]),
]  # fmt: skip


def collect(env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *NEW_TESTS],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [line for line in out.splitlines() if "::" in line]


def failing(env: dict[str, str], tmp: Path) -> set[str]:
    """Node ids of the tests that fail (read from pytest's JUnit XML: ids with spaces survive)."""
    report = tmp / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not example_story",
         f"--junitxml={report}", *TESTS],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    failed = set()
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            path = case.get("classname", "").replace(".", "/") + ".py"
            failed.add(f"{path}::{case.get('name', '')}")
    return failed


def main() -> int:
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="qa-mutations-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(ROOT / "src", src)
        env = dict(os.environ, PYTHONPATH=str(src))
        tests = collect(env)
        if failing(env, Path(tmp)):
            print("the QA tests fail without any mutation: fix them first", file=sys.stderr)
            return 2
        killed_by: dict[str, list[str]] = {t: [] for t in tests}
        rows = []
        for name, file, edits in MUTATIONS:
            path = src / "aligner" / "qa" / file
            original = (ROOT / "src" / "aligner" / "qa" / file).read_text(encoding="utf-8")
            mutated = original
            for old, new in edits:
                if mutated.count(old) != 1:
                    raise SystemExit(f"mutation {name!r}: {old!r} occurs {mutated.count(old)} times in {file}")
                mutated = mutated.replace(old, new)
            path.write_text(mutated, encoding="utf-8")
            failed = failing(env, Path(tmp))
            path.write_text(original, encoding="utf-8")
            for t in failed:
                killed_by.setdefault(t, []).append(name)
            rows.append(f"| {name} | `{file}` | {len(failed)} |")
            print(f"{name}: {len(failed)} tests fail", file=sys.stderr)
    survivors = [t for t in tests if not killed_by[t]]
    lines = [
        "# Mutations of the QA checks and the tests that catch them",
        "",
        "`python eval/qa/mutations.py` applies each change below to a copy of `src/` and runs "
        f"`{' '.join(TESTS)}` against it ({len(MUTATIONS)} mutations, {time.time() - started:.0f} s). Every test "
        f"added for issue 16 ({len(tests)}, counting each table row) must fail on at least one: "
        f"{len(tests) - len(survivors)} do, {len(survivors)} survive.",
        "",
        "| mutation | file | tests failing |",
        "|---|---|---:|",
        *rows,
        "",
        "## Each new test and the mutations that make it fail",
        "",
        "| test | mutations |",
        "|---|---|",
        *(f"| `{t}` | {'; '.join(killed_by[t]) or '**none**'} |" for t in tests),
        "",
    ]
    (HERE / "mutations.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(survivors)} of {len(tests)} new tests survive every mutation", file=sys.stderr)
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
