// sfvae editor page: plain JS, no build step. The server (sfvae/serve/app.py) does every
// computation; this file sends the controls, shows audio, images and tables, and draws the
// Praat tracks over the spectrograms and the latent view in canvases.
"use strict";

const $ = (id) => document.getElementById(id);
const FORMANTS = ["f1", "f2", "f3"];
const F0_AXIS = [50, 500];          // Hz on the right axis of a spectrogram (Praat's pitch view)
const TRACK_COLORS = { f0: "#35d0ff", f1: "#ff4d4d", f2: "#ffd23f", f3: "#7dff7d" };
const state = {
  config: null, session: null, input: null, output: null, trajectories: null,
  targetCoords: {}, edited: {}, busy: false, pending: false, version: 0, drawn: null,
};
const DRAWN_POINTS = 100;           // a drawn f0 contour is sent as this many values over the file

// ---- small helpers -----------------------------------------------------------------------

function setStatus(text, busy) {
  $("status").textContent = text;
  document.body.dataset.state = busy ? "busy" : "idle";
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
  if (message) document.body.dataset.errors = String(Number(document.body.dataset.errors) + 1);
}

function showWarnings(list) {
  const box = $("warnings");
  box.replaceChildren(...list.map((w) => { const li = document.createElement("li"); li.textContent = `sfvae: warning: ${w}`; return li; }));
  box.hidden = list.length === 0;
}

async function call(url, options) {
  const response = await fetch(url, options);
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    const err = new Error(body && body.error ? body.error : `sfvae: error: the server answered ${response.status} ${response.statusText}`);
    err.status = response.status;
    throw err;
  }
  return body;
}

function fmt(v, digits = 0) { return v === null || v === undefined ? "-" : Number(v).toFixed(digits); }

// ---- opening a clip ----------------------------------------------------------------------

async function init() {
  state.config = await call("/api/config");
  for (const ex of state.config.examples) $("example").add(new Option(ex.label, ex.id));
  for (const m of state.config.methods) $("method").add(new Option(m, m));
  const lim = state.config.limits;
  $("limits").textContent = `(at most ${(lim.max_upload_bytes / 1048576).toFixed(0)} MB and ${lim.max_seconds} s)`;
  $("file").addEventListener("change", uploadFile);
  $("load-example").addEventListener("click", () => openClip(`/api/open/example/${encodeURIComponent($("example").value)}`, {}));
  wireControls();
  wireDrawing();
}

function uploadFile() {
  const file = $("file").files[0];
  if (!file) return;
  const mb = state.config.limits.max_upload_bytes / 1048576;
  if (file.size > state.config.limits.max_upload_bytes) {
    showError(`sfvae: error: ${file.name}: is larger than the upload limit of ${mb} MB`);
    return;
  }
  const form = new FormData();
  form.append("file", file);
  openClip("/api/open/upload", { method: "POST", body: form }, file.name);
}

async function openClip(url, options, name) {
  setStatus("loading...", true);
  showError("");
  try {
    const data = await call(url, { method: "POST", ...options });
    if (data === null) throw new Error("sfvae: error: empty answer from the server");
    Object.assign(state, { session: data.session, input: data.input, output: null,
      trajectories: data.trajectories, targetCoords: {}, edited: {}, version: 0, drawn: null });
    $("in-name").textContent = data.name;
    $("in-audio").src = `/api/s/${data.session}/audio/input`;
    $("out-audio").removeAttribute("src");
    $("download").hidden = true;
    $("timing").textContent = "";
    $("table").textContent = data.table;
    resetControls();
    showWarnings([]);
    $("editor").hidden = false;
    drawSpectrogram($("in-spec"), `/api/s/${data.session}/spectrogram/input`, data.input);
    clearCanvas($("out-spec"));
    drawLatent();
    setStatus(`opened ${data.name}`, false);
  } catch (err) {
    if (err.status === 413 && name) {
      showError(`sfvae: error: ${name}: is larger than the upload limit of ${state.config.limits.max_upload_bytes / 1048576} MB`);
    } else {
      showError(err.message);
    }
    setStatus("ready", false);
  }
}

// ---- controls ----------------------------------------------------------------------------

function range(name) { return state.config.ranges[name]; }

function setSlider(id, name, value) {
  const [lo, hi] = range(name);
  const el = $(id);
  el.min = lo; el.max = hi;
  const v = value === null || value === undefined ? (lo + hi) / 2 : Math.min(hi, Math.max(lo, value));
  el.value = v;
  $(`${id}-value`).textContent = fmt(el.value);
}

