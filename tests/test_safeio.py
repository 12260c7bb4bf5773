"""The bounded reader of untrusted files (sim/safeio.py): its rules, one by one."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import safeio, safeparquet
from sim.errors import ConfigError
from sim.posterior import read_posterior

#: A "billion laughs" of about 400 bytes: 9 levels of 9 aliases, 9**9 strings expanded.
BOMB = "\n".join(
    ["a0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
)


# --- regular files, inside the folder given ---------------------------------------------


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"x.yaml: a FIFO, not a regular file"):
        safeio.read_text(fifo, root=tmp_path)
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/zero", "a character device"), ("/dev/null", "a character device")]
)
def test_devices_are_refused(path: str, kind: str) -> None:
    with pytest.raises(ConfigError, match=f"{kind}, not a regular file"):
        safeio.read_bytes(path)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"a folder, not a regular file"):
        safeio.read_bytes(tmp_path)


def test_a_link_to_dev_zero_is_refused_as_outside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "z.yaml").symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match=r"z.yaml: leads to /dev/zero, outside"):
        safeio.read_text(tmp_path / "z.yaml", root=tmp_path)
    # Without a folder, the device itself is refused.
    with pytest.raises(ConfigError, match=r"a character device"):
        safeio.read_text(tmp_path / "z.yaml")


def test_links_are_followed_only_inside_the_folder(tmp_path: Path) -> None:
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    (root / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    (root / "real.yaml").write_text("a: 1\n")
    (elsewhere / "secret.yaml").write_text("token: 2\n")
    (root / "sub" / "inside.yaml").symlink_to(root / "real.yaml")
    (root / "out.yaml").symlink_to(elsewhere / "secret.yaml")
    (root / "through").symlink_to(elsewhere)  # a linked folder on the way out
    assert safeio.read_yaml(root / "sub" / "inside.yaml", root=root) == {"a": 1}
    for path in (root / "out.yaml", root / "through" / "secret.yaml", root / ".." / "x"):
        with pytest.raises(ConfigError, match=r"outside"):
            safeio.read_yaml(path, root=root)


def test_missing_files_stay_os_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        safeio.read_text(tmp_path / "nope.yaml", root=tmp_path)
    assert info.value.filename == str(tmp_path / "nope.yaml")


# --- size cap and text --------------------------------------------------------------------


def test_the_size_cap(tmp_path: Path) -> None:
    f = tmp_path / "f.json"
    f.write_bytes(b"1" * 100)
    assert len(safeio.read_bytes(f, limit=100)) == 100
    with pytest.raises(ConfigError, match=r"larger than the 99 bytes limit"):
        safeio.read_bytes(f, limit=99)


def test_a_file_larger_than_fstat_said_is_cut_at_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file that grows while it is read: fstat's size is stale, the read still stops.
    f = tmp_path / "growing.yaml"
    f.write_bytes(b"x" * 5000)
    real = os.fstat

    def small(fd: int) -> os.stat_result:
        st = real(fd)
        return os.stat_result((st.st_mode, *st[1:6], 10, *st[7:]))

    monkeypatch.setattr(safeio.os, "fstat", small)
    with pytest.raises(ConfigError, match=r"larger than the 1,000 bytes limit"):
        safeio.read_bytes(f, limit=1000)


def test_a_byte_that_is_not_utf8_is_named_with_its_offset(tmp_path: Path) -> None:
    f = tmp_path / "e.yaml"
    f.write_bytes(b"title: ok\nname: caf\xe9\n")
    with pytest.raises(
        ConfigError, match=r"e.yaml: not UTF-8 text: byte 0xe9 at offset 19 \(line 2\)"
    ):
        safeio.read_text(f)


def test_json(tmp_path: Path) -> None:
    f = tmp_path / "s.json"
    f.write_text('{"a": [1, 2]}')
    assert safeio.read_json(f) == {"a": [1, 2]}
    f.write_text("[" * 200_000 + "]" * 200_000)  # nesting past the interpreter's recursion
    with pytest.raises(ConfigError, match=r"s.json: not readable JSON"):
        safeio.read_json(f)


# --- YAML budget -----------------------------------------------------------------------


def test_a_billion_laughs_is_refused_in_milliseconds() -> None:
    assert len(BOMB) < 450
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"YAML aliases expand to more than 100,000 nodes"):
        safeio.parse_yaml(BOMB, "bomb.yaml")
    assert time.perf_counter() - start < 0.1
    # A run's config.yaml may hold more nodes of its own, but no more through aliases.
    with pytest.raises(ConfigError, match=r"YAML aliases expand"):
        safeio.parse_yaml(BOMB, "config.yaml", max_nodes=safeio.MAX_RUN_CONFIG_NODES)


def test_the_count_is_exact() -> None:
    text = "a: &a [1, 2, 3]\nb: *a\n"  # map, a, [1 2 3], b, [1 2 3] again: 11 nodes
    safeio.check_yaml_budget(text, "t", max_nodes=11)
    with pytest.raises(ConfigError, match=r"more than 10 nodes"):
        safeio.check_yaml_budget(text, "t", max_nodes=10)
    with pytest.raises(ConfigError, match=r"YAML aliases expand to more than 3 nodes"):
        safeio.check_yaml_budget(text, "t", max_alias_nodes=3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &a [1, *a]", "the YAML alias \\*a is recursive"),
        ("a: &a {x: [*a]}", "the YAML alias \\*a is recursive"),
        ("x: " + "[" * 101 + "]" * 101, "nested deeper than 100 levels"),
        ("a: &a 1\nb: [" + ", ".join(["*a"] * 1001) + "]", "more than 1,000 YAML aliases"),
        ("x: !!python/object/apply:os.system ['true']", "malformed YAML at line 1"),
        ("a: [unclosed", "malformed YAML"),
        ("a: *nowhere", "malformed YAML"),
    ],
)
def test_yaml_refusals(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        safeio.parse_yaml(text, "f.yaml")


def test_ordinary_anchors_load_as_the_safe_loader_loads_them() -> None:
    text = "base: &b {x: 1, y: [2, 3]}\nother: *b\nmerged: {<<: *b, x: 4}\n"
    assert safeio.parse_yaml(text, "f.yaml") == yaml.safe_load(text)


def _expanded(obj: Any) -> int:
    """Nodes of a loaded document with every alias expanded (keys count as nodes)."""
    if isinstance(obj, dict):
        return 1 + sum(1 + _expanded(v) for v in obj.values())
    if isinstance(obj, list):
        return 1 + sum(_expanded(v) for v in obj)
    return 1


@st.composite
def anchored_documents(draw: st.DrawFn) -> str:
    """YAML whose top-level entries are anchored and alias earlier ones, nested at random."""
    lines: list[str] = []
    for i in range(draw(st.integers(1, 8))):
        items = []
        for _ in range(draw(st.integers(0, 6))):
            if i and draw(st.booleans()):
                items.append(f"*d{draw(st.integers(0, i - 1))}")
            else:
                items.append(draw(st.sampled_from(["1", "x", "2.5", "null", "[a, b]", "{k: v}"])))
        if draw(st.booleans()):
            body = "{" + ", ".join(f"k{j}: {v}" for j, v in enumerate(items)) + "}"
        else:
            body = "[" + ", ".join(items) + "]"
        lines.append(f"d{i}: &d{i} {body}")
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=1000)
@given(text=anchored_documents(), budget=st.integers(1, 5000))
def test_yaml_never_expands_past_the_budget(text: str, budget: int) -> None:
    # The check's count is the loaded document's expanded size: it refuses exactly what
    # would expand past the budget, and no document it accepts does.
    size = _expanded(yaml.safe_load(text))
    start = time.perf_counter()
    try:
        safeio.check_yaml_budget(
            text, "f.yaml", max_nodes=budget, max_alias_nodes=10**9, max_aliases=10**9
        )
    except ConfigError:
        assert size > budget
    else:
        assert size <= budget
    assert time.perf_counter() - start < 0.5


# --- Parquet -----------------------------------------------------------------------------


def test_parquet_caps_come_from_the_footer(tmp_path: Path) -> None:
    f = tmp_path / "t.parquet"
    pd.DataFrame({"a": range(10), "b": 1.0}).to_parquet(f)
    assert safeparquet.read_parquet(f, columns=["a"]).columns.tolist() == ["a"]
    with pytest.raises(ConfigError, match=r"t.parquet: 10 rows, more than the limit of 9"):
        safeparquet.read_parquet(f, max_rows=9)
    with pytest.raises(ConfigError, match=r"2 columns, more than the limit of 1"):
        safeparquet.read_parquet(f, max_columns=1)
    with pytest.raises(ConfigError, match=r"larger than the 100 bytes limit"):
        safeparquet.read_parquet(f, limit=100)
    (tmp_path / "n.parquet").write_text("not parquet")
    with pytest.raises(ConfigError, match=r"n.parquet: not a readable Parquet file"):
        safeparquet.read_parquet(tmp_path / "n.parquet")


def test_a_lying_footer_is_refused_before_its_rows_are_read(tmp_path: Path) -> None:
    f = tmp_path / "huge.parquet"
    pq.write_table(pa.table({"weight": pa.nulls(50_000_000)}), f)
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"50,000,000 rows, more than the limit of 10,000,000"):
        safeparquet.read_parquet(f)
    assert time.perf_counter() - start < 0.5


def _parts(folder: Path) -> None:
    folder.mkdir()
    for k, names in enumerate([["a", "b"], ["c"], ["b", "d"]]):
        codes = pa.array([i % len(names) for i in range(5)], pa.int32())
        table = pa.table(
            {
                "replicate": pa.array(range(5 * k, 5 * k + 5), pa.int64()),
                "actor": pa.DictionaryArray.from_arrays(codes, pa.array(names)),
            }
        )
        pq.write_table(table, folder / f"part-{k:05d}.parquet")


def test_parts_read_as_pandas_reads_the_folder(tmp_path: Path) -> None:
    _parts(tmp_path / "events")
    got = safeparquet.read_parquet_parts(tmp_path / "events", root=tmp_path)
    pd.testing.assert_frame_equal(got, pd.read_parquet(tmp_path / "events"))
    with pytest.raises(ConfigError, match=r"part-00002.parquet: 15 rows, more than the limit"):
        safeparquet.read_parquet_parts(tmp_path / "events", max_rows=14)


def test_a_fifo_among_the_parts_is_refused(tmp_path: Path) -> None:
    _parts(tmp_path / "events")
    os.mkfifo(tmp_path / "events" / "part-00009.parquet")
    with pytest.raises(ConfigError, match=r"a FIFO, not a regular file"):
        safeparquet.read_parquet_parts(tmp_path / "events")


def test_the_shipped_posteriors_pass() -> None:
    for name in ("baseline", "joint"):
        table, _ = read_posterior(name)
        assert len(table) <= safeparquet.MAX_PARQUET_ROWS


# --- folders given by the user --------------------------------------------------------------


def test_files_under_a_folder(tmp_path: Path) -> None:
    root = tmp_path / "cd"
    (root / "scenario").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "x.yaml").write_text("")
    (root / "scenario" / "a.yaml").write_text("")
    (root / "scenario" / "notes.txt").write_text("")
    (root / "episode").symlink_to(root / "scenario")  # inside: followed
    (root / "scenario" / "loop").symlink_to(root)  # a loop inside: ends at the depth limit
    found = safeio.files_under(root, (".yaml",), "--config-dir")
    assert root / "scenario" / "a.yaml" in found and root / "episode" / "a.yaml" in found
    assert not any(".git" in p.parts for p in found)
    (tmp_path / "away").mkdir()
    (root / "design").symlink_to(tmp_path / "away")
    with pytest.raises(ConfigError, match=r"--config-dir: design: leads to .*, outside"):
        safeio.files_under(root, (".yaml",), "--config-dir")
