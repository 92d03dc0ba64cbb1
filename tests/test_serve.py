"""`sfvae serve`: the editor's web API in-process, and its page in headless Chromium.

API tests use FastAPI's TestClient on an app with small limits. Browser tests (marker
``browser``) start ``python -m sfvae serve --port 0`` in a subprocess and drive the page
with playwright and Debian's Chromium (/usr/bin/chromium, installed by
scripts/setup-system.sh; playwright never downloads a browser here).

A missing Chromium or playwright FAILS the browser tests: the set-up installs both, so
their absence is a broken set-up that a skip would hide. SFVAE_SKIP_BROWSER=1 skips them
on purpose (e.g. on a machine without a display stack you do not want to install).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from sfvae import audio as audio_io
from sfvae import measure
from sfvae.conventions import SAMPLE_RATE
from sfvae.demo import example_path
from sfvae.editing import METHODS, EditRequest, edit, parse_target
from sfvae.errors import SfvaeError
from sfvae.synth import synthesize

REPO = Path(__file__).resolve().parents[1]
SCREENSHOT = REPO / "docs" / "serve.png"   # SFVAE_UPDATE_SCREENSHOT=1 rewrites it
CHROMIUM = os.environ.get("SFVAE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAX_UPLOAD = 400_000   # bytes: the demo example (111 kB) fits, 12 s of 16-bit audio does not
MAX_SECONDS = 8.0


# ---- API, in-process ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def upload_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("serve-uploads")


@pytest.fixture(scope="module")
def app(upload_root, default_pair):
    from sfvae.serve import Limits, create_app

    model, control = default_pair
    return create_app(model, control, Limits(max_upload_bytes=MAX_UPLOAD, max_seconds=MAX_SECONDS,
                                             max_sessions=4), tmp_root=str(upload_root), warm=False)


@pytest.fixture()
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def wav(x: np.ndarray) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def upload(client, name: str, data: bytes):
    return client.post("/api/open/upload", files={"file": (name, data, "audio/wav")})


def open_example(client, example: str = "speech") -> dict:
    r = client.post(f"/api/open/example/{example}")
    assert r.status_code == 200, r.text
    return r.json()


def output_audio(client, session: str) -> np.ndarray:
    r = client.get(f"/api/s/{session}/audio/output")
    assert r.status_code == 200, r.text
    y, rate = sf.read(io.BytesIO(r.content), dtype="float32")
    assert rate == SAMPLE_RATE
    return y


def cli_message(tmp_path: Path, name: str, data: bytes) -> str:
    """What `sfvae` prints for this file: the loader's error, named by the file's base name."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SfvaeError) as info:
        audio_io.load(path)
    return f"sfvae: error: {info.value}".replace(str(path), name)


def test_page_static_files_and_config(client, app):
    r = client.get("/")
    assert r.status_code == 200 and "sfvae editor" in r.text
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    config = client.get("/api/config").json()
    assert config["methods"] == list(METHODS)
    from sfvae.control import load_control

    control = load_control()
    assert config["ranges"] == {f: list(control.range(f)) for f in control.factors}
    assert config["limits"] == {"max_upload_bytes": MAX_UPLOAD, "max_seconds": MAX_SECONDS}


def test_upload_measures_and_plays_back_the_loaded_audio(client):
    data = example_path().read_bytes()
    r = upload(client, "my speech.wav", data)
    assert r.status_code == 200, r.text
    body = r.json()
    x = audio_io.load(example_path())
    assert body["name"] == "my speech.wav"
    assert body["input"]["duration"] == pytest.approx(x.size / SAMPLE_RATE, abs=1e-3)
    want = measure.measure(x)
    for f in ("f0", "f1", "f2", "f3"):
        assert body["input"]["measured"][f] == pytest.approx(want[f], abs=0.1)
    assert "original" in body["table"] and f"{want['f0']:.0f}" in body["table"]
    # The input player gets the audio as loaded (16 kHz mono), and the spectrogram is a PNG.
    y, rate = sf.read(io.BytesIO(client.get(f"/api/s/{body['session']}/audio/input").content))
    assert rate == SAMPLE_RATE and y.size == x.size
    png = client.get(f"/api/s/{body['session']}/spectrogram/input")
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    # Latent view: every frame on the first two axes of each factor's subspace.
    n_frames = 1 + x.size // 256
    for f, coords in body["input"]["latent"].items():
        assert np.asarray(coords).shape == (n_frames, 2), f
    assert set(body["trajectories"]) == {"f0", "f1", "f2", "f3"}


