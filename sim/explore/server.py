"""Start the explore page on 127.0.0.1 (Solara's Starlette app under uvicorn, in process)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from sim.errors import ConfigError
from sim.explore import START
from sim.explore.controls import PageState, whole
from sim.timeline import DEFAULT_EPISODE

HOST = "127.0.0.1"
#: The page's arguments: ``key=value``, as on ``escalation run``.
KEYS = ("episode", "scenario", "posterior", "replicates", "seed", "days")


def start_state(arguments: Sequence[str]) -> PageState:
    """The state the page opens with, from ``episode=NAME scenario=NAME ...``.

    Raises:
        ConfigError: On an argument that is not one of :data:`KEYS`, or a bad value.
    """
    values: dict[str, str] = {}
    for arg in arguments:
        key, sep, value = arg.partition("=")
        if not sep or key not in KEYS:
            raise ConfigError(
                f"explore: {arg!r} is not one of {', '.join(k + '=' for k in KEYS)}"
                " (the page sets the rest)"
            )
        values[key] = value
    st = PageState(
        episode=values.get("episode", DEFAULT_EPISODE),
        scenario=values.get("scenario", "baseline"),
        posterior=values.get("posterior", "none"),
        replicates=values.get("replicates", "10000"),
        seed=values.get("seed", "1"),
        days=whole(values.get("days", "30"), "days"),
    )
    # The first redraw's checks, before any server starts: a bad value stops here.
    from sim.explore.compute import validate
    from sim.explore.controls import overrides

    validate(overrides(st))
    return st


def serve(state: PageState, port: int = 8765) -> None:
    """Serve the page on ``127.0.0.1:port`` until interrupted."""
    import plotly
    import uvicorn
    from solara.server import settings

    START["state"] = state
    settings.telemetry.mixpanel_enable = False  # nothing leaves the machine
    settings.main.mode = "production"
    # plotly.js for the figures' frames, served from the plotly package (sim.explore.page).
    settings.assets.extra_locations = [str(Path(plotly.__file__).parent / "package_data")]
    os.environ["SOLARA_APP"] = "sim.explore.page"
    os.environ["SERVER_NAME"] = HOST
    os.environ["SERVER_PORT"] = str(port)
    print(f"escalation explore: http://{HOST}:{port}/ (Ctrl-C stops it)", flush=True)
    config = uvicorn.Config(
        "solara.server.starlette:app", host=HOST, port=port, log_level="warning"
    )
    uvicorn.Server(config).run()
