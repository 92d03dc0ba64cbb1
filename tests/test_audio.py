"""Audio front end: loading, conventions, STFT round trip, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import soundfile as sf

from sfvae import audio
from sfvae.cli import main
from sfvae.conventions import HOP_LENGTH, N_BINS, N_FFT, SAMPLE_RATE, n_frames
from sfvae.errors import InputError


def tone(seconds=0.5, freq=220.0, sr=SAMPLE_RATE):
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("fmt,subtype,ext", [("WAV", "PCM_16", "wav"), ("FLAC", "PCM_16", "flac"),
                                             ("OGG", "VORBIS", "ogg"), ("NIST", "PCM_16", "sph")])
def test_reads_formats_resamples_and_downmixes(tmp_path, fmt, subtype, ext):
    sr = 44_100
    x = tone(0.5, 440.0, sr)
    stereo = np.stack([x, x], axis=1)
    path = tmp_path / f"a.{ext}"
    sf.write(path, stereo, sr, format=fmt, subtype=subtype)
    y = audio.load(path)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) - 8000) <= 1
    # The tone survives resampling: its spectral peak stays at 440 Hz.
    f, p = scipy.signal.periodogram(y, SAMPLE_RATE)
    assert abs(f[np.argmax(p)] - 440.0) < 3.0


def test_resampler_keeps_passband_and_rejects_aliases():
    sr = 48_000
    t = np.arange(sr) / sr
    x = (np.sin(2 * np.pi * 1000 * t) + np.sin(2 * np.pi * 12_000 * t)).astype(np.float32)
    y = audio.resample(x, sr)
    f, p = scipy.signal.periodogram(y, SAMPLE_RATE)
    in_band = p[np.argmin(abs(f - 1000))]
    # 12 kHz lies above the new Nyquist (8 kHz): a good resampler removes it, not aliases it to 4 kHz.
    alias = p[np.argmin(abs(f - 4000))]
    assert alias < in_band * 1e-6


def test_stft_shape_and_perfect_reconstruction():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(16_000).astype(np.float32) * 0.1
    spec = audio.stft(x)
    assert spec.shape == (n_frames(len(x)), N_BINS)
    assert spec.shape == (1 + len(x) // HOP_LENGTH, 513)
    y = audio.istft(spec, length=len(x))
    assert np.max(np.abs(y - x)) < 1e-5


def test_stft_matches_an_independent_numpy_framing():
    # Independent framing: numpy reflect padding, strided frames, scipy's Hann window, rfft.
    rng = np.random.default_rng(1)
    x = rng.standard_normal(8192).astype(np.float64)
    win = scipy.signal.get_window("hann", N_FFT, fftbins=True)
    padded = np.pad(x, N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP_LENGTH]
    ref = np.fft.rfft(frames * win, axis=1)
    ours = audio.stft(x.astype(np.float32))
    assert ours.shape == ref.shape
    assert np.max(np.abs(ours - ref)) / np.max(np.abs(ref)) < 1e-5


def test_power_spectrogram_is_finite_on_digital_silence():
    x = np.zeros(4096, dtype=np.float32)
    p = audio.power_spectrogram(x)
    assert np.all(np.isfinite(p)) and np.all(p > 0)
    assert np.all(np.isfinite(np.log(p)))


def test_peak_normalisation():
    x = tone() * 0.1
    y = audio.normalize_peak(x)
    assert np.isclose(np.max(np.abs(y)), 1.0)


def test_save_is_atomic_and_round_trips(tmp_path):
    x = tone()
    path = audio.save(tmp_path / "out.wav", x)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]
    assert np.max(np.abs(audio.load(path) - x)) < 1e-3


def _bad_inputs(tmp_path):
    sr = SAMPLE_RATE
    cases = {}
    cases["missing"] = (tmp_path / "nope.wav", "no such file")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n")
    cases["non-audio"] = (text, "not a readable audio file")
    good = tmp_path / "good.wav"
    sf.write(good, tone(), sr)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(good.read_bytes()[:30])
    cases["corrupt"] = (corrupt, "not a readable audio file")
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, dtype=np.float32), sr)
    cases["empty"] = (empty, "contains no samples")
    zeros = tmp_path / "zeros.wav"
    sf.write(zeros, np.zeros(8000, dtype=np.float32), sr)
    cases["all-zero"] = (zeros, "silent")
    short = tmp_path / "short.wav"
    sf.write(short, tone(0.01), sr)
    cases["short"] = (short, "shorter than one analysis frame")
    nan = tmp_path / "nan.wav"
    y = tone()
    y[100] = np.nan
    sf.write(nan, y, sr, subtype="FLOAT")
    cases["nan"] = (nan, "NaN or infinite")
    inf = tmp_path / "inf.wav"
    y = tone()
    y[5] = np.inf
    sf.write(inf, y, sr, subtype="FLOAT")
    cases["inf"] = (inf, "NaN or infinite")
    return cases


@pytest.mark.parametrize("case", ["missing", "non-audio", "corrupt", "empty", "all-zero",
                                  "short", "nan", "inf"])
def test_bad_input_names_file_and_problem(tmp_path, case):
    path, problem = _bad_inputs(tmp_path)[case]
    with pytest.raises(InputError) as err:
        audio.load(path)
    message = str(err.value)
    assert str(path) in message and problem in message
    assert "\n" not in message


@pytest.mark.parametrize("case", ["missing", "corrupt", "all-zero", "nan"])
def test_bad_input_cli_exit_status_2_and_no_output(tmp_path, capsys, case):
    path, problem = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out"
    out.mkdir()
    assert main(["audio", "convert", str(path), "-o", str(out / "x.wav")]) == 2
    err = capsys.readouterr().err
    assert problem in err and str(path) in err
    assert len(err.strip().splitlines()) == 1
    assert list(out.iterdir()) == []


def test_array_validation():
    with pytest.raises(InputError, match="mono"):
        audio.check_audio(np.zeros((2, 4096), dtype=np.float32))
    with pytest.raises(InputError, match="shorter than one analysis frame"):
        audio.check_audio(np.ones(N_FFT - 1, dtype=np.float32))
