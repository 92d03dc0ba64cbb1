"""Rendering stage: edited latents (and the input) -> waveform.

Edits of the formants only keep the input's own source (:func:`render_filter_change`: the
decoded change of the envelope applied to the input's STFT). Edits that change the source
(an f0 value, ramp or scale; whisper; re-voicing a whispered input) go to one of
:data:`RENDERERS`:

- ``world`` (default): pyworld's synthesizer on a 5 ms grid fed the f0 the edit asks for
  (so the output is at the requested pitch by construction; a scaled contour is the input's
  own Praat track times the factor), the input's aperiodicity (D4C; lowered where an
  unvoiced frame is re-voiced) and the input's CheapTrick envelope times the smoothed ratio
  of decoded spectra v(z') / v(z_ref): the edited latent still decides formants and
  envelope. z_ref is the same edit asking for the input's own f0 (the input's z for
  whisper), so that the model's error on this input cancels. Analysis uses Praat's f0 (no
  WORLD f0 estimation). Whispered frames are noise under that envelope, smoothed over
  WHISPER_SMOOTH_HZ, made with short windows (WORLD's own aperiodic excitation sits at a
  default pitch that Praat hears as voiced).
- ``hnm``: harmonic-plus-noise synthesis in the STFT domain, no WORLD analysis: harmonics of
  the target f0 (phase = integral of f0) with amplitudes from the input's upper spectral
  envelope times the same ratio; noise (shaped white noise) from the input's inter-harmonic
  floor times the ratio, or from its mean envelope where the edit whispers. Faster, less
  natural on recorded speech (benchmarks/README.md, "Renderers").
- ``decoded``: the paper's path: sqrt(v(z')) as magnitude, phase reconstruction
  (:mod:`sfvae.phase`) started from the input's phase. Its pitch is whatever the decoder
  draws; where the decoded spectra show the harmonics of half the target (an octave low) it
  warns (:class:`OctaveWarning`) and leaves the target as asked.

Frames the edit leaves alone (edit weight 0) keep the input's STFT in every renderer.
What each renderer measures on the same inputs is in benchmarks/README.md ("Renderers").
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from .. import audio as audio_io
from ..conventions import HOP_LENGTH, N_FFT, SAMPLE_RATE, WIN_LENGTH, frame_times
from .input_analysis import Analysis
from .latent_edit import LatentEdit

RENDERERS = ("world", "hnm", "decoded")
# Chosen by measurement (benchmarks/renderers.py, benchmarks/README.md "Renderers").
DEFAULT_RENDERER = "world"
BIN_HZ = SAMPLE_RATE / N_FFT
# The smoothing of spectra into envelopes spans at least this (Hz), and at least the largest
# harmonic spacing present, so that no harmonic structure survives in their ratio.
MIN_ENVELOPE_SPAN_HZ = 150.0
SPAN_FACTOR = 1.0   # the span in units of the largest f0
# The ratio v(z') / v(z) is averaged over this many frames (the decoder's frame-to-frame
# jitter would otherwise modulate the envelope).
GAIN_FRAMES = 5
# The ratio v(z') / v(z) is kept within this many dB: where v(z) is near zero (a silent
# band), the ratio says nothing about the edit.
MAX_GAIN_DB = 24.0
# A frame the input leaves unvoiced and the edit voices gets this aperiodicity (power
# fraction of noise, -35 dB at 0 Hz rising linearly in dB to -5 dB at Nyquist), about what
# D4C finds on modal vowels; the input's own is kept when it is lower.
REVOICED_AP_DB = (-35.0, -5.0)
# hnm: the noise under a re-voiced frame, relative to the input's noise floor there.
REVOICED_NOISE = 0.03
# A decoded spectrum is "octave low" where the harmonic contrast at half the target beats
# that at the target by this many dB (median over the edited frames). Measured on the
# default model (120 Hz voice): -27 dB at 300 Hz and -9 dB at 180 Hz (Praat: 152 and 117
# Hz), -3 dB at 200 Hz (Praat: 200 Hz); +9 to +25 dB elsewhere.
OCTAVE_TRIGGER_DB = -6.0
WORLD_FRAME_MS = 5.0   # WORLD's analysis/synthesis frame period
# Whisper: the envelope smoothed over this band (log power). Measured on 5 recorded clips
# (benchmarks/renderers.py voices): frames Praat finds voiced 5/8/10/4/14 % unsmoothed,
# 1/4/4/2/7 % at 200 Hz, 0-2 % at 400 Hz; NISQA-TTS 1.61 / 1.62 / 1.50 (mean of 4).
WHISPER_SMOOTH_HZ = 200.0
HARMONIC_BINS = 6   # bins each side of a harmonic where its window transform is added
WINDOW_SUM = WIN_LENGTH / 2             # sum of the periodic Hann window
WINDOW_POWER = 3 * WIN_LENGTH / 8       # sum of its squares


class OctaveWarning(UserWarning):
    """The decoded spectra show the target's harmonics an octave low."""


