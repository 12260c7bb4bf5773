"""``escalation calibrate``: a thin Hydra wrapper around :func:`run_calibration`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.errors import ConfigError


def run_calibration(
    cfg: DictConfig, out: str | Path, progress: bool = True, overrides: list[str] | None = None
) -> Path:
    """Calibrate the composed scenario config and write the outputs and report into ``out``.

    A ``calibration`` node with ``episodes`` (``calibration=joint``) fits several episodes at
    once: each is composed under the same scenario and ``overrides`` (the command line's).

    Raises:
        ConfigError: On an invalid calibration config.
    """
    if "calibration" in cfg and cfg.calibration is not None and "episodes" in cfg.calibration:
        return run_joint_calibration(cfg, out, progress, overrides or [])
    from sim.calibration.fit import calibrate
    from sim.calibration.report import write_calibration_report

    from sim.settings import Settings

    if "calibration" not in cfg or cfg.calibration is None:
        raise ConfigError("calibration: missing (select calibration=default)")
    base = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(base, dict)
    calib = base.pop("calibration")
    Settings.from_config(base)  # the scenario itself must be valid
    path = Path(out)
    summary = calibrate(calib, base, path, progress=progress)
    write_calibration_report(path, summary)
    return path


#: Command-line overrides that do not carry over to the other episodes of a joint fit.
NOT_CARRIED = ("calibration", "+calibration", "episode=", "scenario=", "hydra", "posterior=")


def run_joint_calibration(
    cfg: DictConfig, out: str | Path, progress: bool, overrides: list[str]
) -> Path:
    """A fit across episodes (:mod:`sim.calibration.joint_fit`)."""
    from sim.calibration.joint import episode_names, load_episodes
    from sim.calibration.joint_fit import calibrate_joint

    calib = OmegaConf.to_container(cfg.calibration, resolve=True)
    assert isinstance(calib, dict)
    if cfg.get("posterior"):
        raise ConfigError("posterior: a calibration draws its own parameters; drop posterior=")
    names = episode_names(calib.get("episodes"))
    scenario = str(cfg.scenario.name)
    carried = [o for o in overrides if not o.startswith(NOT_CARRIED)]
    episodes = load_episodes(names, scenario, carried)
    workers = int(cfg.simulation.get("workers", 1))
    path = Path(out)
    calibrate_joint(calib, episodes, path, progress=progress, workers=workers)
    return path


def _task(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    logging.getLogger("MESA").setLevel(logging.WARNING)
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        path = run_calibration(cfg, out, overrides=list(HydraConfig.get().overrides.task))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    import json

    s = json.loads((path / "calibration.json").read_text())
    if s.get("joint"):
        print(
            f"{s['particles']} posterior particles from {s['simulated_in_fit']:,} simulated "
            f"episodes in {s['seconds']:.1f} s ({s['episodes_per_second']:,.0f} episodes/s)"
        )
        for name, c in s["checks"].items():
            print(
                f"  {name}: P(observed pattern) {c['prior']['p_pattern']['estimate']:.3%} "
                f"under the prior, {c['posterior']['p_pattern']['estimate']:.3%} under the "
                "posterior (in-sample)"
            )
        print(f"Calibration directory: {path.resolve()}")
        return
    print(
        f"{s['particles']} posterior particles from {s['simulated_in_fit']:,} simulations in "
        f"{s['seconds']:.1f} s ({s['episodes_per_second']:,.0f} episodes/s); P(exact match) "
        f"{s['prior']['p_exact']['estimate']:.3%} under the prior, "
        f"{s['posterior']['p_exact']['estimate']:.3%} under the posterior"
    )
    print(f"Calibration directory: {path.resolve()}")


def main(argv: list[str]) -> int:
    """``escalation calibrate [OVERRIDES...]``."""
    import hydra

    from sim.config import expand_short, register_configs, split_hydra_args

    register_configs()
    flags, given = split_hydra_args(argv)
    given = expand_short(given)
    # One episode (episode=NAME) as before; otherwise a joint fit, by default on the whole
    # library with the crisis mechanisms on.
    joint = not any(o.startswith("episode=") for o in given)
    given = [f"calibration.{o}" if o.startswith("episodes=") else o for o in given]
    if joint and not any(o.startswith("scenario=") for o in given):
        given = ["scenario=crisis_mechanisms", *given]
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
        for o in given
    ]
    fn: Any = hydra.main(
        config_path="pkg://sim.hydra_root", config_name="config", version_base="1.3"
    )(_task)
    sys.argv = [
        "escalation",
        *flags,
        "+calibration=joint" if joint else "+calibration=default",
        "hydra.run.dir=outputs/calibration/"
        + ("joint" if joint else "${episode.name}")
        + "/${now:%Y-%m-%d_%H-%M-%S}_${unique:}",
        *overrides,
    ]
    fn()
    return 0
