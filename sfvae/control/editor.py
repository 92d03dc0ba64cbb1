"""Editing with the learned control (method "sfvae"): z' = z - U U^T (z - m) + U g(y).

Per frame: encode (posterior mean of the peak-normalised power frame), move the latent
vector, decode the power spectrum, take its square root as magnitude and rebuild a waveform
with :func:`sfvae.phase.reconstruct`, initialised with the input's own phase.

Design decisions (measured; the numbers are in the README):

- Voiced/unvoiced policy (``voicing``): "voiced" (default) applies f0 edits only on the
  frames Praat finds voiced (optionally with a raised-cosine ramp of ``crossfade`` frames
  in the latent space); frames left entirely unedited keep the input's magnitude (the
  VAE's reconstruction of a frame is not the frame), so fricatives, silences and bursts
  pass through. "all" edits and resynthesises every frame, as the released code does.
  Formant edits and whisper apply to every frame (formants shape unvoiced sounds too).
  An input with no voiced frame at all (whispered) gets an f0 target on every frame: that
  re-voices it (METHOD §4).
  Measured on three espeak-ng/MBROLA sentences with the reference weights (f0 = 120, 200,
  x1.3, x0.8; Praat on the output's input-voiced frames): f0 error 2.4 % ("all") vs 1.5 %
  ("voiced"), frames still voiced 97.4 % vs 97.1 %, log-spectral distance to the input on
  unvoiced frames 9.8 dB ("all") vs 3.7 dB ("voiced"; 5.9 dB with a 3-frame ramp).
- Several factors: solved jointly, per frame, as the smallest latent change that puts every
  edited factor's coordinates on its target (:func:`joint_step`); for one factor this is
  METHOD's formula exactly. Keeping the other factors' coordinates too (``protect`` > 0)
  was measured and not adopted (less cross-talk on some factors, lower accuracy on others).
- Speaker-adaptive regression: the factor datasets hold a male- and a female-like voice;
  the map from Hz to latent coordinates differs between them, so the control stores one
  regression per voice and an edit uses them interpolated (in log f0) at the input's
  median f0; the pooled regression when no frame is voiced.
- Refinement (``refine``, default REFINE_ITERATIONS): after the paper's one-shot edit, a
  few Gauss-Newton steps inside the span of the formant subspaces put the decoded
  formants (all-pole model of the decoded spectra, :mod:`sfvae.control.refine`) on their
  targets and hold the formants not edited at their values in the input, on the voiced
  frames; f0's coordinates stay where the edit put them (a formant-only edit first puts
  them back to the input's: its one-shot step moved them). ``refine=0`` is the paper's edit.
- Source (``source``): "auto" gives an edit that leaves f0 alone the input's own source,
  the decoded envelope change applied to the input's STFT (:func:`apply_filter_change`);
  "decoded" decodes and reconstructs the phase for every edit, as the paper does.
- Octave guard (``guard``): an f0 target the model decodes an octave down is lowered a
  few % to one it renders at its own pitch, with a warning (:func:`guard_f0`).
  What each of these changes on the acceptance vowels, and what it costs, is in
  benchmarks/README.md ("Edit accuracy on synthesized vowels", "Editing speed").
- Targets outside the learned range: an explicit --f0/--f1/--f2/--f3 value outside the
  range the regression was learned on is an error (ArgumentError, exit 2); an f0 contour
  derived from the input (``f0_scale``) is clamped to the range with a warning, because a
  voice's own contour may stray outside it on a few frames.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import audio as audio_io
from ..editing import FACTORS, EditRequest, target_per_frame
from ..errors import ArgumentError
from .learn import Control, load_control, model_fingerprint

VOICING_POLICIES = ("voiced", "all")
# Frames of raised-cosine ramp between edited and kept frames. 0: the STFT's 75 % overlap
# already spreads a switch over 64 ms, and a ramp would push the edit into the unvoiced
# neighbours (measured: unvoiced LSD 3.7 dB with 0, 5.9 dB with 3; f0 error 1.5 vs 2.4 %).
CROSSFADE_FRAMES = 0
REFINE_ITERATIONS = 3  # decoder-in-the-loop steps (0: the paper's one-shot edit)
PROTECT_WEIGHT = 0.0   # weight of keeping the other factors' coordinates (joint_step)
RIDGE = 0.05


class RangeWarning(UserWarning):
    """A target was clamped to the range the control was learned on."""


def resolve(model=None, control=None):
    """(model, control) from objects, paths or None (the shipped default pair).

    A control learned for another model is refused (its weights' fingerprint differs).
    """
    from ..model import load_model
    from ..model.vae import VAE

    model = model if isinstance(model, VAE) else load_model(model)
    if not isinstance(control, Control):
        control = load_control(control)
    expected = control.metadata.get("model_sha256_16")
    if expected and expected != model_fingerprint(model):
        raise ArgumentError("the control file was learned for another model (weights fingerprint "
                            f"{expected} vs {model_fingerprint(model)}); give the matching "
                            "--control or run `sfvae learn --model ...`")
    return model, control


def analyse(audio: np.ndarray, model) -> dict:
    """STFT of the peak-normalised input and its latent posterior means, per frame."""
    peak = float(np.max(np.abs(audio)))
    x = audio / peak
    spec = audio_io.stft(x)
    power = (spec.real**2 + spec.imag**2 + audio_io.POWER_FLOOR).astype(np.float32)
    mu, _ = model.encode_numpy(power)
    return {"peak": peak, "spec": spec, "z": mu}


def frame_f0(audio: np.ndarray, n_frames: int) -> np.ndarray:
    """Praat f0 at each STFT frame centre (nearest Praat frame), NaN where unvoiced."""
    from ..conventions import frame_times
    from ..measure import pitch_track

    track = pitch_track(audio)
    times = frame_times(n_frames)
    if track.times.size == 0:
        return np.full(n_frames, np.nan)
    idx = np.clip(np.searchsorted(track.times, times), 0, track.times.size - 1)
    left = np.clip(idx - 1, 0, track.times.size - 1)
    pick = np.where(np.abs(track.times[left] - times) < np.abs(track.times[idx] - times), left, idx)
    # Beyond Praat's first/last frame by more than one hop: unvoiced.
    far = np.abs(track.times[pick] - times) > 0.02
    f0 = track.values[pick].copy()
    f0[far] = np.nan
    return f0


def crossfade_weights(mask: np.ndarray, width: int = CROSSFADE_FRAMES) -> np.ndarray:
    """Binary per-frame mask -> weights in [0, 1] with raised-cosine ramps of ``width`` frames
    placed outside the masked region (masked frames keep weight 1)."""
    mask = np.asarray(mask, dtype=bool)
    if width <= 0 or not mask.any():
        return mask.astype(np.float64)
    idx = np.flatnonzero(mask)
    dist = np.abs(np.arange(mask.size)[:, None] - idx[None, :]).min(axis=1)  # frames to nearest masked
    ramp = 0.5 * (1.0 + np.cos(np.pi * np.clip(dist, 0, width + 1) / (width + 1)))
    return np.where(mask, 1.0, ramp)


def _check_range(control: Control, name: str, values: np.ndarray, clamp: bool) -> np.ndarray:
    lo, hi = control.range(name)
    outside = (values < lo - 1e-9) | (values > hi + 1e-9)
    if not outside.any():
        return values
    if not clamp:
        bad = values[outside]
        raise ArgumentError(f"--{name} {bad.min() if bad.min() < lo else bad.max():g} Hz is outside "
                            f"the range this control was learned on ({lo:g}-{hi:g} Hz)")
    warnings.warn(f"{name}: {int(outside.sum())} of {values.size} frames outside the learned "
                  f"range {lo:g}-{hi:g} Hz were clamped to it", RangeWarning, stacklevel=3)
    return np.clip(values, lo, hi)


def scaled_f0_contour(scale: float, f0_in: np.ndarray | None, control: Control) -> np.ndarray:
    """The input's own f0 contour [T] (unvoiced gaps bridged linearly) times ``scale``,
    clamped to the learned range with a RangeWarning."""
    if f0_in is None or not np.isfinite(f0_in).any():
        raise ArgumentError("--f0-scale: no voiced frame found in the input to scale")
    voiced = np.isfinite(f0_in)
    idx = np.flatnonzero(voiced)
    contour = np.interp(np.arange(voiced.size), idx, f0_in[voiced])
    return _check_range(control, "f0", contour * scale, clamp=True)


def edit_latents(z: np.ndarray, request: EditRequest, control: Control,
                 f0_in: np.ndarray | None = None, voicing: str = "voiced",
                 crossfade: int = CROSSFADE_FRAMES,
                 protect: float = PROTECT_WEIGHT,
                 voice_f0: float | None = None,
                 f0_factor: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Edited latent vectors [T, K] and the per-frame edit weight in [0, 1] (0 = untouched).

    ``f0_factor``: per-frame factors [T] (or a scalar) on the f0 targets, the result kept in
    the learned range (the octave guard's candidates, :func:`guard_f0`).

    ``f0_in``: the input's f0 per frame (NaN unvoiced); needed for ``f0_scale`` and for
    the "voiced" policy. ``protect``: weight of keeping the coordinates of the factors not
    edited (0 = METHOD's formula; see :func:`joint_step`). ``voice_f0``: the input voice's
    own f0 (Hz), choosing the speakers' regressions (None: the pooled regression).
    """
    if voicing not in VOICING_POLICIES:
        raise ArgumentError(f"unknown voicing policy {voicing!r}; choose one of {', '.join(VOICING_POLICIES)}")
    n = z.shape[0]
    z = np.asarray(z, dtype=np.float64)
    if f0_in is not None and voicing == "voiced" and np.isfinite(f0_in).any():
        f0_weight = crossfade_weights(np.isfinite(f0_in), crossfade)
    else:  # "all", or nothing voiced (whispered input): f0 on every frame re-voices it
        f0_weight = np.ones(n)

    targets = request.targets()
    if request.f0_scale is not None:
        targets = {"f0": scaled_f0_contour(request.f0_scale, f0_in, control), **targets}
    coords: dict[str, np.ndarray] = {}   # target coordinates per edited factor, [T, M_i]
    weights: dict[str, np.ndarray] = {}
    for name in FACTORS:
        if name not in targets:
            continue
        y = target_per_frame(targets[name], n)
        if not (name == "f0" and request.f0_scale is not None):
            y = _check_range(control, name, y, clamp=False)
        if name == "f0" and f0_factor is not None:
            y = np.clip(y * f0_factor, *control.range("f0"))
        coords[name] = control.coordinates_for(name, y, voice_f0)
        weights[name] = f0_weight if name == "f0" else np.ones(n)
    if request.whisper:  # the f0 subspace removed: its coordinates set to those of m_0
        coords["f0"] = np.zeros((n, control.factors["f0"].subspace.n_axes))
        weights["f0"] = np.ones(n)
    z = joint_step(z, control, coords, weights, protect)
    weight = np.max(np.stack(list(weights.values())), axis=0) if weights else np.zeros(n)
    return z, weight


def joint_step(z: np.ndarray, control: Control, coords: dict, weights: dict,
               protect: float = PROTECT_WEIGHT) -> np.ndarray:
    """Smallest change of each z that sets the edited factors' coordinates.

    Solves, per frame, min ||d|| subject to U_e^T (z + d - m_e) = c_e for every edited
    factor e (all together) and, with weight ``protect``, U_k^T d = 0 for every factor k not
    edited, in the least-squares sense: d = pinv(A) b. With one edited factor and protect=0
    this is METHOD's z' = z - U U^T (z - m) + U g(y) exactly; with several it is their joint
    solution (not "the later edit wins"). A frame's weight scales its residuals b (cross-fade).
    """
    if not coords:
        return z
    rows, rhs = [], []
    for name in FACTORS:
        if name in coords:
            sub = control.factors[name].subspace
            rows.append(sub.basis.T)
            rhs.append(weights[name][:, None] * (coords[name] - sub.project(z)))
        elif protect > 0 and name in control.factors:
            basis = control.factors[name].subspace.basis
            rows.append(protect * basis.T)
            rhs.append(np.zeros((z.shape[0], basis.shape[1])))
    matrix = np.concatenate(rows, axis=0)            # [R, K]
    residual = np.concatenate(rhs, axis=1)           # [T, R]
    if protect <= 0:
        return z + residual @ np.linalg.pinv(matrix, rcond=1e-6).T
    # Protection makes the system (nearly) square and ill-conditioned where subspaces
    # overlap: a small ridge on ||d|| keeps the step bounded.
    gram = matrix.T @ matrix + RIDGE * np.eye(matrix.shape[1])
    return z + residual @ np.linalg.solve(gram, matrix.T).T


def check_phase(phase: str | None) -> str:
    """The phase method name (None -> sfvae.phase.DEFAULT); ArgumentError if unknown."""
    from .. import phase as phase_mod

    phase = phase_mod.DEFAULT if phase is None else phase
    if phase not in phase_mod.METHODS:
        raise ArgumentError(f"unknown phase reconstruction method {phase!r}; "
                            f"choose one of {', '.join(phase_mod.METHODS)}")
    return phase


def resynthesize(model, state: dict, z: np.ndarray, weight: np.ndarray, length: int,
                 phase: str | None = None, n_iter: int | None = None,
                 keep_unedited: bool = True) -> np.ndarray:
    """Decode edited latents to a waveform: magnitude sqrt(v(z)) (cross-faded with the input's
    magnitude by ``weight`` when ``keep_unedited``), back to the input's scale, then phase
    reconstruction from the input's phase. ``state`` comes from :func:`analyse`."""
    from .. import phase as phase_mod

    magnitude = np.sqrt(model.decode_numpy(z).astype(np.float64))
    if keep_unedited:
        magnitude = weight[:, None] * magnitude + (1.0 - weight[:, None]) * np.abs(state["spec"])
    magnitude *= state["peak"]
    # Frames the edit left as they were start from (and, in rtisi-la/pghi, keep) their phase.
    exact = (np.asarray(weight) == 0.0) if keep_unedited else None
    out = phase_mod.reconstruct(magnitude.astype(np.float32), method=check_phase(phase),
                                init_phase=np.angle(state["spec"]), n_iter=n_iter, length=length,
                                exact_frames=exact)
    return np.asarray(out, dtype=np.float32)


def apply_filter_change(model, state: dict, z: np.ndarray, weight: np.ndarray,
                        length: int) -> np.ndarray:
    """The input's STFT times sqrt(v(z) / v(z_input)): the decoded change of the spectral
    envelope applied to the input's own source (harmonics, noise, phase), no phase
    reconstruction. For edits that leave f0 alone. ``weight`` cross-fades the gain with 1."""
    edited = model.decode_numpy(np.asarray(z, np.float32)).astype(np.float64)
    own = model.decode_numpy(np.asarray(state["z"], np.float32)).astype(np.float64)
    gain = weight[:, None] * np.sqrt(edited / own) + (1.0 - weight[:, None])
    return np.asarray(audio_io.istft(state["spec"] * gain * state["peak"], length=length),
                      dtype=np.float32)


SOURCES = ("auto", "decoded")
# Octave guard: candidate factors on an f0 target; a frame is octave-down where the harmonic
# contrast at half the target beats that at the target by GUARD_TRIGGER_DB, and a candidate
# is taken where the contrast at its own target wins by GUARD_MARGIN_DB. Measured on the
# default model (120 Hz voice): margins -27 dB at 300 Hz and -9 dB at 180 Hz (Praat: 152 and
# 117 Hz), -3 dB at 200 Hz (Praat: 200 Hz, left alone); +9 to +25 dB elsewhere.
GUARD_FACTORS = (1.0, 0.98, 0.96, 0.94, 0.92, 0.9, 0.88, 0.86)
GUARD_TRIGGER_DB = -6.0
GUARD_MARGIN_DB = 3.0


def harmonic_contrast_db(power: np.ndarray, f0: np.ndarray, n_harmonics: int = 5) -> np.ndarray:
    """Per frame: mean level (dB) of power [T, F] at the first harmonics of f0 [T] minus the
    mean level half-way between them (from f0/2); low or negative where the spectrum's
    harmonics are those of f0/2 (an octave below) or absent."""
    from ..conventions import N_FFT, SAMPLE_RATE

    db = 10.0 * np.log10(np.maximum(power, 1e-20))
    bins = np.arange(power.shape[1])

    def level(freqs: np.ndarray) -> np.ndarray:       # [T, H] linear interpolation per frame
        pos = np.clip(freqs * N_FFT / SAMPLE_RATE, 0, bins[-1])
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, bins[-1])
        frac = pos - lo
        rows = np.arange(db.shape[0])[:, None]
        return (1 - frac) * db[rows, lo] + frac * db[rows, hi]

    k = np.arange(1, n_harmonics + 1)[None, :]
    f0 = np.asarray(f0, dtype=np.float64)[:, None]
    return level(k * f0).mean(axis=1) - level((k - 0.5) * f0).mean(axis=1)


