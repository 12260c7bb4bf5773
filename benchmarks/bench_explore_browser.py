"""The explore page in a browser: seconds from a slider's key press to the redrawn outcome table.

Run: ``.venv/bin/python -m benchmarks.bench_explore_browser [--moves 4] [--episode us_iran_2020]``

Starts ``escalation explore`` on a free local port, opens it in headless Debian Chromium
(Playwright), focuses the first slider and presses the left arrow ``--moves`` times, a few
seconds apart. Each time a ``MutationObserver`` in the page records when the outcome table's
text changes, so the figure is the page's own clock, with no polling from outside. The first
move also simulates the baseline once (it is then kept). Needs the explore extra and
``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time

OBSERVE = """() => {
  window._t0 = performance.now(); window._marks = [];
  window._last = document.querySelector('#outcomes').innerText;
  window._obs = new MutationObserver(() => {
    const o = document.querySelector('#outcomes');
    const txt = o ? o.innerText : '';
    if (txt && txt !== window._last) {
      window._marks.push(performance.now() - window._t0); window._last = txt;
    }
  });
  window._obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--moves", type=int, default=4)
    ap.add_argument("--episode", default="us_iran_2020")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "explore",
            f"episode={args.episode}",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=args.chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            deadline = time.monotonic() + 60
            while True:
                try:
                    page.goto(f"http://127.0.0.1:{port}/")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            page.wait_for_selector("#outcomes", timeout=90_000)
            time.sleep(2)
            page.locator("[role=slider]").first.focus()
            seconds = []
            for _ in range(args.moves):
                page.evaluate(OBSERVE)
                page.keyboard.press("ArrowLeft")
                time.sleep(5)
                marks = page.evaluate("window._marks")
                page.evaluate("window._obs.disconnect()")
                seconds.append(marks[0] / 1000 if marks else float("nan"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(
        f"episode {args.episode}, 10,000 replicates, {args.moves} moves (the first also "
        "simulates the baseline)"
    )
    print("key press to redrawn table (s):", " ".join(f"{s:.2f}" for s in seconds))
    print(f"median {statistics.median(seconds):.2f} s, first {seconds[0]:.2f} s")


if __name__ == "__main__":
    main()
