"""The editor's web application: FastAPI routes over sfvae's Python API.

FastAPI (on Starlette, served by uvicorn) because it is the Python ecosystem's best-kept
small web framework: the edit form is validated by a typed model, Starlette's StaticFiles
refuses paths outside its folder, request bodies are capped before they are parsed
(``max_body_size``) and its TestClient drives the app in-process for the tests.

Safety: the client never names a server file. Examples are chosen by id from
:data:`EXAMPLES`; uploads are written to a fresh temporary folder under a name of the
server's choosing, read with :func:`sfvae.audio.load` (the CLI's loader, so a bad file gets
the CLI's one-line error, naming the uploaded file's base name) and removed at once. Every
other URL names a session by its random id (:mod:`.sessions`).

One lock serialises the computing (loading, editing, measuring): Praat (parselmouth) keeps
global state, and on a 2-core machine two edits at once would only each take twice as long.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Literal

import numpy as np
from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.middleware.trustedhost import TrustedHostMiddleware

from .. import audio as audio_io
from ..conventions import SAMPLE_RATE
from ..demo import example_path
from ..editing import METHODS, EditRequest, edit, option_names, parse_target
from ..errors import ArgumentError, InputError, SfvaeError
from . import views
from .sessions import Limits, Session, SessionStore, UnknownSession

# Room for the multipart envelope around an upload of max_upload_bytes.
MULTIPART_OVERHEAD = 64 * 1024
MAX_NAME_LENGTH = 80


@dataclass(frozen=True)
class Example:
    label: str
    make: Callable[[], np.ndarray]


def _vowel(f0, formants) -> Callable[[], np.ndarray]:
    def make() -> np.ndarray:
        from ..synth import synthesize

        return synthesize(f0=f0, formants=formants, duration=2.0, seed=0)
    return make


# Inputs the page offers by id. The vowels: F1 well above f0, where Praat measures the
# formants of a harmonic source reliably (as in `sfvae demo`'s synthesizer fallback).
EXAMPLES: dict[str, Example] = {
    "speech": Example("speech (sfvae/data/demo_speech.wav)", lambda: audio_io.load(example_path())),
    "vowel-a-male": Example("synthesized /a/, f0 110 Hz", _vowel(110.0, (730.0, 1090.0, 2440.0))),
    "vowel-ae-female": Example("synthesized /ae/, f0 220 Hz", _vowel(220.0, (660.0, 1700.0, 2800.0))),
    "vowel-f0-ramp": Example("synthesized vowel, f0 120 -> 180 Hz",
                             _vowel((120.0, 180.0), (600.0, 1500.0, 2500.0))),
}


def static_dir() -> Path:
    return Path(str(resources.files("sfvae.serve") / "static"))


def display_name(filename: str | None) -> str:
    """The base name of an uploaded file, for messages only (never opened)."""
    name = PurePosixPath(PureWindowsPath(filename or "upload").name).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip() or "upload"
    return name[:MAX_NAME_LENGTH]


def ascii_name(name: str) -> str:
    """A download name safe inside a Content-Disposition header."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


class NoOutput(Exception):
    """The session has no edited output yet."""


def _suffix(name: str) -> str:
    """The upload's extension when it is a plain one (libsndfile reads some formats by it)."""
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".audio"


def read_upload(data: bytes, name: str, tmp_root: str | None = None) -> np.ndarray:
    """Audio of an uploaded file through :func:`sfvae.audio.load`; the temporary copy is removed."""
    with tempfile.TemporaryDirectory(prefix="sfvae-serve-", dir=tmp_root) as folder:
        path = Path(folder) / f"upload{_suffix(name)}"
        path.write_bytes(data)
        try:
            return audio_io.load(path)
        except InputError as exc:
            raise InputError(name, exc.problem) from None


def wav_bytes(audio: np.ndarray, tmp_root: str | None = None) -> bytes:
    """The waveform as sfvae.audio.save writes it (16-bit wav, peak kept under 1)."""
    with tempfile.TemporaryDirectory(prefix="sfvae-serve-", dir=tmp_root) as folder:
        path = audio_io.save(Path(folder) / "clip.wav", audio)
        return path.read_bytes()


