"""Learning the control of a model: subspaces and regressions from the factor datasets.

One point per labelled file: the posterior means and variances averaged over the frames of
the stable middle segment (samples 3000-6000; the frames whose whole window lies inside).
The datasets are those of ``sfvae synth factors`` (sfvae.synth.factors): by default the
human ranges with four voices (``grid_set="human"``), or the paper's (``"paper"``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import __version__
from .. import audio as audio_io
from ..conventions import HOP_LENGTH, N_FFT
from ..errors import ArgumentError, InputError
from ..factors import DEFAULT_GRID_SET, FACTORS, check_grid_set, factor_grid
from ..fileio import atomic_path, check_input
from .regression import SEGMENT_CANDIDATES, PiecewiseLinear, fit_piecewise_linear
from .subspace import Subspace, active_units, fit_subspace

FORMAT = "sfvae-control"
VERSION = 1
SEGMENT = (3000, 6000)  # stable middle segment of each labelled file, in samples


def segment_frames(start: int = SEGMENT[0], stop: int = SEGMENT[1]) -> np.ndarray:
    """Indices of the centred frames whose window [t*hop - n/2, t*hop + n/2) lies in [start, stop)."""
    first = -(-(start + N_FFT // 2) // HOP_LENGTH)
    last = (stop - N_FFT // 2) // HOP_LENGTH
    return np.arange(first, last + 1)


def encode_examples(model, waveforms: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per file: posterior mean and variance averaged over the middle-segment frames -> [N, K]."""
    frames = segment_frames()
    powers = []
    for i, x in enumerate(waveforms):
        x = np.asarray(x, dtype=np.float32)
        if x.size < SEGMENT[1]:
            raise InputError(f"example {i}", f"{x.size} samples, shorter than {SEGMENT[1]}")
        powers.append(audio_io.power_spectrogram(audio_io.normalize_peak(x))[frames])
    if not powers:
        raise ArgumentError("a factor dataset has no examples")
    power = np.stack(powers)                                  # [N, T, F]
    mu, var = model.encode_numpy(power.reshape(-1, power.shape[-1]))
    n = power.shape[0]
    return mu.reshape(n, len(frames), -1).mean(axis=1), var.reshape(n, len(frames), -1).mean(axis=1)


@dataclass
class FactorControl:
    subspace: Subspace
    regression: PiecewiseLinear   # pooled over all contexts
    # One regression per speaker-like voice of the datasets (same subspace): the map from
    # Hz to coordinates depends on the voice (measured: see README).
    speakers: dict[str, PiecewiseLinear] = field(default_factory=dict)


