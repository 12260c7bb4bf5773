"""The schedule reads like the ODD's process overview: one module per process, each documented."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import sim.model
import sim.submodels
from sim.model import EFFECTS
from sim.submodels import MECHANISM_PARAMS

DOC = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text(encoding="utf-8")


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(sim.submodels.__path__))


def test_every_submodel_is_scheduled_documented_and_has_its_equation() -> None:
    # The schedule: the day's effects, the shaping of plans, perception and initialisation,
    # all named in sim/model.py.
    source = (Path(sim.model.__file__)).read_text(encoding="utf-8")
    scheduled = set(re.findall(r"\bsm\.(\w+)\.", source))
    assert {f.__module__.rsplit(".", 1)[1] for f in EFFECTS} <= scheduled
    for name in modules():
        module = importlib.import_module(f"sim.submodels.{name}")
        assert name in scheduled, f"{name} is not in the schedule (sim/model.py)"
        doc = module.__doc__ or ""
        assert "<-" in doc or "~" in doc or "=" in doc, f"{name}: no equation in its docstring"
        assert f"submodels/{name}.py" in DOC, f"{name}: no section in docs/model.md"


def test_the_doc_lists_the_effects_in_schedule_order() -> None:
    overview = DOC[DOC.index("### 1.3") : DOC.index("## 2.")]
    listed = re.findall(r"\(`(\w+)\.py`", overview)
    order = [f.__module__.rsplit(".", 1)[1] for f in EFFECTS]
    assert [m for m in listed if m in order] == order


def test_mechanism_parameters_are_declared_by_the_submodels() -> None:
    assert {"hostility_decay", "hostility_gain"} <= set(MECHANISM_PARAMS)
    from sim.submodels import hostility

    assert MECHANISM_PARAMS["hostility_decay"] is hostility.PARAMS["hostility_decay"]