def guard_f0(model, z_in: np.ndarray, request: EditRequest, control: Control, f0_in, voicing,
             crossfade, protect, voice_f0, f0_targets: np.ndarray, frames: np.ndarray) -> float:
    """The octave guard: a factor on the edit's f0 targets (1: left alone).

    A model may decode a high f0 target as the harmonics of half of it, an octave down (the
    default model does for 300 Hz on a 120 Hz voice). Over the edited ``frames``, the
    decoded spectrum is octave-down when its median harmonic contrast at half the target
    beats that at the target by more than -GUARD_TRIGGER_DB; then the targets are lowered by
    the first of GUARD_FACTORS whose decoded spectra show their own harmonics by
    GUARD_MARGIN_DB (left alone when none does). One factor per edit: per-frame decisions
    were measured to be noisy (a 200 Hz edit lowered on half its frames).
    """
    margins = []
    for factor in GUARD_FACTORS:
        z, _ = edit_latents(z_in, request, control, f0_in, voicing, crossfade, protect, voice_f0,
                            f0_factor=factor)
        power = model.decode_numpy(z[frames].astype(np.float32)).astype(np.float64)
        target = f0_targets[frames] * factor
        margins.append(float(np.median(harmonic_contrast_db(power, target)
                                       - harmonic_contrast_db(power, target / 2))))
        if factor == GUARD_FACTORS[0] and margins[0] >= GUARD_TRIGGER_DB:
            return 1.0   # not octave-down: the target stays
    good = [f for f, m in zip(GUARD_FACTORS, margins) if m >= GUARD_MARGIN_DB]
    return good[0] if good else 1.0


