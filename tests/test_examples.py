"""The worked example and every code block of the docs run; research policies meet the contract."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "face_saving"


def test_worked_example(tmp_path: Path) -> None:
    sys.path.insert(0, str(EXAMPLE))
    try:
        import run_example

        report = run_example.main(tmp_path, replicates=1500)
    finally:
        sys.path.remove(str(EXAMPLE))
    assert report.is_file() and "Saudi" in report.read_text()
    base = json.loads((tmp_path / "baseline" / "summary.json").read_text())["metrics"]
    face = json.loads((tmp_path / "saudi_face_saving" / "summary.json").read_text())["metrics"]
    assert face["casualties_mean"]["estimate"] < base["casualties_mean"]["estimate"]
    assert face["p_reach_rung"]["posture"]["estimate"] > 0.5


def test_example_policy_meets_the_contract() -> None:
    sys.path.insert(0, str(EXAMPLE))
    try:
        import policy  # noqa: F401  (registers it)
    finally:
        sys.path.remove(str(EXAMPLE))
    from test_policies import test_contract

    from sim.config import compose_config
    from sim.ladder import Ladder

    test_contract("face_saving_retaliation", Ladder.from_config(compose_config("baseline").ladder))


def blocks(doc: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("doc", ["docs/extending.md", "docs/walkthrough.md", "README.md"])
def test_doc_code_blocks_run(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ROOT / doc
    code = blocks(path)
    assert code, f"{doc} has no python blocks"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"doc_{path.stem}"}
    for i, block in enumerate(code):
        try:
            exec(compile(block, f"{doc}[{i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message names the block
            raise AssertionError(f"{doc} block {i} failed: {exc!r}\n{block}") from exc


def test_proxy_crisis_is_written_with_configuration_only(tmp_path: Path) -> None:
    """The invented four-stage crisis of examples/proxy_crisis runs from its YAML alone."""
    import subprocess

    import numpy as np
    import pandas as pd

    out = tmp_path / "run"
    p = subprocess.run(
        [
            str(Path(sys.executable).with_name("escalation")),
            "run",
            "--config-dir",
            str(ROOT / "examples" / "proxy_crisis"),
            "episode=valdoria_kesh",
            "replicates=600",
            "days=40",
            f"hydra.run.dir={out}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    ev = pd.read_parquet(out / "events")

    def first(actor: str, target: str, action: str) -> pd.Series:
        rows = ev[(ev.actor == actor) & (ev.target == target) & (ev.action == action)]
        return rows.groupby("replicate")["day"].min()

    camps = first("valdoria", "red_hand", "strike_militants")
    assert len(camps) > 0.9 * 600 and camps.median() >= 12  # two weeks of build-up first
    coercion = ev[(ev.actor == "valdoria") & ev.action.isin(["expel_diplomats", "sanction"])]
    assert coercion.replicate.nunique() > 0.9 * 600
    answer = first("kesh", "valdoria", "strike_state")
    both = camps.index.intersection(answer.index)
    assert (answer[both] == camps[both] + 1).mean() > 0.8  # the host answers the next day
    gestures = ev[(ev.actor == "kesh") & (ev.action == "declare_ceasefire")]
    assert gestures.replicate.nunique() > 0.8 * 600
    assert not (ev.action == "de_escalate").any()  # no formal agreement
    out_df = pd.read_parquet(out / "outcomes")
    assert np.mean(out_df["deescalation_day"] >= 0) > 0.8
    assert "Valdoria" in (out / "report.html").read_text()
