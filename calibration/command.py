"""``escalation calibrate``: a thin Hydra wrapper around :func:`run_calibration`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.errors import ConfigError, exit_status


def run_calibration(
    cfg: DictConfig, out: str | Path, progress: bool = True, overrides: list[str] | None = None
) -> Path:
    """Calibrate the composed scenario config and write the outputs and report into ``out``.

    A ``calibration`` node with ``episodes`` (``calibration=joint``) fits several episodes at
    once (:func:`run_joint_calibration`).

    Raises:
        ConfigError: On an invalid calibration config.
    """
    if is_joint(cfg):
        return run_joint_calibration(cfg, out, progress, overrides or [])
    from sim.calibration.fit import calibrate
    from sim.calibration.report import write_calibration_report

    from sim.folders import invalidate, lock, mark_complete, write_marker
    from sim.report.html import check_plotly_js
    from sim.settings import Settings

    calib, base = check_calibration(cfg)
    Settings.from_config(base)  # the scenario itself must be valid
    plotly_js = check_plotly_js((base.get("report") or {}).get("plotly_js", "inline"))
    path = Path(out)
    digest = calibration_digest(cfg)
    with lock(path, "calibration folder"):
        # The marker goes first and comes back last: readers (posterior=) refuse the folder
        # in between, whatever is killed when.
        invalidate(path)
        # The ownership marker names the config: a rerun of it after a kill restarts here.
        write_marker(path, "calibration folder", digest)
        summary = calibrate(calib, base, path, progress=progress)
        write_calibration_report(path, summary, plotly_js)
        mark_complete(path, digest)
    return path


def calibration_digest(cfg: Any) -> str:
    """The digest of a calibration's config: its completion marker and ownership marker's.

    Raises:
        ConfigError: On an invalid calibration config.
    """
    from sim.calibration.joint import episode_names

    from sim.folders import config_digest

    if is_joint(cfg):
        calib = check_joint(cfg)
        names = episode_names(calib.get("episodes"))
        scenario = str(cfg.scenario.name)
        return config_digest({"calibration": calib, "episodes": names, "scenario": scenario})
    calib, base = check_calibration(cfg)
    return config_digest({"calibration": calib, **base})


#: Calibration settings: name -> (lowest, highest, integer).
SETTINGS: dict[str, tuple[float, float, bool]] = {
    "population": (1, 10**8, True),
    "generations": (1, 10**4, True),
    "batch": (1, 10**8, True),
    "budget": (1, 10**12, True),
    "seed": (0, 2**63 - 1, True),
    "fit_draws": (1, 10**8, True),
    "min_tolerance": (0.0, 1e9, False),
    "days": (1, 10**4, True),
}


def check_calibration(cfg: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the ``calibration`` node of a composed config before anything is written.

    Returns:
        (the calibration settings, the rest of the config), as plain dicts.

    Raises:
        ConfigError: Naming the first invalid setting (population > 0, generations >= 1,
            0 < quantile < 1, known keys, valid priors...).
    """
    import math

    from sim.calibration.fit import cast_priors
    from sim.calibration.priors import prior_from_config

    from sim.errors import suggest

    if "calibration" not in cfg or cfg.calibration is None:
        raise ConfigError("calibration: missing (select calibration=default)")
    try:
        base = OmegaConf.to_container(cfg, resolve=True)
    except Exception as exc:  # OmegaConf's resolution errors: one line
        raise ConfigError(f"config: {str(exc).splitlines()[0]}") from None
    assert isinstance(base, dict)
    calib = base.pop("calibration")
    if not isinstance(calib, dict):
        raise ConfigError(f"calibration: expected a mapping, got {calib!r}")
    known = [*SETTINGS, "quantile", "priors"]
    for key, value in calib.items():
        where = f"calibration.{key}"
        if key not in known:
            raise ConfigError(f"{where}: unknown setting{suggest(str(key), known)}")
        if key == "priors":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{where}: {value} is not a finite number")
        if key == "quantile":
            if not 0 < value < 1:
                raise ConfigError(f"{where}: {value} outside (0, 1)")
            continue
        low, high, integer = SETTINGS[key]
        if integer and value != int(value):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{where}: {value} outside [{low}, {high}]")
    priors = calib.get("priors")
    if not isinstance(priors, dict):
        raise ConfigError(f"calibration.priors: expected a mapping, got {priors!r}")
    for key, spec in priors.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"calibration.priors.{key}: expected {{dist, low, high}}")
    prior_from_config(cast_priors(priors, base))
    return calib, {str(k): v for k, v in base.items()}