def edit_audio(audio: np.ndarray, request: EditRequest, model=None, control=None,
               phase: str | None = None, n_iter: int | None = None, voicing: str = "voiced",
               crossfade: int = CROSSFADE_FRAMES, keep_unedited: bool = True,
               protect: float = PROTECT_WEIGHT, speaker_adaptive: bool = True,
               refine: int = REFINE_ITERATIONS, source: str = "auto",
               guard: bool = True) -> np.ndarray:
    """Edit a 16 kHz mono waveform; returns float32 audio of the same length and peak scale.

    ``model``/``control``: objects, paths, or None for the shipped default pair.
    ``phase``: a method of :mod:`sfvae.phase` (default: its DEFAULT). ``voicing``: "voiced"
    or "all" (see the module docstring). ``keep_unedited``: frames with edit weight 0 keep
    the input magnitude instead of the VAE's reconstruction. ``speaker_adaptive``: use the
    regressions of the control's speaker-like voices, interpolated at the input's median f0
    (Praat), instead of the regression pooled over all voices. ``refine``: iterations of
    decoder-in-the-loop refinement (module docstring; 0 = the paper's one-shot edit).
    ``source``: "auto" keeps the input's own source for edits that leave f0 alone (formants
    only: :func:`apply_filter_change`) and decodes otherwise; "decoded" always decodes and
    reconstructs the phase, as the paper does. ``guard``: the octave guard of f0 targets
    (:func:`guard_f0`).
    """
    if source not in SOURCES:
        raise ArgumentError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    if not isinstance(refine, (int, np.integer)) or isinstance(refine, bool) or refine < 0:
        raise ArgumentError(f"refine must be a whole number of iterations >= 0, not {refine!r}")
    audio = audio_io.check_audio(audio)
    phase = check_phase(phase)
    model, control = resolve(model, control)
    state = analyse(audio, model)
    n = state["z"].shape[0]
    adaptive = speaker_adaptive and bool(control.speaker_f0)
    need_f0 = (request.f0_scale is not None or adaptive or refine > 0
               or (voicing == "voiced" and request.f0 is not None))
    f0_in = frame_f0(audio, n) if need_f0 else None
    voice_f0 = None
    if adaptive and np.isfinite(f0_in).any():
        voice_f0 = float(np.nanmedian(f0_in))
    z, weight = edit_latents(state["z"], request, control, f0_in, voicing, crossfade, protect,
                             voice_f0)
    if guard and (request.f0 is not None or request.f0_scale is not None) and (weight > 0).any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the candidates repeat the edit's own warnings
            f0_targets = (target_per_frame(request.f0, n) if request.f0 is not None
                          else scaled_f0_contour(request.f0_scale, f0_in, control))
            factor = guard_f0(model, state["z"], request, control, f0_in, voicing, crossfade,
                              protect, voice_f0, f0_targets, weight > 0)
            if factor < 1:
                z, weight = edit_latents(state["z"], request, control, f0_in, voicing,
                                         crossfade, protect, voice_f0, f0_factor=factor)
        if factor < 1:
            warnings.warn(f"f0: the model renders this target an octave low; it was lowered by "
                          f"{100 * (1 - factor):.0f} % to a pitch the model renders",
                          RangeWarning, stacklevel=2)
    keep_f0 = request.f0 is None and request.f0_scale is None and not request.whisper
    own_source = keep_f0 and source == "auto"
    if refine > 0:
        from .refine import refine_latents

        targets = {name: target_per_frame(value, n) for name, value in request.targets().items()}
        power = (state["spec"].real**2 + state["spec"].imag**2).astype(np.float64)
        z = refine_latents(z, model, control, power, targets, np.isfinite(f0_in) & (weight > 0),
                           n_iter=refine,
                           f0_coords=control.project("f0", state["z"]) if keep_f0 else None,
                           filter_of=state["z"] if own_source else None)
    if own_source:
        return apply_filter_change(model, state, z, weight, audio.size)
    return resynthesize(model, state, z, weight, audio.size, phase, n_iter, keep_unedited)