class EditForm(BaseModel):
    """The page's edit controls; unset factors are left alone."""

    method: str = "sfvae"
    f0: float | None = None
    f0_scale: float | None = None
    f0_ramp: str | None = Field(None, max_length=40)
    # A drawn contour: values spread evenly over the file (sfvae.edit.target_per_frame).
    f0_contour: list[float] | None = Field(None, min_length=2, max_length=2000)
    f1: float | None = None
    f2: float | None = None
    f3: float | None = None
    whisper: bool = False
    # None: the method's own default. 0 is the paper's one-shot edit (sfvae only).
    refine: int | None = Field(None, ge=0, le=10)


def build_request(form: EditForm) -> EditRequest:
    """EditRequest from the page's form; the typed ramp parses as the CLI's ``--f0 A:B``."""
    ramp = (form.f0_ramp or "").strip() or None
    given = [v is not None for v in (form.f0, ramp, form.f0_contour)]
    if sum(given) > 1:
        raise ArgumentError("give one of an f0 value, an f0 ramp or a drawn f0 contour")
    f0 = form.f0
    if ramp:
        f0 = parse_target(ramp, "f0")
        if not isinstance(f0, tuple):
            raise ArgumentError(f"--f0 ramp: expected START:END in Hz, got {form.f0_ramp!r}")
    if form.f0_contour is not None:
        f0 = np.asarray(form.f0_contour, dtype=float)
    return EditRequest(f0=f0, f1=form.f1, f2=form.f2, f3=form.f3, f0_scale=form.f0_scale,
                       whisper=form.whisper)