@dataclass
class Control:
    """Per factor: subspace (m_i, U_i) and regression g_i; plus how it was learned."""

    factors: dict[str, FactorControl]
    metadata: dict = field(default_factory=dict)
    speaker_f0: dict[str, float] = field(default_factory=dict)  # each voice's own f0 (Hz)

    def regression(self, factor: str, voice_f0: float | None = None):
        """g_i for a voice of f0 ``voice_f0`` (Hz): the speakers' regressions interpolated
        linearly in log f0 between the two nearest speakers that cover each value (clamped
        outside them; :class:`~sfvae.control.regression.SpeakerBlend`); the pooled
        regression when ``voice_f0`` is None or the control has no speakers."""
        from .regression import SpeakerBlend

        fc = self._get(factor)
        if voice_f0 is None or not np.isfinite(voice_f0) or len(fc.speakers) < 2:
            return fc.regression
        names = list(fc.speakers)
        return SpeakerBlend([fc.speakers[n] for n in names],
                            [self.speaker_f0[n] for n in names], voice_f0)

    def _get(self, factor: str) -> FactorControl:
        if factor not in self.factors:
            raise ArgumentError(f"the control has no factor {factor!r} (has {', '.join(self.factors)})")
        return self.factors[factor]

    def range(self, factor: str) -> tuple[float, float]:
        lo, hi = self._get(factor).regression.y_range
        return float(lo), float(hi)

    def project(self, factor: str, z: np.ndarray) -> np.ndarray:
        """U_i^T (z - m_i) for latent vectors [..., K] -> [..., M_i]."""
        return self._get(factor).subspace.project(z)

    def coordinates_for(self, factor: str, y, voice_f0: float | None = None) -> np.ndarray:
        """Subspace coordinates g_i(y) of factor values y in Hz [...] -> [..., M_i]."""
        return self.regression(factor, voice_f0)(y)

    def invert(self, factor: str, coords: np.ndarray, voice_f0: float | None = None) -> np.ndarray:
        """Factor value (Hz) in the learned range whose g_i is nearest to the coordinates."""
        return self.regression(factor, voice_f0).invert(coords)

    def set_factor(self, factor: str, z: np.ndarray, y, voice_f0: float | None = None) -> np.ndarray:
        """z - U U^T (z - m) + U g(y): the factor of each latent vector set to y (Hz)."""
        return self._get(factor).subspace.with_coordinates(z, self.coordinates_for(factor, y, voice_f0))

    def remove_factor(self, factor: str, z: np.ndarray) -> np.ndarray:
        """z - U U^T (z - m): the factor's subspace removed (whisper, for f0)."""
        return self._get(factor).subspace.remove(z)

    # -- file format: one .npz, plain arrays only (loaded with allow_pickle=False) --------

    def save(self, path: str | os.PathLike) -> Path:
        arrays: dict[str, np.ndarray] = {
            "format": np.array(FORMAT), "version": np.array(VERSION),
            "factors": np.array(list(self.factors)),
            "metadata": np.array(json.dumps(self.metadata, sort_keys=True)),
            "speakers": np.array(sorted(self.speaker_f0), dtype=str),
            "speaker_f0": np.array([self.speaker_f0[n] for n in sorted(self.speaker_f0)], dtype=float),
        }
        for name, fc in self.factors.items():
            s, r = fc.subspace, fc.regression
            arrays.update({
                f"{name}.mean": s.mean, f"{name}.basis": s.basis,
                f"{name}.eigenvalues": s.eigenvalues, f"{name}.variance_ratio": s.variance_ratio,
                f"{name}.knots": r.knots, f"{name}.values": r.values, f"{name}.y_range": r.y_range,
                f"{name}.cv_errors": r.cv_errors, f"{name}.candidates": r.candidates,
            })
            for spk, reg in fc.speakers.items():
                arrays.update({f"{name}.speaker.{spk}.knots": reg.knots,
                               f"{name}.speaker.{spk}.values": reg.values,
                               f"{name}.speaker.{spk}.y_range": reg.y_range,
                               f"{name}.speaker.{spk}.cv_errors": reg.cv_errors,
                               f"{name}.speaker.{spk}.candidates": reg.candidates})
        path = Path(path)
        with atomic_path(path, suffix=".npz") as tmp:
            with open(tmp, "wb") as fh:  # a file object: numpy does not append ".npz"
                np.savez(fh, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Control:
        path = check_input(path, "control")
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile):
            # numpy's own message asks to "load it unsafely" (pickle): never the advice here.
            raise InputError(path, "not an sfvae control file (not an .npz archive; control "
                                   "files are written by `sfvae learn`)") from None
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise InputError(path, "not an sfvae control file (a single .npy array, not an "
                                   ".npz archive written by `sfvae learn`)")
        try:
            with data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            problem = " ".join(str(exc).split())[:80]
            raise InputError(path, f"truncated or corrupt control file ({problem})") from None
        if str(arrays.get("format", "")) != FORMAT:
            raise InputError(path, "not an sfvae control file (no sfvae-control header)")
        if int(arrays["version"]) > VERSION:
            raise InputError(path, f"control format version {int(arrays['version'])} is newer "
                                   f"than this sfvae understands ({VERSION}); upgrade sfvae")
        factors = {}
        try:
            for name in [str(n) for n in arrays["factors"]]:
                speakers = {str(spk): _regression(arrays, f"{name}.speaker.{spk}")
                            for spk in arrays.get("speakers", [])}
                factors[name] = FactorControl(
                    Subspace(arrays[f"{name}.mean"], arrays[f"{name}.basis"],
                             arrays[f"{name}.eigenvalues"], arrays[f"{name}.variance_ratio"]),
                    _regression(arrays, name), speakers)
            speaker_f0 = {str(n): float(f) for n, f in zip(arrays.get("speakers", []),
                                                          arrays.get("speaker_f0", []))}
            metadata = json.loads(str(arrays["metadata"]))
        except KeyError as exc:
            raise InputError(path, f"control file is missing array {exc}") from None
        except (ValueError, TypeError, IndexError) as exc:  # wrong dtypes, shapes, bad JSON
            problem = " ".join(str(exc).split())[:80]
            raise InputError(path, f"control file holds malformed arrays ({problem})") from None
        return cls(factors, metadata, speaker_f0)


def _regression(arrays: dict, prefix: str) -> PiecewiseLinear:
    return PiecewiseLinear(arrays[f"{prefix}.knots"], arrays[f"{prefix}.values"],
                           arrays[f"{prefix}.y_range"], arrays[f"{prefix}.cv_errors"],
                           arrays[f"{prefix}.candidates"])


