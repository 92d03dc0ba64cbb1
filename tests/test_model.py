"""VAE model, loss and model files: reference weights, round trips, bad files, shipped model."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from sfvae.cli import main as cli_main
from sfvae.errors import InputError
from sfvae.model import VAE, VAEConfig, default_model_path, load_model, save_model
from sfvae.model.train import batch_loss
from sfvae.model.vae import itakura_saito, kl_divergence


def test_reference_weights_load_unchanged_into_the_default_architecture(reference_weights):
    state = torch.load(reference_weights, map_location="cpu", weights_only=True)
    model = VAE()  # the default config is the released one
    model.load_state_dict(state, strict=True)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, state[name]), name
    loaded = load_model(reference_weights)
    assert loaded.config == VAEConfig()
    for name, tensor in loaded.state_dict().items():
        assert torch.equal(tensor, state[name]), name


def test_losses_match_numpy():
    rng = np.random.default_rng(0)
    x = rng.gamma(0.5, 1e-3, size=(7, 513)).astype(np.float32) + 1e-10
    log_v = rng.normal(-7, 2, size=(7, 513)).astype(np.float32)
    v = np.exp(log_v.astype(np.float64))
    expected_is = np.sum(x / v - np.log(x / v) - 1)
    got = itakura_saito(torch.from_numpy(x), torch.from_numpy(log_v)).item()
    assert got == pytest.approx(expected_is, rel=1e-4)
    mu = rng.normal(size=(7, 16))
    logvar = rng.normal(size=(7, 16))
    expected_kl = 0.5 * np.sum(mu**2 + np.exp(logvar) - 1 - logvar)
    got_kl = kl_divergence(torch.from_numpy(mu), torch.from_numpy(logvar)).item()
    assert got_kl == pytest.approx(expected_kl, rel=1e-10)
    # The training loss is the model's own loss with the same reparameterisation noise.
    model, xt = VAE(), torch.from_numpy(x)
    torch.manual_seed(5)
    is_ref, kl_ref = model.loss(xt)
    torch.manual_seed(5)
    total, is_sum, kl_sum = batch_loss(model, xt, beta=0.5)
    assert is_sum.item() == pytest.approx(is_ref.item(), rel=1e-4)
    assert kl_sum.item() == pytest.approx(kl_ref.item(), rel=1e-5)
    assert total.item() == pytest.approx(is_sum.item() + 0.5 * kl_sum.item(), rel=1e-6)


def test_model_file_round_trip_keeps_config_weights_and_metadata(tmp_path):
    config = VAEConfig(hidden1=32, hidden2=8, latent_dim=4, beta=2.0)
    torch.manual_seed(1)
    model = VAE(config)
    path = save_model(tmp_path / "m.pt", model, {"seed": 3, "command": ["sfvae", "train"],
                                                 "torch_version": torch.__version__})
    back = load_model(path)
    assert back.config == config and back.metadata["seed"] == 3
    assert back.metadata["torch_version"] == str(torch.__version__)
    for name, tensor in model.state_dict().items():
        assert torch.equal(back.state_dict()[name], tensor)
    payload = torch.load(path, weights_only=True)
    assert payload["format"] == "sfvae-model" and payload["version"] == 1


def test_bad_model_files_give_input_error_and_exit_2(tmp_path, capsys):
    good = save_model(tmp_path / "good.pt", VAE())
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3), "note": "not a model"}, foreign)
    text = tmp_path / "text.pt"
    text.write_text("just some text\n")
    newer = tmp_path / "newer.pt"
    payload = torch.load(good, weights_only=True)
    payload["version"] = 99
    torch.save(payload, newer)
    cases = {truncated: "not a readable model file", foreign: "not an sfvae model file",
             text: "not a readable model file", newer: "newer than this sfvae",
             tmp_path / "absent.pt": "no such model file"}
    for path, message in cases.items():
        with pytest.raises(InputError, match=message) as info:
            load_model(path)
        assert str(path) in str(info.value)
        assert cli_main(["model", "info", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("sfvae: error:") and message in err and err.count("\n") == 1
    assert cli_main(["model", "info", str(good)]) == 0


def test_shipped_default_model_loads_and_matches_its_card():
    path = default_model_path()
    if not path.exists():
        pytest.skip("no default model in this build (sfvae/data/default_model.pt)")
    model = load_model()  # None -> the shipped model
    meta = model.metadata
    assert model.config.n_bins == 513 and path.stat().st_size < 3_000_000
    card = (path.parent / "MODEL_CARD.md").read_text()
    assert meta["corpus_manifest_sha256"] in card
    assert f"seed {meta['seed']}" in card.lower() or f"--seed {meta['seed']}" in card
    assert re.search(rf"\b{meta['epochs']}\b", card)
    # It turns a speech-like frame into a finite variance spectrum near the input.
    rng = np.random.default_rng(0)
    x = (rng.gamma(0.5, 1e-2, size=(20, 513)) + 1e-10).astype(np.float32)
    mu, var = model.encode_numpy(x)
    v = model.decode_numpy(mu)
    assert np.all(np.isfinite(v)) and np.all(v > 0) and np.all(var > 0)