def decode(model, z: np.ndarray) -> np.ndarray:
    """Decoded power spectra v(z) [T, F], float64."""
    return model.decode_numpy(np.asarray(z, np.float32)).astype(np.float64)


# ----------------------------------------------------------------------------- envelopes

def envelope_span_bins(*f0_tracks: np.ndarray | None) -> int:
    """Smoothing width in bins: the largest f0 (Hz) of the tracks, at least
    MIN_ENVELOPE_SPAN_HZ, in bins (odd)."""
    largest = MIN_ENVELOPE_SPAN_HZ
    for track in f0_tracks:
        if track is not None and np.any(np.isfinite(track) & (track > 0)):
            largest = max(largest, float(np.nanmax(np.where(track > 0, track, np.nan))))
    return 2 * int(np.ceil(SPAN_FACTOR * largest / BIN_HZ / 2)) + 1


def upper_envelope_db(power: np.ndarray, width: int) -> np.ndarray:
    """[T, F] dB: the running maximum of each spectrum over ``width`` bins (its harmonic
    peaks), then a running mean over as many (the envelope between them)."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    db = 10.0 * np.log10(np.maximum(power, 1e-20))
    return uniform_filter1d(maximum_filter1d(db, width, axis=1, mode="nearest"), width, axis=1,
                            mode="nearest")


def floor_db(power: np.ndarray, width: int) -> np.ndarray:
    """[T, F] dB: the running minimum over ``width`` bins (the floor between harmonics),
    then a running mean over as many."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    db = 10.0 * np.log10(np.maximum(power, 1e-20))
    return uniform_filter1d(minimum_filter1d(db, width, axis=1, mode="nearest"), width, axis=1,
                            mode="nearest")


def envelope_gain(model, analysis: Analysis, edit: LatentEdit, decoded: np.ndarray) -> np.ndarray:
    """Power gain [T, F] the edit asks of the input's envelope: smoothed v(z') (``decoded``)
    over smoothed v(z) (upper envelopes wide enough to hide the harmonics of both f0s),
    within +-MAX_GAIN_DB, cross-faded with 1 by the edit weight."""
    width = envelope_span_bins(analysis.f0, edit.f0)
    reference = analysis.z if edit.z_reference is None else edit.z_reference
    ratio_db = (upper_envelope_db(decoded, width)
                - upper_envelope_db(decode(model, reference), width))
    if GAIN_FRAMES > 1:
        from scipy.ndimage import uniform_filter1d

        ratio_db = uniform_filter1d(ratio_db, GAIN_FRAMES, axis=0, mode="nearest")
    gain = 10.0 ** (np.clip(ratio_db, -MAX_GAIN_DB, MAX_GAIN_DB) / 10.0)
    w = edit.weight[:, None]
    return w * gain + (1.0 - w)


def _combine(analysis: Analysis, edit: LatentEdit, synth: np.ndarray, gain: np.ndarray,
             length: int) -> np.ndarray:
    """Waveform from the renderer's STFT ``synth`` [T, F] on the frames whose source the
    edit sets, the input's STFT times sqrt(gain) elsewhere, cross-faded by the edit weight."""
    own = analysis.spec * np.sqrt(gain)
    w = edit.weight[:, None]
    mixed = np.where(np.isfinite(edit.f0)[:, None], w * synth + (1.0 - w) * analysis.spec, own)
    return np.asarray(audio_io.istft(mixed * analysis.peak, length=length), dtype=np.float32)