def test_upload_of_another_rate_and_format_is_read_as_the_cli_reads_it(client):
    x = synthesize(f0=150.0, formants=(700.0, 1200.0, 2600.0), duration=1.0, seed=2,
                   sample_rate=44_100)
    buf = io.BytesIO()
    sf.write(buf, np.stack([x, 0.5 * x], axis=1), 44_100, format="FLAC")
    r = upload(client, "stereo.flac", buf.getvalue())
    assert r.status_code == 200, r.text
    assert r.json()["input"]["duration"] == pytest.approx(1.0, abs=1e-3)
    assert r.json()["input"]["measured"]["f0"] == pytest.approx(150, rel=0.02)


@pytest.mark.parametrize("name, data", [
    ("notes.wav", b"this is not audio, just text"),
    ("empty.flac", b""),
    ("silence.wav", wav(np.zeros(SAMPLE_RATE, dtype=np.float32))),
    ("short.wav", wav(0.1 * np.ones(100, dtype=np.float32))),
])
def test_bad_uploads_get_the_clis_one_line_error(client, tmp_path, name, data):
    r = upload(client, name, data)
    assert r.status_code == 400
    message = r.json()["error"]
    assert message == cli_message(tmp_path, name, data)
    assert message.startswith(f"sfvae: error: {name}: ") and "\n" not in message


def test_upload_limits_size_and_duration(client):
    big = bytes(MAX_UPLOAD + 1000)   # within the body cap's multipart margin, over the file limit
    r = upload(client, "big.wav", big)
    assert r.status_code == 400
    assert r.json()["error"] == (f"sfvae: error: big.wav: is larger than the upload limit of "
                                 f"{MAX_UPLOAD / 2**20:g} MB")
    r = upload(client, "huge.wav", bytes(MAX_UPLOAD + 200_000))   # over the body cap itself
    assert r.status_code == 413
    long = synthesize(f0=120.0, formants=(600.0, 1500.0, 2500.0), duration=MAX_SECONDS + 1, seed=0)
    r = upload(client, "long.wav", wav(long[: int(len(long) * 0.5)]))   # 4.5 s: accepted
    assert r.status_code == 200
    data = wav(long)
    assert len(data) <= MAX_UPLOAD
    r = upload(client, "long.wav", data)
    assert r.status_code == 400
    assert r.json()["error"] == ("sfvae: error: long.wav: is 9.0 s long; the editor takes clips "
                                 f"of at most {MAX_SECONDS:g} s (sfvae serve --max-seconds)")


def test_edits_reach_their_targets_and_the_table_shows_them(client):
    s = open_example(client)
    sid, source = s["session"], s["input"]["measured"]
    r = client.post(f"/api/s/{sid}/edit", json={"f0": 140})
    assert r.status_code == 200, r.text
    assert r.json()["targets"] == {"f0": [140.0]} and r.json()["version"] == 1
    # The audio first; the analysis (tracks, table, latent view) on the page's next request.
    y = output_audio(client, sid)
    body = client.get(f"/api/s/{sid}/analysis").json()
    assert body["version"] == 1
    assert abs(y.size - s["input"]["duration"] * SAMPLE_RATE) <= 1  # the duration is rounded to 0.1 ms
    f0 = measure.measure_f0(y)
    assert abs(f0 - 140) / 140 < 0.05, f0
    assert body["output"]["measured"]["f0"] == pytest.approx(f0, rel=0.01)
    row = body["table"].splitlines()[-1]
    assert row.startswith("output") and "140*" in row
    assert len(body["target_coords"]["f0"]) == 1
    # A formant edit: F2 from the input's value to 1.2 times it.
    target = round(1.2 * source["f2"])
    assert client.post(f"/api/s/{sid}/edit", json={"f2": target}).json()["version"] == 2
    f2 = measure.measure(output_audio(client, sid))["f2"]
    assert abs(f2 - target) < 0.5 * abs(target - source["f2"]), (f2, target, source["f2"])
    body = client.get(f"/api/s/{sid}/analysis").json()
    assert body["version"] == 2 and body["output"]["measured"]["f2"] == pytest.approx(f2, abs=1)
    assert client.get(f"/api/s/{sid}/spectrogram/output").content[:4] == b"\x89PNG"
    # The download carries a name made by the server from the input's name and the method.
    r = client.get(f"/api/s/{sid}/audio/output", params={"download": 1})
    assert r.headers["content-disposition"] == 'attachment; filename="speech-sfvae-edit.wav"'


