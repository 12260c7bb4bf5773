"""The composed config's structure (sim/composed.py): checked by result, not by spelling."""

from __future__ import annotations

import time

import pytest
from hydra.core.config_store import ConfigStore
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.composed import (
    PlacementError,
    check_hydra_node,
    check_package,
    parse_overrides,
    resolved_package,
    sweep_size,
)
from sim.config import compose_config, reference_hydra, register_configs
from sim.errors import ConfigError
from sim.yamlfiles import check_resolved_size


@pytest.fixture
def stored_design():
    """Store a design node straight into the ConfigStore, past every check of files."""
    register_configs()
    store = ConfigStore.instance()
    added: list[str] = []

    def put(name: str, node: dict, package: str | None) -> None:
        store.store(group="design", name=name, node=node, package=package)
        added.append(name)

    yield put
    for name in added:
        store.repo["design"].pop(f"{name}.yaml", None)


@pytest.mark.parametrize(
    "package",
    ["hydra.callbacks", "_global_.hydra.callbacks", "hydra.job.env_set", "hydra.job_logging"],
)
def test_the_composed_hydra_node_catches_what_a_file_placed(stored_design, package) -> None:
    # Nothing looks at the package's spelling here: composing shows the difference.
    stored_design("sneaky", {"x": {"_target_": "builtins.print"}}, package)
    with pytest.raises(PlacementError, match=r"^hydra\.(callbacks|job)"):
        compose_config("baseline", ["design=sneaky"])


def test_a_global_file_that_writes_hydra_is_caught_by_the_result(stored_design) -> None:
    stored_design("globalish", {"hydra": {"job": {"env_set": {"PYTHONPATH": "/x"}}}}, "_global_")
    with pytest.raises(PlacementError, match=r"hydra\.job\.env_set\.PYTHONPATH"):
        compose_config("baseline", ["design=globalish"])


def test_the_package_alone_composes_the_reference() -> None:
    compose_config("baseline", ["design=lhs_policies", "simulation.seed=3"])  # no refusal
    assert "callbacks" in reference_hydra()


def test_check_hydra_node_ignores_only_the_record_of_the_command_line() -> None:
    ref = {"run": {"dir": "x"}, "overrides": {"task": []}, "runtime": {"cwd": "/a"}}
    mine = {"run": {"dir": "x"}, "overrides": {"task": ["a=1"]}, "runtime": {"cwd": "/b"}}
    check_hydra_node(mine, ref)
    with pytest.raises(PlacementError, match=r"hydra\.run\.dir"):
        check_hydra_node({**mine, "run": {"dir": "y"}}, ref)
    with pytest.raises(PlacementError, match=r"hydra\.callbacks"):
        check_hydra_node({**mine, "callbacks": {}}, ref)


@pytest.mark.parametrize(
    ("header", "group", "lands"),
    [
        (None, "design", "design"),
        ("_group_", "design", "design"),
        ("_global_", "episode", ""),
        ("_global_.hydra.callbacks", "design", "hydra.callbacks"),
        ("hydra.job.env_set", "design", "hydra.job.env_set"),
        ("simulation", "design", "simulation"),
    ],
)
def test_a_header_is_judged_by_where_it_lands(header, group, lands) -> None:
    assert resolved_package(header, group) == lands


@pytest.mark.parametrize("header", ["_here_", "_name_", "a..b", "_global_._group_"])
def test_headers_we_do_not_compose_are_refused(header) -> None:
    with pytest.raises(ConfigError, match="not a package a file may name"):
        resolved_package(header, "design")


def test_only_episodes_and_scenarios_are_overlays() -> None:
    check_package("episode", "_global_", "e.yaml")
    check_package("scenario", "_global_", "s.yaml")
    with pytest.raises(PlacementError, match="a design file stays in its own node"):
        check_package("design", "_global_", "d.yaml")
    with pytest.raises(PlacementError, match="would place it in hydra"):
        check_package("episode", "_global_.hydra", "e.yaml")


def test_a_sweep_is_counted_without_expanding_it() -> None:
    parsed = parse_overrides(["seed=range(0,1000000000000000)", "days=3"])
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="over 100 jobs"):
        sweep_size(parsed, 100)
    assert time.perf_counter() - start < 0.5
    counted = sweep_size(
        parse_overrides(["seed=range(0,10)", "x=a,b,c", "y=range(0,1,0.25)"]), 10**6
    )
    assert counted == 10 * 3 * 4
    opts = sweep_size(parse_overrides(["scenario=glob(b*)"]), 10, lambda g: ["baseline", "b2", "c"])
    assert opts == 2


@pytest.mark.parametrize("line", ["seed=range(0,10,0)", "seed=range(0,inf)"])
def test_bad_ranges_are_refused(line: str) -> None:
    try:
        parsed = parse_overrides([line])
    except ConfigError:
        return  # Hydra's grammar refused it first: one line as well
    with pytest.raises(ConfigError, match="range"):
        sweep_size(parsed, 10**6)


def test_nested_interpolations_are_measured_in_linear_time() -> None:
    root: dict = {"a": "x" * 100}
    prev = "a"
    for i in range(60):
        root[f"l{i}"] = f"${{{prev}}}${{{prev}}}"
        prev = f"l{i}"
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="would resolve to over"):
        check_resolved_size(root)
    assert time.perf_counter() - start < 0.5


def test_relative_references_and_select_are_followed() -> None:
    big = "x" * 1000
    node = {"a": {"b": big, "c": "${.b}", "d": "${..e}"}, "e": "${oc.select:a.b,0}"}
    size = check_resolved_size(node)
    assert size >= 4 * len(big)
    with pytest.raises(ConfigError, match="would resolve to over"):
        check_resolved_size(node, limit=3000)


@settings(max_examples=50, deadline=None)
@given(
    st.recursive(
        st.one_of(st.text(max_size=5), st.sampled_from(["${a}", "${b.c}", "${.x}", "${a}${a}"])),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("abcx"), inner, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_the_size_check_ends_on_any_tree(tree) -> None:
    root = {"a": tree, "b": {"c": tree}}
    try:
        check_resolved_size(root, limit=10_000)
    except ConfigError as exc:
        assert "\n" not in str(exc)
