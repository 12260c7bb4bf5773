"""Bad inputs tried by tests/test_reliability.py and listed in docs/reliability.md.

Each case is a command line (``escalation ARGS...``) and a text its one-line error must hold.
``{tmp}`` stands for the test's empty folder, into which every file of :data:`FILES` is
written first (bad config folders, posteriors, run and sweep folders). ``run`` cases get
``hydra.run.dir={tmp}/out hydra.sweep.dir={tmp}/out`` unless they name a folder. Every case
must exit with status 2, print one line on stderr naming the field, and write nothing.

Regenerate the table in docs/reliability.md with ``python tests/bad_inputs.py``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

RUN = "run"
CAL = "calibrate"

BAD_INPUTS: list[tuple[list[str], str]] = [
    # --- values, keys and names (the schema)
    ([RUN, "actors.pakistan.policy.name=tit_for_tatt"], "did you mean 'tit_for_tat'"),
    ([RUN, "actors.pakistan.policy.name=passive"], "is a mediator policy, expected a state"),
    ([RUN, "actors.china.policy.name=tit_for_tat"], "is a state policy, expected a mediator"),
    ([RUN, "scenario=basline"], "did you mean 'baseline'"),
    ([RUN, "actors.irn.willingness=0.1"], "actors.irn: unknown key"),
    ([RUN, "actors.iran.max_stepp=2"], "did you mean 'max_step'"),
    ([RUN, "+actors.iran.max_stepp=2"], "actors.iran.max_stepp: a state has no parameter"),
    (
        [RUN, "actors.iran.policy.name=grim_trigger", "actors.iran.policy.generosity=0.0"],
        "actors.iran.policy.generosity: policy 'grim_trigger' has no parameter 'generosity' "
        "(its parameters: trigger)",
    ),
    ([RUN, "actors.iran.policy.generosityy=0.2"], "(did you mean 'generosity'?)"),
    ([RUN, "mechanisms.hostility_gian=0.2"], "(its parameters: "),
    ([RUN, "+foo=1"], "foo: unknown top-level key"),
    ([RUN, "replicates=0"], "simulation.replicates: 0 outside"),
    ([RUN, "replicates=-5"], "simulation.replicates: -5 outside"),
    ([RUN, "days=0"], "simulation.days: 0 outside"),
    ([RUN, "days=-1"], "simulation.days: -1 outside"),
    ([RUN, "replicates=1.5"], "simulation.replicates: expected an integer"),
    ([RUN, "replicates=abc"], "simulation.replicates: expected an integer"),
    ([RUN, "seed=-1"], "simulation.seed: -1 outside"),
    ([RUN, "workers=0"], "simulation.workers: 0 outside"),
    ([RUN, "chunk_size=0"], "simulation.chunk_size: 0 outside"),
    ([RUN, "simulation.memory_mb=1"], "simulation.memory_mb: 1 outside"),
    ([RUN, "simulation.sample_paths=-1"], "simulation.sample_paths: -1 outside"),
    ([RUN, "max_hours=-1"], "simulation.max_hours: -1"),
    ([RUN, "+simulation.foo=1"], "simulation.foo: unknown setting"),
    ([RUN, "simulation.write_events=maybe"], "simulation.write_events: expected true or false"),
    ([RUN, "actors.iran.willingness=1.5"], "actors.iran.willingness: 1.5 outside [0.0, 1.0]"),
    ([RUN, "actors.iran.willingness=-0.1"], "actors.iran.willingness: -0.1 outside"),
    ([RUN, "actors.iran.policy.generosity=nan"], "actors.iran.policy.generosity: NaN"),
    ([RUN, "actors.iran.willingness=inf"], "actors.iran.willingness: inf outside"),
    ([RUN, "actors.iran.willingness=abc"], "actors.iran.willingness: expected a number"),
    ([RUN, "actors.iran.willingness=true"], "actors.iran.willingness: expected a number"),
    ([RUN, "actors.iran.max_step=2.5"], "actors.iran.max_step: expected an integer"),
    ([RUN, "actors.iran.policy.generosity=[0.1,0.2]"], "must have length 10000"),
    (
        [RUN, "actors.iran.willingness=[a,b]", "replicates=2"],
        "actors.iran.willingness: a per-replicate array must hold numbers",
    ),
    ([RUN, "actors.iran.policy=null"], "actors.iran.policy.name: missing"),
    ([RUN, "actors.china.policy.threshold=strike_everything"], "threshold: unknown rung"),
    ([RUN, "actors.iran.kind=empire"], "actors.iran.kind: unknown actor kind 'empire'"),
    ([RUN, "actors=null"], "actors: missing"),
    ([RUN, "relations.border.type=frenemy"], "unknown relation type 'frenemy'"),
    ([RUN, "relations.border.target=afghanistan"], "relations[border].target: unknown actor"),
    ([RUN, "relations.border.weight=2"], "relations[border].weight: 2.0 outside [0, 1]"),
    ([RUN, "relations.border.weight=abc"], "relations[border]: weight"),
    ([RUN, "events.iran_strikes_jaish_al_adl.rung=nuke"], "unknown rung 'nuke'"),
    (
        [RUN, "events.iran_strikes_jaish_al_adl.actor=jaish_al_adl"],
        "a militant cannot take 'strike_militants'",
    ),
    ([RUN, "events.iran_strikes_jaish_al_adl.actor=narnia"], "actor: unknown actor 'narnia'"),
    ([RUN, "events.iran_strikes_jaish_al_adl.day=-1"], "iran_strikes_jaish_al_adl.day: -1"),
    ([RUN, "events.iran_strikes_jaish_al_adl.day=40"], "day: 40 is beyond the horizon"),
    ([RUN, "days=5", "scenario=second_jaish_attack"], "is beyond the horizon"),
    ([RUN, "+events.iran_strikes_jaish_al_adl.when=3"], "when: unknown field"),
    ([RUN, "events.iran_strikes_jaish_al_adl.casualties=-3"], "casualties: -3 outside"),
    ([RUN, "mechanisms.hostility_gain=3"], "mechanisms.hostility_gain: 3 outside"),
    ([RUN, "+mechanisms.foo=1"], "mechanisms.foo: the mechanisms node has no parameter"),
    ([RUN, "actors.iran.willingness=0.1", "actors.iran.willingness=0.2"], "given twice"),
    ([RUN, "actors.iran.label=${eval:'1'}"], "Unsupported interpolation type eval"),
    ([RUN, "replicates=1000000000"], "would take about"),
    (
        [RUN, "-m", "design=lhs_policies", "design.method=grid"],
        "design.method: unknown method 'grid'",
    ),
    ([RUN, "-m", "design=nope"], "design: unknown design 'nope'"),
    ([RUN, "ladder=camo"], "ladder: unknown ladder 'camo' (did you mean 'cameo'?)"),
    ([RUN, "ladder.rungs=1"], "ladder.rungs: expected a non-empty list"),
    ([RUN, "episode=nope"], "episode: unknown episode 'nope'"),
    ([RUN, "episode.timeline=nope"], "episode.timeline: unknown episode 'nope'"),
    ([RUN, "episode.roles.victim=narnia"], "episode.roles.victim: unknown actor"),
    ([RUN, "+episode.roles.villain=iran"], "episode.roles.villain: unknown role"),
    ([RUN, "+by_role.victim.max_stepp=2"], "max_stepp"),
    ([RUN, "report.enabled=maybe"], "report.enabled: expected true or false"),
    ([RUN, "report.quantiles=[2]"], "report.quantiles: 2 outside"),
    ([RUN, "+report.colour=red"], "report.colour: unknown setting"),
    # --- names that would climb out of the output folder
    ([RUN, "scenario.name=../../x"], "scenario.name: '../../x' must be"),
    ([RUN, "scenario.name=a/b"], "scenario.name: 'a/b' must be"),
    ([RUN, "scenario.name=.hidden"], "scenario.name: '.hidden' must be"),
    ([RUN, "episode.name=../x"], "episode.name: '../x' must be"),
    ([CAL, "scenario.name=../../x"], "scenario.name: '../../x' must be"),
    # --- the hydra node: only our package and a short allow-list of overrides
    ([RUN, "+hydra.callbacks.x._target_=os.system"], "hydra.callbacks.x._target_: not allowed"),
    ([RUN, "hydra.searchpath=[file://{tmp}/cd_episode_hydra]"], "hydra.searchpath: not allowed"),
    ([RUN, "+hydra.job.env_set.PYTHONPATH={tmp}"], "hydra.job.env_set.PYTHONPATH: not allowed"),
    ([RUN, "hydra/job_logging=disabled"], "hydra/job_logging: not allowed"),
    ([RUN, "hydra/hydra_logging=disabled"], "hydra/hydra_logging: not allowed"),
    ([RUN, "-m", "hydra/launcher=joblib", "seed=1,2"], "hydra/launcher: 'joblib' is not one"),
    (
        [RUN, "-m", "hydra/launcher=slurm", "hydra.launcher.account=proj 1", "seed=1,2"],
        "hydra.launcher.account: 'proj 1' is not an sbatch name",
    ),
    (
        [RUN, "-m", "hydra/launcher=slurm", "hydra.launcher.qos=$(id)", "seed=1,2"],
        "hydra.launcher.qos: '$(id)' is not an sbatch name",
    ),
    (
        [RUN, "-m", "hydra/launcher=slurm", "hydra.launcher.timeout_min=0", "seed=1,2"],
        "hydra.launcher.timeout_min: expected a positive number",
    ),
    ([RUN, "hydra/sweeper=optuna"], "hydra/sweeper: 'optuna' is not one of ours"),
    ([RUN, "hydra.job.chdir=true"], "hydra.job.chdir: not allowed"),
    ([RUN, "hydra.output_subdir=null"], "hydra.output_subdir: not allowed"),
    ([RUN, "++hydra.run.dir={tmp}/x"], "hydra.run.dir: not allowed"),
    ([RUN, "--config-path={tmp}"], "--config-path: flag not allowed"),
    ([RUN, "-cp", "{tmp}"], "-cp: flag not allowed"),
    ([RUN, "--config-name=evil"], "--config-name: flag not allowed"),
    ([RUN, "--experimental-rerun", "{tmp}/config.pickle"], "--experimental-rerun: flag not"),
    ([RUN, "--shell-completion"], "--shell-completion: flag not allowed"),
    ([CAL, "+hydra.callbacks.x._target_=os.system"], "hydra.callbacks.x._target_: not allowed"),
    ([CAL, "--config-path={tmp}"], "--config-path: flag not allowed"),
    # --- config folders (--config-dir): files never run code nor read the environment
    ([RUN, "--config-dir", "{tmp}/nowhere"], "--config-dir: {tmp}/nowhere is not a folder"),
    ([RUN, "--config-dir"], "--config-dir: expected a folder"),
    ([RUN, "--config-dir", "{tmp}/cd_scenario_hydra", "scenario=evil"], "files cannot configure"),
    (
        [RUN, "-m", "--config-dir", "{tmp}/cd_scenario_hydra", "scenario=evil,baseline"],
        "files cannot configure Hydra",
    ),
    ([RUN, "--config-dir", "{tmp}/cd_episode_hydra"], "files cannot configure Hydra"),
    ([RUN, "--config-dir", "{tmp}/cd_job_logging"], "hydra/job_logging/evil.yaml: not in a"),
    ([RUN, "--config-dir", "{tmp}/cd_package"], "'@package hydra.callbacks'"),
    ([RUN, "--config-dir", "{tmp}/cd_defaults"], "defaults: a file cannot select other configs"),
    ([RUN, "--config-dir", "{tmp}/cd_primary"], "config.yaml: not in a config group"),
    ([RUN, "--config-dir", "{tmp}/cd_env"], "${oc.env:...} is not allowed"),
    ([RUN, "--config-dir", "{tmp}/cd_env_nested"], "${oc.env:...} is not allowed"),
    ([RUN, "--config-dir", "{tmp}/cd_create"], "${oc.create:...} is not allowed"),
    ([RUN, "--config-dir", "{tmp}/cd_decode"], "${oc.decode:...} is not allowed"),
    ([RUN, "--config-dir", "{tmp}/cd_plugin_resolver"], "${now:...} is not allowed"),
    ([RUN, "--config-dir", "{tmp}/cd_hydra_ref"], "files cannot read Hydra's settings"),
    ([RUN, "--config-dir", "{tmp}/cd_malformed"], "malformed YAML"),
    ([RUN, "--config-dir", "{tmp}/cd_tag"], "malformed YAML"),
    ([RUN, "--config-dir", "{tmp}/cd_list"], "expected a mapping at the top"),
    ([RUN, "--config-dir", "{tmp}/cd_badname"], "the name 'bad name' must be"),
    ([RUN, "--config-dir", "{tmp}/cd_label", "scenario=bad_label"], "scenario.name: '../up'"),
    ([CAL, "--config-dir", "{tmp}/cd_scenario_hydra", "scenario=evil"], "cannot configure Hydra"),
    # --- posterior files
    ([RUN, "posterior={tmp}/nowhere/posterior.parquet"], "posterior: {tmp}/nowhere/posterior"),
    ([RUN, "posterior=/etc/passwd"], "posterior: /etc/passwd: not a readable Parquet file"),
    ([RUN, "posterior={tmp}/post_noweight.parquet"], "has no weight column"),
    ([RUN, "posterior={tmp}/post_nodistance.parquet"], "has no distance column"),
    ([RUN, "posterior={tmp}/post_noparams.parquet"], "has no parameter columns"),
    ([RUN, "posterior={tmp}/post_empty.parquet"], "has no particles"),
    ([RUN, "posterior={tmp}/post_nan.parquet"], "column 'weight' has NaN or infinite"),
    ([RUN, "posterior={tmp}/post_inf.parquet"], "has NaN or infinite values"),
    ([RUN, "posterior={tmp}/post_zero.parquet"], "the weights are all zero"),
    ([RUN, "posterior={tmp}/post_negative.parquet"], "negative weights"),
    ([RUN, "posterior={tmp}/post_text.parquet"], "is not numeric"),
    ([RUN, "posterior={tmp}/post_unknown.parquet"], "'no.such.key' is not a model parameter"),
    ([RUN, "posterior={tmp}/cal_incomplete"], "is not a complete calibration"),
    ([RUN, "posterior={tmp}/cal_incomplete/posterior.parquet"], "not a complete calibration"),
    # --- calibration settings
    ([CAL, "population=0"], "calibration.population: 0 outside"),
    ([CAL, "population=-3"], "calibration.population: -3 outside"),
    ([CAL, "population=1.5"], "calibration.population: expected an integer"),
    ([CAL, "population=abc"], "calibration.population: expected a number"),
    ([CAL, "generations=0"], "calibration.generations: 0 outside"),
    ([CAL, "generations=-1"], "calibration.generations: -1 outside"),
    ([CAL, "quantile=2"], "calibration.quantile: 2 outside (0, 1)"),
    ([CAL, "quantile=0"], "calibration.quantile: 0 outside (0, 1)"),
    ([CAL, "quantile=1"], "calibration.quantile: 1 outside (0, 1)"),
    ([CAL, "quantile=nan"], "calibration.quantile: nan is not a finite number"),
    ([CAL, "min_tolerance=-1"], "calibration.min_tolerance: -1 outside"),
    ([CAL, "batch=0"], "calibration.batch: 0 outside"),
    ([CAL, "budget=0"], "calibration.budget: 0 outside"),
    ([CAL, "fit_draws=0"], "calibration.fit_draws: 0 outside"),
    ([CAL, "+calibration.populaton=10"], "calibration.populaton: unknown setting"),
    ([CAL, "calibration.priors=null"], "calibration.priors: expected a mapping"),
    ([CAL, "episode=nope"], "episode: unknown episode 'nope'"),
    ([CAL, "days=0"], "simulation.days: 0 outside"),
    # --- output folders
    ([RUN, "hydra.run.dir={tmp}/other_run"], "holds another run"),
    ([RUN, "hydra.run.dir={tmp}/stray_files"], "holds another run"),
    ([RUN, "-m", "seed=1,2", "hydra.sweep.dir={tmp}/other_sweep"], "holds another sweep"),
    ([CAL, "hydra.run.dir={tmp}/other_run"], "holds another run"),
    # --- run and sweep folders handed to report, aggregate and replay
    (["report", "{tmp}/nowhere"], "{tmp}/nowhere: not a folder"),
    (["report", "{tmp}/empty"], "not a complete run"),
    (["report", "{tmp}/run_incomplete"], "not a complete run"),
    (["report", "{tmp}/run_stale_marker"], "not a complete run"),
    (["report", "{tmp}/run_no_metrics"], "summary.json: metrics: missing"),
    (["report", "{tmp}/run_bad_json"], "summary.json: not readable JSON"),
    (["report", "{tmp}/run_no_reach"], "metrics.p_reach_rung: missing"),
    (["report", "{tmp}/sweep_not_parquet"], "sweep.parquet: not a readable Parquet file"),
    (["report", "{tmp}/sweep_no_status"], "sweep.parquet: no status column"),
    (["report", "{tmp}/sweep_escape"], "is outside the sweep"),
    (["aggregate", "{tmp}/nowhere"], "{tmp}/nowhere: not a folder"),
    (["aggregate", "{tmp}/empty"], "no Hydra job folders"),
    (["replay", "{tmp}/nowhere", "0"], "run_dir: {tmp}/nowhere is not a folder"),
    (["replay", "{tmp}/empty", "0"], "has no readable config.yaml"),
    (["replay", "{tmp}/run_incomplete", "0"], "is not a complete run"),
    (["replay", "{tmp}/run_stale_marker", "0"], "is not a complete run"),
    (["replay", "{tmp}/run_not_mapping", "0"], "config.yaml is not a mapping"),
    (["replay", "{tmp}/run_bad_config", "0"], "foo: unknown top-level key"),
    # --- scenario discovery (issue 30)
    (["discover", "{tmp}/empty", "outcome=p_x>0.5"], "{tmp}/empty: no sweep.parquet"),
    (["discover", "{tmp}/nowhere", "outcome=p_x>0.5"], "{tmp}/nowhere: not a folder"),
    (
        ["discover", "{tmp}/sweep_discover", "outcome=p_sustaind>0.5"],
        "outcome: unknown column 'p_sustaind' (did you mean 'p_sustained'?)",
    ),
    (["discover", "{tmp}/sweep_discover", "outcome=p_sustained>2"], "holds in none of the 4"),
    (["discover", "{tmp}/sweep_discover", "outcome=p_sustained"], "is not COLUMN>VALUE"),
    (
        ["discover", "{tmp}/sweep_discover", "outcome=p_sustained>0.5", "threshhold=0.9"],
        "threshhold: unknown setting (did you mean 'threshold'?)",
    ),
    (["discover", "{tmp}/sweep_discover", "threshold=0.9"], "outcome: missing"),
    # --- a value the posterior's draws would replace (noticed while building issue 31)
    (
        [
            RUN,
            "episode=us_iran_2020",
            "posterior=joint",
            "actors.united_states.policy.generosity=0.1",
        ],
        "actors.united_states.policy.generosity: posterior= draws this parameter for every",
    ),
    (
        [RUN, "posterior=joint", "+by_role.victim.max_step=2"],
        "by_role.victim.max_step: posterior= draws this parameter for every replicate",
    ),
    # --- the explore page's starting state (issue 31): refused before any server starts
    (["explore", "foo=1"], "explore: 'foo=1' is not one of episode=, scenario="),
    (["explore", "replicates=0"], "simulation.replicates: 0 outside [1, 1000000000000]"),
    (["explore", "seed=abc"], "seed: expected a whole number, got 'abc'"),
    (["explore", "days=1.5"], "days: expected a whole number, got '1.5'"),
    (["explore", "episode=nope"], "episode: unknown episode 'nope'"),
    (["explore", "--port", "80"], "--port: 80 outside 1024..65535"),
    # --- composed-config checks, sizes before allocation, arguments (issue 29)
    (
        [RUN, "--config-dir", "{tmp}/cd_pkg_callbacks", "design=evil"],
        "'@package _global_.hydra.callbacks' would place it in hydra.callbacks",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_pkg_env_set", "design=evil"],
        "'@package hydra.job.env_set' would place it in hydra.job.env_set",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_pkg_job_logging", "design=evil"],
        "would place it in hydra.job_logging",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_pkg_global_design", "design=evil"],
        "would place it in the top of the config; a design file stays in its own node",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_pkg_simulation", "design=evil"],
        "would place it in simulation; a design file stays in its own node",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_pkg_here", "design=evil"],
        "'@package _here_': not a package a file may name",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_pkg_episode_hydra", "episode=evil"],
        "would place it in hydra.callbacks; a episode file stays in its own node",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_design_plain", "+design@hydra.callbacks=evil"],
        "design@hydra.callbacks: package overrides are not allowed",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_design_plain", "+design@_global_.hydra.callbacks=evil"],
        "design@_global_.hydra.callbacks: package overrides are not allowed",
    ),
    ([RUN, "+ladder@hydra.job_logging=cameo"], "ladder@hydra.job_logging: package overrides"),
    ([RUN, "design@simulation=lhs_policies"], "design@simulation: package overrides"),
    (
        [
            RUN,
            "-m",
            "--config-dir",
            "{tmp}/cd_design_plain",
            "seed=1,2",
            "+design@hydra.callbacks=evil",
        ],
        "design@hydra.callbacks: package overrides are not allowed",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_design_defaults", "design=evil"],
        "defaults: a file cannot select other configs",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_string_bomb", "scenario=bomb"],
        "its interpolations would resolve to over 5,000,000 characters",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_dict_bomb", "scenario=bomb"],
        "its interpolations would resolve to over 5,000,000 characters",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_cycle", "scenario=loop"],
        "an interpolation refers to itself",
    ),
    (
        [RUN, "--config-dir", "{tmp}/cd_select_bomb", "scenario=bomb"],
        "its interpolations would resolve to over 5,000,000 characters",
    ),
    ([RUN, "-m", "seed=range(0,1000000000)"], "the sweep would have over 100,000 jobs"),
    ([RUN, "-m", "seed=shuffle(range(0,1000000000))"], "the sweep would have over 100,000"),
    (
        [RUN, "-m", "seed=range(0,1000)", "actors.iran.willingness=range(0,1,0.001)"],
        "the sweep would have over 100,000 jobs",
    ),
    ([RUN, "-m", "seed=range(0,10,0)"], "simulation.seed: a range's step cannot be 0"),
    (
        [RUN, "-m", "simulation.max_jobs=10", "seed=range(0,11)"],
        "over 10 jobs (limit simulation.max_jobs=10",
    ),
    ([RUN, "simulation.max_jobs=0"], "simulation.max_jobs: 0 outside"),
    ([RUN, "simulation.max_jobs=nan"], "simulation.max_jobs: expected an integer"),
    (
        [RUN, "-m", "design=lhs_policies", "design.n=1000000000"],
        "design.n: 1,000,000,000 gives 1,000,000,000 points, over the limit of 100,000 jobs",
    ),
    (
        [RUN, "design=lhs_policies", "design.n=1000000000", "design.point=0"],
        "design.n: 1,000,000,000 gives 1,000,000,000 points",
    ),
    (
        [RUN, "-m", "design=sobol_policies", "design.n=100000"],
        "points, over the limit of 100,000 jobs",
    ),
    ([RUN, "replicate=100"], "replicate: unknown key (did you mean 'replicates'"),
    ([RUN, "dayz=3"], "dayz: unknown key (did you mean 'days'"),
    ([RUN, "sed=3"], "sed: unknown key (did you mean 'seed'"),
    ([RUN, "episode=iran_pakistan_2024", "worker=2"], "worker: unknown key (did you mean"),
    (
        [RUN, "-m", "hydra/launcher=slurm", "hydra.launcher.mem_gb=1e-9", "seed=1,2"],
        "hydra.launcher.mem_gb: 1e-9 GB is under 1 MB",
    ),
    (
        [RUN, "-m", "hydra/launcher=slurm", "hydra.launcher.mem_gb=nan", "seed=1,2"],
        "hydra.launcher.mem_gb: expected a positive number",
    ),
    (
        [RUN, "-m", "hydra/launcher=slurm", "hydra.launcher.timeout_min=inf", "seed=1,2"],
        "hydra.launcher.timeout_min: expected a positive number",
    ),
    (
        ["validate", "seconds_per_fold=nan", "out={tmp}/v"],
        "calibration.seconds: expected a positive",
    ),
    (
        ["validate", "seconds_per_fold=inf", "out={tmp}/v"],
        "calibration.seconds: expected a positive",
    ),
    (
        ["validate", "seconds_per_fold=-1", "out={tmp}/v"],
        "calibration.seconds: expected a positive",
    ),
    (
        ["validate", "min_tolerance=nan", "out={tmp}/v"],
        "calibration.min_tolerance: nan is not a finite",
    ),
    (["validate", "draws=nan", "out={tmp}/v"], "calibration.validation.draws: expected an integer"),
    (["validate", "seeds=inf", "out={tmp}/v"], "calibration.validation.seeds: expected an integer"),
    ([CAL, "min_tolerance=inf"], "calibration.min_tolerance: inf is not a finite number"),
    ([RUN, "actors.iran.willingness=nan"], "actors.iran.willingness: NaN is not a valid value"),
    ([RUN, "mechanisms.hostility_gain=inf"], "mechanisms.hostility_gain: inf outside"),
    ([RUN, "max_hours=nan"], "simulation.max_hours: NaN is not a valid value"),
    ([RUN, "simulation.memory_mb=inf"], "simulation.memory_mb: expected an integer"),
    (
        [RUN, "posterior=baseline", "replicates=1000000000"],
        "posterior: 1,000,000,000 replicates x 10 parameters need",
    ),
    # --- bounded reads of untrusted files (issue 29)
    ([RUN, "--config-dir", "{tmp}/cd_bomb"], "scenario/bomb.yaml: YAML aliases expand to more"),
    ([RUN, "--config-dir", "{tmp}/cd_bomb", "scenario=bomb"], "YAML aliases expand to more"),
    ([CAL, "--config-dir", "{tmp}/cd_bomb"], "scenario/bomb.yaml: YAML aliases expand to more"),
    ([RUN, "--config-dir", "{tmp}/cd_bomb_episode"], "episode/bomb.yaml: YAML aliases expand"),
    ([RUN, "--config-dir", "{tmp}/cd_recursive"], "the YAML alias *a is recursive"),
    ([RUN, "--config-dir", "{tmp}/cd_aliases"], "more than 1,000 YAML aliases"),
    ([RUN, "--config-dir", "{tmp}/cd_nodes"], "YAML of more than 100,000 nodes"),
    ([RUN, "--config-dir", "{tmp}/cd_deep"], "YAML nested deeper than 100 levels"),
    ([RUN, "--config-dir", "{tmp}/cd_fifo"], "scenario/x.yaml: a FIFO, not a regular file"),
    ([CAL, "--config-dir", "{tmp}/cd_fifo"], "scenario/x.yaml: a FIFO, not a regular file"),
    ([RUN, "--config-dir", "{tmp}/cd_dev_zero"], "scenario/z.yaml: leads to /dev/zero, outside"),
    ([RUN, "--config-dir", "{tmp}/cd_link_out"], "scenario/x.yaml: leads to "),
    ([RUN, "--config-dir", "{tmp}/cd_link_folder"], "--config-dir: episode: leads to "),
    ([RUN, "--config-dir", "{tmp}/cd_big"], "scenario/big.yaml: larger than the 16 MiB limit"),
    ([RUN, "--config-dir", "{tmp}/cd_latin1"], "latin1.yaml: not UTF-8 text: byte 0xe9 at offset"),
    ([RUN, "--config-dir", "{tmp}/cd_latin1_episode"], "episode/latin1.yaml: not UTF-8 text"),
    (["replay", "{tmp}/run_bomb", "0"], "config.yaml: YAML aliases expand to more than"),
    (["report", "{tmp}/run_bomb"], "config.yaml: YAML aliases expand to more than"),
    (["replay", "{tmp}/run_fifo", "0"], "config.yaml: a FIFO, not a regular file"),
    (["report", "{tmp}/run_fifo"], "config.yaml: a FIFO, not a regular file"),
    (["replay", "{tmp}/run_link_out", "0"], "config.yaml: leads to "),
    (["replay", "{tmp}/run_latin1", "0"], "config.yaml: not UTF-8 text: byte 0xff at offset"),
    (["report", "{tmp}/run_dev_zero"], "summary.json: leads to /dev/zero, outside"),
    (["report", "{tmp}/run_big_summary"], "summary.json: larger than the 16 MiB limit"),
    (["report", "{tmp}/sweep_fifo"], "sweep.parquet: a FIFO, not a regular file"),
    ([RUN, "posterior={tmp}/post_300m_rows.parquet"], "300,000,000 rows, more than the limit"),
    ([RUN, "posterior={tmp}/post_wide.parquet"], "1,001 columns, more than the limit of 1,000"),
    ([RUN, "posterior={tmp}/post_big.parquet"], "larger than the 1024 MiB limit"),
    ([RUN, "posterior={tmp}/post_days.parquet"], "'simulation.days' is not a model parameter"),
    ([RUN, "posterior={tmp}/post_seed.parquet"], "'simulation.seed' is not a model parameter"),
    ([RUN, "posterior={tmp}/post_workers.parquet"], "'simulation.workers' is not a model"),
    ([RUN, "posterior={tmp}/post_posterior.parquet"], "'posterior' is not a model parameter"),
    ([RUN, "posterior={tmp}/post_fifo.parquet"], "post_fifo.parquet: a FIFO, not a regular file"),
    ([RUN, "posterior={tmp}/post_dev_zero.parquet"], "a character device, not a regular file"),
    ([RUN, "posterior={tmp}/cal_link_out"], "posterior.parquet: leads to "),
    # --- folders, flags and process lifecycle (issue 29)
    ([RUN, "hydra.run.dir={tmp}/thesis", "--overwrite"], "escalation did not write this"),
    ([RUN, "hydra.run.dir={tmp}/stray_files", "--overwrite"], "escalation did not write this"),
    ([RUN, "hydra.run.dir={tmp}/thesis_config", "--overwrite"], "escalation did not write this"),
    ([RUN, "-m", "seed=1,2", "hydra.sweep.dir={tmp}/thesis", "--overwrite"], "did not write this"),
    ([CAL, "hydra.run.dir={tmp}/thesis", "--overwrite"], "escalation did not write this"),
    (["validate", "out={tmp}/thesis", "--overwrite"], "escalation did not write this"),
    (["benchmark", "icb", "out={tmp}/thesis", "--overwrite"], "escalation did not write this"),
    (["benchmark", "icb", "draws=x", "out={tmp}/b"], "draws: expected an integer, got 'x'"),
    (["benchmark", "icb", "keep=2", "out={tmp}/b"], "keep: 2.0 is not between 0 and 1"),
    (["benchmark", "icb", "draws=10", "out={tmp}/b"], "keep: keeps fewer than two draws"),
    (["benchmark", "icb", "launcher=cloud", "out={tmp}/b"], "launcher: 'cloud' is not one of"),
    (["benchmark", "icb", "nope=1", "out={tmp}/b"], "nope: not a setting of the benchmark"),
    (["forecast", "episode=nope", "until=2", "out={tmp}/f"], "episode: unknown episode 'nope'"),
    (["forecast", "episode=iran_pakistan_2024", "until=99", "out={tmp}/f"], "until: 99 is outside"),
    (["backtest", "particles=5", "out={tmp}/t"], "particles: 5 is outside 100..1000000"),
    ([RUN, "hydra.run.dir={tmp}/locked_orphan"], "locked by a leftover process of dead process"),
    ([RUN, "hydra.run.dir={tmp}/locked_alive"], "is writing this run folder (process"),
    ([CAL, "hydra.run.dir={tmp}/locked_orphan"], "calibration folder is locked by a leftover"),
    (["aggregate", "{tmp}/locked_orphan"], "the sweep folder is locked by a leftover process"),
    (["report", "{tmp}/other_run", "-o", "{tmp}/other_run/summary.json"], "files escalation wrote"),
    (["report", "{tmp}/other_run", "-o", "{tmp}/other_run/config.yaml"], "files escalation wrote"),
    (["report", "{tmp}/other_run", "-o", "{tmp}/other_run/status.json"], "files escalation wrote"),
    (["report", "{tmp}/other_run", "-o", "{tmp}/other_run/report.html"], "files escalation wrote"),
    (["report", "{tmp}/other_run", "-o", "{tmp}/other_sweep/multirun.yaml"], "escalation wrote"),
    (["report", "{tmp}/other_run", "-o", "{tmp}/notes.txt"], "give a name ending in .html"),
    (["report", "{tmp}/other_run", "-o", "{tmp}/page.pdf"], "give a name ending in .html"),
    (["report", "{tmp}/other_run", "-o", "{tmp}/other_run"], "is a folder; name the page"),
]


# --- the files the cases name -------------------------------------------------------------


def _yaml(path: Path, data: Any, header: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump(data))


def _parquet(path: Path, columns: dict[str, list[Any]]) -> None:
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(columns).to_parquet(path)


def _fake_run(folder: Path, config: Any, summary: Any, marker: Any = "auto") -> None:
    """A run folder: config.yaml, summary.json and a marker (of ``config`` unless given)."""
    from sim.folders import config_digest

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    if summary is not None:
        text = summary if isinstance(summary, str) else json.dumps(summary)
        (folder / "summary.json").write_text(text)
    if marker == "auto":
        marker = {"status": "complete", "config_sha256": config_digest(config)}
    if marker is not None:
        (folder / "status.json").write_text(json.dumps(marker))


def _text(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


def _link(path: Path, target: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def _fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def _sparse(path: Path, size: int) -> None:
    """A file of ``size`` bytes that takes no room on disk (all zeros)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)


