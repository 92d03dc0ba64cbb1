"""Method "sfvae" of :func:`sfvae.edit.edit`: the editor as a pipeline of typed stages.

    audio --analyse_input--> Analysis --edit_latents--> LatentEdit --refine_latents--> LatentEdit
          --render--> audio

- :mod:`.input_analysis`: peak, STFT, latent posterior means, Praat f0 per frame (:class:`Analysis`).
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

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import audio as audio_io
from ..editing import EditRequest, build_options, target_per_frame
from ..errors import ArgumentError
from .input_analysis import analyse_input
from .latent_edit import CROSSFADE_FRAMES, KEEP_OTHERS_WEIGHT, VOICING_POLICIES, LatentEdit, edit_latents
from .learn import Control, load_control, model_fingerprint
from .render import DEFAULT_RENDERER, RENDERERS, render, render_filter_change

SOURCES = ("auto", "decoded")
# Renderers that apply the decoded envelope change v(z') / v(z_ref) to the input's envelope.
RATIO_RENDERERS = ("world", "hnm")
REFINE_ITERATIONS = 3  # decoder-in-the-loop steps (0: the paper's one-shot edit)
# Edits the world/hnm renderers synthesise: their envelope change is measured against the
# same edit at the input's own f0, so the refinement (applied to both) is not needed. Measured
# (4 recorded clips + 2 vowels, identity and x1.33): refine 0 vs 3 on both, NISQA-TTS 2.89
# vs 2.84, F1/F2/F3 moved by the identity edit 1.6/1.0/0.8 % vs 1.2/1.0/0.8 %, by the
# recorded clips' edits 3.9/1.4/1.8 % vs 3.9/1.6/1.8 %, at half the cost; full table in
# benchmarks/README.md ("Renderers").
RATIO_REFINE_ITERATIONS = 0


def load_model_and_control(model=None, control=None):
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
    refine : decoder-in-the-loop iterations (0: the paper's one-shot edit); None:
        RATIO_REFINE_ITERATIONS for edits the world/hnm renderers synthesise, else
        REFINE_ITERATIONS.
    phase, n_iter : phase reconstruction of the "decoded" renderer (sfvae.phase.METHODS).
    voicing : "voiced" (f0 edits on Praat-voiced frames) or "all"; crossfade : frames of
        ramp in the latent space; keep_unedited : frames the edit leaves alone keep the
        input's STFT ("decoded" renderer; the others always do).
    keep_others_weight : weight of keeping the other factors' coordinates in the joint step.
    speaker_adaptive : use the control's per-voice regressions at the input's median f0.
    voice_f0 : that median f0 in Hz when known beforehand (None: Praat's on the input).
    """

    model: Any = None
    control: Any = None
    renderer: str | None = None
    source: str = "auto"
    refine: int | None = None
    phase: str | None = None
    n_iter: int | None = None
    voicing: str = "voiced"
    crossfade: int = CROSSFADE_FRAMES
    keep_unedited: bool = True
    keep_others_weight: float = KEEP_OTHERS_WEIGHT
    speaker_adaptive: bool = True
    voice_f0: float | None = None

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
        _whole(self.refine, "refine (iterations)", allow_none=True)
        _whole(self.n_iter, "n_iter", allow_none=True)
        _whole(self.crossfade, "crossfade (frames)")
        if not (np.isfinite(self.keep_others_weight) and self.keep_others_weight >= 0):
            raise ArgumentError(f"keep_others_weight must be a weight >= 0, not {self.keep_others_weight!r}")
        if self.voice_f0 is not None and not (np.isfinite(self.voice_f0) and self.voice_f0 > 0):
            raise ArgumentError(f"voice_f0 must be a positive frequency in Hz, not {self.voice_f0!r}")
        model, control = load_model_and_control(self.model, self.control)
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "control", control)

    def voice_f0_of(self, analysis) -> float | None:
        """The voice f0 (Hz) that chooses the speaker regressions: ``voice_f0`` when given
        (a long file edited in blocks gives the whole file's), else the input's median;
        None (the pooled regression) when not speaker-adaptive."""
        if not (self.speaker_adaptive and self.control.speaker_f0):
            return None
        return self.voice_f0 if self.voice_f0 is not None else analysis.voice_f0

    def refine_for(self, changes_source: bool) -> int:
        """Refinement iterations of an edit (see ``refine``)."""
        if self.refine is not None:
            return int(self.refine)
        ratio = changes_source and self.source_renderer in RATIO_RENDERERS
        return RATIO_REFINE_ITERATIONS if ratio else REFINE_ITERATIONS

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
    need_f0 = (request.f0_scale is not None or adaptive or opts.refine != 0
               or request.f0 is not None or request.whisper)
    analysis = analyse_input(audio, model, track_f0=need_f0)
    edit = edit_latents(analysis.z, request, control, analysis.f0, voicing=opts.voicing,
                        crossfade=opts.crossfade, keep_others_weight=opts.keep_others_weight,
                        voice_f0=opts.voice_f0_of(analysis))
    own_source = not edit.changes_source and opts.source == "auto"
    renderer = opts.source_renderer
    n_refine = opts.refine_for(edit.changes_source)
    if n_refine > 0:
        edit = refine(edit, model, control, analysis, request, n_refine, own_source)
    sets_f0 = request.f0 is not None or request.f0_scale is not None
    if sets_f0 and renderer in RATIO_RENDERERS and analysis.voiced.any():
        edit = replace(edit, z_reference=reference_latents(analysis, request, control, opts,
                                                           n_refine))
    if own_source:
        return render_filter_change(model, analysis, edit, audio.size)
    return render(renderer, model, analysis, edit, audio.size, phase=opts.phase,
                  n_iter=opts.n_iter, keep_unedited=opts.keep_unedited)


def reference_latents(analysis, request: EditRequest, control, opts: SfvaeOptions,
                      n_refine: int) -> np.ndarray:
    """The latents of the same edit asking for the input's own f0 contour (its formant
    targets kept), refined alike: the ratio renderers measure the envelope change of an f0
    edit against them, so that the regression's error on this input cancels (an identity
    edit changes nothing). Whisper, which sets no f0, is measured against the input's own z."""
    own = EditRequest(**{k: v for k, v in request.targets().items() if k != "f0"}, f0_scale=1.0)
    with warnings.catch_warnings():   # the input's own contour may leave the range: clamped
        warnings.simplefilter("ignore")
        ref = edit_latents(analysis.z, own, control, analysis.f0, voicing=opts.voicing,
                           crossfade=opts.crossfade, keep_others_weight=opts.keep_others_weight,
                           voice_f0=opts.voice_f0_of(analysis))
    if n_refine > 0:
        ref = refine(ref, opts.model, control, analysis, own, n_refine, False)
    return ref.z


def refine(edit: LatentEdit, model, control, analysis, request: EditRequest, n_iter: int,
           own_source: bool) -> LatentEdit:
    """The refinement stage (:func:`sfvae.control.refine.refine_latents`) on the voiced
    frames the edit touched; f0's coordinates go back to the input's when f0 is not edited."""
    from .refine import refine_latents

    n = analysis.n_frames
    keep_f0 = not edit.changes_source
    targets = {name: target_per_frame(value, n) for name, value in request.targets().items()}
    z = refine_latents(edit.z, model, control, analysis.power, targets,
                       analysis.voiced & (edit.weight > 0), n_iter=n_iter,
                       f0_coords=control.project("f0", analysis.z) if keep_f0 else None,
                       input_latents=analysis.z if own_source else None)
    return replace(edit, z=z)