def test_an_app_on_each_model_edits_f0(model_pair):
    """The server on the given pair (the reference weights: an extra case that skips)."""
    from fastapi.testclient import TestClient

    from sfvae.serve import create_app

    client = TestClient(create_app(*model_pair, warm=False))
    sid = open_example(client)["session"]
    assert client.post(f"/api/s/{sid}/edit", json={"f0": 140}).status_code == 200
    assert measure.measure_f0(output_audio(client, sid)) == pytest.approx(140, rel=0.05)


@pytest.mark.parametrize("method", ["world", "psola", "vae-baseline"])
def test_baseline_methods_edit_f0(client, method):
    sid = open_example(client, "vowel-a-male")["session"]
    r = client.post(f"/api/s/{sid}/edit", json={"f0": 140, "method": method})
    assert r.status_code == 200, r.text
    f0 = measure.measure_f0(output_audio(client, sid))
    assert abs(f0 - 140) / 140 < 0.08, (method, f0)


def rise(y: np.ndarray) -> float:
    """Median f0 of the last quarter of the voiced frames minus that of the first quarter."""
    track = measure.pitch_track(y)
    voiced = track.values[np.isfinite(track.values)]
    quarter = len(voiced) // 4
    return float(np.median(voiced[-quarter:]) - np.median(voiced[:quarter]))


def test_ramp_typed_as_on_the_command_line(client):
    sid = open_example(client)["session"]
    body = client.post(f"/api/s/{sid}/edit", json={"f0_ramp": "110:180"}).json()
    assert body["targets"] == {"f0": [110.0, 180.0]}
    # Measured on the speech example: 117 -> 162 Hz (WORLD and PSOLA: the same).
    assert rise(output_audio(client, sid)) > 30


def test_drawn_contour_is_spread_over_the_file(client):
    sid = open_example(client)["session"]
    contour = list(np.linspace(110, 180, 100))
    body = client.post(f"/api/s/{sid}/edit", json={"f0_contour": contour}).json()
    assert body["targets"]["f0"] == [pytest.approx(145.0)]
    assert "f0 drawn 110-180" in client.get(f"/api/s/{sid}/analysis").json()["table"]
    assert rise(output_audio(client, sid)) > 30


def edit_error(request_kwargs: dict, method: str = "sfvae") -> str:
    """The message the API raises for the same edit (what the CLI prints after 'sfvae: error: ')."""
    x = audio_io.load(example_path())
    with pytest.raises(SfvaeError) as info:
        edit(x, EditRequest(**request_kwargs), method=method)
    return f"sfvae: error: {info.value}"


def test_edit_errors_are_the_apis_messages(client):
    sid = open_example(client)["session"]

    def error(form: dict) -> str:
        r = client.post(f"/api/s/{sid}/edit", json=form)
        assert r.status_code == 400, r.text
        return r.json()["error"]

    assert error({"f2": 1800, "method": "psola"}) == edit_error({"f2": 1800.0}, "psola")
    assert error({"f1": 5000}) == edit_error({"f1": 5000.0})
    assert error({}) == edit_error({})
    assert error({"f0": 150, "method": "nope"}).startswith("sfvae: error: unknown method 'nope'")
    with pytest.raises(SfvaeError) as info:
        parse_target("abc", "f0")
    assert error({"f0_ramp": "abc"}) == f"sfvae: error: {info.value}"
    assert error({"f0": 150, "f0_ramp": "120:200"}).startswith("sfvae: error: give one of an f0 value")
    assert error({"f0": "high"}).startswith("sfvae: error: f0: ")
    assert error({"f0_contour": [150]}).startswith("sfvae: error: f0_contour: ")
    assert error({"f0_contour": [150, 0]}) == edit_error({"f0": np.array([150.0, 0.0])})
    assert error({"f0": -5}) == edit_error({"f0": -5.0})
    assert error({"refine": 99, "f0": 150}).startswith("sfvae: error: refine: ")