def is_joint(cfg: Any) -> bool:
    """Whether a composed config asks for a fit across episodes (``calibration=joint``)."""
    node = cfg.get("calibration") if hasattr(cfg, "get") else None
    return node is not None and hasattr(node, "keys") and "episodes" in node


#: Command-line overrides that do not carry over to the other episodes of a joint fit.
NOT_CARRIED = ("calibration", "+calibration", "episode=", "scenario=", "hydra", "posterior=")

#: Settings of a joint fit besides those of SETTINGS: name -> (lowest, highest, integer).
JOINT_SETTINGS: dict[str, tuple[float, float, bool]] = {
    "min_acceptance": (0.0, 1.0, False),
    "max_moves": (0, 10**4, True),
}


def check_joint(cfg: Any) -> dict[str, Any]:
    """Check the ``calibration`` node of a joint fit; returns it as a plain dict.

    Raises:
        ConfigError: Naming the first invalid setting.
    """
    import math

    from sim.errors import suggest

    if cfg.get("posterior"):
        raise ConfigError("posterior: a calibration draws its own parameters; drop posterior=")
    try:
        calib = OmegaConf.to_container(cfg.calibration, resolve=True)
    except Exception as exc:  # OmegaConf's resolution errors: one line
        raise ConfigError(f"config: {str(exc).splitlines()[0]}") from None
    assert isinstance(calib, dict)
    known = [*SETTINGS, *JOINT_SETTINGS, "quantile", "episodes", "priors", "seconds", "validation"]
    for key, value in calib.items():
        where = f"calibration.{key!s}"
        if key not in known:
            raise ConfigError(f"{where}: unknown setting{suggest(str(key), known)}")
        if key in ("episodes", "priors", "validation") or (key == "seconds" and value is None):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{where}: {value} is not a finite number")
        if key == "seconds":
            if value <= 0:
                raise ConfigError(f"{where}: must be positive, got {value}")
            continue
        if key == "quantile":
            if not 0 < value < 1:
                raise ConfigError(f"{where}: {value} outside (0, 1)")
            continue
        low, high, integer = {**SETTINGS, **JOINT_SETTINGS}[key]
        if integer and value != int(value):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{where}: {value} outside [{low}, {high}]")
    if not isinstance(calib.get("priors"), dict):
        raise ConfigError(f"calibration.priors: expected a mapping, got {calib.get('priors')!r}")
    from sim.calibration.joint import episode_names

    episode_names(calib.get("episodes"))
    return {str(k): v for k, v in calib.items()}


def run_joint_calibration(
    cfg: DictConfig, out: str | Path, progress: bool, overrides: list[str]
) -> Path:
    """A fit across episodes (:mod:`sim.calibration.joint_fit`).

    Each episode is composed under the same scenario and the command line's ``overrides``.
    """
    from sim.calibration.joint import episode_names, load_episodes
    from sim.calibration.joint_fit import calibrate_joint

    from sim.folders import invalidate, lock, mark_complete, write_marker

    calib = check_joint(cfg)
    names = episode_names(calib.get("episodes"))
    scenario = str(cfg.scenario.name)
    carried = [o for o in overrides if not o.startswith(NOT_CARRIED)]
    episodes = load_episodes(names, scenario, carried)
    workers = int(cfg.simulation.get("workers", 1))
    path = Path(out)
    digest = calibration_digest(cfg)
    with lock(path, "calibration folder"):
        invalidate(path)
        write_marker(path, "calibration folder", digest)
        calibrate_joint(calib, episodes, path, progress=progress, workers=workers)
        mark_complete(path, digest)
    return path