# ----------------------------------------------------------------------------- renderers

def render_filter_change(model, analysis: Analysis, edit: LatentEdit, length: int) -> np.ndarray:
    """The input's STFT times sqrt(v(z') / v(z)): the decoded change of the spectral
    envelope applied to the input's own source (harmonics, noise, phase), no phase
    reconstruction. For edits that leave f0 alone. The edit weight cross-fades the gain with 1."""
    gain = decode(model, edit.z) / decode(model, analysis.z)
    w = edit.weight[:, None]
    return np.asarray(audio_io.istft(analysis.spec * (w * np.sqrt(gain) + (1.0 - w)) * analysis.peak,
                                     length=length), dtype=np.float32)


def render_world(model, analysis: Analysis, edit: LatentEdit, length: int) -> np.ndarray:
    """Renderer "world" (module docstring)."""
    from ..baselines.world import envelope_and_aperiodicity, synthesize

    n = analysis.n_frames
    frames = frame_times(n)
    times = np.arange(0.0, length / SAMPLE_RATE + 1e-9, WORLD_FRAME_MS / 1000.0)
    f0_in = np.zeros(n) if analysis.f0 is None else np.nan_to_num(analysis.f0, nan=0.0)
    f0_in_w = analysis.f0_at(times)
    x = analysis.audio / analysis.peak
    envelope, aperiodicity = envelope_and_aperiodicity(x, f0_in_w, times)
    gain = envelope_gain(model, analysis, edit, decode(model, edit.z))
    f0_out = on_grid(np.where(np.isfinite(edit.f0), edit.f0, f0_in), frames, times)
    if edit.f0_scale is not None:   # the input's own contour on this finer grid, scaled
        edited = on_grid(np.where(np.isfinite(edit.f0), 1.0, 0.0), frames, times) > 0
        f0_out = np.where(edited & (f0_out > 0),
                          edit.f0_scale * analysis.f0_at(times, bridged=True), f0_out)
    pos = np.clip(times / (HOP_LENGTH / SAMPLE_RATE), 0, n - 1)   # gain on WORLD's grid
    lo = np.minimum(pos.astype(int), n - 1)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo)[:, None]
    gain_w = (1 - frac) * gain[lo] + frac * gain[hi]
    revoiced = (f0_out > 0) & (f0_in_w <= 0)
    if revoiced.any():
        aperiodicity[revoiced] = np.minimum(aperiodicity[revoiced], revoiced_aperiodicity())
    aperiodicity[f0_out <= 0] = 1.0
    y = synthesize(f0_out, envelope * gain_w, aperiodicity, length, frame_period_ms=WORLD_FRAME_MS)
    synth = audio_io.stft(y)
    # WORLD places even its aperiodic excitation at a default pitch (Praat hears it as
    # voiced, about 500 Hz: 20 % of frames on recorded speech): whispered frames get plain
    # noise shaped by the same envelope on WORLD's 5 ms grid instead (1-7 % voiced).
    whisper = np.isfinite(edit.f0) & (edit.f0 <= 0)
    if whisper.any():
        target = mean_power(analysis) * gain
        synth[whisper] = short_noise_stft(whisper_envelope(envelope * gain_w), target,
                                          length)[whisper]
    return _combine(analysis, edit, synth, gain, length)


def whisper_envelope(envelope: np.ndarray) -> np.ndarray:
    """[T, F] envelope smoothed over WHISPER_SMOOTH_HZ in log power (whispered formants are
    broader than voiced ones)."""
    from scipy.ndimage import uniform_filter1d

    width = 2 * int(WHISPER_SMOOTH_HZ / BIN_HZ / 2) + 1
    return 10 ** uniform_filter1d(np.log10(np.maximum(envelope, 1e-30)), width, axis=1, mode="nearest")


def mean_power(analysis: Analysis) -> np.ndarray:
    """[T, F] the input's power averaged over a harmonic spacing: its harmonics' energy
    spread over the band they cover (what an aperiodic source of the same loudness has)."""
    from scipy.ndimage import uniform_filter1d

    return uniform_filter1d(analysis.power, envelope_span_bins(analysis.f0), axis=1, mode="nearest")