function resetControls() {
  const m = state.input.measured;
  setSlider("f0-hz", "f0", m.f0);
  $("f0-measured").textContent = `input ${fmt(m.f0)} Hz`;
  $("f0-scale").value = 1; $("f0-scale-value").textContent = "1.00";
  $("f0-ramp").value = "";
  $("whisper").checked = false;
  setMode("keep");
  for (const f of FORMANTS) {
    setSlider(f, f, m[f]);
    $(`${f}-measured`).textContent = `input ${fmt(m[f])} Hz`;
    markEdited(f, false);
  }
}

function setMode(mode) { document.querySelector(`input[name=f0mode][value=${mode}]`).checked = true; }
function mode() { return document.querySelector("input[name=f0mode]:checked").value; }

function markEdited(f, on) {
  state.edited[f] = on;
  document.querySelector(`.slider[data-factor=${f}]`).classList.toggle("edited", on);
}

function wireControls() {
  $("f0-hz").addEventListener("input", () => { $("f0-hz-value").textContent = $("f0-hz").value; setMode("hz"); });
  $("f0-scale").addEventListener("input", () => { $("f0-scale-value").textContent = Number($("f0-scale").value).toFixed(2); setMode("scale"); });
  $("f0-ramp").addEventListener("input", () => setMode("ramp"));
  for (const f of FORMANTS) $(f).addEventListener("input", () => { $(`${f}-value`).textContent = $(f).value; markEdited(f, true); });
  // Edits run on release (change), not while dragging (input).
  for (const id of ["f0-hz", "f0-scale", "f0-ramp", "f1", "f2", "f3", "whisper", "method", "refine"]) {
    $(id).addEventListener("change", requestEdit);
  }
  document.querySelectorAll("input[name=f0mode]").forEach((el) => el.addEventListener("change", requestEdit));
  $("whisper").addEventListener("change", () => { if ($("whisper").checked) setMode("keep"); });
  document.querySelectorAll("button.reset").forEach((b) => b.addEventListener("click", () => {
    const f = b.dataset.factor;
    setSlider(f, f, state.input.measured[f]);
    markEdited(f, false);
    requestEdit();
  }));
  $("apply").addEventListener("click", requestEdit);
  $("reset-all").addEventListener("click", () => { resetControls(); requestEdit(); });
  $("method").addEventListener("change", () => { $("refine-box").hidden = $("method").value !== "sfvae"; });
}

function editForm() {
  const form = { method: $("method").value, whisper: $("whisper").checked };
  if ($("refine").value !== "" && form.method === "sfvae") form.refine = Number($("refine").value);
  if (!form.whisper) {
    const m = mode();
    if (m === "hz") form.f0 = Number($("f0-hz").value);
    if (m === "scale") form.f0_scale = Number($("f0-scale").value);
    if (m === "ramp") form.f0_ramp = $("f0-ramp").value;
    if (m === "drawn" && state.drawn) form.f0_contour = state.drawn;
  }
  for (const f of FORMANTS) if (state.edited[f]) form[f] = Number($(f).value);
  return form;
}

function isEmpty(form) {
  return !form.whisper && form.f0 === undefined && form.f0_scale === undefined
    && form.f0_ramp === undefined && form.f0_contour === undefined && FORMANTS.every((f) => form[f] === undefined);
}

// One edit at a time; changes made meanwhile are sent once it has answered.
async function requestEdit() {
  if (!state.session) return;
  if (state.busy) { state.pending = true; return; }
  const form = editForm();
  if (isEmpty(form)) {
    setStatus("nothing to edit: move a slider, type a ramp or tick whisper", false);
    return;
  }
  state.busy = true;
  setStatus("editing...", true);
  const started = performance.now();
  try {
    const data = await call(`/api/s/${state.session}/edit`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(form),
    });
    const editTime = (performance.now() - started) / 1000;
    showError("");
    state.version = data.version;
    const base = `/api/s/${state.session}/audio/output?v=${data.version}`;
    $("out-audio").src = base;       // playable now; the pictures follow
    $("download").href = `${base}&download=1`;
    $("download").hidden = false;
    showWarnings(data.warnings);
    const timing = `edit ${data.seconds.edit.toFixed(2)} s (answer ${editTime.toFixed(2)} s)`;
    $("timing").textContent = `${timing}, analysing...`;
    setStatus("analysing the output...", true);
    const info = await call(`/api/s/${state.session}/analysis`);
    if (info.version !== state.version) return;   // a newer edit's analysis follows
    state.output = info.output;
    state.targetCoords = info.target_coords;
    $("table").textContent = info.table;
    $("timing").textContent = `${timing}, analysis ${info.seconds.analysis.toFixed(2)} s, ` +
      `all ${((performance.now() - started) / 1000).toFixed(2)} s`;
    drawSpectrogram($("out-spec"), `/api/s/${state.session}/spectrogram/output?v=${info.version}`, info.output);
    drawLatent();
    document.body.dataset.edits = String(Number(document.body.dataset.edits) + 1);
    setStatus(`edited (${form.method})`, false);
  } catch (err) {
    showError(err.message);
    setStatus("ready", false);
  } finally {
    state.busy = false;
    if (state.pending) { state.pending = false; requestEdit(); }
  }
}