def _task(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from sim.config import settle_from_hydra

    logging.getLogger("MESA").setLevel(logging.WARNING)
    settle_from_hydra(cfg)  # a policy named here starts without another's parameters
    out = Path(HydraConfig.get().runtime.output_dir)
    overrides = list(HydraConfig.get().overrides.task)
    status = _calibrate_into(cfg, out, overrides)
    if status:
        sys.exit(status)


@exit_status
def _calibrate_into(cfg: DictConfig, out: Path, overrides: list[str]) -> int:
    """Calibrate into ``out`` and print what was fitted (the body of :func:`_task`)."""
    path = run_calibration(cfg, out, overrides=overrides)
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
        print(f"Report: {(path / 'calibration.html').resolve()}")
        return 0
    print(
        f"{s['particles']} posterior particles from {s['simulated_in_fit']:,} simulations in "
        f"{s['seconds']:.1f} s ({s['episodes_per_second']:,.0f} episodes/s); P(exact match) "
        f"{s['prior']['p_exact']['estimate']:.3%} under the prior, "
        f"{s['posterior']['p_exact']['estimate']:.3%} under the posterior; within one rung "
        f"every day {s['prior']['p_within_one_rung']['estimate']:.3%} and "
        f"{s['posterior']['p_within_one_rung']['estimate']:.3%}"
    )
    print(f"Calibration directory: {path.resolve()}")
    print(f"Report: {(path / 'calibration.html').resolve()}")
    return 0


@exit_status
def main(argv: list[str]) -> int:
    """``escalation calibrate [OVERRIDES...] [--overwrite]``."""
    import hydra

    from sim.overrides import expand_short, open_policy_keys
    from sim.preflight import claim_folder, prepare, printed_job_config

    # One episode (episode=NAME) as before; otherwise a fit across episodes, by default the
    # whole library with the crisis mechanisms on.
    joint = not any(a.startswith("episode=") for a in argv)
    if joint and not any(a.startswith("scenario=") for a in argv):
        argv = ["scenario=crisis_mechanisms", *argv]

    def rewrite(given: list[str]) -> list[str]:
        # Bare settings (population=..., quantile=...) are the calibration's.
        return [
            o
            if o.lstrip("+~").startswith(TOP) and not o.startswith("episodes=")
            else f"calibration.{o}"
            for o in open_policy_keys(expand_short(given))
        ]

    def check(cfg: DictConfig) -> None:
        if is_joint(cfg):
            check_joint(cfg)
        else:
            check_calibration(cfg)

    group = "+calibration=joint" if joint else "+calibration=default"
    plan = prepare([group, *argv], rewrite=rewrite, check=check)
    if printed_job_config(plan):
        return 0
    digest = calibration_digest(plan.cfg) if plan.cfg is not None else None
    # A folder holding an unfinished calibration of this config (killed) restarts it there.
    with claim_folder(plan, "calibration folder", digest) as done:
        if done:
            print(f"Calibration directory: {plan.out_dir} (complete with the same config)")
            return 0
        fn: Any = hydra.main(
            config_path="pkg://sim.hydra_root", config_name="config", version_base="1.3"
        )(_task)
        sys.argv = [
            "escalation",
            *plan.flags,
            "hydra.run.dir=outputs/calibration/"
            + ("joint" if joint else "${episode.name}")
            + "/${now:%Y-%m-%d_%H-%M-%S}_${unique:}",
            *plan.overrides,
        ]
        fn()
    return 0


#: Keys that are not the calibration's own settings.
TOP = (
    "calibration",
    "scenario",
    "episode",
    "by_role",
    "mechanisms",
    "hydra",
    "actors",
    "simulation",
    "relations",
    "events",
    "ladder",
    "report",
    "posterior",
)
