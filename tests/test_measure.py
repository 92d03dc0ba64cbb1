"""sfvae.measure against Praat itself: a KlattGrid vowel synthesized by Praat, and frame
values read directly from Praat's Pitch/Formant objects."""

from __future__ import annotations

import numpy as np
import parselmouth
import pytest
import soundfile as sf
from parselmouth.praat import call

from sfvae.errors import InputError
from sfvae.measure import (
    formant_tracks,
    from_file,
    measure,
    measure_f0,
    measure_f0_file,
    measure_formants,
    measure_formants_file,
    pitch_track,
)

KLATT = dict(f0=150.0, f1=700.0, f2=1200.0, f3=2500.0)


@pytest.fixture(scope="module")
def klatt_vowel():
    """A vowel made by Praat's KlattGrid (independent of sfvae.synth), at 44.1 kHz."""
    grid = call("Create KlattGrid from vowel", "a", 0.6, KLATT["f0"], KLATT["f1"], 60,
                KLATT["f2"], 80, KLATT["f3"], 100, 3500, 0.1, 1000)
    sound = call(grid, "To Sound")
    return sound.values[0].copy(), int(sound.sampling_frequency)


def test_measures_a_praat_klattgrid_vowel(klatt_vowel):
    audio, rate = klatt_vowel
    m = measure(audio, rate)
    assert m["f0"] == pytest.approx(KLATT["f0"], rel=0.01)
    for key in ("f1", "f2", "f3"):
        assert m[key] == pytest.approx(KLATT[key], rel=0.05)
    assert measure_f0(audio, rate) == m["f0"]
    np.testing.assert_allclose(measure_formants(audio, rate), [m["f1"], m["f2"], m["f3"]],
                               rtol=0.01)


def test_tracks_are_praats_frame_values(klatt_vowel):
    audio, rate = klatt_vowel
    sound = parselmouth.Sound(audio.astype(np.float64), rate)
    formant = sound.to_formant_burg(max_number_of_formants=5, maximum_formant=5500)
    ours = formant_tracks(audio, rate)
    np.testing.assert_allclose(ours.times, formant.xs())
    for i in range(3):
        direct = np.array([formant.get_value_at_time(i + 1, t) for t in formant.xs()])
        np.testing.assert_allclose(ours.values[:, i], direct, rtol=1e-9)
    pitch = sound.to_pitch_ac(pitch_floor=75, pitch_ceiling=600)
    track = pitch_track(audio, rate)
    direct = np.array([pitch.get_value_at_time(t) for t in pitch.xs()])
    np.testing.assert_allclose(track.values, direct, rtol=1e-6, equal_nan=True)


def test_silence_is_unvoiced_and_left_out_of_the_medians(klatt_vowel):
    audio, rate = klatt_vowel
    padded = np.concatenate([np.zeros(rate // 2), audio, np.zeros(rate // 2)])
    track = pitch_track(padded, rate)
    silent = (track.times < 0.4) | (track.times > 0.5 + 0.6 + 0.1)
    assert np.all(np.isnan(track.values[silent]))
    assert measure_f0(padded, rate) == pytest.approx(KLATT["f0"], rel=0.01)
    assert measure(padded, rate)["f1"] == pytest.approx(KLATT["f1"], rel=0.05)


def test_file_variants_read_any_rate(tmp_path, klatt_vowel):
    audio, rate = klatt_vowel
    path = tmp_path / "v.wav"
    sf.write(path, audio / np.max(np.abs(audio)) * 0.9, rate, subtype="FLOAT")
    m = from_file(path)
    assert m["f0"] == pytest.approx(KLATT["f0"], rel=0.01)
    assert measure_f0_file(path) == pytest.approx(m["f0"])
    assert measure_formants_file(path)[1] == pytest.approx(KLATT["f2"], rel=0.05)


def test_bad_inputs_name_the_problem(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        from_file(tmp_path / "missing.wav")
    (tmp_path / "junk.wav").write_bytes(b"not audio at all")
    with pytest.raises(InputError, match="not a readable audio file"):
        from_file(tmp_path / "junk.wav")
    # The same reader as sfvae.audio.load: empty and non-finite files are refused by name.
    sf.write(tmp_path / "empty.wav", np.zeros(0), 16000, subtype="FLOAT")
    with pytest.raises(InputError, match="empty.wav.*no samples"):
        from_file(tmp_path / "empty.wav")
    sf.write(tmp_path / "nan.wav", np.array([0.1, np.nan] * 4000), 16000, subtype="FLOAT")
    with pytest.raises(InputError, match="nan.wav.*NaN"):
        from_file(tmp_path / "nan.wav")
    with pytest.raises(InputError, match="NaN"):
        measure(np.array([0.0, np.nan] * 4000))
