"""The Python API: the model's keyword constructor under Mesa, sweeps, posterior draws."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.model import EscalationModel

BIN = Path(sys.executable).with_name("escalation")


def test_the_model_takes_keyword_parameters() -> None:
    by_keywords = EscalationModel(
        scenario="hawkish_pakistan",
        replicates=80,
        seed=4,
        days=12,
        overrides=["actors.iran.willingness=0.2"],
    ).run()
    settings = api.load_settings(
        "hawkish_pakistan",
        [
            "simulation.replicates=80",
            "simulation.seed=4",
            "simulation.days=12",
            "actors.iran.willingness=0.2",
        ],
    )
    by_settings = EscalationModel(settings).run()
    assert np.array_equal(by_keywords.history, by_settings.history)
    # Batch statistics for Mesa's tools, one row per day.
    table = by_keywords.datacollector.get_model_vars_dataframe()
    assert len(table) == 12 and list(table["day"]) == list(range(12))
    assert by_settings.datacollector is None  # the runner's models collect nothing


def test_mesa_batch_run_iterations_get_distinct_reproducible_seeds() -> None:
    params = {"scenario": "baseline", "replicates": 200, "days": 10}

    def batch() -> pd.DataFrame:
        rows = mesa.batch_run(
            EscalationModel, params, iterations=3, number_processes=1, display_progress=False
        )
        return pd.DataFrame(rows).set_index("iteration")

    first, again = batch(), batch()
    assert list(first["seed"]) == [1, 2, 3]  # simulation.seed + iteration
    outcomes = first[["p_force", "p_recalled", "mean_deaths"]]
    assert len(outcomes.drop_duplicates()) == 3
    pd.testing.assert_frame_equal(first, again)


def test_model_takes_mesa_rng_with_seed_as_alias() -> None:
    by_rng = EscalationModel(rng=3, replicates=100, days=10).run()
    by_seed = EscalationModel(seed=3, replicates=100, days=10).run()
    assert by_rng.settings.simulation.seed == 3
    assert (by_rng.history == by_seed.history).all()
    drawn = [EscalationModel(rng=np.random.default_rng(7), replicates=10, days=5) for _ in "ab"]
    assert drawn[0].settings.simulation.seed == drawn[1].settings.simulation.seed
    with pytest.raises(ValueError, match="not both"):
        EscalationModel(rng=3, seed=4, replicates=10, days=5)


def test_mesa_batch_run_drives_the_model() -> None:
    params = {
        "scenario": ["baseline", "no_mediation"],
        "replicates": 300,
        "days": 15,
        "seed": [1, 2],
    }
    rows = pd.DataFrame(
        mesa.batch_run(EscalationModel, params, number_processes=1, display_progress=False)
    )
    assert len(rows) == 4 and set(rows["scenario"]) == {"baseline", "no_mediation"}
    assert (rows["day"] == 14).all()
    mean = rows.groupby("scenario")["p_deescalated"].mean()
    assert mean["baseline"] > mean["no_mediation"]  # China's mediation matters
    # Each row is the run a direct construction gives.
    first = rows.iloc[0]
    m = EscalationModel(
        scenario=first["scenario"], replicates=300, days=15, seed=int(first["seed"])
    )
    m.run()
    assert (
        m.datacollector.get_model_vars_dataframe().iloc[-1]["p_deescalated"]
        == first["p_deescalated"]
    )


def _cli_table(tmp: Path, *args: str) -> pd.DataFrame:
    p = subprocess.run(
        [str(BIN), "run", "-m", *args, f"hydra.sweep.dir={tmp / 'cli'}"],
        capture_output=True,
        text=True,
        cwd=tmp,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    return pd.read_parquet(tmp / "cli" / "sweep.parquet")


def test_a_sweep_from_python_is_the_command_lines(tmp_path: Path) -> None:
    args = ("actors.iran.policy.generosity=0.1,0.9", "replicates=200", "days=8")
    table = api.sweep(list(args), sweep_dir=tmp_path / "py")
    assert isinstance(table, pd.DataFrame) and list(table["status"]) == ["complete", "complete"]
    assert (tmp_path / "py" / "sweep.parquet").is_file()
    pd.testing.assert_frame_equal(table, _cli_table(tmp_path, *args))


def test_a_sweep_from_python_refuses_an_unused_parameter_before_any_job(tmp_path: Path) -> None:
    from sim.errors import UnknownParameter

    with pytest.raises(UnknownParameter, match="generosity"):
        api.sweep(
            ["actors.iran.policy.name=grim_trigger", "actors.iran.policy.generosity=0,1"],
            sweep_dir=tmp_path / "s",
        )
    assert not (tmp_path / "s").exists()


def test_a_design_from_python(tmp_path: Path) -> None:
    table = api.run_design(
        "lhs_policies", ["design.n=3", "replicates=100", "days=8"], sweep_dir=tmp_path / "d"
    )
    assert len(table) == 3 and (table["status"] == "complete").all()
    assert table["actors.iran.policy.generosity"].nunique() == 3


def test_posterior_draws_are_stored_beside_the_outcomes(tmp_path: Path) -> None:
    over = ["simulation.replicates=400", "simulation.days=10", "posterior=baseline"]
    api.run_scenario("baseline", over, tmp_path / "run", progress=False)
    out = api.outcomes(tmp_path / "run").sort_values("replicate")
    key = "by_role.victim.policy.generosity"
    assert key in out.columns and out[key].nunique() > 20
    # The stored draw is the value the replicate ran with (Iran plays the victim).
    settings = api.load_settings("baseline", over)
    used = settings.actors["iran"].policy_params["generosity"]
    assert np.array_equal(out[key].to_numpy(), used[out["replicate"].to_numpy()])
    assert np.array_equal(
        out["by_role.adversary.willingness"].to_numpy(),
        settings.actors["pakistan"].params["willingness"][out["replicate"].to_numpy()],
    )
    # A run without a posterior has no such columns.
    plain = api.outcomes(api.build_model("baseline", ["simulation.days=5"], replicates=10).run())
    assert not [c for c in plain.columns if c.startswith("by_role.")]