def short_noise_stft(envelope: np.ndarray, target_power: np.ndarray, length: int,
                     seed: int = 0) -> np.ndarray:
    """STFT [T, F] of white noise shaped by ``envelope`` [Tw, F] (WORLD's 5 ms frames) with
    short windows (20 ms, hop 5 ms: a consonant is not smeared over the STFT's 64 ms), each
    STFT frame then scaled to the energy of ``target_power`` [T, F]."""
    from scipy.signal import istft, stft

    hop = int(WORLD_FRAME_MS * SAMPLE_RATE / 1000)
    white = np.random.default_rng(seed).standard_normal(length + 4 * hop)
    _, _, spec = stft(white, nperseg=4 * hop, noverlap=3 * hop, boundary=None, padded=False)
    n = min(spec.shape[1], envelope.shape[0])
    bins = np.linspace(0, envelope.shape[1] - 1, spec.shape[0])
    env = np.stack([np.interp(bins, np.arange(envelope.shape[1]), e) for e in envelope[:n]], axis=1)
    spec = spec[:, :n] * np.sqrt(env)
    with warnings.catch_warnings():   # the first and last samples lack window overlap (NOLA)
        warnings.simplefilter("ignore", UserWarning)
        _, y = istft(spec, nperseg=4 * hop, noverlap=3 * hop, boundary=False)
    # Frame j of the short STFT is centred on sample j hop + 2 hop: shift by 2 hops.
    y = np.roll(np.pad(y, (0, max(0, length - y.size)))[:length], -2 * hop)
    out = audio_io.stft(y.astype(np.float32))
    have = np.sum(np.abs(out) ** 2, axis=1)
    want = np.sum(target_power, axis=1)
    return out * np.sqrt(want / np.maximum(have, 1e-20))[:, None]


def on_grid(f0: np.ndarray, frames: np.ndarray, times: np.ndarray) -> np.ndarray:
    """An f0 track (0 = unvoiced) on the STFT frames, at ``times``: the voicing of the
    nearest frame, the value interpolated between voiced frames."""
    voiced = f0 > 0
    if not voiced.any():
        return np.zeros(times.size)
    nearest = np.clip(np.rint(times * SAMPLE_RATE / HOP_LENGTH), 0, frames.size - 1).astype(int)
    value = np.interp(times, frames[voiced], f0[voiced])
    return np.where(voiced[nearest], value, 0.0)