// ---- spectrograms with Praat tracks --------------------------------------------------------

// Whether the nearest pitch frame to each time is voiced (both time arrays ascending).
function voicedAt(pitch, times) {
  let j = 0;
  return times.map((t) => {
    while (j + 1 < pitch.times.length && Math.abs(pitch.times[j + 1] - t) <= Math.abs(pitch.times[j] - t)) j++;
    return pitch.times.length > 0 && pitch.values[j] !== null;
  });
}

const PLOT = { left: 44, right: 44, top: 18, bottom: 28 };

function clearCanvas(canvas) {
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
}

function drawSpectrogram(canvas, url, clip) {
  const img = new Image();
  img.onload = () => {
    const ctx = canvas.getContext("2d");
    const w = canvas.width - PLOT.left - PLOT.right, h = canvas.height - PLOT.top - PLOT.bottom;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(img, PLOT.left, PLOT.top, w, h);
    const x = (t) => PLOT.left + (t / clip.duration) * w;
    const yHz = (f) => PLOT.top + h - (f / clip.max_hz) * h;
    const yF0 = (f) => PLOT.top + h - ((f - F0_AXIS[0]) / (F0_AXIS[1] - F0_AXIS[0])) * h;
    // Formants: dots, faint where Praat finds no voicing (silence, fricatives); f0: a line
    // broken at unvoiced frames.
    const voiced = voicedAt(clip.pitch, clip.formants.times);
    clip.formants.times.forEach((t, i) => {
      ctx.globalAlpha = voiced[i] ? 1 : 0.3;
      clip.formants.values[i].forEach((f, k) => {
        if (f === null || f > clip.max_hz) return;
        ctx.fillStyle = TRACK_COLORS[FORMANTS[k]];
        ctx.fillRect(x(t) - 1, yHz(f) - 1, 2.5, 2.5);
      });
    });
    ctx.globalAlpha = 1;
    ctx.strokeStyle = TRACK_COLORS.f0; ctx.lineWidth = 2; ctx.beginPath();
    let drawing = false;
    clip.pitch.times.forEach((t, i) => {
      const f = clip.pitch.values[i];
      if (f === null) { drawing = false; return; }
      if (drawing) ctx.lineTo(x(t), yF0(f)); else ctx.moveTo(x(t), yF0(f));
      drawing = true;
    });
    ctx.stroke();
    if (canvas.id === "in-spec" && state.drawn) {   // the drawn f0 contour, over the file
      ctx.strokeStyle = "#fff"; ctx.setLineDash([5, 4]); ctx.beginPath();
      state.drawn.forEach((f, i) => {
        const t = (i / (state.drawn.length - 1)) * clip.duration;
        if (i === 0) ctx.moveTo(x(t), yF0(f)); else ctx.lineTo(x(t), yF0(f));
      });
      ctx.stroke(); ctx.setLineDash([]);
    }
    // Axes: kHz on the left, f0 Hz on the right, seconds below.
    ctx.fillStyle = "#333"; ctx.font = "11px sans-serif"; ctx.lineWidth = 1; ctx.strokeStyle = "#333";
    ctx.textAlign = "right";
    for (let k = 0; k <= clip.max_hz / 1000; k++) ctx.fillText(`${k}k`, PLOT.left - 4, yHz(k * 1000) + 4);
    ctx.textAlign = "left";
    for (let f = 100; f <= F0_AXIS[1]; f += 100) ctx.fillText(`${f}`, PLOT.left + w + 4, yF0(f) + 4);
    ctx.textAlign = "center";
    const step = clip.duration > 8 ? 2 : clip.duration > 3 ? 1 : 0.5;
    for (let t = 0; t <= clip.duration + 1e-9; t += step) ctx.fillText(`${t}`, x(t), PLOT.top + h + 14);
    ctx.fillText("time (s)", PLOT.left + w / 2, canvas.height - 2);
    ctx.textAlign = "left";
    let lx = PLOT.left;
    for (const [name, color] of Object.entries(TRACK_COLORS)) {
      ctx.fillStyle = color; ctx.fillRect(lx, 4, 10, 8);
      ctx.fillStyle = "#333"; ctx.fillText(name === "f0" ? "f0 (right axis)" : name.toUpperCase(), lx + 13, 12);
      lx += name === "f0" ? 100 : 40;
    }
    const m = clip.measured;
    ctx.textAlign = "right";
    ctx.fillText(`Praat: f0 ${fmt(m.f0)}  F1 ${fmt(m.f1)}  F2 ${fmt(m.f2)}  F3 ${fmt(m.f3)} Hz`, canvas.width - 4, 12);
  };
  img.src = url;
}

