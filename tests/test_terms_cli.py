"""``--glossary`` on the command line: read once, checked before any work, obeyed and checked by run and batch,
named in the signature and the run's identity (so a batch redoes its stories when the glossary changes)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from aligner.signature import Signature
from conftest import ALIGNER, cli_env

FRENCH = "Le président a quitté Kiev mardi.\nIl a visité un cosmodrome.\nLes marchés ont chuté.\n"
# existing translations (a file translator): what another system wrote, which the glossary cannot change
ENGLISH = "The president left Kiev on Tuesday.\nHe visited a spaceport.\nMarkets fell.\n"


def aligner(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ALIGNER, *args], env=cli_env(), capture_output=True, text=True, timeout=600)


def story(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "s.fr").write_text(FRENCH, encoding="utf-8")
    (tmp_path / "mt.en").write_text(ENGLISH, encoding="utf-8")
    return tmp_path / "s.fr", tmp_path / "mt.en"


def glossary(tmp_path: Path, rows: str, name: str = "desk.tsv") -> Path:
    path = tmp_path / name
    path.write_text("source\ttarget\n" + rows, encoding="utf-8")
    return path


def term_flags(result: Path) -> list[list[str]]:
    data = json.loads(result.read_text(encoding="utf-8"))
    return [[f["reason"] for f in bead["flags"] if f["code"] == "term"] for bead in data["beads"]]


def test_run_checks_the_glossary_and_names_it_in_the_signature(tmp_path: Path) -> None:
    src, mt = story(tmp_path)
    desk = glossary(tmp_path, "Kiev\tKyiv\ncosmodrome\tspaceport\n")
    proc = aligner("run", str(src), "--presegmented", "--translations", str(mt), "--glossary", str(desk), "-o",
                   str(tmp_path / "with"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    flags = term_flags(tmp_path / "with" / "result.json")
    assert len(flags) == 3 and len(flags[0]) == 1 and "Kyiv" in flags[0][0]  # "Kiev" left as it was: flagged
    assert flags[1:] == [[], []]  # spaceport used; no term in the third sentence
    data = json.loads((tmp_path / "with" / "result.json").read_text(encoding="utf-8"))
    assert Signature.parse(data["signature"]).glossary.endswith("#2")  # sha256 prefix and entry count

    proc = aligner("run", str(src), "--presegmented", "--translations", str(mt), "-o", str(tmp_path / "without"))
    assert proc.returncode == 0, proc.stderr
    assert term_flags(tmp_path / "without" / "result.json") == [[], [], []]
    data = json.loads((tmp_path / "without" / "result.json").read_text(encoding="utf-8"))
    assert Signature.parse(data["signature"]).glossary == ""


def test_a_bad_glossary_stops_the_command_in_one_line_before_any_output(tmp_path: Path) -> None:
    src, mt = story(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c,d,e\n", encoding="utf-8")
    for path, message in ((bad, "bad.csv, line 1"), (tmp_path / "missing.tsv", "missing.tsv: no such file")):
        proc = aligner("run", str(src), "--presegmented", "--translations", str(mt), "--glossary", str(path), "-o",
                       str(tmp_path / "out"))  # fmt: skip
        assert proc.returncode != 0 and "Traceback" not in proc.stderr
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "out").exists()


def test_a_batch_redoes_its_stories_when_the_glossary_changes(tmp_path: Path) -> None:
    stories = tmp_path / "in"
    stories.mkdir()
    (stories / "a.txt").write_text(FRENCH, encoding="utf-8")
    (stories / "b.txt").write_text("Les marchés ont chuté.\n", encoding="utf-8")
    translations = tmp_path / "mt.jsonl"
    records = [{"source": s, "translation": t} for s, t in zip(FRENCH.splitlines(), ENGLISH.splitlines())]
    translations.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"

    def batch(*extra: str) -> subprocess.CompletedProcess[str]:
        return aligner("batch", str(stories), "-o", str(out), "--translations", str(translations), "--quiet", *extra)

    one = glossary(tmp_path, "Kiev\tKyiv\n", "one.tsv")
    proc = batch("--glossary", str(one))
    assert proc.returncode == 0, proc.stderr
    assert term_flags(out / "stories" / "a" / "result.json")[0] != []
    assert batch("--glossary", str(one)).stdout.count("2 already done") == 1  # same glossary: nothing redone
    two = glossary(tmp_path, "Kiev\tKyiv\nmarchés\tmarkets\n", "two.tsv")
    proc = batch("--glossary", str(two))
    assert proc.returncode == 0, proc.stderr
    assert "2 redone: settings changed" in proc.stdout + proc.stderr