def create_app(model=None, control=None, limits: Limits | None = None,
               tmp_root: str | None = None, warm: bool = True,
               allowed_hosts: list[str] | None = None):
    """The application. ``model``/``control``: objects, paths or None (the shipped pair),
    loaded once here. ``tmp_root``: where uploads are briefly written (default: the system's).
    ``warm``: run one small edit now, so that a mismatched pair fails at start and the first
    user's edit does not pay for first-call costs. ``allowed_hosts``: the Host headers
    answered (None: any); ``sfvae serve`` on a loopback address answers only its own names,
    so that a web page elsewhere cannot reach it by DNS rebinding."""
    from ..control import load_control
    from ..model import VAE, load_model

    limits = limits or Limits()
    model = model if isinstance(model, VAE) else load_model(model)
    control = load_control(control)
    store = SessionStore(limits)
    compute = threading.Lock()
    example_cache: dict[str, np.ndarray] = {}

    def run_edit(audio: np.ndarray, request: EditRequest, method: str,
                 refine: int | None = None) -> tuple[np.ndarray, list[str]]:
        # An unknown method: edit() says so; each method takes only the options it has.
        given = {"model": model, "control": control, "refine": refine}
        names = option_names(method) if method in METHODS else ()
        options = {k: v for k, v in given.items() if k in names and v is not None}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = edit(audio, request, method=method, **options)
        return out, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]

    def open_clip(name: str, audio: np.ndarray) -> dict:
        seconds = audio.size / SAMPLE_RATE
        if seconds > limits.max_seconds:
            raise InputError(name, f"is {seconds:.1f} s long; the editor takes clips of at most "
                                   f"{limits.max_seconds:g} s (sfvae serve --max-seconds)")
        with compute:
            view = views.view_clip(audio, model, control)
        session = store.add(name, audio, wav_bytes(audio, tmp_root), view)
        return {
            "session": session.id, "name": name, "input": view.to_json(),
            "trajectories": views.trajectories(control, view.measured),
            "table": views.input_table(view.measured),
        }

    if warm:
        x = EXAMPLES["speech"].make()[: 2 * SAMPLE_RATE]
        run_edit(x, EditRequest(f0_scale=1.2), "sfvae")

    app = FastAPI(title="sfvae editor", docs_url=None, redoc_url=None, openapi_url=None,
                  max_body_size=limits.max_upload_bytes + MULTIPART_OVERHEAD)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(SfvaeError)
    async def sfvae_error(request: Request, exc: SfvaeError):
        return error(400, f"sfvae: error: {exc}")   # the CLI's line

    @app.exception_handler(UnknownSession)
    async def unknown_session(request: Request, exc: UnknownSession):
        return error(404, "sfvae: error: this session has expired or does not exist; "
                          "open the file again")

    @app.exception_handler(RequestValidationError)
    async def bad_form(request: Request, exc: RequestValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "path"))
        return error(400, f"sfvae: error: {where or 'request'}: {first.get('msg', 'invalid')}")

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(static_dir() / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/api/config")
    def config():
        return {
            "methods": list(METHODS),
            "examples": [{"id": k, "label": v.label} for k, v in EXAMPLES.items()],
            "ranges": {f: list(control.range(f)) for f in control.factors},
            "axes": {f: control.factors[f].subspace.n_axes for f in control.factors},
            "limits": {"max_upload_bytes": limits.max_upload_bytes,
                       "max_seconds": limits.max_seconds},
        }

    @app.post("/api/open/upload")
    def open_upload(file: Annotated[UploadFile, File()]):
        name = display_name(file.filename)
        data = file.file.read(limits.max_upload_bytes + 1)
        if len(data) > limits.max_upload_bytes:
            raise InputError(name, f"is larger than the upload limit of "
                                   f"{limits.max_upload_bytes / 2**20:g} MB")
        with compute:
            audio = read_upload(data, name, tmp_root)
        return open_clip(name, audio)

    @app.post("/api/open/example/{example_id}")
    def open_example(example_id: str):
        if example_id not in EXAMPLES:
            return error(404, f"sfvae: error: no example {example_id[:40]!r}; choose one of "
                              f"{', '.join(EXAMPLES)}")
        if example_id not in example_cache:
            with compute:
                example_cache[example_id] = audio_io.check_audio(EXAMPLES[example_id].make())
        return open_clip(example_id, example_cache[example_id])

    # The page gets the edit's audio first (it can play at once), then asks for its analysis.
    @app.post("/api/s/{session_id}/edit")
    def edit_clip(session_id: str, form: EditForm):
        session = store.get(session_id)
        request = build_request(form)
        with compute:
            start = time.perf_counter()
            out, messages = run_edit(session.audio, request, form.method, form.refine)
            edit_s = time.perf_counter() - start
            session.set_output(out, wav_bytes(out, tmp_root), request, form.method)
        return {
            "version": session.version,
            "targets": views.edit_targets(request, session.view.measured),
            "warnings": messages,
            "seconds": {"edit": round(edit_s, 3)},
        }

    def output_analysis(session: Session) -> dict:
        """The output's view, table and targets' coordinates, computed once per edit."""
        with compute:
            if session.output is None:
                raise NoOutput()
            if session.output_analysis is None:
                start = time.perf_counter()
                view = views.view_clip(session.output, model, control)
                source, request = session.view.measured, session.output_request
                session.output_view = view
                session.output_analysis = {
                    "version": session.version,
                    "output": view.to_json(),
                    "table": views.edit_table(request, session.output_method, source,
                                              session.output, view.measured),
                    "target_coords": views.target_coordinates(control, request, source),
                    "seconds": {"analysis": round(time.perf_counter() - start, 3)},
                }
            return session.output_analysis

    @app.get("/api/s/{session_id}/analysis")
    def analysis(session_id: str):
        return output_analysis(store.get(session_id))

    def clip(session: Session, which: str) -> tuple[bytes, views.ClipView]:
        if which == "input":
            return session.wav, session.view
        if session.output_wav is None:
            raise NoOutput()
        output_analysis(session)
        return session.output_wav, session.output_view

    @app.exception_handler(NoOutput)
    async def no_output(request: Request, exc: NoOutput):
        return error(404, "sfvae: error: nothing edited yet in this session")

    @app.get("/api/s/{session_id}/audio/{which}")
    def clip_audio(session_id: str, which: Literal["input", "output"], download: bool = False):
        session = store.get(session_id)
        if which == "output" and session.output_wav is None:
            raise NoOutput()
        data = session.output_wav if which == "output" else session.wav
        headers = {"Cache-Control": "no-store"}
        if download:
            stem = PurePosixPath(session.name).stem
            name = session.output_name if which == "output" else f"{stem}.wav"
            headers["Content-Disposition"] = f'attachment; filename="{ascii_name(name)}"'
        return Response(data, media_type="audio/wav", headers=headers)

    @app.get("/api/s/{session_id}/spectrogram/{which}")
    def clip_spectrogram(session_id: str, which: Literal["input", "output"]):
        _, view = clip(store.get(session_id), which)
        return Response(view.spectrogram_png, media_type="image/png",
                        headers={"Cache-Control": "no-store"})

    app.state.store = store
    return app
