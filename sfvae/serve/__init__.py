"""`sfvae serve`: an interactive editor in the browser, on the package's Python API.

- :mod:`.views`: what the page shows of a clip (Praat tracks and medians, a spectrogram
  image, latent coordinates per factor subspace) and of an edit (targets, the table of
  ``sfvae demo``).
- :mod:`.sessions`: per-user state in memory, keyed by random ids, with a cap.
- :mod:`.app`: the web application (FastAPI), :func:`create_app`.
- :mod:`.cli`: the ``serve`` subcommand (uvicorn).

The page itself is plain HTML/JS/CSS in ``static/`` (package data, no build step).
"""

from .sessions import Limits

__all__ = ["Limits", "create_app"]


def create_app(*args, **kwargs):
    """The web application (imported on first use: FastAPI is not needed to import sfvae)."""
    from .app import create_app as _create

    return _create(*args, **kwargs)
