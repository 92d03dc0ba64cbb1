"""Source-filter control: latent subspaces, regressions, editing and estimation.

- :func:`learn` -> :class:`Control` (subspaces m_i, U_i and regressions g_i per factor),
  ``Control.save/load`` (one .npz), ``project``, ``g``, ``invert``.
- :func:`edit_audio`: method "sfvae" of :func:`sfvae.editing.edit`.
- :func:`estimate`: f0, f1-f3 per frame by inverting g_i.
"""

from .learn import Control, FactorControl, default_control_path, learn, load_control

__all__ = ["Control", "FactorControl", "learn", "load_control", "default_control_path",
           "edit_audio", "estimate"]


def edit_audio(*args, **kwargs):
    from .editor import edit_audio as _edit

    return _edit(*args, **kwargs)


def estimate(*args, **kwargs):
    from .estimate import estimate as _estimate

    return _estimate(*args, **kwargs)