def default_control_path() -> Path:
    """The control file shipped with the default model (sfvae/data/default_control.npz)."""
    from importlib import resources

    return Path(str(resources.files("sfvae") / "data" / "default_control.npz"))


def load_control(control=None) -> Control:
    """A Control object, a path to a control file, or None (the shipped default)."""
    if isinstance(control, Control):
        return control
    path = default_control_path() if control is None else Path(control)
    if control is None and not path.exists():
        raise InputError(path, "the default control file is not installed with this copy of "
                               "sfvae; run `sfvae learn -o CONTROL` and pass --control")
    return Control.load(path)


def model_fingerprint(model) -> str:
    """SHA-256 (first 16 hex digits) of the model weights, to match a control to its model."""
    h = hashlib.sha256()
    for key, tensor in sorted(model.state_dict().items()):
        h.update(key.encode())
        h.update(tensor.detach().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def source_revision() -> str | None:
    """The git revision of the sfvae source tree (``-dirty`` with uncommitted changes to
    tracked files), or None outside a git checkout: recorded with every learned control."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("-dirty" if dirty else "") if rev else None


def _entry(waves, values, contexts=None, speakers=None, voice_f0=None) -> dict:
    def column(x):
        return None if x is None else np.asarray(x)

    return {"waves": list(waves), "values": np.asarray(values, dtype=np.float64),
            "contexts": column(contexts), "speakers": column(speakers),
            "voice_f0": None if voice_f0 is None else np.asarray(voice_f0, dtype=np.float64)}


def _from_dataset(ds) -> dict:
    """A FactorDataset: its contexts, speakers and each file's f0 label."""
    return _entry(ds.audio, ds.values, ds.column("context"), ds.column("speaker"), ds.column("f0"))


def _factor_datasets(factors, seed: int, jobs: int = 1, grid_stride: int = 1,
                     grid_set: str = DEFAULT_GRID_SET) -> tuple[dict, dict]:
    """Normalise ``factors`` to {name: entry dict (see _entry)} and describe the source."""
    if factors is None or isinstance(factors, (str, os.PathLike)):
        from ..synth.factors import factor_dataset, load_factor_dataset

        data, sets = {}, set()
        for name in FACTORS:
            ds = (factor_dataset(name, grid=factor_grid(name, grid_set, grid_stride), seed=seed,
                                 jobs=jobs, grid_set=grid_set)
                  if factors is None else load_factor_dataset(factors, name))
            data[name] = _from_dataset(ds)
            sets.update(str(row.get("grid_set", "paper")) for row in ds.labels)
        if factors is None:
            return data, {"source": "sfvae.synth.factors.factor_dataset", "grid_set": grid_set,
                          "seed": seed, "grid_stride": grid_stride}
        return data, {"source": str(Path(factors).resolve()), "grid_set": ",".join(sorted(sets))}
    if isinstance(factors, Mapping):
        data, sets = {}, set()
        for name, entry in factors.items():
            if hasattr(entry, "audio") and hasattr(entry, "values"):  # a FactorDataset
                data[name] = _from_dataset(entry)
                sets.update(str(row.get("grid_set", "")) for row in entry.labels)
            else:
                data[name] = _entry(*entry)
                sets.add("")
        return data, {"source": "datasets given to learn()",
                      "grid_set": ",".join(sorted(sets - {""})) if "" not in sets else ""}
    raise ArgumentError("factors must be None, a directory, or {name: FactorDataset | "
                        "(waveforms, values[, contexts[, speakers[, f0 per file]]])}")


def _speaker_f0(data: dict) -> dict[str, float]:
    """Each speaker's own f0: the median f0 label of its files outside the f0 dataset."""
    pooled: dict[str, list] = {}
    for name, entry in data.items():
        if entry["speakers"] is None or entry["voice_f0"] is None or name == "f0":
            continue
        for spk, f0 in zip(entry["speakers"], entry["voice_f0"]):
            pooled.setdefault(str(spk), []).append(f0)
    return {spk: float(np.median(v)) for spk, v in pooled.items()}


def learn(model=None, factors=None, threshold: float = 0.8, n_axes=None, seed: int = 0,
          n_segments: int | None = None, command: str | None = None, jobs: int = 1,
          pool_contexts: bool = True, grid_stride: int = 1,
          posterior_variance: bool = True, grid_set: str = DEFAULT_GRID_SET) -> Control:
    """Learn subspaces and regressions of f0..f3 for ``model``.

    ``model``: a VAE, a path, or None (shipped default). ``factors``: None (generate the
    datasets of ``grid_set`` with sfvae.synth: "human", the default, or "paper"), a
    directory written by ``sfvae synth factors``, or
    {name: FactorDataset | (waveforms, values[, contexts])}. With contexts (several fixed
    voices/vowels per dataset) the covariance is pooled within contexts, so that the
    differences between contexts (speaker, vowel) do not enter the factor's subspace.
    ``n_axes``: None (by ``threshold``), an int for all factors, or {name: int} / a sequence
    in the order of the factors. ``n_segments`` fixes the regression's segment count
    (default: chosen by cross-validation). ``grid_stride`` > 1 thins the generated grids
    (every k-th value, ends kept) for quick, coarser controls (tests).
    ``posterior_variance=False`` leaves the diag(sigma^2) term out of S_i (covariance of the
    posterior means only).
    """
    from ..model import load_model
    from ..model.vae import VAE

    model_path = None
    if not isinstance(model, VAE):
        model_path = str(model) if model is not None else "default"
        model = load_model(model)
    # Options are checked before the (slow) datasets are generated or read.
    if n_axes is None or isinstance(n_axes, Mapping):
        axes = dict(n_axes or {})
    elif isinstance(n_axes, int):
        axes = {n: n_axes for n in FACTORS}
    else:
        n_axes = list(n_axes)
        if len(n_axes) != len(FACTORS):
            raise ArgumentError(f"--axes needs {len(FACTORS)} numbers ({', '.join(FACTORS)}), "
                                f"got {len(n_axes)}")
        axes = dict(zip(FACTORS, (int(a) for a in n_axes)))
    if any(a < 1 for a in axes.values()):
        raise ArgumentError(f"numbers of axes must be >= 1, got {axes}")
    if not axes and not 0.0 < threshold <= 1.0:
        raise ArgumentError(f"variance threshold must be in (0, 1], got {threshold}")
    check_grid_set(grid_set)
    factor_grid(FACTORS[0], grid_set, grid_stride)  # checks the stride
    data, source = _factor_datasets(factors, seed, jobs, grid_stride, grid_set)
    names = list(data)
    speaker_f0 = _speaker_f0(data)
    # the widest set's candidates when a folder mixes or names no set
    sets = source["grid_set"].split(",") if source.get("grid_set") else ["human"]
    candidates = SEGMENT_CANDIDATES["paper" if sets == ["paper"] else "human"]
    out = {}
    encoded = {}
    for name in names:
        entry = data[name]
        if len(entry["waves"]) != len(entry["values"]):
            raise ArgumentError(f"factor {name}: {len(entry['waves'])} waveforms but "
                                f"{len(entry['values'])} values")
        encoded[name] = encode_examples(model, entry["waves"])
    # Active units over all factor datasets together (collapsed dimensions stay out of U_i).
    active = active_units(np.concatenate([mu for mu, _ in encoded.values()]))
    for name in names:
        entry = data[name]
        values, contexts = entry["values"], entry["contexts"]
        mu, var = encoded[name]
        sub = fit_subspace(mu, var if posterior_variance else None, threshold=threshold,
                           n_axes=axes.get(name), groups=contexts if pool_contexts else None,
                           active=active)
        coords = sub.project(mu)
        reg = fit_piecewise_linear(values, coords, candidates, n_segments=n_segments)
        speakers = {}
        if entry["speakers"] is not None and len(speaker_f0) >= 2:
            for spk in speaker_f0:
                sel = entry["speakers"].astype(str) == spk
                if np.unique(values[sel]).size >= 8:
                    speakers[spk] = fit_piecewise_linear(values[sel], coords[sel], candidates,
                                                         n_segments=n_segments)
            if set(speakers) != set(speaker_f0):
                speakers = {}
        out[name] = FactorControl(sub, reg, speakers)
    if any(not fc.speakers for fc in out.values()):
        speaker_f0 = {}
        for fc in out.values():
            fc.speakers = {}
    metadata = {
        "model": model_path if model_path is not None else getattr(model, "metadata", {}).get("path", "object"),
        "model_sha256_16": model_fingerprint(model),
        "factors": source, "seed": seed, "threshold": threshold,
        "n_axes": {n: out[n].subspace.n_axes for n in names},
        "n_axes_fixed": bool(axes), "n_segments": {n: out[n].regression.n_segments for n in names},
        "n_examples": {n: len(data[n]["values"]) for n in names},
        "pool_contexts": pool_contexts, "posterior_variance": posterior_variance,
        "speaker_f0": speaker_f0,
        "active_units": [int(k) for k in np.flatnonzero(active)],
        "n_contexts": {n: (1 if data[n]["contexts"] is None
                           else len(set(map(str, data[n]["contexts"])))) for n in names},
        "segment_samples": list(SEGMENT),
        "command": command if command is not None else " ".join(sys.argv),
        "git_revision": source_revision(),
        "sfvae_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return Control(out, metadata, speaker_f0)
