"""The paper's protocol (METHOD section 6), the same for every method.

For each input and each target on the paper's grids (f0 100-300 Hz step 1, f1 300-900
step 10, f2 1100-2700 step 20, f3 2200-3200 step 20) one factor is set to the target with
each method; Praat measures the output. Accuracy: delta of the edited factor against the
target; disentanglement: delta of every other factor against Praat's value on the input.
Naturalness: NISQA-TTS (when its weights are found) and DNSMOS; speed: real-time factor
(edit time / audio duration, edit only, models already loaded).

Default subsampling: ``n_targets`` grid values per input and factor, drawn without
replacement from the grid by a generator seeded with (seed, input index, factor), so every
method sees the same targets and, over many inputs, the whole grid is covered. ``full``
uses every grid value.

Outputs in ``out_dir``: results.csv (one row per edit, appended as work finishes; rows
with method "input" score the unedited inputs), summary.json, table.md, and
delta_<factor>.png (error against target value, per method).
"""

from __future__ import annotations

import contextlib
import csv
import math
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..editing import METHODS, EditRequest
from ..errors import ArgumentError, SfvaeError
from ..factors import EVALUATION_GRIDS, FACTORS
from .data import EvalItem, load_items, vowel_items
from .metrics import Dnsmos, Nisqa, delta_percent, find_nisqa_weights, measure_factors

# Factors each method can edit; other pairs are skipped and marked in the table.
SUPPORTED = {"psola": ("f0",)}
MODEL_METHODS = ("sfvae", "vae-baseline")
DEFAULT_TARGETS = 5
QUICK_ITEMS = (("male", "aa"), ("female", "ae"))
QUICK_TARGETS = 1  # per input and factor; two inputs give two targets per factor
RESULTS = "results.csv"
SCORES = ("nisqa", "dnsmos_ovrl", "dnsmos_sig", "dnsmos_bak", "dnsmos_p808")
COLUMNS = (["item", "dataset", "kind", "method", "factor", "target", "status", "duration_s",
            "edit_s", "rtf"]
           + [f"{p}_{f}" for p in ("label", "in", "out", "delta") for f in FACTORS]
           + list(SCORES) + ["error"])


@dataclass
class EvalConfig:
    data: str = "vowels"
    methods: tuple[str, ...] = ("sfvae", "vae-baseline", "psola", "world")
    factors: tuple[str, ...] = FACTORS
    out_dir: str = "evaluation"
    full: bool = False
    quick: bool = False
    resume: bool = False
    jobs: int = 1
    model: str | None = None
    control: str | None = None
    phase: str | None = None
    nisqa_weights: str | None = None
    seed: int = 0
    n_items: int | None = None
    n_targets: int = DEFAULT_TARGETS
    reuse_from: str | None = None  # results.csv of another run: its model-free rows are copied
    progress: bool = True
    notes: dict = field(default_factory=dict)  # filled in: skipped methods, weights used


def grid(factor: str) -> np.ndarray:
    start, stop, step = EVALUATION_GRIDS[factor]
    return np.round(np.arange(start, stop + step / 2, step), 6)


def targets_for(index: int, factor: str, n_targets: int | None, seed: int) -> list[float]:
    """Targets of input ``index`` for ``factor``: the whole grid (None) or a seeded subset."""
    values = grid(factor)
    if n_targets is None or n_targets >= values.size:
        return [float(v) for v in values]
    rng = np.random.default_rng([seed, index, FACTORS.index(factor)])
    return [float(v) for v in np.sort(rng.choice(values, size=n_targets, replace=False))]


def supports(method: str, factor: str) -> bool:
    return factor in SUPPORTED.get(method, FACTORS)


def _key(item: str, method: str, factor: str, target) -> tuple[str, str, str, str]:
    return (item, method, factor, "" if target in ("", None) else f"{float(target):.3f}")


# -- worker side ---------------------------------------------------------------------------

_WORKER: dict = {}


