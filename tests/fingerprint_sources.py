"""Fingerprints of source texts, so that tests can prove the seeds copy no sentence.

``python tests/fingerprint_sources.py RAW_DIR OUT.json`` reads every ``*.txt`` in RAW_DIR
(the text of each report as it was read while coding an episode; kept outside the
repository) and writes the sorted, truncated SHA-256 of every run of ``N`` words. The
texts themselves are never stored; ``tests/test_seeds.py`` checks the episode's files
against the hashes.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

N = 8  # words per run: longer than any name or title fragment we may reuse
DIGITS = 12  # hex digits kept: 48 bits, so a chance match is ~1e-6 per episode


def words(text: str) -> list[str]:
    """Lower-case words (letters, digits, apostrophes), punctuation dropped."""
    return re.findall(r"[a-z0-9']+", text.lower())


def grams(text: str, n: int = N) -> set[str]:
    """Every run of ``n`` consecutive words, joined by spaces."""
    w = words(text)
    return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def digest(gram: str) -> str:
    """The truncated hash of one run of words."""
    return hashlib.sha256(gram.encode("utf-8")).hexdigest()[:DIGITS]


def fingerprints(texts: Iterable[str]) -> list[str]:
    """Sorted hashes of every run of words of the texts."""
    out: set[str] = set()
    for t in texts:
        out |= {digest(g) for g in grams(t)}
    return sorted(out)


def main(argv: list[str]) -> int:
    """Write the fingerprints of RAW_DIR/*.txt to OUT."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    raw, out = Path(argv[0]), Path(argv[1])
    files = sorted(raw.glob("*.txt"))
    if not files:
        print(f"error: no .txt files in {raw}", file=sys.stderr)
        return 2
    hashes = fingerprints(f.read_text(encoding="utf-8", errors="replace") for f in files)
    doc = {"n": N, "digits": DIGITS, "sources_read": len(files), "hashes": hashes}
    out.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{out}: {len(hashes)} runs of {N} words from {len(files)} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
