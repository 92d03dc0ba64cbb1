"""Decoder-in-the-loop refinement of an edit: formants read off the decoded spectra.

The paper's edit sets a factor's latent coordinates once, z' = z - U U^T (z - m) + U g(y).
Two things keep the decoded vowel from showing exactly y with the other factors unchanged:
g was fitted on the factor datasets, not on this input (the part of the factor outside the
subspace, about 20 % of its variance, stays at the input's value and pulls the result back),
and the subspaces are not orthogonal (setting f0 moves F1). Refinement measures the
formants of the decoded power spectra and takes a few damped Gauss-Newton steps, per
frame, inside the span of the formant subspaces: the edited formants go to their targets,
the others back to their values in the input, and f0's coordinates stay where the edit put
them (or, when f0 is not edited, go back to the input's) (a step outside that span, or
along f0's axes, disturbs the harmonics). The Jacobian
is taken by finite differences through the decoder (one decode per axis of the span)
at the first iterate and updated by Broyden's rank-one rule after each step.

The formants are those of an all-pole model of each power spectrum, the way Praat's "To
Formant (burg)" models a waveform: 5500 Hz ceiling, order 10 (5 formants), pre-emphasis
from 50 Hz; on synthesized vowels they agree with Praat within about 1 % (tests). They are
computed from the spectrum directly (autocorrelation = inverse FFT of the power spectrum,
Levinson-Durbin, roots), because the decoder gives spectra, not waveforms. Written here
because no library estimates formants from a batch of power spectra.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from ..conventions import N_FFT, SAMPLE_RATE
from ..factors import FORMANTS
from ..measure import MAX_FORMANT, N_FORMANTS

CEILING_HZ = MAX_FORMANT  # the all-pole fit sees what Praat's Burg analysis sees
LPC_ORDER = 2 * N_FORMANTS  # a pole pair per formant, as Praat's Burg
PRE_EMPHASIS_HZ = 50.0   # Praat's default
FD_STEP = 0.05           # latent step of the finite-difference Jacobian
F0_KEEP = 1.0            # weight of keeping f0's coordinates (rows of the least squares)
LEVENBERG = 1e-3         # damping of the normal equations
DAMPING = 0.7            # fraction of the Gauss-Newton step taken
MAX_STEP = 0.2           # largest error acted on per iteration, as a fraction of the value
JACOBIAN_STRIDE = 1       # frames per first Jacobian, shared with neighbours (4: measured, not adopted)
CHUNK_FRAMES = 2048      # frames refined at once (bounds the decoder's batch)


def _levinson(r: np.ndarray, order: int) -> np.ndarray:
    """Predictor polynomials [T, order + 1] (a0 = 1) from autocorrelations [T, >= order + 1]."""
    n = r.shape[0]
    a = np.zeros((n, order + 1))
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    for i in range(1, order + 1):
        acc = r[:, i] + np.einsum("tj,tj->t", a[:, 1:i], r[:, i - 1:0:-1])
        k = -acc / np.maximum(err, 1e-30)
        a[:, 1:i] = a[:, 1:i] + k[:, None] * a[:, i - 1:0:-1]
        a[:, i] = k
        err = err * (1.0 - k**2)
    return a


@functools.lru_cache(maxsize=4)
def _cosine_lags(n_bins: int) -> np.ndarray:
    """[n_bins, LPC_ORDER + 1]: lags 0..order of irfft for a half spectrum of n_bins (no 1/N)."""
    weights = np.full(n_bins, 2.0)
    weights[[0, -1]] = 1.0
    lags = np.arange(LPC_ORDER + 1)
    return weights[:, None] * np.cos(np.pi * np.outer(np.arange(n_bins), lags) / (n_bins - 1))


def lpc_formants(power: np.ndarray, n_formants: int = 3) -> np.ndarray:
    """Formant frequencies (Hz) of power spectra [T, N_FFT // 2 + 1] -> [T, n_formants].

    NaN where the all-pole model has fewer resonances between 50 Hz and ceiling - 50 Hz.
    """
    power = np.atleast_2d(np.asarray(power, dtype=np.float64))
    freqs = np.arange(power.shape[1]) * SAMPLE_RATE / N_FFT
    keep = freqs <= CEILING_HZ
    a = np.exp(-2 * np.pi * PRE_EMPHASIS_HZ / SAMPLE_RATE)
    emphasis = np.abs(1 - a * np.exp(-2j * np.pi * freqs[keep] / SAMPLE_RATE)) ** 2
    spectrum = power[:, keep] * emphasis
    # The band 0..ceiling as a spectrum sampled at 2 x ceiling: its autocorrelation (the
    # first lags of its inverse real FFT, as one matrix product).
    r = spectrum @ _cosine_lags(spectrum.shape[1])
    poly = _levinson(r, LPC_ORDER)
    companion = np.zeros((poly.shape[0], LPC_ORDER, LPC_ORDER))
    companion[:, 0, :] = -poly[:, 1:]
    companion[:, np.arange(1, LPC_ORDER), np.arange(LPC_ORDER - 1)] = 1.0
    # torch's batched eigvals: 3x numpy's on many small matrices (LAPACK call overhead).
    roots = torch.linalg.eigvals(torch.from_numpy(companion)).numpy()
    hz = np.angle(roots) * CEILING_HZ / np.pi
    valid = (roots.imag > 0) & (hz > 50.0) & (hz < CEILING_HZ - 50.0)
    hz = np.where(valid, hz, np.inf)
    hz.sort(axis=1)
    out = hz[:, :n_formants]
    return np.where(np.isfinite(out), out, np.nan)


def refine_latents(z_edit: np.ndarray, model, control, power_in: np.ndarray,
                   targets: dict[str, np.ndarray], frames: np.ndarray,
                   n_iter: int = 3, f0_coords: np.ndarray | None = None,
                   input_latents: np.ndarray | None = None) -> np.ndarray:
    """Edited latents [T, K] refined so that the decoded formants meet their goals.

    ``targets``: per-frame targets [T] (Hz) of the edited factors (entries other than f1-f3
    are ignored). ``power_in``: the input's power frames [T, F]; the formants not edited are
    held at their values there. ``frames``: boolean [T], the frames refined (voiced frames
    the edit touched); the others are returned unchanged. ``f0_coords``: [T, M0] f0
    coordinates restored before the first step (the input's, when f0 is not edited: a formant
    edit moves them too, the subspaces being oblique); None keeps them where the edit put them.
    """
    z = np.array(z_edit, dtype=np.float64)
    rows = np.flatnonzero(np.asarray(frames, dtype=bool))
    names = [n for n in FORMANTS if n in control.factors]
    if n_iter <= 0 or rows.size == 0 or not names:
        return z
    held = lpc_formants(power_in[rows])
    # What multiplies the decoded spectrum before its formants are read: 1, or the input's
    # power over the input's own decoded spectrum (its source, filter removed).
    input_source = np.ones((z.shape[0], 1))
    if input_latents is not None:
        input_source = power_in / model.decode_numpy(np.asarray(input_latents, np.float32)).astype(np.float64)
    goals = np.stack([np.asarray(targets[n], dtype=np.float64)[rows] if n in targets
                      else held[:, FORMANTS.index(n)] for n in FORMANTS], axis=1)   # [R, 3]
    span, sv, _ = np.linalg.svd(np.concatenate([control.factors[n].subspace.basis for n in names],
                                               axis=1), full_matrices=False)
    span = span[:, sv > 1e-6]                                                       # [K, P]
    f0_sub = control.factors["f0"].subspace
    keep = F0_KEEP * (f0_sub.basis.T @ span)                                        # [M0, P]
    for start in range(0, rows.size, CHUNK_FRAMES):
        chunk = rows[start:start + CHUNK_FRAMES]
        goal = goals[start:start + CHUNK_FRAMES]
        if f0_coords is not None:
            z[chunk] = f0_sub.with_coordinates(z[chunk], f0_coords[chunk])
        # The first Jacobian on every JACOBIAN_STRIDE-th frame, shared with its neighbours
        # (adjacent frames' latents are close); Broyden then updates each frame's own copy.
        if JACOBIAN_STRIDE == 1:
            now, jac = _formants_and_jacobian(z[chunk], model, span, input_source[chunk])
        else:
            sub = np.arange(0, chunk.size, JACOBIAN_STRIDE)
            _, jac = _formants_and_jacobian(z[chunk[sub]], model, span, input_source[chunk[sub]])
            jac = jac[np.minimum(np.arange(chunk.size) // JACOBIAN_STRIDE, sub.size - 1)]
            now = lpc_formants(model.decode_numpy(z[chunk].astype(np.float32)) * input_source[chunk])
        for i in range(n_iter):
            step = DAMPING * _gauss_newton_step(now, jac, goal, keep)       # [R, P]
            z[chunk] += step @ span.T
            if i + 1 < n_iter:   # Broyden: the Jacobian updated from the step's effect
                before, now = now, lpc_formants(
                    model.decode_numpy(z[chunk].astype(np.float32)) * input_source[chunk])
                jac = _broyden(jac, step, now - before)
    return z


def _formants_and_jacobian(z: np.ndarray, model, span: np.ndarray,
                           input_source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Formants [R, 3] of the decoded spectra times ``input_source`` [R, F or 1], and their
    finite-difference Jacobian [R, 3, P] along ``span``."""
    n_rows, n_span = z.shape[0], span.shape[1]
    probes = np.concatenate([z[None], z[None] + FD_STEP * span.T[:, None, :]], axis=0)
    decoded = model.decode_numpy(probes.reshape(-1, z.shape[1]).astype(np.float32))
    decoded = decoded.reshape(n_span + 1, n_rows, -1) * input_source[None]
    formants = lpc_formants(decoded.reshape(-1, decoded.shape[-1])).reshape(
        n_span + 1, n_rows, len(FORMANTS))
    now = formants[0]
    return now, np.transpose(formants[1:] - now[None], (1, 2, 0)) / FD_STEP


def _broyden(jac: np.ndarray, step: np.ndarray, change: np.ndarray) -> np.ndarray:
    """Rank-one secant update of the Jacobians [R, 3, P] by the steps [R, P] and the formant
    changes [R, 3] they caused (rows with a formant lost keep their Jacobian)."""
    miss = change - np.einsum("rip,rp->ri", jac, step)
    norm = np.einsum("rp,rp->r", step, step)
    update = miss[:, :, None] * step[:, None, :] / np.maximum(norm, 1e-12)[:, None, None]
    good = np.isfinite(update).all(axis=(1, 2)) & (norm > 1e-12)
    return np.where(good[:, None, None], jac + update, jac)


def _gauss_newton_step(now: np.ndarray, jac: np.ndarray, goals: np.ndarray,
                       keep: np.ndarray) -> np.ndarray:
    """Step [R, P] in span coordinates: least squares on the relative formant errors, with
    the change of the f0 coordinates (rows ``keep``) asked to be zero."""
    n_rows, n_span = jac.shape[0], jac.shape[2]
    error = np.clip(goals - now, -MAX_STEP * now, MAX_STEP * now)
    ok = np.isfinite(error) & np.isfinite(jac).all(axis=2)   # a formant the model lost: skip it
    scale = np.where(ok, 1.0 / np.where(ok, now, 1.0), 0.0)
    a = np.concatenate([np.where(ok[:, :, None], jac, 0.0) * scale[:, :, None],
                        np.broadcast_to(keep, (n_rows,) + keep.shape)], axis=1)
    b = np.concatenate([np.where(ok, error, 0.0) * scale, np.zeros((n_rows, keep.shape[0]))], axis=1)
    gram = np.einsum("rik,ril->rkl", a, a) + LEVENBERG * np.eye(n_span)
    return np.linalg.solve(gram, np.einsum("rik,ri->rk", a, b)[..., None])[..., 0]
