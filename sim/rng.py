"""Counter-based random numbers keyed by (seed, replicate, day, stream, draw).

Every random draw in the model is a pure function of its key, hashed with the
SplitMix64 finaliser (Steele, Lea and Flood 2014). A replicate's draws therefore
depend only on the seed and the replicate's index, never on the batch size, the
chunking or the number of worker processes: this is what makes ``replay`` exact.

Streams are named (for example ``"pakistan->iran/policy"``) and hashed with
BLAKE2b, so adding an actor to the roster leaves every other actor's draws
unchanged (common random numbers across scenarios).
"""

from __future__ import annotations

import hashlib
import math
import sys
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import numpy as np

_GOLDEN = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31 = np.uint64(11), np.uint64(27), np.uint64(30), np.uint64(31)
_MASK = (1 << 64) - 1
_TO_UNIT = 2.0**-53
_FROM_UNIT = 2.0**53
#: Above this share of the batch, a masked draw hashes every replicate and masks after:
#: gathering and scattering most of an array costs more than hashing all of it.
_DENSE = 0.25


def _mix_scalar(z: int) -> int:
    """SplitMix64 finaliser on a Python int (used for per-call constants)."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _draw_constant(day: int, stream: int, draw: int) -> np.uint64:
    """The per-(day, stream, draw) offset added to each replicate's key before hashing."""
    return np.uint64(_mix_scalar(stream ^ _mix_scalar((day << 20) + draw + 1)))


def _to_unit(bits: np.ndarray) -> np.ndarray:
    """Top 53 bits of 64-bit hashes as floats in [0, 1)."""
    top = bits >> _S11
    # 53-bit values read as int64 convert to float exactly, and faster than as uint64.
    u = top.view(np.int64).astype(np.float64)
    u *= _TO_UNIT
    return u


def mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser applied in place to a uint64 array and returned.

    Args:
        z: Array of dtype uint64; modified in place.

    Returns:
        The same array, hashed.
    """
    # One scratch array for the three shifts: this runs on every draw of every day.
    t = z >> _S30
    z ^= t
    z *= _M1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _M2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


def stream_key(name: str) -> int:
    """Stable 64-bit key of a stream name (independent of Python's hash seed).

    Args:
        name: Stream name, e.g. ``"iran->pakistan/policy"``.

    Returns:
        A 64-bit integer.
    """
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


@dataclass
class CounterRNG:
    """Uniform draws for a batch of replicates, addressed by day and stream.

    Args:
        seed: The run's seed (any non-negative integer).
        replicates: Global indices of the replicates in this batch.

    Example:
        >>> rng = CounterRNG(seed=1, replicates=np.arange(4))
        >>> u = rng.uniform(day=3, stream=stream_key("iran->pakistan/policy"))
        >>> u.shape
        (4,)
    """

    seed: int
    replicates: np.ndarray
    _rep_keys: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError(f"seed must be non-negative, got {self.seed}")
        seed_key = np.uint64(_mix_scalar(self.seed * _GOLDEN + 0x632BE59BD9B4E019))
        idx = np.asarray(self.replicates, dtype=np.uint64)
        keys = idx * np.uint64(_GOLDEN) + seed_key
        self._rep_keys = mix64(mix64(keys))

    @property
    def size(self) -> int:
        """Number of replicates in the batch."""
        return int(self._rep_keys.shape[0])

    def bits(self, day: int, stream: int, draw: int = 0) -> np.ndarray:
        """Raw 64-bit hashes for every replicate.

        Args:
            day: Day index (0-based).
            stream: A stream key from :func:`stream_key`.
            draw: Draw number within the stream and day.

        Returns:
            uint64 array of shape (R,).
        """
        return mix64(self._rep_keys + _draw_constant(day, stream, draw))

    def uniform_where(self, mask: np.ndarray, day: int, stream: int, draw: int = 0) -> np.ndarray:
        """Uniform draws where ``mask`` holds and 1.0 elsewhere.

        The values under the mask equal those of :meth:`uniform`; hashing only the
        masked replicates is much cheaper when the mask is sparse. A draw of 1.0 is
        never below a probability, so ``uniform_where(m, ...) < p`` implies ``m``.

        Args:
            mask: Boolean array of shape (R,).
            day: Day index.
            stream: A stream key.
            draw: Draw number.

        Returns:
            float64 array of shape (R,).
        """
        count = np.count_nonzero(mask)
        if count > _DENSE * self.size:
            return np.where(mask, self.uniform(day, stream, draw), 1.0)
        out = np.ones(self.size)
        if count:
            idx = np.flatnonzero(mask)
            out[idx] = self.uniform_at(idx, day, stream, draw)
        return out

    def uniform_at(self, idx: np.ndarray, day: int, stream: int, draw: int = 0) -> np.ndarray:
        """The draws of :meth:`uniform` at replicate positions ``idx`` only.

        Args:
            idx: Integer positions in the batch.
            day: Day index.
            stream: A stream key.
            draw: Draw number.

        Returns:
            float64 array of shape ``idx.shape``.
        """
        return _to_unit(mix64(self._rep_keys[idx] + _draw_constant(day, stream, draw)))

    def below(
        self, mask: np.ndarray, p: float | np.ndarray, day: int, stream: int, draw: int = 0
    ) -> np.ndarray:
        """Where ``mask`` holds, whether the draw falls below ``p``; False elsewhere.

        Equal to ``mask & (uniform(day, stream, draw) < p)`` (the same draws), without
        the float arrays: the comparison is made on the hashes' top 53 bits, which is
        exact, and only masked replicates are hashed when the mask is sparse.

        Args:
            mask: Boolean array of shape (R,).
            p: Probability, a scalar or an array of shape (R,).
            day: Day index.
            stream: A stream key.
            draw: Draw number.

        Returns:
            Boolean array of shape (R,).
        """
        mask = np.asarray(mask, dtype=bool)
        count = np.count_nonzero(mask)
        scalar = np.ndim(p) == 0
        if count == 0 or (scalar and not float(p) > 0.0):  # (NaN too: no draw is below it)
            return np.zeros(self.size, dtype=bool)
        if scalar and float(p) >= 1.0:
            return np.array(mask, dtype=bool)
        dense = count > _DENSE * self.size
        idx = None if dense else np.flatnonzero(mask)
        keys = self._rep_keys if idx is None else self._rep_keys[idx]
        bits = mix64(keys + _draw_constant(day, stream, draw))
        if scalar:
            # u < p  <=>  top53 < ceil(p 2^53)  <=>  bits < ceil(p 2^53) 2^11 (exact integers).
            hit = bits < np.uint64(math.ceil(float(p) * _FROM_UNIT) << 11)
        else:
            probs = np.asarray(p)
            bits >>= _S11  # 53 bits: as int64 they convert to float faster, and exactly
            hit = bits.view(np.int64) < (probs if idx is None else probs[idx]) * _FROM_UNIT
        if idx is None:
            hit &= mask
            return hit
        out = np.zeros(self.size, dtype=bool)
        out[idx] = hit
        return out

    def uniform(self, day: int, stream: int, draw: int = 0) -> np.ndarray:
        """Uniform draws in [0, 1) with 53 bits of resolution.

        Args:
            day: Day index (0-based).
            stream: A stream key from :func:`stream_key`.
            draw: Draw number within the stream and day.

        Returns:
            float64 array of shape (R,).
        """
        return _to_unit(self.bits(day, stream, draw))


@dataclass
class Draws:
    """The draws one actor channel may use on one day (what policies receive).

    Args:
        rng: The batch's generator.
        day: Current day.
        stream: The channel's stream key.
    """

    rng: CounterRNG
    day: int
    stream: int

    def uniform(self, draw: int = 0) -> np.ndarray:
        """Uniform draws in [0, 1), one per replicate, for draw number ``draw``."""
        return self.rng.uniform(self.day, self.stream, draw)

    def uniform_where(self, mask: np.ndarray, draw: int = 0) -> np.ndarray:
        """Draws under ``mask`` (equal to :meth:`uniform`'s there), 1.0 elsewhere."""
        return self.rng.uniform_where(mask, self.day, self.stream, draw)

    def below(self, mask: np.ndarray, p: float | np.ndarray, draw: int = 0) -> np.ndarray:
        """``mask & (uniform(draw) < p)``, hashing only what it needs (see CounterRNG.below)."""
        return self.rng.below(mask, p, self.day, self.stream, draw)


def model_seed(rng: Any = None, seed: int | None = None) -> int | None:
    """The integer seed of a model built from keywords, given Mesa 3's ``rng=`` or ``seed=``.

    Args:
        rng: Mesa 3's argument: an int, or a numpy ``Generator`` or ``SeedSequence`` to draw
            an int seed from (counter-based draws need an int).
        seed: The older name for an int ``rng``.

    Returns:
        The seed, or None when neither is given (the config's seed then applies).

    Raises:
        ValueError: If both are given and differ (Mesa refuses both as well).
    """
    if rng is not None and seed is not None and rng != seed:
        raise ValueError("pass either rng or seed, not both")
    value = seed if rng is None else rng
    if value is None or isinstance(value, int | np.integer):
        return None if value is None else int(value)
    return int(np.random.default_rng(value).integers(0, 2**31 - 1))


def batch_iteration() -> int:
    """Which iteration of ``mesa.batch_run`` builds the current model (0 outside one).

    Mesa 3.3's ``batch_run(..., iterations=n)`` builds every iteration from the same keywords
    and passes no seed (Mesa >= 3.4 passes ``None``), so without this every iteration would
    replay the config's seed. Mesa's run function holds the iteration number; reading it from
    the calling frame gives each iteration its own seed, reproducibly and in any worker.
    """
    frame: FrameType | None = sys._getframe(1)
    for _ in range(8):  # the model's __init__, a subclass's or two, then Mesa's run function
        if frame is None:
            return 0
        if (
            frame.f_code.co_name == "_model_run_func"
            and frame.f_globals.get("__name__") == "mesa.batchrunner"
        ):
            iteration = frame.f_locals.get("iteration", 0)
            return iteration if isinstance(iteration, int) else 0
        frame = frame.f_back
    return 0
