"""The VAE baseline of Hsu, Zhang and Glass (2017): attribute editing by latent translation.

For factor i, the attribute mean mu_i(v) is the average posterior mean (over the stable
middle segment, as ``sfvae learn`` encodes them) of the factor dataset D_i's examples whose
factor value is v, averaged over the dataset's contexts; between grid values it is
interpolated linearly, outside the grid it is the end value. Editing frame t moves

    z'_t = z_t - mu_i(y_src,t) + mu_i(y_tgt,t)

where y_src,t is the input's own value measured with Praat at that frame (f0: the pitch
track, unvoiced gaps bridged; formants: Burg tracks on voiced frames, gap-filled and
median-smoothed, see :mod:`sfvae.baselines.tracks`). Everything else is as in the "sfvae"
method, so that only the latent manipulation differs: the same encoder input, the same
voicing policy (f0 moved on voiced frames with the same raised-cosine cross-fade; formants
on every frame), unedited frames keep the input magnitude, and the waveform comes from
:func:`sfvae.phase.reconstruct` started from the input's phase.

The attribute means depend only on the model and the factor datasets; they are computed
on first use (about 25 s) and cached under ``$XDG_CACHE_HOME/sfvae`` (``~/.cache/sfvae``)
keyed by the model's weights fingerprint, the seed and the synthesizer's source.
Whisper has no attribute dataset, so this method refuses it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..editing import EditRequest, build_options, target_per_frame
from ..errors import ArgumentError
from ..factors import FACTORS

CACHE_VERSION = 1


@dataclass
class AttributeMeans:
    """mu_i(v) on the grid of one factor: ``values`` [V] increasing, ``means`` [V, K]."""

    factor: str
    values: np.ndarray
    means: np.ndarray

    @property
    def range(self) -> tuple[float, float]:
        return float(self.values[0]), float(self.values[-1])

    def __call__(self, y) -> np.ndarray:
        """Interpolated attribute mean for each value in ``y`` [...] -> [..., K]."""
        y = np.asarray(y, dtype=np.float64)
        flat = y.reshape(-1)
        out = np.stack([np.interp(flat, self.values, self.means[:, k])
                        for k in range(self.means.shape[1])], axis=-1)
        return out.reshape(y.shape + (self.means.shape[1],))


def attribute_means_from(values: np.ndarray, mu: np.ndarray, factor: str) -> AttributeMeans:
    """Average the per-example posterior means ``mu`` [N, K] of equal factor ``values`` [N]."""
    values = np.asarray(values, dtype=np.float64)
    grid, inverse = np.unique(np.round(values, 6), return_inverse=True)
    sums = np.zeros((grid.size, mu.shape[1]))
    np.add.at(sums, inverse, mu)
    counts = np.bincount(inverse, minlength=grid.size)[:, None]
    return AttributeMeans(factor, grid, sums / counts)


def _cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "sfvae" / "attribute_means"


def _synth_fingerprint() -> str:
    """Hash of the synthesizer's source: a changed synthesizer gives other datasets."""
    from ..synth import factors as factors_mod
    from ..synth import soundgen

    h = hashlib.sha256()
    for mod in (factors_mod, soundgen):
        h.update(Path(mod.__file__).read_bytes())
    return h.hexdigest()[:12]


def compute_attribute_means(model, factors=FACTORS, seed: int = 0,
                            stride: int = 1) -> dict[str, AttributeMeans]:
    """Synthesise D_i (sfvae.synth), encode it like ``sfvae learn``, average per value.

    ``stride`` > 1 keeps every k-th value of the released grids (ends kept): coarser means,
    computed k times faster (tests).
    """
    from ..control.learn import encode_examples
    from ..factors import factor_grid
    from ..synth.factors import factor_dataset

    out = {}
    for name in factors:
        grid = factor_grid(name, "paper", stride)
        data = factor_dataset(name, grid=grid, seed=seed, grid_set="paper")
        mu, _ = encode_examples(model, data.audio)
        out[name] = attribute_means_from(data.values, mu, name)
    return out


def load_attribute_means(model, seed: int = 0, cache: bool = True,
                         stride: int = 1) -> dict[str, AttributeMeans]:
    """Attribute means of all four factors for ``model``, from the cache when present."""
    from ..control.learn import model_fingerprint
    from ..fileio import atomic_path

    if int(stride) < 1:
        raise ArgumentError(f"attribute_stride must be >= 1, got {stride}")
    stride = int(stride)
    key = (f"v{CACHE_VERSION}_{model_fingerprint(model)}_seed{seed}_stride{stride}_"
           f"{_synth_fingerprint()}.npz")
    path = _cache_dir() / key
    if cache and path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                return {n: AttributeMeans(n, data[f"{n}.values"], data[f"{n}.means"]) for n in FACTORS}
        except (OSError, KeyError, ValueError):
            pass  # unreadable cache: recompute and overwrite
    means = compute_attribute_means(model, FACTORS, seed, stride)
    if cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            arrays = {}
            for n, m in means.items():
                arrays[f"{n}.values"], arrays[f"{n}.means"] = m.values, m.means
            with atomic_path(path, suffix=".npz") as tmp:
                with open(tmp, "wb") as fh:
                    np.savez(fh, **arrays)
        except OSError:
            pass  # a read-only home: work without the cache
    return means


_MEMO: dict[tuple, dict[str, AttributeMeans]] = {}


def _means_for(model, seed: int, stride: int) -> dict[str, AttributeMeans]:
    key = (id(model), seed, stride)
    if key not in _MEMO:
        _MEMO.clear()
        _MEMO[key] = load_attribute_means(model, seed, stride=stride)
    return _MEMO[key]


