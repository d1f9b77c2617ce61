"""The README's screenshot of `aligner review`: the example story with the tiny model, one bead edited and
confirmed, one commented, the editor open on a third.

    python eval/review/screenshot.py   # writes eval/review/review-page.png
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "000_ba36305a8a94cac5.txt"


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        subprocess.run([sys.executable, "-m", "aligner.cli", "run", str(SEED), "--ref",
                        str(ROOT / "corpora" / "000_ba36305a8a94cac5.en.txt"), "--model",
                        str(ROOT / "models" / "tiny-marian-fr-en"), "--beam", "1", "-o", str(run), "--quiet"],
                       check=True)  # fmt: skip
        server = subprocess.Popen([sys.executable, "-m", "aligner.cli", "review", str(run), "--port", "0",
                                   "--reviewer", "anne"], stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert server.stdout is not None
        line = server.stdout.readline()
        url = line[line.index("http://") :].strip()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1280, "height": 820})
                page.goto(url)
                saved = page.locator("#saved-state")
                page.keyboard.press("ArrowDown")
                page.keyboard.press("ArrowDown")
                page.keyboard.press("Enter")
                page.keyboard.press("Control+a")
                page.keyboard.type("North Korean leader Kim Jong Un traveled to Russia and met Vladimir Putin.")
                page.keyboard.press("Control+s")
                expect(saved).to_have_text("all saved")
                page.keyboard.press("c")
                page.keyboard.type("Check the name of the Russian president in the lead.")
                page.keyboard.press("Enter")
                page.locator("#bead-2 .comment").wait_for()
                page.keyboard.press("Control+Enter")
                expect(saved).to_have_text("all saved")
                page.keyboard.press("Enter")
                page.wait_for_timeout(1500)  # the effort line is refreshed a moment after a save
                page.evaluate("window.scrollTo(0, document.getElementById('bead-2').offsetTop - 120)")
                page.wait_for_timeout(300)
                page.screenshot(path=str(Path(__file__).with_name("review-page.png")))
                browser.close()
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
