"""Method "sfvae" of :func:`sfvae.edit.edit`: the editor as a pipeline of typed stages.

    audio --analyse--> Analysis --edit_latents--> LatentEdit --refine_latents--> LatentEdit
          --render--> audio

- :mod:`.analysis`: peak, STFT, latent posterior means, Praat f0 per frame (:class:`Analysis`).
- :mod:`.latent_edit`: z' = z - U U^T (z - m) + U g(y) for every edited factor, range checks,
  voicing policy, the f0 each output frame must have (:class:`LatentEdit`).
- :mod:`.refine`: decoder-in-the-loop steps that put the decoded formants on their goals.
- :mod:`.render`: the waveform. Formant-only edits keep the input's own source (source
  "auto"); edits that change the source go to ``renderer`` ("world" by default: the output
  is at the requested f0 by construction, the edited latent decides the envelope).

Options are one :class:`SfvaeOptions`, validated once. ``SfvaeOptions(source="decoded",
refine=0)`` is the paper's method exactly (one-shot edit, decode, phase reconstruction).
Measured effects of each choice: benchmarks/README.md ("Renderers", "Edit accuracy on
synthesized vowels", "Editing speed").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import audio as audio_io
from ..editing import EditRequest, build_options, target_per_frame
from ..errors import ArgumentError
from .analysis import analyse
from .latent_edit import CROSSFADE_FRAMES, PROTECT_WEIGHT, VOICING_POLICIES, LatentEdit, edit_latents
from .learn import Control, load_control, model_fingerprint
from .render import DEFAULT_RENDERER, RENDERERS, render, render_filter_change

SOURCES = ("auto", "decoded")
REFINE_ITERATIONS = 3  # decoder-in-the-loop steps (0: the paper's one-shot edit)


def resolve(model=None, control=None):
    """(model, control) from objects, paths or None (the shipped default pair).

    A control learned for another model is refused (its weights' fingerprint differs).
    """
    from ..model import load_model
    from ..model.vae import VAE

    model = model if isinstance(model, VAE) else load_model(model)
    if not isinstance(control, Control):
        control = load_control(control)
    expected = control.metadata.get("model_sha256_16")
    if expected and expected != model_fingerprint(model):
        raise ArgumentError("the control file was learned for another model (weights fingerprint "
                            f"{expected} vs {model_fingerprint(model)}); give the matching "
                            "--control or run `sfvae learn --model ...`")
    return model, control


def _whole(value, name: str, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
        raise ArgumentError(f"{name} must be a whole number >= 0, not {value!r}")


@dataclass(frozen=True)
class SfvaeOptions:
    """Options of method "sfvae", validated (and the model pair loaded) once, on creation.

    model, control : objects, paths, or None for the shipped default pair.
    renderer : for edits that change the source: one of render.RENDERERS ("world", "hnm",
        "decoded"); None: "decoded" with source "decoded", else render.DEFAULT_RENDERER.
    source : "auto": formant-only edits keep the input's own source, other edits go to the
        renderer; "decoded": every edit is decoded and phase-reconstructed (the paper).
    refine : decoder-in-the-loop iterations (0: the paper's one-shot edit).
    phase, n_iter : phase reconstruction of the "decoded" renderer (sfvae.phase.METHODS).
    voicing : "voiced" (f0 edits on Praat-voiced frames) or "all"; crossfade : frames of
        ramp in the latent space; keep_unedited : frames the edit leaves alone keep the
        input's STFT ("decoded" renderer; the others always do).
    protect : weight of keeping the other factors' coordinates in the joint step.
    speaker_adaptive : use the control's per-voice regressions at the input's median f0.
    """

    model: Any = None
    control: Any = None
    renderer: str | None = None
    source: str = "auto"
    refine: int = REFINE_ITERATIONS
    phase: str | None = None
    n_iter: int | None = None
    voicing: str = "voiced"
    crossfade: int = CROSSFADE_FRAMES
    keep_unedited: bool = True
    protect: float = PROTECT_WEIGHT
    speaker_adaptive: bool = True

    def __post_init__(self) -> None:
        from .. import phase as phase_mod

        if self.source not in SOURCES:
            raise ArgumentError(f"unknown source {self.source!r}; choose one of {', '.join(SOURCES)}")
        if self.renderer is not None and self.renderer not in RENDERERS:
            raise ArgumentError(f"unknown renderer {self.renderer!r}; choose one of "
                                f"{', '.join(RENDERERS)}")
        if self.source == "decoded" and self.renderer not in (None, "decoded"):
            raise ArgumentError(f"source 'decoded' decodes every edit: it cannot be combined "
                                f"with renderer {self.renderer!r}")
        if self.phase is not None and self.phase not in phase_mod.METHODS:
            raise ArgumentError(f"unknown phase reconstruction method {self.phase!r}; "
                                f"choose one of {', '.join(phase_mod.METHODS)}")
        if self.voicing not in VOICING_POLICIES:
            raise ArgumentError(f"unknown voicing policy {self.voicing!r}; "
                                f"choose one of {', '.join(VOICING_POLICIES)}")
        _whole(self.refine, "refine (iterations)")
        _whole(self.n_iter, "n_iter", allow_none=True)
        _whole(self.crossfade, "crossfade (frames)")
        if not (np.isfinite(self.protect) and self.protect >= 0):
            raise ArgumentError(f"protect must be a weight >= 0, not {self.protect!r}")
        model, control = resolve(self.model, self.control)
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "control", control)

    @property
    def source_renderer(self) -> str:
        """The renderer of edits that change the source."""
        if self.renderer is not None:
            return self.renderer
        return "decoded" if self.source == "decoded" else DEFAULT_RENDERER


Options = SfvaeOptions


def edit_audio(audio: np.ndarray, request: EditRequest, options: SfvaeOptions | None = None,
               **fields) -> np.ndarray:
    """Edit a 16 kHz mono waveform; returns float32 audio of the same length and peak scale.

    ``options``: a :class:`SfvaeOptions`, or its fields as keywords.
    """
    opts = build_options(SfvaeOptions, "sfvae", options, fields)
    audio = audio_io.check_audio(audio)
    model, control = opts.model, opts.control
    adaptive = opts.speaker_adaptive and bool(control.speaker_f0)
    need_f0 = (request.f0_scale is not None or adaptive or opts.refine > 0
               or request.f0 is not None or request.whisper)
    analysis = analyse(audio, model, track_f0=need_f0)
    edit = edit_latents(analysis.z, request, control, analysis.f0, voicing=opts.voicing,
                        crossfade=opts.crossfade, protect=opts.protect,
                        voice_f0=analysis.voice_f0 if adaptive else None)
    own_source = not edit.changes_source and opts.source == "auto"
    if opts.refine > 0:
        edit = refine(edit, model, control, analysis, request, opts.refine, own_source)
    if own_source:
        return render_filter_change(model, analysis, edit, audio.size)
    return render(opts.source_renderer, model, analysis, edit, audio.size, phase=opts.phase,
                  n_iter=opts.n_iter, keep_unedited=opts.keep_unedited)


def refine(edit: LatentEdit, model, control, analysis, request: EditRequest, n_iter: int,
           own_source: bool) -> LatentEdit:
    """The refinement stage (:func:`sfvae.control.refine.refine_latents`) on the voiced
    frames the edit touched; f0's coordinates go back to the input's when f0 is not edited."""
    from dataclasses import replace

    from .refine import refine_latents

    n = analysis.n_frames
    keep_f0 = not edit.changes_source
    targets = {name: target_per_frame(value, n) for name, value in request.targets().items()}
    z = refine_latents(edit.z, model, control, analysis.power, targets,
                       analysis.voiced & (edit.weight > 0), n_iter=n_iter,
                       f0_coords=control.project("f0", analysis.z) if keep_f0 else None,
                       filter_of=analysis.z if own_source else None)
    return replace(edit, z=z)
