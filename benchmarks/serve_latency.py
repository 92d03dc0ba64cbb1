"""Latency of the editor page's edit request (`sfvae serve`, issue 13): a 5 s clip.

    .venv/bin/python benchmarks/serve_latency.py [--repeats 5] [--threads 2] [--http]

Input: the shipped example sfvae/data/demo_speech.wav repeated to exactly 5 s, uploaded as
a wav file. Each row: the two requests the page sends when a slider is released, timed
after one warm-up, best and median of ``--repeats``:

- answer: ``POST /edit``, from the request to its answer; the output's wav is then ready
  to play (the edit and the wav encoding);
- all: that plus ``GET /analysis`` (Praat's tracks and medians of the output, its latent
  coordinates, the spectrogram image, the table).

In-process through FastAPI's TestClient by default; ``--http`` sends the same requests to
a real ``sfvae serve`` subprocess on 127.0.0.1 (loopback HTTP included). In-process, the
CPU seconds of the process over the same span are reported too (all threads): on a shared
machine they tell what the wall time would be on an idle one (with ``--threads 1``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sfvae import audio  # noqa: E402
from sfvae.conventions import SAMPLE_RATE  # noqa: E402

SECONDS = 5.0
EDITS = [  # (method, form) as app.js sends them
    ("sfvae", {"f0": 150.0}),
    ("sfvae", {"f0": 150.0, "refine": 0}),
    ("sfvae", {"f2": 1900.0}),
    ("sfvae", {"f2": 1900.0, "refine": 0}),
    ("sfvae", {"whisper": True}),
    ("world", {"f0": 150.0}),
    ("world", {"f2": 1900.0}),
    ("psola", {"f0": 150.0}),
    ("vae-baseline", {"f0": 150.0}),
    ("vae-baseline", {"f2": 1900.0}),
]


def five_seconds_wav() -> bytes:
    x = audio.load(REPO / "sfvae" / "data" / "demo_speech.wav")
    n = int(SECONDS * SAMPLE_RATE)
    buf = io.BytesIO()
    sf.write(buf, np.tile(x, int(np.ceil(n / x.size)))[:n], SAMPLE_RATE, format="WAV",
             subtype="PCM_16")
    return buf.getvalue()


class InProcess:
    def __init__(self):
        from fastapi.testclient import TestClient

        from sfvae.serve import create_app

        self.client = TestClient(create_app())

    def upload(self, data: bytes) -> dict:
        return self.client.post("/api/open/upload", files={"file": ("five.wav", data)}).json()

    def edit(self, sid: str, form: dict) -> dict:
        r = self.client.post(f"/api/s/{sid}/edit", json=form)
        r.raise_for_status()
        return r.json()

    def analysis(self, sid: str) -> dict:
        r = self.client.get(f"/api/s/{sid}/analysis")
        r.raise_for_status()
        return r.json()


class OverHttp:
    def __init__(self):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen([sys.executable, "-m", "sfvae", "serve", "--port", "0"],
                                     env=env, stdout=subprocess.PIPE, text=True)
        for line in self.proc.stdout:
            match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if match:
                self.url = match.group(1)
                break

    def _post(self, path: str, body: bytes, content_type: str) -> dict:
        req = urllib.request.Request(self.url + path, data=body, method="POST",
                                     headers={"Content-Type": content_type})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())

    def upload(self, data: bytes) -> dict:
        boundary = "sfvaebenchmarkboundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"five.wav\"\r\nContent-Type: audio/wav\r\n\r\n").encode() + data + \
            f"\r\n--{boundary}--\r\n".encode()
        return self._post("api/open/upload", body, f"multipart/form-data; boundary={boundary}")

    def edit(self, sid: str, form: dict) -> dict:
        return self._post(f"api/s/{sid}/edit", json.dumps(form).encode(), "application/json")

    def analysis(self, sid: str) -> dict:
        with urllib.request.urlopen(self.url + f"api/s/{sid}/analysis", timeout=120) as r:
            return json.loads(r.read())

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--http", action="store_true", help="a real `sfvae serve` over HTTP")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    server = OverHttp() if args.http else InProcess()
    session = server.upload(five_seconds_wav())
    sid = session["session"]
    print(f"# {platform.node()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}, torch threads {args.threads}, "
          f"{'HTTP' if args.http else 'in-process'}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"# input {session['input']['duration']:.2f} s")
    cpu = "" if args.http else " all: CPU s (best) |"
    print(f"| method | edit | answer: best s | answer: median s | all: best s | all: median s |{cpu}")
    print("|---|---|---|---|---|---|" + ("" if args.http else "---|"))
    for method, form in EDITS:
        body = {"method": method, **form}
        server.edit(sid, body)   # warm-up
        server.analysis(sid)
        rows = []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            server.edit(sid, body)
            answer = time.perf_counter() - start
            server.analysis(sid)
            rows.append((answer, time.perf_counter() - start, time.process_time() - start_cpu))
        t = np.array(rows)
        cells = [t[:, 0].min(), np.median(t[:, 0]), t[:, 1].min(), np.median(t[:, 1])]
        if not args.http:
            cells.append(t[:, 2].min())
        print(f"| {method} | `{json.dumps(form)}` | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    if args.http:
        server.close()


if __name__ == "__main__":
    main()
