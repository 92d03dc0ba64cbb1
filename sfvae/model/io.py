"""Model files: config + format version + weights in one torch file, loaded weights_only.

Layout of a model file (a plain dict, so ``torch.load(weights_only=True)`` reads it)::

    {"format": "sfvae-model", "version": 1, "config": {...VAEConfig...},
     "state_dict": {...}, "metadata": {...}}

:func:`load_model` also accepts a bare state dict with the released layer names (the
reference WSJ0 weights); its config is read off the tensor shapes.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from importlib import resources
from pathlib import Path

import torch

from ..errors import InputError
from ..fileio import atomic_path, check_input
from .vae import VAE, VAEConfig

FORMAT = "sfvae-model"
VERSION = 1
_LAYERS = ("fc1", "fc2", "fc31", "fc32", "fc4", "fc5", "fc6")


def default_model_path() -> Path:
    """The model shipped inside the package (sfvae/data/default_model.pt)."""
    return Path(str(resources.files("sfvae") / "data" / "default_model.pt"))


def save_model(path: str | os.PathLike, model: VAE, metadata: dict | None = None) -> Path:
    """Write ``model`` with its config, format version and metadata, atomically."""
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "config": model.config.to_dict(),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "metadata": _plain(metadata or {}),
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return Path(path)


def _plain(metadata: dict) -> dict:
    """Metadata as JSON types only (str for anything else), so weights_only loading reads it."""
    return json.loads(json.dumps(dict(metadata), default=str))


def _config_from_state_dict(state: dict) -> VAEConfig:
    return VAEConfig(
        n_bins=state["fc1.weight"].shape[1],
        hidden1=state["fc1.weight"].shape[0],
        hidden2=state["fc2.weight"].shape[0],
        latent_dim=state["fc31.weight"].shape[0],
    )


def read_model_file(path: str | os.PathLike) -> dict:
    """Read and validate a model file; returns the payload dict (config, state_dict, metadata)."""
    path = check_input(path, "model")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types on truncated or foreign bytes
        kind = "truncated or corrupt torch file" if zipfile.is_zipfile(path) or \
            "zip archive" in str(exc) else "not a torch file, or truncated"
        raise InputError(path, f"not a readable model file ({kind})") from None
    if isinstance(obj, dict) and obj.get("format") == FORMAT:
        if obj.get("version", 0) > VERSION:
            raise InputError(path, f"model format version {obj['version']} is newer than this "
                                   f"sfvae understands ({VERSION}); upgrade sfvae")
        state, config = obj.get("state_dict"), _config(path, obj.get("config"))
        metadata = obj.get("metadata", {})
        if not isinstance(state, dict):
            raise InputError(path, "model file has no state_dict of weights")
    elif isinstance(obj, dict) and all(f"{n}.weight" in obj for n in _LAYERS):
        try:
            config = _config_from_state_dict(obj)
        except (AttributeError, IndexError, TypeError):
            raise InputError(path, "state dict layers fc1..fc31 are not 2-D weight tensors") from None
        state, metadata = obj, {"source": "bare state dict"}
    else:
        raise InputError(path, "not an sfvae model file (no sfvae header and not a state dict "
                               "with the released layer names fc1..fc6)")
    return {"config": config, "state_dict": state, "metadata": metadata}


def _config(path: Path, config) -> VAEConfig:
    """VAEConfig from a model file's config dict; InputError naming the first bad field (a
    config edited by hand may hold strings or negative sizes, which torch reports only as
    an unrelated TypeError deep in nn.Linear)."""
    if not isinstance(config, dict):
        raise InputError(path, f"model config must be a mapping, not {type(config).__name__}")
    for name, field in VAEConfig.__dataclass_fields__.items():
        if name not in config:
            continue
        value = config[name]
        if field.type in (int, "int"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(path, f"model config {name} must be a positive integer, "
                                       f"not {value!r}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(value):
            raise InputError(path, f"model config {name} must be a number, not {value!r}")
    return VAEConfig.from_dict(config)


def _check_weights(path: Path, model: VAE, state: dict) -> None:
    """One line naming the first weight that is missing, extra, not a tensor or misshapen."""
    expected = model.state_dict()
    for key, want in expected.items():
        if key not in state:
            raise InputError(path, f"weights lack {key} (the config needs {tuple(want.shape)})")
        got = state[key]
        if not isinstance(got, torch.Tensor):
            raise InputError(path, f"weight {key} is a {type(got).__name__}, not a tensor")
        if tuple(got.shape) != tuple(want.shape):
            raise InputError(path, f"weight {key} has shape {tuple(got.shape)} but the config "
                                   f"needs {tuple(want.shape)}")
    extra = sorted(set(state) - set(expected))
    if extra:
        raise InputError(path, f"unexpected weight {extra[0]} (not a layer of this model)")


def load_model(path: str | os.PathLike | None = None) -> VAE:
    """Load a model file (sfvae format or released state dict); None -> the shipped default."""
    path = default_model_path() if path is None else Path(path)
    if not path.exists() and path == default_model_path():
        raise InputError(path, "the default model is not installed with this copy of sfvae")
    payload = read_model_file(path)
    model = VAE(payload["config"])
    _check_weights(path, model, payload["state_dict"])
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as exc:
        problem = " ".join(str(exc).split())[:120]
        raise InputError(path, f"weights do not fit the stored config ({problem})") from None
    model.metadata = payload["metadata"]
    model.eval()
    return model
