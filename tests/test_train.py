"""Training on a corpus folder: frames pipeline, end-to-end run, resume after interruption."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from scipy.signal import lfilter

from sfvae.cli import main as cli_main
from sfvae.errors import ArgumentError, InputError
from sfvae.model import load_model
from sfvae.model.data import (
    ShuffledFrames,
    build_frame_cache,
    corpus_hash,
    find_audio_files,
    prefetch,
    split_corpus,
)
from sfvae.model.train import (
    ABORT_ENV,
    TrainConfig,
    TrainingAborted,
    checkpoint_path,
    history_path,
    plot_path,
    train,
)

SR = 16000


def toy_vowel(rng: np.random.Generator, seconds: float) -> np.ndarray:
    """A voiced vowel-like sound: harmonic source with gliding f0 through 3 resonances."""
    n = int(seconds * SR)
    f0 = rng.uniform(90, 260) * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * np.arange(n) / SR))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    source = sum(np.sin(k * phase) / k * (k * f0 < SR / 2) for k in range(1, 40))
    x = source + 0.01 * rng.standard_normal(n)
    for formant, bw in zip(rng.uniform([300, 900, 2200], [900, 2400, 3200]), (80, 120, 180)):
        r = np.exp(-np.pi * bw / SR)
        x = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * formant / SR), r * r], x)
    envelope = np.minimum(1, np.minimum(np.arange(n), n - np.arange(n)) / (0.05 * SR))
    return (0.5 * x * envelope / np.max(np.abs(x))).astype(np.float32)


def write_toy_corpus(root: Path, n_files: int = 14, seconds: float = 0.8, seed: int = 0,
                     layout: str = "flat") -> Path:
    """Write a few seconds of toy speech under ``root`` (flat, nested, or train/ + val/)."""
    rng = np.random.default_rng(seed)
    for i in range(n_files):
        if layout == "split":
            sub = root / ("val" if i % 5 == 0 else "train") / f"spk{i % 3}"
        elif layout == "nested":
            sub = root / f"spk{i % 3}" / "session"
        else:
            sub = root
        sub.mkdir(parents=True, exist_ok=True)
        ext = {3: "flac", 6: "sph", 9: "wv1"}.get(i, "wav")  # NIST SPHERE as in WSJ0/TIMIT
        fmt = "NIST" if ext in ("sph", "wv1") else None
        sf.write(str(sub / f"utt{i:02d}.{ext}"), toy_vowel(rng, seconds), SR, format=fmt,
                 subtype="PCM_16")
    return root


def reference_power(x: np.ndarray) -> np.ndarray:
    """|STFT|^2 in float64 numpy (periodic Hann 1024, hop 256, reflect-padded, centred)."""
    x = np.pad(np.asarray(x, np.float64), 512, mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(1024) / 1024)
    starts = np.arange(0, len(x) - 1024 + 1, 256)
    return np.abs(np.fft.rfft(np.stack([x[s:s + 1024] for s in starts]) * window, axis=1)) ** 2


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_toy_corpus(tmp_path_factory.mktemp("corpus"), layout="nested")


def config(corpus: Path, out: Path, **kw) -> TrainConfig:
    base = dict(corpus=str(corpus), output=str(out / "model.pt"), epochs=3, batch_size=64,
                patience=10, seed=0, workers=0, threads=1, progress=False,
                cache=str(out.parent / "cache"), command=["test"])
    base.update(kw)
    return TrainConfig(**base)


# ----------------------------------------------------------------------------- data

def test_finds_audio_recursively_and_splits_by_file(corpus, tmp_path):
    files = find_audio_files(corpus)
    assert len(files) == 14 and {f.suffix for f in files} == {".wav", ".flac", ".sph", ".wv1"}
    a = split_corpus(corpus, val_fraction=0.2, seed=3)
    b = split_corpus(corpus, val_fraction=0.2, seed=3)
    c = split_corpus(corpus, val_fraction=0.2, seed=4)
    assert a.val == b.val and a.val != c.val  # deterministic from the seed
    assert len(a.val) == 3 and not set(a.val) & set(a.train)
    assert sorted(a.val + a.train) == files
    listed = tmp_path / "val.txt"
    listed.write_text(f"{files[0].relative_to(corpus)}\n{files[5]}\n")
    by_list = split_corpus(corpus, val_list=listed)
    assert by_list.val == [files[0], files[5]] and len(by_list.train) == 12
    split_root = write_toy_corpus(tmp_path / "split", layout="split")
    s = split_corpus(split_root)
    assert all("val" in f.parts for f in s.val) and all("train" in f.parts for f in s.train)
    with pytest.raises(InputError):
        split_corpus(tmp_path / "missing")
    with pytest.raises(ArgumentError):
        split_corpus(corpus, val_fraction=1.5)


def test_frame_cache_matches_the_audio_front_end(corpus, tmp_path):
    files = find_audio_files(corpus)[:4]
    frameset = build_frame_cache(files, tmp_path, "t", workers=0, progress=False)
    arr = frameset.array()
    for i, f in enumerate(files):
        x, rate = sf.read(str(f), dtype="float32")
        assert rate == SR
        expected = reference_power(x / np.max(np.abs(x)))
        lo = frameset.offsets[i]
        got = arr[lo:lo + len(expected)]
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-6 * expected.max())
    assert frameset.n_frames == sum(1 + len(sf.read(str(f))[0]) // 256 for f in files)
    # Unchanged files: the cache is reused, not recomputed.
    mtime = frameset.path.stat().st_mtime_ns
    again = build_frame_cache(files, tmp_path, "t", workers=0, progress=False)
    assert again.path == frameset.path and again.path.stat().st_mtime_ns == mtime


def test_epoch_shuffle_covers_every_frame_once_and_mixes_files():
    n = 10_000
    frames = np.arange(n, dtype=np.float32)[:, None].repeat(3, axis=1)  # frame id in every bin
    loader = ShuffledFrames(frames, 100, seed=1, block_frames=50, group_blocks=8)
    seen = np.concatenate([b[:, 0] for b in loader.epoch(0)]).astype(int)
    assert sorted(seen) == list(range(n))
    again = np.concatenate([b[:, 0] for b in loader.epoch(0)]).astype(int)
    other = np.concatenate([b[:, 0] for b in loader.epoch(1)]).astype(int)
    assert np.array_equal(seen, again) and not np.array_equal(seen, other)
    first = loader.epoch(0).__next__()[:, 0].astype(int)
    blocks = set(first // 50)  # a batch draws from every block of its group, far apart
    assert len(blocks) == 8 and max(blocks) - min(blocks) > 100
    # Two ranks: disjoint shards, the same number of batches.
    ranks = [ShuffledFrames(frames, 100, seed=1, rank=r, world_size=2, block_frames=50,
                            group_blocks=8) for r in range(2)]
    ids = [np.concatenate([b[:, 0] for b in s.epoch(0)]).astype(int) for s in ranks]
    assert not set(ids[0]) & set(ids[1])
    assert len(ids[0]) == len(ids[1]) == ranks[0].batches_per_epoch(0) * 100
    # The background-thread prefetch yields the same batches in the same order.
    fetched = np.concatenate([b[:, 0] for b in prefetch(loader.epoch(0))]).astype(int)
    assert np.array_equal(fetched, seen)


def test_prefetch_propagates_errors_and_stops_early():
    def failing():
        yield np.zeros(2)
        raise InputError("x.wav", "broken")

    with pytest.raises(InputError, match="broken"):
        list(prefetch(failing()))
    endless = prefetch(np.full(3, i) for i in range(10**9))
    assert next(endless)[0] == 0 and next(endless)[0] == 1
    endless.close()  # the producer thread is told to stop and exits
    import threading

    assert not any(t.name == "sfvae-batches" and t.is_alive() for t in threading.enumerate())


# ----------------------------------------------------------------------------- training

def test_end_to_end_training_through_the_cli(corpus, tmp_path):
    out = tmp_path / "run" / "model.pt"
    code = cli_main(["train", "--corpus", str(corpus), "-o", str(out), "--epochs", "3",
                     "--batch-size", "64", "--val-fraction", "0.25", "--workers", "2",
                     "--threads", "1", "--no-progress"])
    assert code == 0
    model = load_model(out)
    meta = model.metadata
    assert meta["epochs"] == 3 and meta["seed"] == 0 and meta["complete"]
    assert meta["command"] and meta["corpus_manifest_sha256"] == corpus_hash(corpus)["sha256"]
    assert meta["config"]["latent_dim"] == 16 and meta["torch_version"] == torch.__version__
    history = json.loads(history_path(out).read_text())
    val = [h["val_loss"] for h in history]
    assert len(val) == 3 and val[2] < val[1] < val[0]
    assert np.isclose(meta["val_is_per_frame"], min(history, key=lambda h: h["val_loss"])["val_is"])
    assert plot_path(out).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert checkpoint_path(out).exists()


def _weights(model) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_resume_after_interruption_loses_no_completed_epoch(corpus, tmp_path, monkeypatch):
    straight = train(config(corpus, tmp_path / "straight", epochs=4))
    # Interrupted after 2 complete epochs, then resumed to 4.
    two = train(config(corpus, tmp_path / "resumed", epochs=2))
    resumed = train(config(corpus, tmp_path / "resumed", epochs=4, resume=True))
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
    assert resumed.history[:2] == two.history
    for a, b in zip(resumed.history, straight.history):  # same batches, same noise
        assert a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-5)
    for k, v in _weights(straight.model).items():
        torch.testing.assert_close(_weights(resumed.model)[k], v, rtol=1e-5, atol=1e-6)
    # A crash in the middle of epoch 3: epochs 1-2 survive in the checkpoint.
    cfg = config(corpus, tmp_path / "crash", epochs=4)
    n_train = sum(1 + len(sf.read(str(f))[0]) // 256 for f in split_corpus(corpus).train)
    per_epoch = -(-n_train // cfg.batch_size)
    monkeypatch.setenv(ABORT_ENV, str(2 * per_epoch + 3))
    with pytest.raises(TrainingAborted):
        train(cfg)
    ck = torch.load(checkpoint_path(cfg.output), weights_only=True)
    assert ck["epoch"] == 2 and len(ck["history"]) == 2
    monkeypatch.delenv(ABORT_ENV)
    cfg.resume = True
    after = train(cfg)
    assert [h["epoch"] for h in after.history] == [1, 2, 3, 4]
    for a, b in zip(after.history, straight.history):
        assert a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-5)
    meta = load_model(cfg.output).metadata
    assert meta["epochs"] == 4 and meta["complete"]


def test_early_stopping_and_wall_clock_cap(corpus, tmp_path):
    # lr 0: the validation loss never improves after epoch 1, so patience 2 stops at 3.
    res = train(config(corpus, tmp_path / "stop", epochs=10, patience=2, lr=1e-12))
    assert res.stopped == "early stopping" and len(res.history) == 3 and res.best_epoch == 1
    capped = train(config(corpus, tmp_path / "cap", epochs=50, max_hours=1e-9))
    assert capped.stopped == "max hours" and len(capped.history) == 1
    assert load_model(capped.output).metadata["stopped"] == "max hours"


def test_bad_arguments_and_inputs_exit_2(corpus, tmp_path, capsys):
    out = str(tmp_path / "m.pt")
    assert cli_main(["train", "--corpus", str(corpus), "-o", out, "--epochs", "0"]) == 2
    assert "--epochs" in capsys.readouterr().err
    assert cli_main(["train", "--corpus", str(tmp_path / "nothing"), "-o", out]) == 2
    assert "no such corpus folder" in capsys.readouterr().err
    assert cli_main(["train", "--corpus", str(corpus), "-o", out, "--resume",
                     "--no-progress", "--workers", "0"]) == 2
    assert "no checkpoint to resume from" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no audio here")
    assert cli_main(["train", "--corpus", str(empty), "-o", out]) == 2


def test_init_starts_from_a_model_files_weights(corpus, tmp_path):
    """--init: epoch 1 of a fine-tuning run starts where the given model ended."""
    from sfvae.model import load_model

    first = train(config(corpus, tmp_path / "a", epochs=2))
    tuned = train(config(corpus, tmp_path / "b", epochs=1, init=str(first.output)))
    fresh = train(config(corpus, tmp_path / "c", epochs=1))
    assert tuned.history[0]["val_loss"] < fresh.history[0]["val_loss"]
    assert tuned.history[0]["val_loss"] < first.history[0]["val_loss"]
    other = tmp_path / "other.pt"
    from sfvae.model import save_model
    from sfvae.model.vae import VAE, VAEConfig

    save_model(other, VAE(VAEConfig(latent_dim=8)))
    with pytest.raises(ArgumentError, match="architecture"):
        train(config(corpus, tmp_path / "d", epochs=1, init=str(other)))
    with pytest.raises(ArgumentError, match="cannot be combined"):
        config(corpus, tmp_path / "e", init=str(first.output), resume=True).check()
    tuned_model = load_model(tuned.output)
    assert tuned_model.config == first.model.config
    assert tuned_model.metadata["init"]["epochs"] == 2  # provenance of the starting point
    assert len(tuned_model.metadata["init"]["file_sha256"]) == 64


def test_a_resumed_fine_tuning_keeps_its_starting_point(corpus, tmp_path):
    """The checkpoint carries --init's provenance, so the model file of a resumed run says
    where its weights started (a resumed run cannot take --init again)."""
    from sfvae.model import load_model

    first = train(config(corpus, tmp_path / "a", epochs=1))
    train(config(corpus, tmp_path / "b", epochs=1, init=str(first.output)))
    resumed = train(config(corpus, tmp_path / "b", epochs=2, resume=True))
    assert len(resumed.history) == 2
    record = load_model(resumed.output).metadata["init"]
    assert record["path"] == str(first.output.resolve()) and len(record["file_sha256"]) == 64