def revoiced_aperiodicity() -> np.ndarray:
    """[F] aperiodicity of a frame the edit voices (REVOICED_AP_DB)."""
    lo, hi = REVOICED_AP_DB
    return 10.0 ** (np.linspace(lo, hi, N_FFT // 2 + 1) / 10.0)


def render_hnm(model, analysis: Analysis, edit: LatentEdit, length: int, seed: int = 0) -> np.ndarray:
    """Renderer "hnm" (module docstring)."""
    gain = envelope_gain(model, analysis, edit, decode(model, edit.z))
    width = envelope_span_bins(analysis.f0)
    power = analysis.power
    peaks = 10.0 ** (upper_envelope_db(power, width) / 10.0) * gain
    noise = 10.0 ** (floor_db(power, width) / 10.0) * gain
    f0_out = np.nan_to_num(edit.f0, nan=0.0)
    voiced_out = f0_out > 0
    noise[voiced_out & ~analysis.voiced] *= REVOICED_NOISE
    synth = noise_stft(noise, length, seed) + harmonic_stft(f0_out, peaks)
    whisper = np.isfinite(edit.f0) & (edit.f0 <= 0)
    if whisper.any():
        synth[whisper] = noise_stft(mean_power(analysis) * gain, length, seed)[whisper]
    return _combine(analysis, edit, synth, gain, length)


def noise_stft(power: np.ndarray, length: int, seed: int = 0) -> np.ndarray:
    """STFT [T, F] of white noise shaped to the expected power ``power`` [T, F] per bin."""
    white = np.random.default_rng(seed).standard_normal(length).astype(np.float32)
    return audio_io.stft(white) * np.sqrt(power / WINDOW_POWER)


def harmonic_stft(f0: np.ndarray, peak_power: np.ndarray) -> np.ndarray:
    """STFT [T, F] (sfvae.audio.stft's convention) of a sum of harmonics of ``f0`` [T] (Hz,
    0: none) whose spectral peaks have the power ``peak_power`` [T, F] at their frequency,
    with the phase of harmonic k = k times the integral of f0 (from frame to frame, the
    trapezoid rule). Each frame holds the window transform of stationary sinusoids (their
    frequency at the frame centre): written here because no library synthesises harmonics
    straight into STFT frames, and doing so skips a time-domain oscillator bank."""
    n_frames, n_bins = peak_power.shape
    f0 = np.asarray(f0, dtype=np.float64)
    step = 2 * np.pi * HOP_LENGTH / SAMPLE_RATE
    phase = np.concatenate([[0.0], np.cumsum(step * 0.5 * (f0[1:] + f0[:-1]))])
    out = np.zeros(n_frames * n_bins, dtype=np.complex128)
    rows = np.flatnonzero(f0 > 0)
    if rows.size == 0:
        return out.reshape(n_frames, n_bins)
    k = np.arange(1, int((SAMPLE_RATE / 2) // f0[rows].min()) + 1)
    freq = f0[rows, None] * k[None, :]                                  # [V, K] Hz
    keep = freq < SAMPLE_RATE / 2 - HARMONIC_BINS * BIN_HZ
    pos = freq / BIN_HZ
    lo = np.minimum(pos.astype(int), n_bins - 2)   # peak power at each harmonic, interpolated
    frac = np.minimum(pos - lo, 1.0)
    level = (1 - frac) * peak_power[rows[:, None], lo] + frac * peak_power[rows[:, None], lo + 1]
    amplitude = np.where(keep, 2.0 * np.sqrt(level) / WINDOW_SUM, 0.0)  # sinusoid amplitude
    # A sinusoid a cos(w n + theta) seen by frame t (window start = centre - N/2): its bin b
    # holds a/2 (-1)^b [e^{i k phi} G(b - p) + e^{-i k phi} G(b + p)], p = its frequency in
    # bins, phi the phase at the frame centre, G the window's real, centred transform.
    spin = 0.5 * amplitude * np.exp(1j * k[None, :] * phase[rows, None])   # [V, K]
    offsets = np.arange(-HARMONIC_BINS, HARMONIC_BINS + 1)
    bins = np.rint(pos)[:, :, None].astype(int) + offsets                # [V, K, B]
    valid = keep[:, :, None] & (bins >= 0) & (bins < n_bins)
    sign = 1.0 - 2.0 * (bins & 1)
    value = spin[:, :, None] * (sign * centred_window_transform(bins - pos[:, :, None]))
    low = pos < 2 * HARMONIC_BINS   # the mirror image at -p reaches only the lowest bins
    mirror = centred_window_transform(bins[low] + pos[low][:, None])
    value[low] += np.conj(spin[low])[:, None] * (sign[low] * mirror)
    flat = (rows[:, None, None] * n_bins + bins)[valid]
    out += np.bincount(flat, value[valid].real, n_frames * n_bins)
    out += 1j * np.bincount(flat, value[valid].imag, n_frames * n_bins)
    return out.reshape(n_frames, n_bins)


TABLE_STEPS = 256   # samples per bin of the tabulated window transform


@functools.lru_cache(maxsize=1)
def _window_table() -> tuple[np.ndarray, np.ndarray]:
    """G(d) = sum_j w[N/2 + j] cos(2 pi d j / N) (real: the periodic Hann window is symmetric
    about N/2) on a grid of 1/TABLE_STEPS bin over |d| <= 3 HARMONIC_BINS + 1."""
    half = WIN_LENGTH // 2
    j = np.arange(-half + 1, half)
    w = 0.5 + 0.5 * np.cos(2 * np.pi * j / WIN_LENGTH)
    reach = (3 * HARMONIC_BINS + 1) * TABLE_STEPS
    d = np.arange(-reach, reach + 1) / TABLE_STEPS
    return d, np.cos(2 * np.pi * np.outer(d, j) / WIN_LENGTH) @ w


def centred_window_transform(d: np.ndarray) -> np.ndarray:
    """G(d) (see _window_table) at offsets ``d`` in bins, linearly interpolated; 0 beyond."""
    grid, table = _window_table()
    return np.interp(d, grid, table, left=0.0, right=0.0)


def render_decoded(model, analysis: Analysis, edit: LatentEdit, length: int,
                   phase: str | None = None, n_iter: int | None = None,
                   keep_unedited: bool = True) -> np.ndarray:
    """The paper's path: magnitude sqrt(v(z')) (cross-faded with the input's magnitude by the
    edit weight when ``keep_unedited``), back to the input's scale, phase reconstruction from
    the input's phase (``phase``: a method of :mod:`sfvae.phase`, None its DEFAULT). Warns
    (:class:`OctaveWarning`) when the decoded spectra show the f0 target an octave low."""
    from .. import phase as phase_mod

    power = decode(model, edit.z)
    warn_if_octave_low(power, edit)
    magnitude = np.sqrt(power)
    weight = edit.weight
    if keep_unedited:
        magnitude = weight[:, None] * magnitude + (1.0 - weight[:, None]) * np.abs(analysis.spec)
    magnitude *= analysis.peak
    # Frames the edit left as they were start from (and, in rtisi-la/pghi, keep) their phase.
    exact = (np.asarray(weight) == 0.0) if keep_unedited else None
    out = phase_mod.reconstruct(magnitude.astype(np.float32),
                                method=phase_mod.DEFAULT if phase is None else phase,
                                init_phase=np.angle(analysis.spec), n_iter=n_iter, length=length,
                                exact_frames=exact)
    return np.asarray(out, dtype=np.float32)


def harmonic_contrast_db(power: np.ndarray, f0: np.ndarray, n_harmonics: int = 5) -> np.ndarray:
    """Per frame: mean level (dB) of power [T, F] at the first harmonics of f0 [T] minus the
    mean level half-way between them (from f0/2); low or negative where the spectrum's
    harmonics are those of f0/2 (an octave below) or absent."""
    db = 10.0 * np.log10(np.maximum(power, 1e-20))
    bins = np.arange(power.shape[1])

    def level(freqs: np.ndarray) -> np.ndarray:       # [T, H] linear interpolation per frame
        pos = np.clip(freqs / BIN_HZ, 0, bins[-1])
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, bins[-1])
        frac = pos - lo
        rows = np.arange(db.shape[0])[:, None]
        return (1 - frac) * db[rows, lo] + frac * db[rows, hi]

    k = np.arange(1, n_harmonics + 1)[None, :]
    f0 = np.asarray(f0, dtype=np.float64)[:, None]
    return level(k * f0).mean(axis=1) - level((k - 0.5) * f0).mean(axis=1)


def warn_if_octave_low(power: np.ndarray, edit: LatentEdit) -> None:
    """OctaveWarning when the decoded spectra ``power`` [T, F] show, on the frames with an f0
    target, the harmonics of half the target rather than the target's (median margin below
    OCTAVE_TRIGGER_DB)."""
    frames = np.isfinite(edit.f0) & (edit.f0 > 0) & (edit.weight > 0)
    if not frames.any():
        return
    target = edit.f0[frames]
    margin = float(np.median(harmonic_contrast_db(power[frames], target)
                             - harmonic_contrast_db(power[frames], target / 2)))
    if margin < OCTAVE_TRIGGER_DB:
        warnings.warn(f"f0: renderer 'decoded' draws this target (median {np.median(target):.0f} "
                      f"Hz) an octave low (harmonic margin {margin:.0f} dB); the world and hnm "
                      "renderers give the requested pitch", OctaveWarning, stacklevel=3)


def render(name: str, model, analysis: Analysis, edit: LatentEdit, length: int, *,
           phase: str | None = None, n_iter: int | None = None,
           keep_unedited: bool = True) -> np.ndarray:
    """Dispatch to the renderer ``name`` (one of RENDERERS, checked by the caller)."""
    if name == "world":
        return render_world(model, analysis, edit, length)
    if name == "hnm":
        return render_hnm(model, analysis, edit, length)
    return render_decoded(model, analysis, edit, length, phase, n_iter, keep_unedited)
