"""Soundgen-style synthesizer: filter and harmonics against scipy/FFT, Praat on ramps,
validation, determinism, and the `sfvae synth vowel` CLI."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import parselmouth
import pytest
import soundfile as sf
from parselmouth.praat import call
from scipy import signal

from sfvae.cli import main
from sfvae.errors import ArgumentError
from sfvae.measure import formant_tracks, measure, pitch_track
from sfvae.synth import SourceSettings, complete_formants, default_bandwidth, formant_gain, synthesize

SR = 16000


def test_formant_gain_matches_the_analog_all_pole_filter_in_scipy():
    formants = np.array([640.0, 1190.0, 2390.0, 3400.0, 4300.0])
    bandwidths = default_bandwidth(formants)
    poles = np.concatenate([-np.pi * bandwidths + 2j * np.pi * formants,
                            -np.pi * bandwidths - 2j * np.pi * formants])
    a = np.real(np.poly(poles))
    b = [np.real(np.prod(-poles))]  # unity gain at 0 Hz
    freqs = np.linspace(20, 7900, 400)
    _, h = signal.freqs(b, a, worN=2 * np.pi * freqs)
    ours = formant_gain(freqs, formants[:, None], bandwidths[:, None])
    np.testing.assert_allclose(ours, np.abs(h), rtol=1e-6)


def test_bandwidth_rule_is_soundgens_and_continuous():
    assert default_bandwidth(1000.0) == pytest.approx(50 * (1 + 1e6 / 6e6))
    assert default_bandwidth(400.0) == pytest.approx(52.08 * (1 + 100**2 / 1e5))
    assert default_bandwidth(200.0) == pytest.approx(26.385 - 0.042 * 200 + 0.0011 * 200**2)
    for edge in (250.0, 500.0):
        assert default_bandwidth(edge - 1e-6) == pytest.approx(default_bandwidth(edge), rel=1e-4)


def test_complete_formants_adds_uniform_tube_resonances_up_to_nyquist():
    assert complete_formants([500, 1500, 2500]) == pytest.approx([500, 1500, 2500, 3500, 4500])
    up_to_nyquist = complete_formants([500, 1500, 2500], nyquist=8000)
    assert up_to_nyquist == pytest.approx([500, 1500, 2500, 3500, 4500, 5500, 6500, 7500])


def test_harmonic_amplitudes_are_source_rolloff_times_filter_times_radiation():
    # f0 = 125 Hz: 128 samples per period, so an FFT over 64 periods puts every harmonic
    # exactly on a bin and the measured amplitudes can be compared with the model.
    f0, formants = 125.0, [600.0, 1400.0, 2600.0, 3500.0, 4500.0]
    voice = SourceSettings(rolloff=-9.0, rolloff_khz=-3.0, lip_radiation=6.0, temperature=0.0)
    x = synthesize(f0, formants, 1.0, voice=voice).astype(np.float64)
    segment = x[4000:4000 + 64 * 128]
    spectrum = np.abs(np.fft.rfft(segment))
    k = np.arange(1, 50)
    measured = spectrum[k * 64]
    all_formants = np.array(complete_formants(formants, nyquist=SR / 2))
    slope = -9.0 - 3.0 * (f0 - 200.0) / 1000.0
    expected = (10 ** (slope * np.log2(k) / 20) * (k * f0)
                * formant_gain(k * f0, all_formants[:, None],
                               default_bandwidth(all_formants)[:, None]))
    ratio_db = 20 * np.log10(measured / measured[0]) - 20 * np.log10(expected / expected[0])
    assert np.max(np.abs(ratio_db)) < 0.2
    # and nothing between the harmonics
    between = spectrum[(k * 64 + 32)[:40]]
    assert np.max(between) < 1e-3 * np.max(measured)


def _praat_median(track, start, stop):
    times, values = track
    sel = (times >= start) & (times < stop) & np.isfinite(values)
    return float(np.median(values[sel]))


def test_f0_ramp_is_measured_rising_by_praat():
    x = synthesize([120.0, 180.0], [600, 1400, 2500], 1.0, temperature=0.0)
    track = pitch_track(x, SR)
    start, end = _praat_median(track, 0.05, 0.2), _praat_median(track, 0.8, 0.95)
    assert start == pytest.approx(120 + 60 * 0.125, rel=0.02)
    assert end == pytest.approx(120 + 60 * 0.875, rel=0.02)
    voiced = track.values[np.isfinite(track.values)]
    assert np.all(np.diff(voiced) > -1.0)  # monotone up to Praat's frame noise


def test_formant_ramps_are_measured_moving_the_right_way_by_praat():
    x = synthesize(115.0, [[350.0, 750.0], [2000.0, 1200.0], 2500, 3500, 4500], 1.0,
                   rolloff=-12.0)
    times, values = formant_tracks(x, SR)
    early, late = (times > 0.1) & (times < 0.25), (times > 0.75) & (times < 0.9)
    f1_early, f1_late = np.nanmedian(values[early, 0]), np.nanmedian(values[late, 0])
    f2_early, f2_late = np.nanmedian(values[early, 1]), np.nanmedian(values[late, 1])
    # window centres at 17.5 % and 82.5 % of the ramps: 260 Hz up (F1), 520 Hz down (F2)
    assert f1_late - f1_early > 0.75 * 260
    assert f2_early - f2_late > 0.75 * 520
    assert f1_early == pytest.approx(350 + 400 * 0.175, rel=0.08)
    assert f2_late == pytest.approx(2000 - 800 * 0.825, rel=0.05)


def test_per_frame_trajectory_is_accepted():
    n_frames = 1 + 8000 // 256
    f0 = np.linspace(100, 200, n_frames)
    x = synthesize(f0, [500, 1500, 2500], 0.5)
    assert x.shape == (8000,) and x.dtype == np.float32


def test_output_length_dtype_and_peak():
    x = synthesize(150.0, [700, 1200, 2600], 0.73, peak=0.5)
    assert x.shape == (round(0.73 * SR),)
    assert x.dtype == np.float32
    assert float(np.max(np.abs(x))) == pytest.approx(0.5, rel=1e-6)


def test_whisper_is_noise_for_praat_but_keeps_its_formants():
    whisper = synthesize(None, [700, 1200, 2600], 1.0, voiced=False, seed=3)
    voiced = synthesize(120.0, [700, 1200, 2600], 1.0, seed=3)
    # Narrow formant-filtered noise can pass Praat's voicing threshold in some frames, so
    # the check is on the harmonics-to-noise ratio.
    assert _praat_hnr(whisper) < 5.0 < 30.0 < _praat_hnr(voiced)
    assert measure(whisper, SR)["f2"] == pytest.approx(1200, rel=0.05)
    low = measure(synthesize(None, [300, 2200, 3000], 1.0, voiced=False, seed=3), SR)
    assert low["f1"] < 0.75 * measure(whisper, SR)["f1"]
    assert low["f2"] == pytest.approx(2200, rel=0.05)


def _praat_hnr(x):
    harmonicity = parselmouth.Sound(x.astype(np.float64), SR).to_harmonicity_cc()
    return float(call(harmonicity, "Get mean", 0, 0))


def _praat_jitter_shimmer(x):
    snd = parselmouth.Sound(x.astype(np.float64), SR)
    points = call(snd, "To PointProcess (periodic, cc)", 75, 600)
    jitter = call(points, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3)
    shimmer = call([snd, points], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6)
    return jitter, shimmer


def test_breathing_jitter_and_shimmer_are_seen_by_praat():
    formants = [600, 1400, 2500]
    clean = synthesize(140.0, formants, 1.0, temperature=0.0)
    breathy = synthesize(140.0, formants, 1.0, temperature=0.0, breathing=0.3)
    assert _praat_hnr(breathy) < _praat_hnr(clean) - 6
    jitter0, shimmer0 = _praat_jitter_shimmer(clean)
    jittery = synthesize(140.0, formants, 1.0, temperature=0.0, jitter=0.3)
    shimmery = synthesize(140.0, formants, 1.0, temperature=0.0, shimmer=10)
    jitter1, _ = _praat_jitter_shimmer(jittery)
    _, shimmer1 = _praat_jitter_shimmer(shimmery)
    assert jitter1 > 3 * jitter0 and jitter1 > 0.005
    assert shimmer1 > 3 * shimmer0 and shimmer1 > 0.03


def test_same_seed_same_audio_other_seed_other_audio():
    kwargs = dict(breathing=0.1, jitter=0.2, shimmer=3)
    a = synthesize(130.0, [600, 1400, 2500], 0.5, seed=7, **kwargs)
    b = synthesize(130.0, [600, 1400, 2500], 0.5, seed=7, **kwargs)
    c = synthesize(130.0, [600, 1400, 2500], 0.5, seed=8, **kwargs)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # temperature alone (the default) is random too
    assert not np.array_equal(synthesize(130.0, [600, 1400], 0.5, seed=1),
                              synthesize(130.0, [600, 1400], 0.5, seed=2))


@pytest.mark.parametrize("kwargs, message", [
    (dict(f0=-120.0), "f0 must be positive"),
    (dict(f0=0.0), "f0 must be positive"),
    (dict(f0=8000.0), "Nyquist"),
    (dict(f0=[120.0, 9000.0]), "Nyquist"),
    (dict(f0=float("nan")), "NaN"),
    (dict(f0="abc"), "number"),
    (dict(formants=[1090.0, 730.0]), "strictly increasing"),
    (dict(formants=[[500.0, 1500.0], 1000.0]), "strictly increasing"),
    (dict(formants=[500.0, 9000.0]), "Nyquist"),
    (dict(formants=[500.0, float("inf")]), "NaN or infinite"),
    (dict(formants=[-500.0, 1500.0]), "positive"),
    (dict(formants=[]), "at least one formant"),
    (dict(bandwidths=[-50.0]), "positive"),
    (dict(duration=0.0), "duration"),
    (dict(duration=float("nan")), "duration"),
    (dict(jitter=-1.0), "jitter"),
    (dict(seed=-1), "seed"),
])
def test_bad_arguments_raise_argument_error(kwargs, message):
    args = dict(f0=120.0, formants=[730.0, 1090.0, 2440.0], duration=0.2)
    args.update(kwargs)
    f0 = args.pop("f0")
    formants = args.pop("formants")
    duration = args.pop("duration")
    with pytest.raises(ArgumentError, match=message):
        synthesize(f0, formants, duration, **args)


def test_cli_vowel_writes_a_ramp(tmp_path):
    out = tmp_path / "a.wav"
    assert main(["synth", "vowel", "-o", str(out), "--f0", "120:180", "--formants",
                 "730,1090,2440", "--duration", "0.8"]) == 0
    audio, rate = sf.read(out)
    assert rate == SR and audio.shape == (round(0.8 * SR),)
    track = pitch_track(audio, SR)
    assert _praat_median(track, 0.05, 0.2) < _praat_median(track, 0.6, 0.75)


def test_cli_vowel_whisper_and_formant_ramp(tmp_path):
    out = tmp_path / "w.wav"
    assert main(["synth", "vowel", "-o", str(out), "--whisper", "--formants",
                 "400:800,1500,2500"]) == 0
    assert sf.info(str(out)).frames == SR


@pytest.mark.parametrize("args, message", [
    (["--f0", "-120"], "f0 must be positive"),
    (["--formants", "1090,730,2440"], "strictly increasing"),
    (["--f0", "8500"], "Nyquist"),
    (["--f0", "120", "--sample-rate", "8000", "--formants", "500,1500,4200"], "Nyquist"),
    (["--f0", "12o"], "cannot parse f0"),
    (["--formants", "730,,2440"], "cannot parse formants"),
    (["--duration", "-1"], "duration"),
])
def test_cli_vowel_bad_arguments_exit_2_without_output(tmp_path, capsys, args, message):
    out = tmp_path / "bad.wav"
    assert main(["synth", "vowel", "-o", str(out)] + args) == 2
    err = capsys.readouterr().err
    assert err.startswith("sfvae: error: ") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_entry_point_exits_2_on_negative_f0(tmp_path):
    out = tmp_path / "bad.wav"
    proc = subprocess.run([sys.executable, "-m", "sfvae", "synth", "vowel", "-o", str(out),
                           "--f0", "-120"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "f0 must be positive" in proc.stderr
    assert not out.exists()