def _alias_bomb(levels: int = 9) -> str:
    """A 'billion laughs' of about 400 bytes: 9 levels of 9 aliases, 9**9 strings expanded."""
    lines = ["a0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


@functools.cache
def _huge_parquet() -> Path:
    """A posterior whose footer counts 300 million rows (600 kB; built once a session)."""
    import atexit
    import shutil
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(tempfile.mkdtemp(prefix="bad-inputs-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    # A column of nulls: no data, so 300 million rows write in half a second.
    pq.write_table(pa.table({"weight": pa.nulls(300_000_000)}), folder / "huge.parquet")
    return folder / "huge.parquet"


def _huge_posterior(path: Path) -> None:
    import shutil

    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_huge_parquet(), path)


GOOD_SUMMARY = {
    "metrics": {"p_reach_rung": {}, "p_deescalated_by_day": {}},
    "ladder": {"names": []},
    "channels": [],
    "daily_rung_counts": [],
    "deescalation_day_counts": [],
    "transitions": [],
}
P = "by_role.victim.max_step"
FILES: dict[str, Callable[[Path], None]] = {
    "cd_scenario_hydra": lambda d: _yaml(
        d / "scenario" / "evil.yaml",
        {"hydra": {"callbacks": {"x": {"_target_": "os.system", "command": "touch pwned"}}}},
    ),
    "cd_episode_hydra": lambda d: _yaml(
        d / "episode" / "evil.yaml",
        {"hydra": {"job": {"env_set": {"PYTHONPATH": "/tmp"}}}},
        "# @package _global_\n",
    ),
    "cd_job_logging": lambda d: _yaml(
        d / "hydra" / "job_logging" / "evil.yaml",
        {"version": 1, "handlers": {"x": {"()": "os.system", "command": "touch pwned"}}},
    ),
    "cd_package": lambda d: _yaml(
        d / "episode" / "evil.yaml",
        {"x": {"_target_": "os.system", "command": "touch pwned"}},
        "# @package hydra.callbacks\n",
    ),
    "cd_defaults": lambda d: _yaml(
        d / "episode" / "evil.yaml", {"defaults": [{"override /hydra/job_logging": "evil"}]}
    ),
    "cd_primary": lambda d: _yaml(d / "config.yaml", {"hydra": {"callbacks": None}}),
    "cd_env": lambda d: _yaml(
        d / "scenario" / "leak.yaml", {"scenario": {"title": "${oc.env:SECRET_TOKEN}"}}
    ),
    "cd_env_nested": lambda d: _yaml(
        d / "scenario" / "leak.yaml",
        {"actors": {"iran": {"label": "x ${oc.select:a,${oc.env:SECRET_TOKEN}}"}}},
    ),
    "cd_create": lambda d: _yaml(
        d / "scenario" / "evil.yaml",
        {"scenario": {"x": "${oc.create:'{_target_: os.system, command: touch pwned}'}"}},
    ),
    "cd_decode": lambda d: _yaml(
        d / "scenario" / "evil.yaml", {"scenario": {"x": "${oc.decode:'{a: 1}'}"}}
    ),
    "cd_plugin_resolver": lambda d: _yaml(
        d / "scenario" / "evil.yaml", {"scenario": {"title": "${now:%Y}"}}
    ),
    "cd_hydra_ref": lambda d: _yaml(
        d / "scenario" / "evil.yaml", {"scenario": {"title": "${hydra.job.name}"}}
    ),
    "cd_malformed": lambda d: (
        (d / "scenario").mkdir(parents=True)
        or (d / "scenario" / "bad.yaml").write_text("a: [unclosed\n")
    ),
    "cd_tag": lambda d: (
        (d / "scenario").mkdir(parents=True)
        or (d / "scenario" / "bad.yaml").write_text("x: !!python/object/apply:os.system ['true']\n")
    ),
    "cd_list": lambda d: _yaml(d / "scenario" / "bad.yaml", [1, 2]),
    "cd_badname": lambda d: _yaml(d / "scenario" / "bad name.yaml", {}),
    "cd_label": lambda d: _yaml(d / "scenario" / "bad_label.yaml", {"scenario": {"name": "../up"}}),
    "post_noweight.parquet": lambda p: _parquet(p, {P: [1.0], "distance": [0.0]}),
    "post_nodistance.parquet": lambda p: _parquet(p, {P: [1.0], "weight": [1.0]}),
    "post_noparams.parquet": lambda p: _parquet(p, {"weight": [1.0], "distance": [0.0]}),
    "post_empty.parquet": lambda p: _parquet(p, {P: [], "weight": [], "distance": []}),
    "post_nan.parquet": lambda p: _parquet(
        p, {P: [1.0, 2.0], "weight": [float("nan"), 1.0], "distance": [0.0, 0.0]}
    ),
    "post_inf.parquet": lambda p: _parquet(
        p, {P: [float("inf"), 2.0], "weight": [1.0, 1.0], "distance": [0.0, 0.0]}
    ),
    "post_zero.parquet": lambda p: _parquet(p, {P: [1.0, 2.0], "weight": [0.0, 0.0]} | _D2),
    "post_negative.parquet": lambda p: _parquet(p, {P: [1.0, 2.0], "weight": [2.0, -1.0]} | _D2),
    "post_text.parquet": lambda p: _parquet(p, {P: ["a", "b"], "weight": [1.0, 1.0]} | _D2),
    "post_unknown.parquet": lambda p: _parquet(
        p, {"no.such.key": [1.0, 2.0], "weight": [1.0, 1.0]} | _D2
    ),
    "cal_incomplete": lambda d: (
        _parquet(d / "posterior.parquet", {P: [1.0, 2.0], "weight": [1.0, 1.0]} | _D2),
        (d / "calibration.json").write_text("{}"),
    ),
    "other_run": lambda d: _fake_run(d, {"a": 1}, GOOD_SUMMARY),
    "stray_files": lambda d: d.mkdir() or (d / "notes.txt").write_text("mine"),
    "other_sweep": lambda d: (
        _yaml(d / "multirun.yaml", {"hydra": {"overrides": {"task": ["seed=3,4"]}}}),
        _yaml(d / "0" / ".hydra" / "overrides.yaml", ["seed=3"]),
    ),
    "empty": lambda d: d.mkdir(),
    "run_incomplete": lambda d: _fake_run(d, {"a": 1}, GOOD_SUMMARY, marker=None),
    "run_stale_marker": lambda d: _fake_run(
        d, {"a": 1}, GOOD_SUMMARY, marker={"status": "complete", "config_sha256": "0" * 64}
    ),
    "run_no_metrics": lambda d: _fake_run(
        d, {"a": 1}, {k: v for k, v in GOOD_SUMMARY.items() if k != "metrics"}
    ),
    "run_bad_json": lambda d: _fake_run(d, {"a": 1}, "{not json"),
    "run_no_reach": lambda d: _fake_run(
        d, {"a": 1}, {**GOOD_SUMMARY, "metrics": {"p_deescalated_by_day": {}}}
    ),
    "run_not_mapping": lambda d: _fake_run(d, [1, 2], GOOD_SUMMARY),
    "run_bad_config": lambda d: _fake_run(d, {"foo": 1}, GOOD_SUMMARY),
    "sweep_not_parquet": lambda d: d.mkdir() or (d / "sweep.parquet").write_text("nope"),
    "sweep_no_status": lambda d: _parquet(d / "sweep.parquet", {"run_dir": ["0"]}),
    "sweep_escape": lambda d: (
        _parquet(d / "sweep.parquet", {"run_dir": ["../run_incomplete"], "status": ["complete"]}),
    ),
    "sweep_discover": lambda d: _parquet(
        d / "sweep.parquet",
        {
            "job": [0, 1, 2, 3],
            "status": ["complete"] * 4,
            "a.x": [0.1, 0.2, 0.3, 0.4],
            "p_sustained": [0.1, 0.9, 0.2, 0.8],
        },
    ),
    # --- issue 29: composed-config checks
    "cd_pkg_callbacks": lambda d: _yaml(
        d / "design" / "evil.yaml",
        {"x": {"_target_": "builtins.print", "_args_": ["pwned"]}},
        "# @package _global_.hydra.callbacks\n",
    ),
    "cd_pkg_env_set": lambda d: _yaml(
        d / "design" / "evil.yaml", {"PYTHONPATH": "/tmp"}, "# @package hydra.job.env_set\n"
    ),
    "cd_pkg_job_logging": lambda d: _yaml(
        d / "design" / "evil.yaml",
        {"version": 1, "handlers": {"x": {"()": "builtins.print"}}},
        "#   @package   _global_.hydra.job_logging\n",
    ),
    "cd_pkg_global_design": lambda d: _yaml(
        d / "design" / "evil.yaml", {"simulation": {"workers": 64}}, "# @package _global_\n"
    ),
    "cd_pkg_simulation": lambda d: _yaml(
        d / "design" / "evil.yaml", {"workers": 64}, "# @package simulation\n"
    ),
    "cd_pkg_here": lambda d: _yaml(d / "design" / "evil.yaml", {"a": 1}, "# @package _here_\n"),
    "cd_pkg_episode_hydra": lambda d: _yaml(
        d / "episode" / "evil.yaml",
        {"x": {"_target_": "builtins.print"}},
        "# @package _global_.hydra.callbacks\n",
    ),
    "cd_design_plain": lambda d: _yaml(
        d / "design" / "evil.yaml", {"x": {"_target_": "builtins.print", "_args_": ["pwned"]}}
    ),
    "cd_design_defaults": lambda d: _yaml(
        d / "design" / "evil.yaml", {"defaults": [{"/hydra/callbacks@_here_": "x"}]}
    ),
    "cd_string_bomb": lambda d: _yaml(
        d / "scenario" / "bomb.yaml",
        {
            "scenario": {
                "a": "x" * 64,
                **{
                    f"l{i}": f"${{scenario.{'a' if i == 0 else f'l{i - 1}'}}}" * 2
                    for i in range(40)
                },
            }
        },
    ),
    "cd_dict_bomb": lambda d: _yaml(
        d / "scenario" / "bomb.yaml",
        {
            "scenario": {
                "a": {"k": "x" * 64},
                **{
                    f"l{i}": {
                        "p": f"${{scenario.{'a' if i == 0 else f'l{i - 1}'}}}",
                        "q": f"${{scenario.{'a' if i == 0 else f'l{i - 1}'}}}",
                    }
                    for i in range(40)
                },
            }
        },
    ),
    "cd_select_bomb": lambda d: _yaml(
        d / "scenario" / "bomb.yaml",
        {
            "scenario": {
                "a": "x" * 64,
                **{
                    f"l{i}": f"${{oc.select:scenario.{'a' if i == 0 else f'l{i - 1}'},0}}" * 2
                    for i in range(40)
                },
            }
        },
    ),
    "cd_cycle": lambda d: _yaml(
        d / "scenario" / "loop.yaml", {"scenario": {"a": "${scenario.b}", "b": "x${scenario.a}"}}
    ),
    # --- issue 29: bounded reads
    "cd_bomb": lambda d: _text(d / "scenario" / "bomb.yaml", _alias_bomb()),
    "cd_bomb_episode": lambda d: _text(d / "episode" / "bomb.yaml", _alias_bomb()),
    "cd_recursive": lambda d: _text(d / "scenario" / "loop.yaml", "a: &a [1, *a]\n"),
    "cd_aliases": lambda d: _text(
        d / "scenario" / "many.yaml", "a: &a 1\nb: [" + ", ".join(["*a"] * 1001) + "]\n"
    ),
    "cd_nodes": lambda d: _text(d / "scenario" / "long.yaml", "x: [" + "0," * 100_001 + "0]\n"),
    "cd_deep": lambda d: _text(d / "scenario" / "deep.yaml", "x: " + "[" * 200 + "]" * 200),
    "cd_fifo": lambda d: _fifo(d / "scenario" / "x.yaml"),
    "cd_dev_zero": lambda d: _link(d / "scenario" / "z.yaml", Path("/dev/zero")),
    "cd_link_out": lambda d: (
        _yaml(d.with_name("outside") / "x.yaml", {"scenario": {"title": "elsewhere"}}),
        _link(d / "scenario" / "x.yaml", d.with_name("outside") / "x.yaml"),
    ),
    "cd_link_folder": lambda d: (
        _yaml(d.with_name("outside") / "x.yaml", {}),
        _link(d / "episode", d.with_name("outside")),
    ),
    "cd_big": lambda d: _sparse(d / "scenario" / "big.yaml", 20 * 2**20),
    "cd_latin1": lambda d: _text(d / "scenario" / "latin1.yaml", b"scenario: {title: caf\xe9}\n"),
    "cd_latin1_episode": lambda d: _text(d / "episode" / "latin1.yaml", b"title: caf\xe9\n"),
    "run_bomb": lambda d: (
        _fake_run(d, {"a": 1}, GOOD_SUMMARY),
        _text(d / "config.yaml", _alias_bomb()),
    ),
    "run_fifo": lambda d: (
        _fake_run(d, {"a": 1}, GOOD_SUMMARY),
        (d / "config.yaml").unlink(),
        os.mkfifo(d / "config.yaml"),
    ),
    "run_link_out": lambda d: (
        _fake_run(d, {"a": 1}, GOOD_SUMMARY),
        _yaml(d.with_name("outside") / "config.yaml", {"a": 1}),
        (d / "config.yaml").unlink(),
        _link(d / "config.yaml", d.with_name("outside") / "config.yaml"),
    ),
    "run_latin1": lambda d: (
        _fake_run(d, {"a": 1}, GOOD_SUMMARY),
        _text(d / "config.yaml", b"a: 1\nb: \xff\n"),
    ),
    "run_dev_zero": lambda d: (
        _fake_run(d, {"a": 1}, None),
        _link(d / "summary.json", Path("/dev/zero")),
    ),
    "run_big_summary": lambda d: (
        _fake_run(d, {"a": 1}, None),
        _sparse(d / "summary.json", 20 * 2**20),
    ),
    "sweep_fifo": lambda d: d.mkdir() or os.mkfifo(d / "sweep.parquet"),
    "post_300m_rows.parquet": lambda p: _huge_posterior(p),
    "post_wide.parquet": lambda p: _parquet(
        p, {"weight": [1.0], "distance": [0.0]} | {f"actors.iran.x{i}": [0.0] for i in range(999)}
    ),
    "post_big.parquet": lambda p: _sparse(p, 2**30 + 1),
    "post_days.parquet": lambda p: _parquet(
        p, {"simulation.days": [1e9, 1e9], "weight": [1.0, 1.0]} | _D2
    ),
    "post_seed.parquet": lambda p: _parquet(p, {"simulation.seed": [1, 2], "weight": [1, 1]} | _D2),
    "post_workers.parquet": lambda p: _parquet(
        p, {"simulation.workers": [64, 64], "weight": [1.0, 1.0]} | _D2
    ),
    "post_posterior.parquet": lambda p: _parquet(
        p, {P: [1.0, 2.0], "posterior": [1.0, 2.0], "weight": [1.0, 1.0]} | _D2
    ),
    "post_fifo.parquet": lambda p: _fifo(p),
    "post_dev_zero.parquet": lambda p: _link(p, Path("/dev/zero")),
    "cal_link_out": lambda d: (
        _parquet(d.with_name("outside") / "p.parquet", {P: [1.0, 2.0], "weight": [1.0, 1.0]} | _D2),
        _link(d / "posterior.parquet", d.with_name("outside") / "p.parquet"),
        (d / "calibration.json").write_text("{}"),
        (d / "status.json").write_text(json.dumps({"status": "complete"})),
    ),
    # --- issue 29: folders and flags
    "thesis": lambda d: (
        d.mkdir() or (d / "thesis.tex").write_text("\\begin{document}") or (d / "refs.bib").touch()
    ),
    "thesis_config": lambda d: (
        d.mkdir() or (d / "config.yaml").write_text("a: 1\n") or (d / "thesis.tex").touch()
    ),
    "locked_orphan": lambda d: _hold_lock(d, orphan=True),
    "locked_alive": lambda d: _hold_lock(d, orphan=False),
}
_D2 = {"distance": [0.0, 0.0]}


#: Holds a folder's lock from a process of its own, as long as the folder exists (60 s at
#: most). "orphan": a parent takes the lock and dies, and the child it forked keeps it (a
#: forked worker that outlived its parent); else a process that is alive takes it.
_HOLDER = """
import fcntl, os, sys, time
folder, orphan = sys.argv[1], sys.argv[2] == "orphan"
r, w = os.pipe()
if orphan:
    fcntl.flock(os.open(folder, os.O_RDONLY), fcntl.LOCK_EX)
if os.fork() == 0:
    if not orphan:
        fcntl.flock(os.open(folder, os.O_RDONLY), fcntl.LOCK_EX)
    os.write(w, b"x")
    end = time.time() + 60
    while time.time() < end and os.path.isdir(folder):
        time.sleep(0.1)
    os._exit(0)
os.read(r, 1)
"""


def _hold_lock(folder: Path, orphan: bool) -> None:
    import subprocess

    folder.mkdir()
    # The holder's parent exits once the lock is held (run() waits for it and reaps it).
    mode = "orphan" if orphan else "alive"
    subprocess.run([sys.executable, "-c", _HOLDER, str(folder), mode], check=True)


def make_files(tmp: Path, args: list[str] | None = None) -> None:
    """Write the files a case names (every file, without ``args``) into ``tmp``."""
    text = " ".join(args or [])
    for name, write in FILES.items():
        if args is None or f"{{tmp}}/{name}" in text:
            write(tmp / name)


def expand(args: list[str], tmp: Path) -> list[str]:
    """The case's command line, with ``{tmp}`` filled in and run folders set."""
    out = [a.replace("{tmp}", str(tmp)) for a in args]
    if out[0] == RUN and not any("hydra.run.dir" in a or "hydra.sweep.dir" in a for a in out):
        out[1:1] = [f"hydra.run.dir={tmp}/out", f"hydra.sweep.dir={tmp}/out"]
    return out


def snapshot(tmp: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``tmp`` with its size and modification time."""
    out = {}
    for p in sorted(tmp.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(tmp))] = (st.st_size if p.is_file() else 0, st.st_mtime_ns)
    return out


def run_case(args: list[str], tmp: Path) -> tuple[int, str, str]:
    """Run ``escalation ARGS`` in this process, in ``tmp``: (exit status, stdout, stderr)."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    argv = sys.argv[:]
    os.chdir(tmp)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(expand(args, tmp))
            except SystemExit as exc:  # Hydra's own exits
                rc = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    finally:
        os.chdir(here)
        sys.argv = argv
    return rc, out.getvalue(), err.getvalue()


def regenerate(doc: Path) -> int:
    """Rewrite the bad-input table of docs/reliability.md from the cases, run here."""
    import tempfile

    rows = []
    for args, _ in BAD_INPUTS:
        with tempfile.TemporaryDirectory() as t:
            tmp = Path(t)
            make_files(tmp, args)
            before = snapshot(tmp)
            rc, _, err = run_case(args, tmp)
            line = err.strip().replace(str(tmp), "{tmp}")
            line = line.removeprefix("error: ").replace("|", "\\|")
            written = "none" if snapshot(tmp) == before else "**files written**"
        shown = " ".join(args).replace("|", "\\|")
        rows.append(f"| `{shown}` | {rc} | {line} | {written} |")
    text = doc.read_text()
    start, end = "<!-- bad-inputs:start -->", "<!-- bad-inputs:end -->"
    head, rest = text.split(start)
    _, tail = rest.split(end)
    table = "\n".join(
        [
            "| input | exit | message (one line on stderr) | files written |",
            "|---|---:|---|---|",
            *rows,
        ]
    )
    doc.write_text(f"{head}{start}\n{table}\n{end}{tail}")
    return len(rows)


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    target = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
    print(f"{regenerate(target)} rows written to {target}")
