"""The lexical table the quality evaluation uses: the project's (``models/build_lexicon.py``, same method and
settings) rebuilt WITHOUT any LIG line and without the WMT newstest2009, newstest2010 and newssyscomb2009 sets.

Why: the shipped table was trained on all of LIG (source and post-edit, held-out lines included) and on the WMT
references of the evaluated documents. Lexical features computed with it would have seen the post-edits they are
asked to predict (IBM-1 memorises rare words), and the held-out block would not be held out. The fit and the
evaluation both run with this table (``ALIGNER_LEXICON``), so features on training and held-out lines come from a
table that saw neither, as the shipped table has never seen a new story.

    python eval/quality/lexicon_heldout.py      # → eval/artifacts/quality/lexicon-heldout.tsv.gz (≈1 min)
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "eval" / "artifacts" / "quality" / "lexicon-heldout.tsv.gz"
EXCLUDED = ("lig-postedit-fren/", "newstest2009", "newstest2010", "newssyscomb2009")


def build(out: Path = OUT) -> Path:
    from aligner.alignment.lexicon import tokens, train_lexicon

    spec = importlib.util.spec_from_file_location("build_lexicon", ROOT / "models" / "build_lexicon.py")
    assert spec is not None and spec.loader is not None
    build_lexicon = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_lexicon)
    fr_all: list[list[str]] = []
    en_all: list[list[str]] = []
    used: list[dict[str, object]] = []
    for name, fr_path, en_path in build_lexicon.corpora(DATA):
        rel = str(fr_path.relative_to(DATA))
        if any(x in rel for x in EXCLUDED):
            continue
        n = 0
        for f, e in zip(
            fr_path.read_text(encoding="utf-8").splitlines(), en_path.read_text(encoding="utf-8").splitlines()
        ):
            ft, et = tokens(f), tokens(e)
            if ft and et and len(ft) <= build_lexicon.MAX_TOKENS and len(et) <= build_lexicon.MAX_TOKENS:
                fr_all.append(ft)
                en_all.append(et)
                n += 1
        used.append({"corpus": name, "pairs_used": n})
    start = time.perf_counter()
    lexicon = train_lexicon(fr_all, en_all, source="eval/quality/lexicon_heldout.py")
    out.parent.mkdir(parents=True, exist_ok=True)
    lexicon.save(out, ["project lexicon without LIG, newstest2009, newstest2010, newssyscomb2009"])
    meta = {
        "corpora": used,
        "excluded": list(EXCLUDED),
        "pairs": len(fr_all),
        "entries": len(lexicon),
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "seconds": round(time.perf_counter() - start),
    }
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    path = build()
    print(path, json.loads(path.with_suffix(".json").read_text())["pairs"], file=sys.stderr)
