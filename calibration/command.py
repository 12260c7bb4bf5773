"""``escalation calibrate``: a thin Hydra wrapper around :func:`run_calibration`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.errors import ConfigError


def run_calibration(cfg: DictConfig, out: str | Path, progress: bool = True) -> Path:
    """Calibrate the composed scenario config and write the outputs and report into ``out``.

    Raises:
        ConfigError: On an invalid calibration config.
    """
    from sim.calibration.fit import calibrate
    from sim.calibration.report import write_calibration_report

    from sim.report.html import check_plotly_js
    from sim.settings import Settings

    if "calibration" not in cfg or cfg.calibration is None:
        raise ConfigError("calibration: missing (select calibration=default)")
    base = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(base, dict)
    calib = base.pop("calibration")
    Settings.from_config(base)  # the scenario itself must be valid
    plotly_js = check_plotly_js((base.get("report") or {}).get("plotly_js", "inline"))
    path = Path(out)
    summary = calibrate(calib, base, path, progress=progress)
    write_calibration_report(path, summary, plotly_js)
    return path


def _task(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from sim.config import settle_from_hydra

    logging.getLogger("MESA").setLevel(logging.WARNING)
    settle_from_hydra(cfg)  # a policy named here starts without another's parameters
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        path = run_calibration(cfg, out)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    import json

    s = json.loads((path / "calibration.json").read_text())
    print(
        f"{s['particles']} posterior particles from {s['simulated_in_fit']:,} simulations in "
        f"{s['seconds']:.1f} s ({s['episodes_per_second']:,.0f} episodes/s); P(exact match) "
        f"{s['prior']['p_exact']['estimate']:.3%} under the prior, "
        f"{s['posterior']['p_exact']['estimate']:.3%} under the posterior"
    )
    print(f"Calibration directory: {path.resolve()}")
    print(f"Report: {(path / 'calibration.html').resolve()}")


def main(argv: list[str]) -> int:
    """``escalation calibrate [OVERRIDES...]``."""
    import hydra

    from sim.config import register_configs
    from sim.overrides import expand_short, open_policy_keys, split_hydra_args

    register_configs()
    flags, given = split_hydra_args(argv)
    overrides = [
        o
        if o.startswith(
            (
                "calibration",
                "scenario",
                "episode",
                "by_role",
                "mechanisms",
                "hydra",
                "+",
                "~",
                "actors",
                "simulation",
            )
        )
        else f"calibration.{o}"
        for o in open_policy_keys(expand_short(given))
    ]
    fn: Any = hydra.main(
        config_path="pkg://sim.hydra_root", config_name="config", version_base="1.3"
    )(_task)
    sys.argv = [
        "escalation",
        *flags,
        "+calibration=default",
        "hydra.run.dir=outputs/calibration/${episode.name}/${now:%Y-%m-%d_%H-%M-%S}_${unique:}",
        *overrides,
    ]
    fn()
    return 0