@pytest.mark.parametrize("url", [
    "/static/../sfvae/data/default_model.pt",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%2F..%2Fpyproject.toml",
    "/static//etc/passwd",
    "/static/%2Fetc%2Fpasswd",
    "/api/s/..%2F..%2Fetc%2Fpasswd/audio/input",
    "/api/s/AAAAAAAAAAAAAAAAAAAAAAAA/audio/input",
])
def test_no_url_reads_a_server_file(client, url):
    r = client.get(url)
    assert r.status_code in (400, 404), (url, r.status_code)
    assert b"root:" not in r.content and b"[project]" not in r.content


@pytest.mark.parametrize("example", ["../data/demo_speech.wav", "..%2F..%2Fpyproject.toml",
                                     "%2Fetc%2Fpasswd", "speech.wav"])
def test_examples_are_chosen_by_id_only(client, example):
    r = client.post(f"/api/open/example/{example}")
    assert r.status_code == 404
    assert "session" not in r.text


def test_upload_names_are_never_paths(client, upload_root, tmp_path):
    data = example_path().read_bytes()
    target = tmp_path / "planted.wav"
    for name in (f"../../../../..{target}", str(target), "..\\..\\planted.wav"):
        r = upload(client, name, data)
        assert r.status_code == 200, r.text
        assert r.json()["name"] == "planted.wav"
    assert not target.exists()
    assert list(upload_root.iterdir()) == []   # every temporary copy is gone


def test_temporary_files_are_removed(client, upload_root):
    upload(client, "good.wav", example_path().read_bytes())
    upload(client, "bad.wav", b"garbage")
    sid = open_example(client, "vowel-a-male")["session"]
    client.post(f"/api/s/{sid}/edit", json={"f0": 150})
    assert list(upload_root.iterdir()) == []


