"""What the evaluation measures: Praat factor values, relative errors, naturalness.

- Factors: :func:`sfvae.measure.measure` (Praat autocorrelation pitch, Burg formants with
  5 formants below 5500 Hz; medians over voiced frames).
- delta f = |y_hat - y| / y * 100 (%), y the target (edited factor) or the input's own
  Praat value (every other factor: disentanglement).
- DNSMOS (P.835 SIG/BAK/OVRL and P.808) from the ``speechmos`` package's bundled ONNX
  models (needs onnxruntime and librosa; runs offline). Clips shorter than DNSMOS's 9.01 s
  input are tiled to exactly that length, so one model pass scores one clip.
- NISQA-TTS naturalness when its weights are found (``nisqa`` package, CPU).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np

from ..conventions import SAMPLE_RATE
from ..errors import ArgumentError
from ..factors import FACTORS

DNSMOS_INPUT_S = 9.01
NISQA_NAME = "nisqa_tts.tar"


def measure_factors(audio: np.ndarray) -> dict[str, float]:
    """Praat f0, f1, f2, f3 (Hz; NaN where Praat finds none)."""
    from ..measure import measure

    return {k: float(v) for k, v in measure(audio).items() if k in FACTORS}


def delta_percent(measured: float, reference: float) -> float:
    """|measured - reference| / reference * 100; NaN if either is missing."""
    if not (np.isfinite(measured) and np.isfinite(reference)) or reference <= 0:
        return float("nan")
    return abs(measured - reference) / reference * 100.0


def missing_dependency(package: str, hint: str) -> ArgumentError:
    return ArgumentError(f"the Python package {package!r} is needed for this metric; install it "
                         f"into the environment: {hint}")


class Dnsmos:
    """DNSMOS scores of a 16 kHz clip: {'dnsmos_ovrl', 'dnsmos_sig', 'dnsmos_bak', 'dnsmos_p808'}."""

    def __init__(self, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
            from speechmos import dnsmos
        except ImportError as exc:
            raise missing_dependency(
                "speechmos", "pip install speechmos onnxruntime librosa") from exc
        self._dnsmos = dnsmos
        # speechmos's own sessions take every core; one thread is faster on a shared machine.
        folder = Path(dnsmos.__file__).parent / "dnsmos_models"
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = threads
        model = dnsmos.DNSMOS.__new__(dnsmos.DNSMOS)
        model.primary_model_path = str(folder / "sig_bak_ovr.onnx")
        model.onnx_sess = ort.InferenceSession(model.primary_model_path, options,
                                               providers=["CPUExecutionProvider"])
        model.p808_onnx_sess = ort.InferenceSession(str(folder / "model_v8.onnx"), options,
                                                    providers=["CPUExecutionProvider"])
        self._model = model

    def __call__(self, audio: np.ndarray) -> dict[str, float]:
        x = np.asarray(audio, dtype=np.float32)
        peak = float(np.max(np.abs(x))) if x.size else 0.0
        if peak > 1.0:  # speechmos refuses samples outside [-1, 1]
            x = x / peak
        need = int(DNSMOS_INPUT_S * SAMPLE_RATE)
        if x.size < need:
            x = np.tile(x, int(np.ceil(need / max(x.size, 1))))[:need]
        scores = self._model(x, SAMPLE_RATE, False)  # as speechmos.dnsmos.run(x, 16000)
        return {"dnsmos_ovrl": float(scores["ovrl_mos"]), "dnsmos_sig": float(scores["sig_mos"]),
                "dnsmos_bak": float(scores["bak_mos"]), "dnsmos_p808": float(scores["p808_mos"])}


NISQA_WEIGHTS_ENV = "SFVAE_NISQA_WEIGHTS"


def find_nisqa_weights(explicit: str | os.PathLike | None = None) -> Path | None:
    """NISQA-TTS weights: ``explicit`` (an error if missing), else $SFVAE_NISQA_WEIGHTS when
    it names a file; None otherwise (NISQA is then left out of the scores)."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ArgumentError(f"--nisqa-weights {path}: no such file")
        return path
    path = Path(os.environ.get(NISQA_WEIGHTS_ENV, "")) if os.environ.get(NISQA_WEIGHTS_ENV) else None
    return path if path is not None and path.is_file() else None


class Nisqa:
    """NISQA-TTS naturalness (MOS 1-5) of a 16 kHz clip; loads the model once."""

    def __init__(self, weights: str | os.PathLike) -> None:
        try:
            from nisqa.NISQA_model import nisqaModel
        except ImportError as exc:
            raise missing_dependency("nisqa", "pip install --no-deps nisqa pandas pyyaml") from exc
        self._tmp = tempfile.TemporaryDirectory(prefix="sfvae-nisqa-")
        self._wav = Path(self._tmp.name) / "clip.wav"
        self._write(np.zeros(SAMPLE_RATE, dtype=np.float32) + 1e-4)
        args = dict(mode="predict_file", pretrained_model=str(weights), deg=str(self._wav),
                    data_dir=None, output_dir=None, csv_file=None, csv_deg=None, num_workers=0,
                    bs=1, ms_channel=None, tr_bs_val=1, tr_num_workers=0, tr_parallel=False)
        with contextlib.redirect_stdout(io.StringIO()):
            self._model = nisqaModel(args)

    def _write(self, audio: np.ndarray) -> None:
        import soundfile as sf

        sf.write(str(self._wav), np.asarray(audio, dtype=np.float32), SAMPLE_RATE, subtype="FLOAT")

    def __call__(self, audio: np.ndarray) -> float:
        self._write(audio)
        with contextlib.redirect_stdout(io.StringIO()):
            self._model._loadDatasetsFile()
            result = self._model.predict()
        return float(result["mos_pred"].iloc[0])