// ---- a drawn f0 contour: drag over the input spectrogram (right axis) -------------------------

function wireDrawing() {
  const canvas = $("in-spec");
  let points = null;
  const toData = (ev) => {
    const r = canvas.getBoundingClientRect();
    const px = ((ev.clientX - r.left) * canvas.width) / r.width, py = ((ev.clientY - r.top) * canvas.height) / r.height;
    const w = canvas.width - PLOT.left - PLOT.right, h = canvas.height - PLOT.top - PLOT.bottom;
    const [lo, hi] = range("f0");
    const t = Math.min(1, Math.max(0, (px - PLOT.left) / w)) * state.input.duration;
    const f = F0_AXIS[0] + ((PLOT.top + h - py) / h) * (F0_AXIS[1] - F0_AXIS[0]);
    return [t, Math.min(hi, Math.max(lo, f)), px, py];
  };
  canvas.addEventListener("pointerdown", (ev) => {
    if (!state.input) return;
    points = [toData(ev)];
    canvas.setPointerCapture(ev.pointerId);
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!points) return;
    const p = toData(ev), q = points[points.length - 1];
    points.push(p);
    const ctx = canvas.getContext("2d");
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(q[2], q[3]); ctx.lineTo(p[2], p[3]); ctx.stroke();
  });
  canvas.addEventListener("pointerup", () => {
    const pts = points;
    points = null;
    if (!pts || pts.length < 2) return;
    state.drawn = resampleContour(pts.sort((a, b) => a[0] - b[0]), state.input.duration);
    setMode("drawn");
    drawSpectrogram(canvas, `/api/s/${state.session}/spectrogram/input`, state.input);
    requestEdit();
  });
}

// Values at DRAWN_POINTS even times over the file; before/after the drawing: its end values.
function resampleContour(pts, duration) {
  const out = [];
  let j = 0;
  for (let k = 0; k < DRAWN_POINTS; k++) {
    const t = (k / (DRAWN_POINTS - 1)) * duration;
    while (j + 1 < pts.length && pts[j + 1][0] < t) j++;
    const [a, b] = [pts[j], pts[Math.min(j + 1, pts.length - 1)]];
    const u = b[0] > a[0] ? Math.min(1, Math.max(0, (t - a[0]) / (b[0] - a[0]))) : 0;
    out.push(Math.round((a[1] + u * (b[1] - a[1])) * 10) / 10);
  }
  return out;
}

// ---- latent view ---------------------------------------------------------------------------

function voicedMean(points, voiced) {
  const sel = points.filter((p, i) => voiced[i] && p[0] !== null);
  const use = sel.length ? sel : points;
  const n = use.length;
  return [use.reduce((s, p) => s + p[0], 0) / n, use.reduce((s, p) => s + (p[1] ?? 0), 0) / n];
}

