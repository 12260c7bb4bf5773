"""In-place updates of per-replicate arrays, for code that runs on every simulated day.

Most of a day's updates touch few replicates. ``np.where`` allocates a new array and
``np.putmask`` branches on every element; writing at the positions the mask selects is
faster for sparse masks and no slower for dense ones.
"""

from __future__ import annotations

import numpy as np


def put(arr: np.ndarray, mask: np.ndarray, value: int | float | bool) -> None:
    """Set ``arr`` to ``value`` where ``mask`` holds, in place.

    Args:
        arr: A 1-D array (or a row of a 2-D one), modified in place.
        mask: Boolean array of the same shape.
        value: A scalar of ``arr``'s kind.
    """
    idx = np.flatnonzero(mask)
    if idx.size:
        arr[idx] = value
