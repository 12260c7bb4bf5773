"""Files never run code nor read secrets (docs/security.md): every route we found, closed.

Each test tries a route that ran code or leaked an environment variable before the one
validation path (sim/preflight.py): a marker file shows whether code ran, a secret in the
environment whether it leaked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.errors import ConfigError
from sim.yamlfiles import check_file, load_yaml

BIN = Path(sys.executable).with_name("escalation")
SECRET = "s3cr3t-token-4711"


def cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SECRET_TOKEN": SECRET}
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, cwd=tmp, timeout=300, env=env
    )


def nothing_leaked(tmp: Path) -> bool:
    return not any(SECRET in p.read_text(errors="ignore") for p in tmp.rglob("*") if p.is_file())


def _write(path: Path, data: object, header: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump(data))
    return path


def routes(tmp: Path, marker: Path) -> dict[str, list[str]]:
    """Command lines that ran code before, by name."""
    touch = {"_target_": "os.system", "command": f"touch {marker}"}
    cd = tmp / "cd"
    _write(cd / "scenario" / "evil.yaml", {"hydra": {"callbacks": {"x": touch}}})
    sp = tmp / "sp"
    _write(
        sp / "episode" / "evil.yaml",
        {"hydra": {"callbacks": {"x": touch}}},
        "# @package _global_\n",
    )
    logging_dir = tmp / "lg"
    _write(
        logging_dir / "hydra" / "job_logging" / "evil.yaml",
        {"version": 1, "handlers": {"x": {"()": "os.system", "command": f"touch {marker}"}}},
    )
    pkg = tmp / "pk"
    (pkg / "sitecustomize.py").parent.mkdir(parents=True)
    (pkg / "sitecustomize.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    joined = tmp / "jn"
    _write(
        joined / "scenario" / "evil.yaml",
        {"scenario": {"x": "${oc.create:'{_tar${scenario.t}: os.system}'}", "t": "get_"}},
    )
    return {
        "scenario under --config-dir sets hydra.callbacks": [
            "run",
            "--config-dir",
            str(cd),
            "scenario=evil",
        ],
        "the same with -m": ["run", "-m", "--config-dir", str(cd), "scenario=evil,baseline"],
        "the same through calibrate": ["calibrate", "--config-dir", str(cd), "scenario=evil"],
        "an episode found through hydra.searchpath": [
            "run",
            f"hydra.searchpath=[file://{sp}]",
            "episode=evil",
        ],
        "a job_logging handler with a '()' factory": [
            "run",
            "--config-dir",
            str(logging_dir),
            "hydra/job_logging=evil",
        ],
        "PYTHONPATH through env_set, with workers": [
            "run",
            f"+hydra.job.env_set.PYTHONPATH={pkg}",
            "workers=2",
            "replicates=200000",
        ],
        "a _target_ joined through interpolations": [
            "run",
            "--config-dir",
            str(joined),
            "scenario=evil",
        ],
        "calibrate with a callback": [
            "calibrate",
            "+hydra.callbacks.x._target_=os.system",
            "population=10",
        ],
    }


ROUTES = [
    "scenario under --config-dir sets hydra.callbacks",
    "the same with -m",
    "the same through calibrate",
    "an episode found through hydra.searchpath",
    "a job_logging handler with a '()' factory",
    "PYTHONPATH through env_set, with workers",
    "a _target_ joined through interpolations",
    "calibrate with a callback",
]


@pytest.mark.parametrize("route", ROUTES)
def test_no_route_from_a_file_to_code(tmp_path: Path, route: str) -> None:
    marker = tmp_path / "pwned"
    args = routes(tmp_path, marker)[route]
    p = cli(tmp_path, *args, f"hydra.run.dir={tmp_path}/r", f"hydra.sweep.dir={tmp_path}/s")
    assert p.returncode == 2, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and p.stderr.startswith("error: ")
    assert not marker.exists()
    assert not (tmp_path / "r").exists() and not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    "node",
    [
        {"scenario": {"title": "${oc.env:SECRET_TOKEN}"}},
        {"actors": {"iran": {"label": "Iran ${oc.env:SECRET_TOKEN,x}"}}},
        {"scenario": {"description": "${oc.select:nothing,${oc.env:SECRET_TOKEN}}"}},
        {"scenario": {"title": "${oc.decode:'${oc.env:SECRET_TOKEN}'}"}},
    ],
)
def test_files_cannot_read_the_environment(tmp_path: Path, node: dict) -> None:
    _write(tmp_path / "cd" / "scenario" / "leak.yaml", node)
    p = cli(tmp_path, "run", "--config-dir", f"{tmp_path}/cd", "scenario=leak", "days=3")
    assert p.returncode == 2 and "is not allowed in files" in p.stderr, p.stderr
    assert SECRET not in p.stdout + p.stderr and nothing_leaked(tmp_path)
    assert not (tmp_path / "outputs").exists()


def test_a_user_config_folder_still_works(tmp_path: Path) -> None:
    # Safe files run: a scenario overlay and references to the config's own keys.
    _write(
        tmp_path / "cd" / "scenario" / "mine.yaml",
        {"scenario": {"title": "Mine: ${actors.iran.label}"}, "actors": {"iran": {"max_step": 2}}},
    )
    p = cli(
        tmp_path,
        "run",
        "--config-dir",
        f"{tmp_path}/cd",
        "scenario=mine",
        "replicates=50",
        "days=3",
        f"hydra.run.dir={tmp_path}/r",
    )
    assert p.returncode == 0, p.stderr
    config = yaml.safe_load((tmp_path / "r" / "config.yaml").read_text())
    assert config["scenario"]["title"] == "Mine: Iran" and config["actors"]["iran"]["max_step"] == 2


def test_harmless_text_that_mentions_target_passes(tmp_path: Path) -> None:
    from sim.preflight import prepare

    plan = prepare(["scenario.title=my_target_study", "+scenario.tag=_target_", "days=3"])
    assert plan.settings is not None and plan.settings.scenario["title"] == "my_target_study"


def test_yaml_tags_cannot_build_objects(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    f = tmp_path / "evil.yaml"
    f.write_text(f"x: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ConfigError, match="malformed YAML"):
        load_yaml(f)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("node", "package", "message"),
    [
        ({"hydra": {"callbacks": {}}}, None, "files cannot configure Hydra"),
        ({"x": 1}, "hydra.callbacks", "would place it in hydra.callbacks"),
        ({"x": 1}, "_global_.hydra.callbacks", "would place it in hydra.callbacks"),
        ({"defaults": [{"override /hydra/launcher": "local"}]}, None, "cannot select other"),
        ({"a": {"b": ["${oc.env:HOME}"]}}, None, "a.b[0]: the interpolation ${oc.env:...}"),
        ({"a": "${oc.${x}:y}"}, None, "is not allowed"),
        ({"a": "${hydra:runtime.cwd}"}, None, "${hydra:...} is not allowed"),
        ({"a": "${unique:}"}, None, "${unique:...} is not allowed"),
    ],
)
def test_check_file_reads_the_structure_not_the_text(
    node: dict, package: str | None, message: str
) -> None:
    with pytest.raises(
        ConfigError, match=message.replace("$", r"\$").replace("{", r"\{").replace("[", r"\[")
    ):
        check_file(node, "f.yaml", "design" if package else None, package)


def test_resolvers_on_the_command_line_are_the_users(tmp_path: Path) -> None:
    # The command line is trusted: it may read its own environment; unknown resolvers fail.
    marker = tmp_path / "pwned"
    p = cli(
        tmp_path,
        "run",
        "actors.iran.label=${oc.env:HOME}",
        "replicates=10",
        "days=2",
        f"hydra.run.dir={tmp_path}/r",
    )
    assert p.returncode == 0, p.stderr
    p = cli(
        tmp_path,
        "run",
        f'actors.iran.label=${{eval:\'__import__("os").system("touch {marker}")\'}}',
        f"hydra.run.dir={tmp_path}/r2",
    )
    assert p.returncode == 2 and not marker.exists()


def test_names_never_escape_the_output_folder(tmp_path: Path) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    p = cli(work, "run", "scenario.name=../../../../x", "replicates=10", "days=2")
    assert p.returncode == 2 and "scenario.name" in p.stderr
    assert sorted(q.name for q in tmp_path.rglob("*")) == ["a", "b"]


def test_slurm_settings_on_the_command_line_are_checked() -> None:
    """sbatch names become lines of a job script: a line break or a space is refused."""
    from sim.hydra_args import check_hydra_overrides

    check_hydra_overrides(
        [
            "hydra.launcher.account=proj-123",
            "hydra.launcher.qos=normal",
            "hydra.launcher.partition=gpu_a100",
            "hydra.launcher.array_parallelism=200",
            "hydra.launcher.mem_gb=1.5",
            "hydra.launcher.n_jobs=-1",
            "hydra.launcher.account=null",
        ]
    )
    for bad in (
        "hydra.launcher.account=x\nrm -rf ~",
        "hydra.launcher.partition=a b",
        "hydra.launcher.qos=$(id)",
        "hydra.launcher.timeout_min=0",
        "hydra.launcher.cpus_per_task=two",
        "hydra.launcher.setup=[touch /tmp/x]",
        "hydra.launcher.additional_parameters.wrap=id",
    ):
        with pytest.raises(ConfigError, match=r"hydra\.launcher"):
            check_hydra_overrides([bad])