function drawLatent() {
  const box = $("latent");
  box.replaceChildren();
  for (const [name, traj] of Object.entries(state.trajectories)) {
    const canvas = document.createElement("canvas");
    canvas.width = 300; canvas.height = 280; canvas.id = `latent-${name}`;
    box.appendChild(canvas);
    const ctx = canvas.getContext("2d");
    const inp = state.input.latent[name], out = state.output ? state.output.latent[name] : [];
    const two = (p) => [p[0], p.length > 1 ? p[1] : 0];
    const targets = (state.targetCoords[name] || []).map(two);
    const all = [...inp, ...out, ...traj.coords].map(two).concat(targets);
    const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
    const pad = 0.08;
    let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const dx = (x1 - x0) || 1, dy = (y1 - y0) || 1;
    x0 -= pad * dx; x1 += pad * dx; y0 -= pad * dy; y1 += pad * dy;
    const m = { l: 30, r: 8, t: 20, b: 24 };
    const W = canvas.width - m.l - m.r, H = canvas.height - m.t - m.b;
    const X = (v) => m.l + ((v - x0) / (x1 - x0)) * W, Y = (v) => m.t + H - ((v - y0) / (y1 - y0)) * H;
    ctx.strokeStyle = "#ccc"; ctx.strokeRect(m.l, m.t, W, H);
    const dot = (p, color, r) => { ctx.fillStyle = color; ctx.beginPath(); ctx.arc(X(p[0]), Y(p[1]), r, 0, 7); ctx.fill(); };
    inp.map(two).forEach((p, i) => dot(p, state.input.voiced[i] ? "rgba(90,90,90,0.55)" : "rgba(160,160,160,0.25)", 1.8));
    if (state.output) out.map(two).forEach((p, i) => dot(p, state.output.voiced[i] ? "rgba(240,130,20,0.6)" : "rgba(240,130,20,0.2)", 1.8));
    // The factor datasets' curve g_i(y), blue (low) to red (high).
    const c = traj.coords.map(two);
    for (let i = 1; i < c.length; i++) {
      const a = i / (c.length - 1);
      ctx.strokeStyle = `rgb(${Math.round(40 + 200 * a)},60,${Math.round(230 - 200 * a)})`;
      ctx.lineWidth = 2.5; ctx.beginPath(); ctx.moveTo(X(c[i - 1][0]), Y(c[i - 1][1])); ctx.lineTo(X(c[i][0]), Y(c[i][1])); ctx.stroke();
    }
    ctx.fillStyle = "#333"; ctx.font = "10px sans-serif";
    const label = (text, p) => {   // kept inside the canvas
      ctx.textAlign = X(p[0]) > m.l + W / 2 ? "right" : "left";
      ctx.fillText(text, X(p[0]) + (ctx.textAlign === "right" ? -3 : 3), Y(p[1]) - 3);
      ctx.textAlign = "left";
    };
    label(`${traj.hz[0]}`, c[0]);
    label(`${traj.hz[traj.hz.length - 1]} Hz`, c[c.length - 1]);
    // The edit's move: mean of the voiced frames, input -> output.
    if (state.output) {
      const a = voicedMean(inp.map(two), state.input.voiced), b = voicedMean(out.map(two), state.output.voiced);
      ctx.strokeStyle = "#000"; ctx.fillStyle = "#000"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(X(a[0]), Y(a[1])); ctx.lineTo(X(b[0]), Y(b[1])); ctx.stroke();
      const ang = Math.atan2(Y(b[1]) - Y(a[1]), X(b[0]) - X(a[0]));
      ctx.beginPath(); ctx.moveTo(X(b[0]), Y(b[1]));
      ctx.lineTo(X(b[0]) - 8 * Math.cos(ang - 0.4), Y(b[1]) - 8 * Math.sin(ang - 0.4));
      ctx.lineTo(X(b[0]) - 8 * Math.cos(ang + 0.4), Y(b[1]) - 8 * Math.sin(ang + 0.4)); ctx.fill();
    }
    ctx.strokeStyle = "#d00"; ctx.lineWidth = 2;
    for (const p of targets) {
      ctx.beginPath(); ctx.moveTo(X(p[0]) - 5, Y(p[1]) - 5); ctx.lineTo(X(p[0]) + 5, Y(p[1]) + 5);
      ctx.moveTo(X(p[0]) - 5, Y(p[1]) + 5); ctx.lineTo(X(p[0]) + 5, Y(p[1]) - 5); ctx.stroke();
    }
    ctx.fillStyle = "#222"; ctx.font = "12px sans-serif";
    const axes = state.config.axes[name];
    ctx.fillText(`${name === "f0" ? "f0" : name.toUpperCase()} subspace (${axes} axes; first two)`, m.l, 14);
    ctx.font = "10px sans-serif"; ctx.fillStyle = "#666";
    ctx.fillText("axis 1", m.l + W - 30, m.t + H + 16);
    ctx.save(); ctx.translate(12, m.t + 40); ctx.rotate(-Math.PI / 2); ctx.fillText("axis 2", 0, 0); ctx.restore();
  }
}

document.addEventListener("DOMContentLoaded", () => init().catch((err) => showError(err.message)));