def test_sessions_are_isolated(app):
    from fastapi.testclient import TestClient

    alice, bob = TestClient(app), TestClient(app)
    a = open_example(alice, "vowel-a-male")
    b = upload(bob, "bob.wav", wav(synthesize(f0=220.0, formants=(660.0, 1700.0, 2800.0),
                                              duration=1.5, seed=1))).json()
    assert a["session"] != b["session"]
    assert alice.get(f"/api/s/{a['session']}/audio/input").content != \
        bob.get(f"/api/s/{b['session']}/audio/input").content
    # Edits at the same time, from two threads: each gets its own output.
    results = {}

    def run(client, sid, f0):
        results[sid] = client.post(f"/api/s/{sid}/edit", json={"f0": f0, "method": "psola"})

    threads = [threading.Thread(target=run, args=(alice, a["session"], 130.0)),
               threading.Thread(target=run, args=(bob, b["session"], 250.0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code == 200 for r in results.values())
    ya, yb = output_audio(alice, a["session"]), output_audio(bob, b["session"])
    assert ya.size == 2 * SAMPLE_RATE and yb.size == round(1.5 * SAMPLE_RATE)
    assert measure.measure_f0(ya) == pytest.approx(130, rel=0.05)
    assert measure.measure_f0(yb) == pytest.approx(250, rel=0.05)
    # A session with no edit has no output, and ids that were never handed out open nothing.
    c = open_example(bob, "speech")["session"]
    for what in ("audio/output", "spectrogram/output", "analysis"):
        r = bob.get(f"/api/s/{c}/{what}")
        assert r.status_code == 404 and "nothing edited yet" in r.json()["error"]
    r = bob.get(f"/api/s/{a['session'][:-1]}x/audio/input")
    assert r.status_code == 404 and "expired or does not exist" in r.json()["error"]


def test_the_store_keeps_at_most_max_sessions(app):
    from fastapi.testclient import TestClient

    client = TestClient(app)
    first = open_example(client, "vowel-a-male")["session"]
    for _ in range(4):
        open_example(client, "vowel-a-male")
    assert len(app.state.store) == 4
    assert client.get(f"/api/s/{first}/audio/input").status_code == 404


def test_cli_registers_serve():
    from sfvae.cli import build_parser

    args = build_parser().parse_args(["serve", "--port", "0"])
    assert (args.host, args.port, args.model, args.control) == ("127.0.0.1", 0, None, None)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--max-seconds", "-1"])


# ---- the server as a user starts it, and the page in Chromium --------------------------

@pytest.fixture(scope="module")
def server():
    """`python -m sfvae serve --port 0` in a subprocess; yields the address it prints."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sfvae", "serve", "--port", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    url = None
    deadline = time.monotonic() + 120
    while url is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        url = match.group(1) if match else None
    if url is None:
        proc.kill()
        pytest.fail("sfvae serve did not print its address:\n" + "".join(lines))
    threading.Thread(target=proc.stdout.read, daemon=True).start()   # keep the pipe drained
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_serve_answers_on_the_printed_local_address(server):
    with urllib.request.urlopen(server, timeout=30) as r:
        assert r.status == 200 and b"sfvae editor" in r.read()
    # Only its own host names: a page elsewhere cannot reach it through DNS rebinding.
    request = urllib.request.Request(server, headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 400


@pytest.fixture(scope="module")
def browser():
    if os.environ.get("SFVAE_SKIP_BROWSER") == "1":
        pytest.skip("SFVAE_SKIP_BROWSER=1")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make setup` installs Debian's chromium "
                    "(scripts/setup-system.sh); set SFVAE_CHROMIUM to another binary, or "
                    "SFVAE_SKIP_BROWSER=1 to skip the browser tests", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: `pip install -e .[dev]` (make setup) installs "
                    "it, or set SFVAE_SKIP_BROWSER=1 to skip the browser tests", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    page.wait_for_function("document.getElementById('example').options.length > 0")
    yield page
    context.close()


def idle(page) -> None:
    page.wait_for_function("document.body.dataset.state === 'idle'")


def load_example(page, example: str) -> None:
    page.select_option("#example", example)
    page.click("#load-example")
    page.wait_for_selector("#editor:not([hidden])")
    idle(page)


def edits(page) -> int:
    return int(page.evaluate("document.body.dataset.edits"))


def drag(page, selector: str, value: float) -> float:
    """Drag a range slider's thumb to ``value`` with the mouse; returns the value it took."""
    lo, hi = (float(page.get_attribute(selector, k)) for k in ("min", "max"))
    box = page.locator(selector).bounding_box()
    current = float(page.input_value(selector))
    thumb = 8   # Chromium's range thumb: the track's usable width is the box minus the thumb
    x_of = lambda v: box["x"] + thumb + (v - lo) / (hi - lo) * (box["width"] - 2 * thumb)  # noqa: E731
    y = box["y"] + box["height"] / 2
    page.mouse.move(x_of(current), y)
    page.mouse.down()
    page.mouse.move(x_of(value), y, steps=8)
    page.mouse.up()
    return float(page.input_value(selector))


def check_output(page, tmp_path: Path, before: int) -> np.ndarray:
    """Wait for the edit, check the output player plays, return the downloaded output."""
    page.wait_for_function(f"Number(document.body.dataset.edits) > {before}")
    idle(page)
    assert page.locator("#error").is_hidden(), page.inner_text("#error")
    page.wait_for_function("document.getElementById('out-audio').readyState >= 1")
    player = page.evaluate("(() => { const a = document.getElementById('out-audio');"
                           " return {duration: a.duration, error: a.error && a.error.code}; })()")
    assert player["error"] is None
    assert player["duration"] == pytest.approx(page.evaluate("state.input.duration"), abs=0.05)
    # It plays: the clock moves (the click is the user gesture autoplay needs).
    page.click("#out-audio")
    page.evaluate("document.getElementById('out-audio').play()")
    page.wait_for_function("document.getElementById('out-audio').currentTime > 0.05")
    page.evaluate("document.getElementById('out-audio').pause()")
    with page.expect_download() as info:
        page.click("#download")
    path = tmp_path / f"out{before}.wav"
    info.value.save_as(path)
    return audio_io.load(path)


@pytest.mark.browser
def test_page_sliders_edit_and_the_output_follows(page, tmp_path):
    page.set_input_files("#file", str(example_path()))
    page.wait_for_selector("#editor:not([hidden])")
    idle(page)
    source = page.evaluate("state.input.measured")
    assert page.locator("#error").is_hidden()
    assert "original" in page.inner_text("#table")

    # f0 in Hz.
    before = edits(page)
    value = drag(page, "#f0-hz", 140)
    assert abs(value - 140) < 10 and abs(value - source["f0"]) > 25
    y = check_output(page, tmp_path, before)
    assert measure.measure_f0(y) == pytest.approx(value, rel=0.05)

    # f0 scale of the own contour.
    before = edits(page)
    scale = drag(page, "#f0-scale", 1.3)
    assert abs(scale - 1.3) < 0.08
    y = check_output(page, tmp_path, before)
    assert measure.measure_f0(y) == pytest.approx(scale * source["f0"], rel=0.05)

    # Each formant, f0 left alone: the measured formant moves at least half way to the slider.
    page.check("input[name=f0mode][value=keep]")
    idle(page)
    for name, ratio in (("f1", 1.25), ("f2", 1.2), ("f3", 0.9)):
        before = edits(page)
        value = drag(page, f"#{name}", ratio * source[name])
        assert abs(value - source[name]) > 0.07 * source[name]
        y = check_output(page, tmp_path, before)
        got = measure.measure(y)[name]
        assert abs(got - value) < 0.5 * abs(value - source[name]), (name, value, got, source[name])
        assert f"{value:.0f}*" in page.inner_text("#table")
        page.click(f"button.reset[data-factor={name}]")   # back to the input's value
        idle(page)

    # Whisper, then the latent view and the spectrograms are drawn; the screenshot is the README's.
    before = edits(page)
    page.check("#whisper")
    check_output(page, tmp_path, before)
    assert page.inner_text("#table").splitlines()[-1].startswith("whisper")
    page.uncheck("#whisper")
    idle(page)
    before = edits(page)
    drag(page, "#f2", 1.2 * source["f2"])
    check_output(page, tmp_path, before)
    assert page.locator("#latent canvas").count() == 4
    # The README's screenshot: rewritten only on request, so a test run leaves the tree clean.
    shot = SCREENSHOT if os.environ.get("SFVAE_UPDATE_SCREENSHOT") else tmp_path / "serve.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


@pytest.mark.browser
def test_page_typed_ramp(page, tmp_path):
    load_example(page, "speech")
    before = edits(page)
    page.fill("#f0-ramp", "110:180")
    page.press("#f0-ramp", "Enter")
    assert rise(check_output(page, tmp_path, before)) > 30


@pytest.mark.browser
def test_page_drawn_contour(page, tmp_path):
    load_example(page, "speech")
    box = page.locator("#in-spec").bounding_box()
    # The canvas's plot area and f0 axis, as app.js lays them out (PLOT, F0_AXIS).
    left, right, top, bottom, f_lo, f_hi = 44, 44, 18, 28, 50, 500
    w, h = box["width"] - left - right, box["height"] - top - bottom
    y_of = lambda f: box["y"] + top + h - (f - f_lo) / (f_hi - f_lo) * h  # noqa: E731
    before = edits(page)
    page.mouse.move(box["x"] + left + 0.02 * w, y_of(115))
    page.mouse.down()
    page.mouse.move(box["x"] + left + 0.98 * w, y_of(185), steps=25)
    page.mouse.up()
    y = check_output(page, tmp_path, before)
    drawn = page.evaluate("state.drawn")
    assert len(drawn) == 100 and drawn[0] < 125 and drawn[-1] > 175
    assert rise(y) > 30


@pytest.mark.browser
def test_page_shows_the_one_line_error_of_a_bad_upload(page, tmp_path):
    data = b"RIFF....WAVEfmt this is not really a wav file"
    page.set_input_files("#file", files=[{"name": "broken.wav", "mimeType": "audio/wav",
                                          "buffer": data}])
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error") == cli_message(tmp_path, "broken.wav", data)
    assert page.locator("#editor").is_hidden()
    # A method that cannot do the edit says so on the page, as the CLI would.
    load_example(page, "speech")
    page.select_option("#method", "psola")
    idle(page)
    drag(page, "#f2", 2000)
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error") == edit_error({"f2": 2000.0}, "psola")
