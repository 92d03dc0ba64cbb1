"""Phase reconstruction: quality against speed for each method and iteration count.

    .venv/bin/python benchmarks/phase_methods.py [--nisqa] [--out DIR]

Cases (espeak-ng MBROLA voices mb-en1 and mb-us1, 3 sentences each, ~4-5 s; sfvae.synth):
  speech        consistent magnitude of speech, no phase given (pure phase retrieval)
  vowels        synthesized vowel sequence with f0 glides (sfvae.synth)
  edit-f0x1.25  magnitude of the speech with f0 x 1.25 (pyworld), "[input phase]" rows
                start from the unshifted input's phase (what an editor would pass)
  vae-resynth   magnitude decoded by the reference WSJ0 VAE (../shared), input phase
  sfvae-edit    the real use: `sfvae edit` with --model/--control (default: shipped) (f0 x 1.2,
                f0 = 150 Hz, f1 = 600 Hz) with each phase method; SC/LSD against the
                magnitude the editor asked for
Quality: spectral convergence (SC, lower is better) and log-spectral distance (LSD, dB)
between the target magnitude and the STFT magnitude of the output; NISQA-TTS naturalness
with --nisqa (needs the nisqa package and ../shared/nisqa/nisqa_tts.tar). Speed: CPU and
wall seconds for 10 s of speech, best of --repeats; x real time = 10 s / CPU time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sfvae import audio, phase  # noqa: E402
from sfvae.conventions import HOP_LENGTH, SAMPLE_RATE  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE_MODEL = SHARED / "reference" / "official-sfvae" / "vae_wsj0_state_dict.pt"
NISQA_WEIGHTS = SHARED / "nisqa" / "nisqa_tts.tar"

TEXTS = [
    "The quick brown fox jumps over the lazy dog, while the old man reads his paper.",
    "She sells sea shells by the sea shore, and nobody knows why the weather changed.",
    "Please call Stella and ask her to bring these things with her from the store.",
]
TIMING_TEXT = " ".join(TEXTS[:2]) + " It was late in the evening when the train finally arrived."

# (method, n_iter, momentum, start) with start "input" (the input's phase, where a case has
# one), "rand" or None (the method's own).
CONFIGS = (
    [("griffin-lim", n, 0.99, None) for n in (8, 16, 32, 100)]
    + [("griffin-lim", n, 0.3, None) for n in (32, 100)]
    + [("rtisi-la", n, None, None) for n in (1, 2, 4, 8)]
    + [("pghi", 0, None, None)]
    + [("pghi+gla", n, 0.99, None) for n in (4, 8, 16)]
)
EDIT_CONFIGS = (
    [("griffin-lim", n, 0.99, "input") for n in (0, 8, 16, 32)]
    + [("griffin-lim", n, 0.99, "rand") for n in (16, 32)]
    + [("rtisi-la", n, None, "input") for n in (2, 4)] + [("rtisi-la", n, None, None) for n in (2, 4)]
    + [("pghi", 0, None, None)] + [("pghi+gla", n, 0.99, None) for n in (8, 16)]
)
# The real use: `sfvae edit` (default model and control) with each phase method.
EDITS = {"f0x1.2": dict(f0_scale=1.2), "f0-150": dict(f0=150.0), "f1-600": dict(f1=600.0)}
# "exact": the input's phase on the frames the edit left unchanged (exact_frames), the
# method's own elsewhere.
EDIT_PIPELINE_CONFIGS = (
    [("griffin-lim", n, 0.99, "input") for n in (0, 8, 16, 32)]
    + [("rtisi-la", n, None, "input") for n in (2,)] + [("rtisi-la", n, None, None) for n in (1, 2, 4)]
    + [("rtisi-la", 2, None, "exact"), ("pghi", 0, None, None), ("pghi+gla", 8, 0.99, None),
       ("pghi+gla", 8, 0.99, "exact")]
)
TIMING_CONFIGS = (
    [("griffin-lim", n, 0.99, None) for n in (8, 16, 24, 32, 64, 100)]
    + [("rtisi-la", n, None, None) for n in (1, 2, 4, 8)]
    + [("pghi", 0, None, None)] + [("pghi+gla", n, 0.99, None) for n in (4, 8, 16)]
)


def espeak(voice: str, text: str, path: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(path), text], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return audio.normalize_peak(audio.load(path), 0.9)


def vowels() -> np.ndarray:
    from sfvae.synth import synthesize

    table = [((730, 1090, 2440), (110, 140)), ((270, 2290, 3010), (150, 120)),
             ((530, 1840, 2480), (200, 260)), ((300, 870, 2240), (240, 180)),
             ((660, 1720, 2410), (130, 170))]
    parts = [synthesize(list(f0), formants=list(fm), duration=2.0, seed=i)
             for i, (fm, f0) in enumerate(table)]
    return audio.normalize_peak(np.concatenate(parts), 0.9)


def shift_f0(x: np.ndarray, ratio: float) -> np.ndarray:
    import pyworld

    xd = x.astype(np.float64)
    f0, t = pyworld.harvest(xd, SAMPLE_RATE)
    sp = pyworld.cheaptrick(xd, f0, t, SAMPLE_RATE)
    ap = pyworld.d4c(xd, f0, t, SAMPLE_RATE)
    y = pyworld.synthesize(f0 * ratio, sp, ap, SAMPLE_RATE)[: len(x)]
    return audio.normalize_peak(np.pad(y, (0, len(x) - len(y))).astype(np.float32), 0.9)


def vae_magnitude(x: np.ndarray) -> np.ndarray:
    from sfvae.model.io import load_model

    model = load_model(REFERENCE_MODEL)
    mu, _ = model.encode_numpy(audio.power_spectrogram(x))
    return np.sqrt(model.decode_numpy(mu))


_REAL_RECONSTRUCT = phase.reconstruct  # edit_pipeline() patches phase.reconstruct


def reconstruct(mag, method, init_phase=None, **kwargs):
    """phase.reconstruct, except rtisi-la with an input phase (rejected, so only reachable
    through the private function) for the "[input phase]" rows."""
    if method == "rtisi-la" and init_phase is not None:
        length = kwargs.get("length") or (len(mag) - 1) * HOP_LENGTH
        return phase._rtisi_la(np.asarray(mag, np.float32), kwargs["n_iter"], length, init_phase)
    return _REAL_RECONSTRUCT(mag, method, init_phase, **kwargs)


def run(mag, method, n_iter, momentum, init_phase, length, repeats=1):
    kwargs = dict(method=method, n_iter=n_iter, length=length, init_phase=init_phase)
    if momentum is not None:
        kwargs["momentum"] = momentum
    wall = cpu = np.inf
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        y = reconstruct(mag, **kwargs)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return y, (wall, cpu)


def nisqa_scores(wav_dir: Path) -> dict[str, float]:
    from nisqa.NISQA_model import nisqaModel

    args = dict(mode="predict_dir", pretrained_model=str(NISQA_WEIGHTS), deg=None,
                data_dir=str(wav_dir), output_dir=None, csv_file=None, csv_deg=None,
                num_workers=0, bs=8, ms_channel=None, tr_bs_val=8, tr_num_workers=0,
                tr_parallel=False)
    table = nisqaModel(args).predict()
    return dict(zip(table["deg"], table["mos_pred"]))


def label(method, n_iter, momentum, start) -> str:
    text = method + ("" if momentum in (None, 0.99) else f" (m={momentum})")
    return text + {"input": " [input phase]", "rand": " [random start]",
                   "exact": " [input phase on unchanged frames]"}.get(start, "")


def quality(work: Path, quick: bool, with_nisqa: bool, model=None, control=None,
            edit_only: bool = False) -> list[dict]:
    voices = ["mb-en1"] if quick else ["mb-en1", "mb-us1"]
    texts = TEXTS[:1] if quick else TEXTS
    speech = [(f"{v}-{i}", espeak(v, t, work / f"src_{v}_{i}.wav"))
              for v in voices for i, t in enumerate(texts)]
    cases = [("speech", name, x, np.abs(audio.stft(x)), None) for name, x in speech]
    if not quick:
        try:
            cases.append(("vowels", "vowels", vowels(), None, None))
        except ImportError:
            print("(sfvae.synth missing: vowels case skipped)")
        for name, x in speech:
            shifted = shift_f0(x, 1.25)
            cases.append(("edit-f0x1.25", name, shifted, np.abs(audio.stft(shifted)),
                          np.angle(audio.stft(x))))
        if REFERENCE_MODEL.exists():
            for name, x in speech:
                cases.append(("vae-resynth", name, x, vae_magnitude(x), np.angle(audio.stft(x))))
        else:
            print(f"({REFERENCE_MODEL} missing: vae-resynth case skipped)")
    rows = [] if quick else edit_pipeline(work, speech, model, control)
    if edit_only:
        cases = []
    for case, name, x, mag, init in cases:
        mag = np.abs(audio.stft(x)) if mag is None else mag
        audio.save(work / f"{case}__{name}__original.wav", x)
        for method, n_iter, momentum, start in (EDIT_CONFIGS if init is not None else CONFIGS):
            use_init = init if start == "input" else None
            y, _ = run(mag, method, n_iter, momentum, use_init, len(x))
            wav = f"{case}__{name}__{method.replace('+', '_')}_{n_iter}_{momentum}_{start}.wav"
            audio.save(work / wav, y)
            rows.append(dict(case=case, label=label(method, n_iter, momentum, start),
                             n_iter=n_iter, sc=phase.spectral_convergence(mag, y),
                             lsd=phase.log_spectral_distance(mag, y), wav=wav))
    if with_nisqa:
        scores = nisqa_scores(work)
        for row in rows:
            row["nisqa"] = scores.get(row["wav"], np.nan)
        for key, value in scores.items():
            if key.endswith("__original.wav"):
                rows.append(dict(case=key.split("__")[0], label="(original audio)", n_iter="-",
                                 sc=np.nan, lsd=np.nan, wav="", nisqa=value))
    return rows


def edit_pipeline(work: Path, speech, model_path=None, control_path=None) -> list[dict]:
    """`sfvae edit` outputs per phase method; SC/LSD against the magnitude the editor asked
    for (captured), NISQA on the output. Skipped when the model/control is unusable."""
    from sfvae.editing import EditRequest, edit
    from sfvae.errors import SfvaeError

    try:
        from sfvae.control.learn import load_control, model_fingerprint
        from sfvae.model import load_model

        model, control = load_model(model_path), load_control(control_path)
        if control.metadata.get("model_sha256_16") not in (None, model_fingerprint(model)):
            raise SfvaeError("the control was learned on another model")
    except (ImportError, SfvaeError) as exc:
        print(f"(model/control unusable: sfvae-edit case skipped: {exc})")
        return []
    rows = []
    for method, n_iter, momentum, start in EDIT_PIPELINE_CONFIGS:
        captured = {}

        def patched(magnitude, method=None, init_phase=None, **kw):
            captured["mag"] = magnitude
            kw.update(n_iter=n_iter, **({"momentum": momentum} if momentum else {}))
            if start == "exact":  # frames the editor left at the input's magnitude
                own = np.abs(audio.stft(captured["input"]))
                kw["exact_frames"] = np.all(np.abs(magnitude - own) <= 1e-5 * own.max(), axis=1)
                captured["exact"] = captured.get("exact", 0) + int(kw["exact_frames"].sum())
                captured["frames"] = captured.get("frames", 0) + len(magnitude)
                return _REAL_RECONSTRUCT(magnitude, method, init_phase, **kw)
            return reconstruct(magnitude, method, init_phase if start == "input" else None, **kw)

        phase.reconstruct = patched
        try:
            for name, x in speech:
                for edit_name, request in EDITS.items():
                    captured["input"] = x
                    y = edit(x, EditRequest(**request), model=model, control=control, phase=method)
                    wav = f"sfvae-edit__{name}-{edit_name}__{method.replace('+', '_')}_{n_iter}_{start}.wav"
                    audio.save(work / wav, y)
                    mag = captured["mag"]
                    rows.append(dict(case="sfvae-edit", label=label(method, n_iter, momentum, start),
                                     n_iter=n_iter, sc=phase.spectral_convergence(mag, y),
                                     lsd=phase.log_spectral_distance(mag, y), wav=wav))
        finally:
            phase.reconstruct = _REAL_RECONSTRUCT
        if "exact" in captured:
            print(f"(sfvae-edit, {method} exact: {captured['exact']} of {captured['frames']} "
                  "frames unchanged by the edits)")
    return rows


def timing(work: Path, repeats: int) -> list[dict]:
    x = espeak("mb-en1", TIMING_TEXT, work / "timing.wav")
    reps = int(np.ceil(10 * SAMPLE_RATE / len(x)))
    x = np.tile(x, reps)[: 10 * SAMPLE_RATE]  # exactly 10 s
    mag = np.abs(audio.stft(x))
    rows = []
    for method, n_iter, momentum, start in TIMING_CONFIGS:
        _, (wall, cpu) = run(mag, method, n_iter, momentum, None, len(x), repeats=repeats)
        rows.append(dict(label=label(method, n_iter, momentum, start), n_iter=n_iter,
                         wall=wall, cpu=cpu))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nisqa", action="store_true", help="add NISQA-TTS naturalness")
    parser.add_argument("--out", help="keep the reconstructed wav files here")
    parser.add_argument("--quick", action="store_true", help="one utterance, speech case only")
    parser.add_argument("--timing-only", action="store_true")
    parser.add_argument("--edit-only", action="store_true", help="quality: the sfvae-edit case only")
    parser.add_argument("--model", help="sfvae-edit case: model (default: the shipped one)")
    parser.add_argument("--control", help="sfvae-edit case: its control (default: shipped)")
    parser.add_argument("--repeats", type=int, default=7, help="timing: best of this many")
    args = parser.parse_args()
    torch.set_num_threads(2)
    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="phase_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    phase.reconstruct(np.ones((20, 513), np.float32), "pghi")  # load the numba kernel first

    if not args.timing_only:
        rows = quality(work, args.quick, args.nisqa, args.model, args.control, args.edit_only)
        groups: dict[tuple, list[dict]] = {}
        for r in rows:
            groups.setdefault((r["case"], r["label"], r["n_iter"]), []).append(r)
        head = "| case | method | iterations | n | SC | LSD dB |" + (" NISQA |" if args.nisqa else "")
        print(head)
        print("|" + "---|" * (head.count("|") - 1))
        for (case, lab, n_iter), rs in groups.items():
            sc = np.nanmean([r["sc"] for r in rs]) if rs[0]["wav"] else np.nan
            lsd = np.nanmean([r["lsd"] for r in rs]) if rs[0]["wav"] else np.nan
            line = f"| {case} | {lab} | {n_iter} | {len(rs)} | {sc:.3f} | {lsd:.2f} |"
            if args.nisqa:
                line += f" {np.mean([r['nisqa'] for r in rs]):.2f} |"
            print(line.replace("nan", "-"))
        print()
    load_before = os.getloadavg()[0]
    rows = timing(work, args.repeats)
    print(f"Timing: 10.0 s of speech, best of {args.repeats}, torch threads "
          f"{torch.get_num_threads()}, {os.cpu_count()} CPUs, load average {load_before:.1f} "
          f"before / {os.getloadavg()[0]:.1f} after")
    print("CPU time is what one quiet core would take (every method runs on one thread);")
    print("wall time on a busy machine is longer.")
    print("| method | iterations | CPU s per 10 s | x real time (CPU) | wall s per 10 s |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['n_iter']} | {r['cpu']:.3f} | {10 / r['cpu']:.0f} "
              f"| {r['wall']:.3f} |")
    if not args.out:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