def translate_latents(z: np.ndarray, request: EditRequest, means: dict[str, AttributeMeans],
                      source: dict[str, np.ndarray], voiced: np.ndarray | None = None,
                      crossfade: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """z - mu(y_src) + mu(y_tgt) per frame for each requested factor; returns (z', weight).

    ``source``: the input's value per frame for each factor to edit (no NaN).
    ``voiced``: frames where f0 is moved (cross-faded), None for every frame.
    """
    from ..control.latent_edit import CROSSFADE_FRAMES, crossfade_weights

    crossfade = CROSSFADE_FRAMES if crossfade is None else crossfade
    n = z.shape[0]
    z = np.asarray(z, dtype=np.float64).copy()
    weight = np.zeros(n)
    targets = request.targets()
    if request.f0_scale is not None:
        targets = {"f0": source["f0"] * float(request.f0_scale), **targets}
    for name in FACTORS:
        if name not in targets:
            continue
        y_target = target_per_frame(targets[name], n)
        lo, hi = means[name].range
        if request.f0_scale is None or name != "f0":
            if y_target.min() < lo - 1e-9 or y_target.max() > hi + 1e-9:
                bad = y_target.min() if y_target.min() < lo else y_target.max()
                raise ArgumentError(f"--{name} {bad:g} Hz is outside the range of the factor "
                                    f"dataset ({lo:g}-{hi:g} Hz)")
        w = crossfade_weights(voiced, crossfade) if (name == "f0" and voiced is not None) else np.ones(n)
        shift = means[name](y_target) - means[name](source[name])
        z += w[:, None] * shift
        weight = np.maximum(weight, w)
    return z, weight


def _source_values(audio: np.ndarray, request: EditRequest, n: int) -> tuple[dict, np.ndarray | None]:
    from ..control.input_analysis import frame_f0
    from ..conventions import frame_times
    from .tracks import formants_at

    source, voiced = {}, None
    if request.f0 is not None or request.f0_scale is not None:
        f0 = frame_f0(audio, n)
        voiced = np.isfinite(f0)
        if not voiced.any():
            raise ArgumentError("method vae-baseline: no voiced frame in the input, its f0 "
                                "cannot be measured")
        idx = np.flatnonzero(voiced)
        source["f0"] = np.interp(np.arange(n), idx, f0[voiced])
    edited = [k for k in (1, 2, 3) if getattr(request, f"f{k}") is not None]
    if edited:
        tracks = formants_at(audio, frame_times(n), n_tracks=max(edited))
        for k in edited:
            if not np.isfinite(tracks[:, k - 1]).any():
                raise ArgumentError(f"method vae-baseline: Praat finds no F{k} in the input")
            source[f"f{k}"] = tracks[:, k - 1]
    return source, voiced


@dataclass(frozen=True)
class LatentTranslationOptions:
    """Options of method "vae-baseline".

    model : VAE, path or None (the shipped default). phase, n_iter : phase reconstruction
    (sfvae.phase). seed, attribute_stride : of the factor datasets the attribute means come
    from. keep_unedited, voicing : as in method sfvae.
    """

    model: Any = None
    phase: str | None = None
    n_iter: int | None = None
    seed: int = 0
    keep_unedited: bool = True
    voicing: str = "voiced"
    attribute_stride: int = 1

    def __post_init__(self) -> None:
        from .. import phase as phase_mod
        from ..model import load_model
        from ..model.vae import VAE

        if self.voicing not in ("voiced", "all"):
            raise ArgumentError(f"unknown voicing policy {self.voicing!r}; choose one of voiced, all")
        if self.phase is not None and self.phase not in phase_mod.METHODS:
            raise ArgumentError(f"unknown phase reconstruction method {self.phase!r}; "
                                f"choose one of {', '.join(phase_mod.METHODS)}")
        if int(self.attribute_stride) < 1:
            raise ArgumentError(f"attribute_stride must be >= 1, got {self.attribute_stride}")
        if not isinstance(self.model, VAE):
            object.__setattr__(self, "model", load_model(self.model))


Options = LatentTranslationOptions


def edit_audio(audio: np.ndarray, request: EditRequest,
               options: LatentTranslationOptions | None = None, **fields) -> np.ndarray:
    """Edit by latent translation (options: :class:`LatentTranslationOptions`)."""
    from .. import audio as audio_io
    from ..control.input_analysis import analyse_input
    from ..control.latent_edit import LatentEdit
    from ..control.render import render_decoded

    opts = build_options(LatentTranslationOptions, "vae-baseline", options, fields)
    if request.whisper:
        raise ArgumentError("method vae-baseline cannot whisper (the factor datasets have no "
                            "voicing attribute to translate)")
    audio = audio_io.check_audio(audio)
    means = _means_for(opts.model, opts.seed, opts.attribute_stride)
    analysis = analyse_input(audio, opts.model, track_f0=False)
    n = analysis.n_frames
    source, voiced = _source_values(audio, request, n)
    z, weight = translate_latents(analysis.z, request, means, source,
                                  voiced if opts.voicing == "voiced" else None)
    f0 = np.full(n, np.nan)
    if "f0" in source:
        target = (source["f0"] * request.f0_scale if request.f0_scale is not None
                  else target_per_frame(request.f0, n))
        f0 = np.where(weight > 0, target, np.nan)
    edit = LatentEdit(z=z, weight=weight, f0=f0, changes_source="f0" in source)
    # The same decoding and phase reconstruction as method sfvae's paper path, so only the
    # latent edit differs.
    return render_decoded(opts.model, analysis, edit, audio.size, phase=opts.phase,
                          n_iter=opts.n_iter, keep_unedited=opts.keep_unedited)
