"""COMET from a local checkpoint, never downloaded: in-process when unbabel-comet is importable, else its
``comet-score`` command from an environment of its own (it pins transformers<5)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def comet_score(
    sources: Sequence[str], hyps: Sequence[str], refs: Sequence[str], checkpoint: str | Path | None
) -> tuple[float | None, str]:
    """System-level COMET (×100) from a local checkpoint; never downloads. Returns (score, "") or (None, why not).

    unbabel-comet 2.2.7 (the current release) pins transformers<5, so it usually cannot live in aligner's
    environment: then its ``comet-score`` command, installed in an environment of its own (``pipx install
    unbabel-comet``) and found on PATH, is run on the same files.
    """
    if checkpoint is None:
        return None, (
            "COMET skipped: no checkpoint given; pass --comet-model PATH to a local unbabel-comet checkpoint "
            "(…/checkpoints/model.ckpt); aligner never downloads one"
        )
    path = Path(checkpoint)
    if not path.is_file() or path.suffix != ".ckpt":
        return None, f"COMET skipped: {path} is not a checkpoint file (…/checkpoints/model.ckpt)"
    try:
        from comet import load_from_checkpoint  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _comet_cli(sources, hyps, refs, path)
    try:
        model = load_from_checkpoint(str(path), reload_hparams=False)
        data = [{"src": s, "mt": h, "ref": r} for s, h, r in zip(sources, hyps, refs)]
        out = model.predict(data, batch_size=16, gpus=0, progress_bar=False)
    except Exception as exc:
        return None, f"COMET skipped: {path} could not be used ({str(exc).splitlines()[0] if str(exc) else exc!r})"
    return float(out.system_score) * 100, ""


def _comet_cli(
    sources: Sequence[str], hyps: Sequence[str], refs: Sequence[str], checkpoint: Path
) -> tuple[float | None, str]:
    import re
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("comet-score")
    if exe is None:
        return None, (
            "COMET skipped: unbabel-comet is not installed; it needs transformers<5, so install it apart "
            "(pipx install unbabel-comet) to put comet-score on PATH"
        )
    with tempfile.TemporaryDirectory(prefix="aligner-comet-") as tmp:
        files = {}
        for name, lines in (("src", sources), ("hyp", hyps), ("ref", refs)):
            files[name] = Path(tmp) / f"{name}.txt"
            files[name].write_text("".join(line.replace("\n", " ") + "\n" for line in lines), encoding="utf-8")
        cmd = [exe, "-s", str(files["src"]), "-t", str(files["hyp"]), "-r", str(files["ref"]), "--model",
               str(checkpoint), "--gpus", "0", "--only_system", "--quiet"]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True)
    found = re.findall(r"\tscore: (-?[0-9.]+)", proc.stdout)
    if proc.returncode != 0 or not found:
        last = (proc.stderr.strip().splitlines() or ["no score printed"])[-1]
        return None, f"COMET skipped: comet-score failed on {checkpoint} ({last})"
    return float(found[-1]) * 100, ""
