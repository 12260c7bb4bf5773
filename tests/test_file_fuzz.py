"""Generated hostile YAML thrown at every subcommand that reads files (docs/security.md).

Each example writes one file built from anchors and aliases, tags, ``# @package`` headers,
interpolations, ``defaults`` lists and ``_target_`` payloads, puts it where a subcommand reads
files (a ``--config-dir`` group, a run folder's ``config.yaml``, a sweep job's records), and
runs the subcommand. Whatever the file holds: no code runs (the marker file a payload would
create never appears), a refusal is one line, and the command ends in bounded time.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MARKER = "pwned"

HEADERS = st.sampled_from(
    [
        "",
        "# @package _global_\n",
        "# @package _group_\n",
        "# @package _here_\n",
        "# @package _global_.hydra.callbacks\n",
        "#@package hydra.job.env_set\n",
        "#   @package    _global_.hydra.job_logging  \n",
        "# @package hydra\n",
        "# @package simulation\n",
        "# comment\n# @package _global_.hydra\n",
    ]
)


def _payload(marker: str) -> list[str]:
    return [
        f"x:\n  _target_: builtins.open\n  _args_: [{marker}, w]\n",
        "hydra:\n  callbacks:\n    x:\n      _target_: builtins.open\n"
        f"      _args_: [{marker}, w]\n",
        "hydra:\n  job:\n    env_set:\n      PYTHONPATH: /tmp\n",
        f"x: !!python/object/apply:builtins.open [{marker}, w]\n",
        "x: !!python/name:os.system\n",
        "x: !custom 1\n",
        "x: !!binary aGVsbG8=\n",
        "defaults:\n  - override /hydra/job_logging: default\n",
        "defaults:\n  - /hydra/callbacks@_here_: x\n",
        "scenario:\n  title: ${oc.env:HOME}\n",
        "scenario:\n  title: ${oc.create:'{_target_: builtins.open}'}\n",
        "scenario:\n  title: ${hydra:runtime.cwd}\n",
        "scenario:\n  a: xxxxxxxxxxxxxxxx\n  b: ${scenario.a}${scenario.a}${scenario.a}\n"
        "  c: ${scenario.b}${scenario.b}${scenario.b}\n  d: ${scenario.c}${scenario.c}\n",
        "scenario:\n  a: ${scenario.b}\n  b: ${scenario.a}\n",
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
        "a: &a {k: v}\nb: {<<: *a, z: *a}\n",
        "a: &a [*a]\n",
        "simulation:\n  replicates: 20\n  days: 3\n",
        "scenario:\n  name: ../../up\n",
        "[1, 2]\n",
        "a: [unclosed\n",
        "x: \udcff\udcfe not utf-8\n",
        "",
    ]


BODIES = st.lists(st.integers(0, len(_payload("m")) - 1), min_size=1, max_size=3)
PLACES = st.sampled_from(
    [
        ("run", "scenario"),
        ("run", "episode"),
        ("run", "design"),
        ("run -m", "scenario"),
        ("calibrate", "scenario"),
        ("report", "config.yaml"),
        ("replay", "config.yaml"),
        ("aggregate", "overrides.yaml"),
    ]
)


def _text(header: str, picks: list[int], marker: Path) -> str:
    payloads = _payload(str(marker))
    keys_seen: set[str] = set()
    parts = []
    for i in picks:
        body = payloads[i]
        top = body.split(":", 1)[0]
        if top in keys_seen:
            continue  # a duplicate top-level key is plain malformed YAML: tried on its own
        keys_seen.add(top)
        parts.append(body)
    return header + "".join(parts)


def _args(command: str, where: str, tmp: Path, text: str) -> list[str]:
    if where in ("scenario", "episode", "design"):
        f = tmp / "cd" / where / "f.yaml"
        f.parent.mkdir(parents=True)
        f.write_bytes(text.encode("utf-8", "surrogateescape"))
        small = ["replicates=20", "days=3"] if command.startswith("run") else ["generations=0"]
        extra = ["seed=1,2"] if command == "run -m" else []
        return [
            *command.split(),
            "--config-dir",
            f"{tmp}/cd",
            f"{where}=f",
            *small,
            *extra,
            f"hydra.run.dir={tmp}/out",
            f"hydra.sweep.dir={tmp}/out",
        ]
    run = tmp / "run"
    run.mkdir()
    if where == "overrides.yaml":
        job = run / "0" / ".hydra"
        job.mkdir(parents=True)
        (job / "overrides.yaml").write_bytes(text.encode("utf-8", "surrogateescape"))
        (run / "0" / "config.yaml").write_bytes(text.encode("utf-8", "surrogateescape"))
        return ["aggregate", str(run)]
    (run / "config.yaml").write_bytes(text.encode("utf-8", "surrogateescape"))
    (run / "summary.json").write_text("{}")
    return ["replay", str(run), "0"] if command == "replay" else ["report", str(run)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=PLACES, header=HEADERS, picks=BODIES)
def test_hostile_files_run_no_code_and_end_in_one_line(
    place: tuple[str, str], header: str, picks: list[int]
) -> None:
    from bad_inputs import run_case

    command, where = place
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        marker = tmp / MARKER
        text = _text(header, picks, marker)
        args = _args(command, where, tmp, text)
        start = time.perf_counter()
        rc, _, err = run_case(args, tmp)
        seconds = time.perf_counter() - start
        assert not marker.exists(), f"code ran from {text!r}"
        assert "Traceback" not in err
        assert rc in (0, 1, 2), err
        if rc != 0:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert seconds < 20, f"{seconds:.1f} s for {text!r}"
