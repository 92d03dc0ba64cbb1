"""sfvae: learn and control the source-filter structure of speech inside a VAE.

Sadok, Leglaive, Girin, Alameda-Pineda, Seguier, "Learning and controlling the
source-filter representation of speech with a variational autoencoder",
Speech Communication 148 (2023).

The API at a glance (audio is 16 kHz mono float32 ``[samples]``; frequencies in Hz)::

    import sfvae

    x = sfvae.load("speech.flac")                             # any format, resampled
    y = sfvae.edit(x, sfvae.EditRequest(f0=(120, 180)))       # ramp f0, default model
    sfvae.save("out.wav", y)
    sfvae.edit_file("in.wav", "whisper.wav", sfvae.EditRequest(whisper=True))
    table = sfvae.estimate(x)                                 # f0, f1-f3 per frame
    model = sfvae.load_model()                                # the shipped VAE
    control = sfvae.learn(model)                              # subspaces + regressions

Names are imported on first use, so ``import sfvae`` stays light (torch loads when a
model is first needed).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public name -> module that defines it.
_EXPORTS = {
    "load": "sfvae.audio",
    "save": "sfvae.audio",
    "edit": "sfvae.editing",
    "edit_file": "sfvae.editing",
    "EditRequest": "sfvae.editing",
    "METHODS": "sfvae.editing",
    "load_model": "sfvae.model",
    "save_model": "sfvae.model",
    "learn": "sfvae.control",
    "load_control": "sfvae.control",
    "estimate": "sfvae.control.estimate",
    "synthesize": "sfvae.synth",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'sfvae' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
