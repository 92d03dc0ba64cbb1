"""Piecewise-linear regression g: factor value y (Hz) -> subspace coordinates, and its inverse.

Fit rule (deterministic, no random restarts): a continuous linear spline with knots at
equally spaced quantiles of the training values y (for the uniform factor grids: equally
spaced in Hz), its knot values fitted by least squares jointly for all axes (one shared set of
breakpoints, one value per knot and axis). The number of segments is chosen among
``candidates`` (2..20, the released code's 20 segments at most; 2..40 for the human
ranges, :data:`SEGMENT_CANDIDATES`) by 5-fold cross-validation (folds interleaved along sorted y, so a
held-out point always lies inside the training range): the smallest count whose mean held-out
squared error is within 1 % of the best.

Inversion: y = argmin over a dense grid of y in [y_min, y_max] of ||g(y) - p||^2,
refined by a parabola through the best grid point and its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentError

DEFAULT_CANDIDATES = tuple(range(2, 21))
# Segment counts tried per grid set (sfvae.factors.GRID_SETS). The human ranges are about
# twice as wide as the paper's (f0 2.9 octaves against 1.6): with 20 segments at most the
# default model's f0 and F3 regressions sat at the cap (19) and f0 edits on the acceptance
# vowels missed by 2.03 % (limit 2 %); with 40 they choose 34-39 and meet it (1.6 %).
SEGMENT_CANDIDATES = {"paper": DEFAULT_CANDIDATES, "human": tuple(range(2, 41))}
N_FOLDS = 5
GRID_POINTS = 2001


def _hat_basis(y: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """[N, n_knots] linear-interpolation weights of y between the knots (clamped at the ends)."""
    y = np.clip(np.asarray(y, dtype=np.float64), knots[0], knots[-1])
    idx = np.clip(np.searchsorted(knots, y, side="right") - 1, 0, len(knots) - 2)
    frac = (y - knots[idx]) / (knots[idx + 1] - knots[idx])
    basis = np.zeros((y.size, knots.size))
    rows = np.arange(y.size)
    basis[rows, idx] = 1.0 - frac
    basis[rows, idx + 1] += frac
    return basis


def _knots(y: np.ndarray, n_segments: int) -> np.ndarray:
    knots = np.quantile(y, np.linspace(0.0, 1.0, n_segments + 1))
    knots = np.unique(knots)
    if knots.size < 2:
        raise ArgumentError("cannot fit a regression: all factor values are equal")
    return knots


def _fit_values(y: np.ndarray, coords: np.ndarray, knots: np.ndarray) -> np.ndarray:
    values, *_ = np.linalg.lstsq(_hat_basis(y, knots), coords, rcond=None)
    return values


@dataclass
class PiecewiseLinear:
    knots: np.ndarray       # [n_knots] breakpoints in Hz, increasing
    values: np.ndarray      # [n_knots, M] g at the knots
    y_range: np.ndarray     # [2] learned range [y_min, y_max]
    cv_errors: np.ndarray   # [len(candidates)] mean held-out squared error per candidate
    candidates: np.ndarray  # [len(candidates)] segment counts tried

    @property
    def n_segments(self) -> int:
        return int(self.knots.size - 1)

    def __call__(self, y: np.ndarray | float) -> np.ndarray:
        """g(y): [...] values in Hz -> [..., M] coordinates (constant beyond the range)."""
        y = np.asarray(y, dtype=np.float64)
        flat = _hat_basis(y.ravel(), self.knots) @ self.values
        return flat.reshape(y.shape + (self.values.shape[1],))

    def invert(self, coords: np.ndarray) -> np.ndarray:
        """Value y in the learned range whose g(y) is nearest to each coordinate vector."""
        return invert_curve(self, self.y_range, coords)


class SpeakerBlend:
    """g for a voice of f0 ``voice_f0`` (Hz) from the regressions of several speakers.

    At each value y, the speakers whose learned range holds y are interpolated linearly in
    log f0 between the two nearest to the voice (the nearest alone beyond them). Each voice
    of the human datasets sweeps only the part of a formant's range its tract reaches, so a
    target outside the input voice's part takes the regressions of the voices that reach it
    (the nearest in f0) rather than a regression held constant past its end. Where every
    speaker covers y this is the plain two-speaker interpolation. Outside all ranges: the
    speakers whose range is nearest.
    """

    def __init__(self, regressions, speaker_f0, voice_f0: float):
        f0 = np.asarray(speaker_f0, dtype=np.float64)
        if len(regressions) != f0.size or f0.size == 0:
            raise ArgumentError("a speaker blend needs one f0 per regression")
        order = np.argsort(f0)
        self.regressions = [regressions[i] for i in order]
        self.log_f0 = np.log(f0[order])
        self.log_voice = float(np.log(voice_f0))
        self.ranges = np.array([np.asarray(r.y_range, dtype=np.float64) for r in self.regressions])
        self.y_range = np.array([self.ranges[:, 0].min(), self.ranges[:, 1].max()])

    def weights(self, y) -> np.ndarray:
        """[N, S] weight of each speaker (sorted by f0) at each value of y (flattened)."""
        y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
        lo, hi = self.ranges[:, 0], self.ranges[:, 1]
        distance = np.maximum(lo - y, 0.0) + np.maximum(y - hi, 0.0)       # [N, S]
        valid = distance <= distance.min(axis=1, keepdims=True) + 1e-6
        out = np.zeros(valid.shape)
        patterns, inverse = np.unique(valid, axis=0, return_inverse=True)
        for k, pattern in enumerate(patterns):
            idx = np.flatnonzero(pattern)
            logs = self.log_f0[idx]
            x = float(np.clip(self.log_voice, logs[0], logs[-1]))
            w = np.zeros(self.log_f0.size)
            if idx.size == 1:
                w[idx[0]] = 1.0
            else:
                i = int(np.clip(np.searchsorted(logs, x) - 1, 0, idx.size - 2))
                t = (x - logs[i]) / (logs[i + 1] - logs[i])
                w[idx[i]], w[idx[i + 1]] = 1.0 - t, t
            out[inverse.reshape(-1) == k] = w
        return out

    def __call__(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        w = self.weights(y)
        flat = sum(w[:, s:s + 1] * g(y.ravel()) for s, g in enumerate(self.regressions)
                   if w[:, s].any())
        return flat.reshape(y.shape + (flat.shape[-1],))

    def invert(self, coords: np.ndarray) -> np.ndarray:
        return invert_curve(self, self.y_range, coords)


def invert_curve(g, y_range: np.ndarray, coords: np.ndarray, chunk: int = 512) -> np.ndarray:
    """argmin over a dense grid of y in ``y_range`` of ||g(y) - p||, parabola-refined."""
    coords = np.asarray(coords, dtype=np.float64)
    flat = coords.reshape(-1, coords.shape[-1])
    grid = np.linspace(y_range[0], y_range[1], GRID_POINTS)
    curve = g(grid)                                       # [G, M]
    curve_sq = np.sum(curve**2, axis=1)
    out = np.empty(flat.shape[0])
    step = grid[1] - grid[0]
    for start in range(0, flat.shape[0], chunk):
        p = flat[start:start + chunk]
        dist = curve_sq[None, :] - 2.0 * p @ curve.T + np.sum(p**2, axis=1)[:, None]
        best = np.argmin(dist, axis=1)
        inner = np.clip(best, 1, GRID_POINTS - 2)
        rows = np.arange(p.shape[0])
        d0, d1, d2 = dist[rows, inner - 1], dist[rows, inner], dist[rows, inner + 1]
        denom = d0 - 2.0 * d1 + d2
        shift = np.where(denom > 0, 0.5 * (d0 - d2) / np.where(denom > 0, denom, 1.0), 0.0)
        refined = grid[inner] + np.clip(shift, -1.0, 1.0) * step
        out[start:start + chunk] = np.where(best == inner, refined, grid[best])
    return out.reshape(coords.shape[:-1])


def fit_piecewise_linear(y: np.ndarray, coords: np.ndarray,
                         candidates=DEFAULT_CANDIDATES,
                         n_segments: int | None = None) -> PiecewiseLinear:
    """Fit g from factor values y [N] and coordinates [N, M]; segment count by K-fold CV."""
    y = np.asarray(y, dtype=np.float64)
    coords = np.asarray(coords, dtype=np.float64).reshape(y.size, -1)
    candidates = np.asarray([n_segments] if n_segments else list(candidates), dtype=int)
    order = np.argsort(y, kind="stable")
    fold_of = np.empty(y.size, dtype=int)
    fold_of[order] = np.arange(y.size) % N_FOLDS
    errors = np.zeros(candidates.size)
    for i, n in enumerate(candidates):
        if len(candidates) == 1:
            break
        sq = 0.0
        for fold in range(N_FOLDS):
            train, test = fold_of != fold, fold_of == fold
            knots = _knots(y[train], int(n))
            values = _fit_values(y[train], coords[train], knots)
            pred = _hat_basis(y[test], knots) @ values
            sq += np.sum((pred - coords[test]) ** 2)
        errors[i] = sq / coords.size
    chosen = int(candidates[np.flatnonzero(errors <= errors.min() * 1.01)[0]])
    knots = _knots(y, chosen)
    return PiecewiseLinear(knots=knots, values=_fit_values(y, coords, knots),
                           y_range=np.array([y.min(), y.max()]), cv_errors=errors,
                           candidates=candidates)