def _init_worker(config: EvalConfig, method_options: dict, threads: int) -> None:
    """Load models and scorers once per process; warm every method up so timings exclude it."""
    import torch

    torch.set_num_threads(max(1, threads))
    warnings.simplefilter("ignore")
    options = {}
    for method, opts in method_options.items():
        opts = dict(opts)
        if "model" in opts and isinstance(opts["model"], str):
            from ..model import load_model

            opts["model"] = load_model(opts["model"])
        if "control" in opts and isinstance(opts["control"], str):
            from ..control.learn import load_control

            opts["control"] = load_control(opts["control"])
        options[method] = opts
    _WORKER.clear()
    _WORKER.update(config=config, options=options, dnsmos=Dnsmos(), inputs={},
                   nisqa=Nisqa(config.nisqa_weights) if config.nisqa_weights else None)
    from ..editing import edit
    from ..synth import synthesize

    warm = synthesize(150.0, (600.0, 1500.0, 2500.0), 0.5)
    for method, opts in options.items():
        edit(warm, EditRequest(f0=140.0), method=method, **opts)


@contextlib.contextmanager
def workers_ignore_ctrl_c():
    """Processes started inside are born ignoring SIGINT (an ignored signal stays ignored
    across exec, and Python then installs no KeyboardInterrupt handler): the terminal sends
    Ctrl-C to the whole process group, and the main process alone acts on it
    (:func:`stop_pool`), with no worker traceback, even from one still importing."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def stop_pool(pool: ProcessPoolExecutor, grace: float = 0.5) -> None:
    """End a process pool now: pending tasks cancelled, running workers terminated (SIGTERM,
    then SIGKILL after ``grace`` s) and reaped. ProcessPoolExecutor.shutdown waits for the
    running tasks (seconds per edit), which is what Ctrl-C must not do."""
    import multiprocessing

    pool.shutdown(wait=False, cancel_futures=True)
    workers = multiprocessing.active_children()
    for proc in workers:
        proc.terminate()
    deadline = time.monotonic() + grace
    for proc in workers:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join(1.0)
    pool.shutdown(wait=True)  # its queues and threads, now that no worker holds them


def _scores(audio: np.ndarray) -> dict[str, float]:
    out = dict(_WORKER["dnsmos"](audio))
    out["nisqa"] = _WORKER["nisqa"](audio) if _WORKER["nisqa"] is not None else float("nan")
    return out


def _base_row(item: EvalItem, method: str, factor: str, target, x: np.ndarray,
              measured_in: dict) -> dict:
    from ..conventions import SAMPLE_RATE

    row = {c: "" for c in COLUMNS}
    row.update(item=item.item_id, dataset=item.meta.get("dataset", ""),
               kind=item.meta.get("kind", item.meta.get("sex", "")), method=method,
               factor=factor, target="" if target is None else target,
               duration_s=x.size / SAMPLE_RATE)
    for f in FACTORS:
        row[f"label_{f}"] = item.labels.get(f, float("nan"))
        row[f"in_{f}"] = measured_in[f]
    return row


def run_task(task: tuple[EvalItem, str, list[tuple[str, float]]]) -> list[dict]:
    """Edit one input with one method for each (factor, target); one row per edit.

    Method "input" scores the unedited input (no edits).
    """
    from ..editing import edit

    item, method, pairs = task
    x = item.load()
    if item.item_id not in _WORKER["inputs"]:
        _WORKER["inputs"] = {item.item_id: measure_factors(x)}  # one input at a time
    measured_in = _WORKER["inputs"][item.item_id]
    rows = []
    if method == "input":
        row = _base_row(item, "input", "", None, x, measured_in)
        row.update(status="ok", **{f"out_{f}": measured_in[f] for f in FACTORS}, **_scores(x))
        return [row]
    options = _WORKER["options"].get(method, {})
    for factor, target in pairs:
        row = _base_row(item, method, factor, target, x, measured_in)
        try:
            start = time.perf_counter()
            y = edit(x, EditRequest(**{factor: float(target)}), method=method, **options)
            row["edit_s"] = time.perf_counter() - start
        except Exception as exc:  # noqa: BLE001 - one failed edit must not end a long run
            message = str(exc) if isinstance(exc, SfvaeError) else f"{type(exc).__name__}: {exc}"
            row.update(status="error", error=message.replace("\n", " ")[:200])
            rows.append(row)
            continue
        row["rtf"] = row["edit_s"] / row["duration_s"]
        out = measure_factors(y)
        for f in FACTORS:
            row[f"out_{f}"] = out[f]
            reference = float(target) if f == factor else measured_in[f]
            row[f"delta_{f}"] = delta_percent(out[f], reference)
        row.update(_scores(y))
        row["status"] = "ok" if np.isfinite(row[f"delta_{factor}"]) else "unmeasured"
        rows.append(row)
    return rows


# -- main side -----------------------------------------------------------------------------

def _log(config: EvalConfig, message: str) -> None:
    if config.progress:
        print(f"sfvae evaluate: {message}", file=sys.stderr, flush=True)


def _method_options(config: EvalConfig) -> dict[str, dict]:
    """Per method, the options to pass; methods that cannot run are dropped with a note."""
    options: dict[str, dict] = {}
    for method in config.methods:
        if method not in METHODS:
            raise ArgumentError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
        if method not in MODEL_METHODS:
            options[method] = {}
            continue
        try:
            options[method] = _model_options(config, method)
        except SfvaeError as exc:
            note = f"method {method} skipped: {exc}"
            config.notes.setdefault("skipped_methods", {})[method] = str(exc)
            _log(config, note)
        if config.phase and method in options:
            options[method]["phase"] = config.phase
    if not options:
        raise ArgumentError("no method can run (see the messages above)")
    return options


def _model_options(config: EvalConfig, method: str) -> dict:
    from ..model import default_model_path, load_model

    model_path = config.model or str(default_model_path())
    load_model(model_path)  # fails here, clearly, when the model is missing or broken
    if method == "vae-baseline":
        return {"model": model_path}
    from ..control.editor import load_model_and_control
    from ..control.learn import default_control_path

    control = config.control
    if control is None and config.model is None:
        control = str(default_control_path())
    if control is None:  # a model of the user's without a control: learn one, once
        control = str(Path(config.out_dir) / "control.npz")
        if not Path(control).exists():
            from ..control.learn import learn

            _log(config, f"no --control given for {model_path}: learning one into {control}")
            learn(model_path, seed=config.seed, command="sfvae evaluate").save(control)
    load_model_and_control(model_path, control)  # refuses a control of another model
    config.control = control
    return {"model": model_path, "control": control}


def select_items(config: EvalConfig) -> list[EvalItem]:
    if config.quick:
        items = vowel_items(("male", "female"), speakers_per_kind=1)
        return [i for i in items if (i.meta["kind"], i.meta["vowel"]) in QUICK_ITEMS]
    return load_items(config.data, config.n_items, config.seed)


def _done_keys(path: Path) -> set:
    if not path.exists():
        return set()
    with open(path, newline="") as fh:
        return {_key(r["item"], r["method"], r["factor"], r["target"]) for r in csv.DictReader(fh)}


def plan_tasks(items: list[EvalItem], methods, config: EvalConfig, done: set) -> list[tuple]:
    n_targets = None if config.full else (QUICK_TARGETS if config.quick else config.n_targets)
    tasks = []
    for index, item in enumerate(items):
        if _key(item.item_id, "input", "", None) not in done:
            tasks.append((item, "input", []))
        for method in methods:
            pairs = [(f, t) for f in config.factors if supports(method, f)
                     for t in targets_for(index, f, n_targets, config.seed)
                     if _key(item.item_id, method, f, t) not in done]
            if pairs:
                tasks.append((item, method, pairs))
    return tasks


# Rows that do not depend on the model: another run on the same inputs can lend them.
MODEL_FREE = ("input", "psola", "world")


def reuse_rows(source: str | Path, results: Path, items: list[EvalItem], methods,
               factors) -> int:
    """Append to ``results`` the rows of ``source`` for the model-free methods that this run
    plans (same inputs by id, same factors) and does not have yet; returns how many."""
    source = Path(source)
    if not source.is_file():
        raise ArgumentError(f"--reuse-from {source}: no such results file")
    if source.resolve() == results.resolve():
        return 0
    wanted_items = {i.item_id for i in items}
    wanted_methods = {"input"} | (set(methods) & set(MODEL_FREE))
    done = _done_keys(results)
    with open(source, newline="") as fh:
        reader = csv.DictReader(fh)
        if list(reader.fieldnames or []) != COLUMNS:
            raise ArgumentError(f"--reuse-from {source}: not a results.csv of this sfvae version")
        rows = [r for r in reader if r["item"] in wanted_items and r["method"] in wanted_methods
                and (r["method"] == "input" or r["factor"] in factors)
                and _key(r["item"], r["method"], r["factor"], r["target"]) not in done]
    new_file = not results.exists()
    with open(results, "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        if new_file:
            writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def _fmt(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.9g}"
    return str(value)


def evaluate(config: EvalConfig) -> dict:
    """Run the protocol; returns the summary (also written to ``out_dir``)."""
    bad = [f for f in config.factors if f not in FACTORS]
    if bad:
        raise ArgumentError(f"unknown factor {bad[0]!r}; choose from {', '.join(FACTORS)}")
    if config.jobs < 1:
        raise ArgumentError(f"--jobs must be at least 1, got {config.jobs}")
    if config.n_targets < 1:
        raise ArgumentError(f"--targets must be at least 1, got {config.n_targets}")
    out_dir = Path(config.out_dir)
    results = out_dir / RESULTS
    if results.exists() and not config.resume:
        raise ArgumentError(f"{results} exists: add --resume to continue it, or choose another -o")
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = find_nisqa_weights(config.nisqa_weights)
    config.nisqa_weights = str(weights) if weights else None
    if weights is None:
        config.notes["nisqa"] = "NISQA-TTS weights not found (--nisqa-weights); NISQA not scored"
        _log(config, config.notes["nisqa"])
    Dnsmos()  # fails early and clearly when speechmos is missing

    options = _method_options(config)
    methods = [m for m in config.methods if m in options]
    for m in methods:
        skipped = [f for f in config.factors if not supports(m, f)]
        if skipped:
            config.notes.setdefault("unsupported", {})[m] = skipped
    items = select_items(config)
    if not items:
        raise ArgumentError(f"no evaluation inputs in {config.data!r}")
    if config.reuse_from:
        copied = reuse_rows(config.reuse_from, results, items, methods, config.factors)
        _log(config, f"copied {copied} rows of {', '.join(MODEL_FREE)} from {config.reuse_from}")
    tasks = plan_tasks(items, methods, config, _done_keys(results))
    total = sum(max(1, len(t[2])) for t in tasks)
    _log(config, f"{len(items)} inputs, methods {', '.join(methods)}, {total} edits/scores to do"
                 f"{' (resuming)' if results.exists() else ''}")

    new_file = not results.exists()
    # One thread per process: NISQA and DNSMOS run several times slower with more on a
    # shared machine; use --jobs for parallelism.
    threads = 1
    bar = None
    if config.progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="edit", desc="evaluate", file=sys.stderr, dynamic_ncols=True)
    with open(results, "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        if new_file:
            writer.writeheader()

        def write(rows: list[dict]) -> None:
            writer.writerows([{k: _fmt(v) for k, v in r.items()} for r in rows])
            fh.flush()
            if bar is not None:
                bar.update(len(rows))

        if tasks and config.jobs == 1:
            _init_worker(config, options, threads)
            for task in tasks:
                write(run_task(task))
        elif tasks:
            import multiprocessing

            ctx = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(config.jobs, mp_context=ctx, initializer=_init_worker,
                                       initargs=(config, options, threads))
            try:
                with workers_ignore_ctrl_c():  # the submits start the workers
                    futures = [pool.submit(run_task, t) for t in tasks]
                for fut in as_completed(futures):
                    write(fut.result())
            except BaseException:
                stop_pool(pool)  # Ctrl-C or an error: no worker finishes its task first
                raise
            pool.shutdown()
    if bar is not None:
        bar.close()
    from .report import write_reports

    return write_reports(out_dir, config)


def config_dict(config: EvalConfig) -> dict:
    return {k: v for k, v in asdict(config).items() if k != "progress"}
