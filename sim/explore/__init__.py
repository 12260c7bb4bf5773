"""``escalation explore``: an interactive what-if page that redraws the whole ensemble.

``controls`` holds the page's state as data and the overrides it means; ``compute`` one
redraw without any interface; ``page`` the Solara components; ``server`` starts the page on
127.0.0.1. Solara is an optional extra (``pip install escalation-sim[explore]``): only
``page`` and ``server`` import it.
"""

from __future__ import annotations

from typing import Any

#: The state the page opens with, set by ``escalation explore`` before the page is imported.
START: dict[str, Any] = {}
