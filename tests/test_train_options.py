"""Training options for synthetic corpora: noise floor on digital silence, KL warm-up."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from sfvae.model.data import build_frame_cache, file_frames
from sfvae.model.train import TrainConfig


def _file_with_silence(tmp_path):
    t = np.arange(16_000) / 16_000
    x = np.zeros(32_000, dtype=np.float32)
    x[16_000:] = 0.5 * np.sin(2 * np.pi * 200 * t)  # first second: digital silence
    path = tmp_path / "a.wav"
    sf.write(path, x, 16_000, subtype="FLOAT")
    return path


def test_noise_floor_fills_digital_silence_at_the_stated_level(tmp_path):
    path = _file_with_silence(tmp_path)
    plain = file_frames(path)
    noisy = file_frames(path, noise_floor_db=-60)
    silent = slice(2, 50)  # frames entirely inside the silent first second
    assert np.allclose(plain[silent], plain[silent].min())  # the power floor only
    # White noise of variance s^2 through a Hann window: E|X|^2 = s^2 * sum(w^2) = s^2 * 384.
    expected = 1e-6 * 384
    assert 0.7 * expected < np.mean(noisy[silent]) < 1.3 * expected
    # Reproducible: the noise is seeded by the file name.
    assert np.array_equal(noisy, file_frames(path, noise_floor_db=-60))


def test_noise_floor_is_part_of_the_cache_key(tmp_path):
    path = _file_with_silence(tmp_path)
    a = build_frame_cache([path], tmp_path / "c", "t", progress=False)
    b = build_frame_cache([path], tmp_path / "c", "t", progress=False, noise_floor_db=-60)
    assert a.path != b.path
    assert not np.array_equal(a.array(), b.array())


def test_bad_training_options_are_refused():
    import pytest

    from sfvae.errors import ArgumentError

    with pytest.raises(ArgumentError, match="noise-floor-db"):
        TrainConfig(corpus="x", output="y", noise_floor_db=3).check()
    with pytest.raises(ArgumentError, match="kl-warmup"):
        TrainConfig(corpus="x", output="y", kl_warmup_epochs=-1).check()
