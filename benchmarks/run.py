#!/usr/bin/env python3
"""Throughput of ``ctpx apply`` against two floors, on deterministic synthetic corpora.

    python benchmarks/run.py [--work DIR] [--update-docs]

For each corpus (``scripts/make_bench_corpus.py``: small MR files, 512x512 CT slices, large
multi-frame files) it times, on a warm page cache:

- ``cp -r``: the copy floor (no DICOM work at all);
- the same file-system calls ``ctpx apply`` makes (open, create, kernel copy), from Python in
  ``--jobs`` processes with no DICOM work: what is left when the de-identification is free;
- the same calls kept safe against a power cut as ``ctpx apply`` keeps its outputs;
- pydicom ``dcmread`` + ``save_as`` of every file in one process: the library floor;
- ``ctpx apply`` with the CTP default script at ``--jobs 1`` and ``--jobs`` = cores.

Each figure is the best of ``--repeat`` runs, taken in rounds of every contender in turn. ``ctpx apply`` is timed two ways: ``wall`` (the
whole command, interpreter start-up and script parsing included) and ``run`` (the runner's own
elapsed time from its report: discovery, workers, writes and flushes). The floors are timed
around their loops, so the ratios use ``run``; start-up is a fixed cost of about 0.3 s per
invocation. Peak memory is the largest sum of the peak resident set sizes of the command's
process tree (shared pages of forked workers are counted once per process, so this overstates),
sampled in one more round that is not timed, because sampling takes CPU from the command.
ctpx flushes its outputs to disk (``syncfs`` per checkpoint); ``cp -r`` and the pydicom floor
do not, so the copy floor is also shown followed by ``sync``.

A last section times where a single-process run spends its time (read, parse, rules, encode,
write, naming and journal, flushes) by wrapping those functions with timers.

Results go to ``benchmarks/results/latest.json``; ``--update-docs`` rewrites the figures
section of ``docs/performance.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, ROOT)

import make_bench_corpus  # noqa: E402

DOC = os.path.join(ROOT, "docs", "performance.md")
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
SCRIPT_CANDIDATES = [
    os.path.join(ROOT, "tests", "ctp-scripts", "ctp-bundled", "examples",
                 "example-ctp-dicom-anonymizer.script"),
    os.path.join(os.path.dirname(ROOT), "shared", "ctp-scripts", "ctp-bundled", "examples",
                 "example-ctp-dicom-anonymizer.script"),
]


# ---------------------------------------------------------------------------------------------
# Measuring

def _high_water(p) -> int:
    """A process's peak resident set size so far (Linux ``VmHWM``), else its current one: a
    poll that comes late still sees a peak that has passed."""
    try:
        with open(f"/proc/{p.pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return p.memory_info().rss


class PeakRSS:
    """Polls the peak resident set size of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.01):
        import psutil
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        import psutil
        while not self._stop.is_set():
            try:
                procs = [self.proc] + self.proc.children(recursive=True)
                total = 0
                for p in procs:
                    try:
                        total += _high_water(p)
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._t.join()
        return self.peak


#: Every contender runs as on a normal installation, where Python caches compiled modules
#: (``pip install`` compiles them; an editable install caches them on first use). Some
#: sandboxes turn that off, which would make each run compile ctpx's modules from source.
BENCH_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
sys.dont_write_bytecode = False   # and so do the in-process timings below


def run_cmd(args, env=None, ok=(0,), monitor: bool = True) -> tuple[float, int | None, str]:
    """(wall seconds, peak RSS bytes or None, stdout) of a command. The memory monitor polls
    the process tree every 10 ms, which takes CPU from the command, so timed runs go without
    it."""
    env = BENCH_ENV if env is None else env
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=ROOT)
    mon = PeakRSS(proc.pid) if monitor else None
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    peak = mon.stop() if mon is not None else None
    if proc.returncode not in ok:
        raise RuntimeError(f"{args[:4]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return wall, peak, out.decode()


_serial = 0
_last_out: str | None = None


def fresh(work: str, label: str) -> str:
    """A new output folder for each measurement.

    Outputs are deleted only at the very end: ext4 skips inodes deleted in the last minute when
    it allocates new ones, so deleting a 2,000-file output right before the next run makes every
    file creation of that run scan past them (several times slower; seen with ``perf`` as
    ``recently_deleted`` under ``ext4_create``). Real runs into a new OUT do not pay that.

    The previous output's pages are dropped from the page cache instead, so that the cache does
    not grow by a corpus per measurement: on a virtual machine that hands freed memory back to
    its host, a growing cache costs every later measurement a host page fault per page (in one
    run, every contender became five times slower from the third round on).
    """
    global _serial, _last_out
    _serial += 1
    out = os.path.join(work, "outputs", f"{_serial:03d}-{label}")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    os.sync()   # so that this measurement does not pay for the previous one's dirty pages
    if _last_out is not None:
        evict(_last_out)
    _last_out = out
    return out


def evict(folder: str) -> None:
    """Drop a written (and synced) folder's pages from the page cache."""
    if not hasattr(os, "posix_fadvise"):
        return
    for root, _, names in os.walk(folder):
        for n in names:
            try:
                fd = os.open(os.path.join(root, n), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def clean_all(work: str) -> None:
    shutil.rmtree(os.path.join(work, "outputs"), ignore_errors=True)


def warm(folder: str) -> tuple[int, int]:
    files = size = 0
    for root, _, names in os.walk(folder):
        for n in names:
            with open(os.path.join(root, n), "rb") as f:
                while f.read(1 << 20):
                    pass
            files += 1
            size += os.path.getsize(os.path.join(root, n))
    return files, size


PYDICOM_FLOOR = r"""
import json, os, sys, time, pydicom
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(src) for f in fs)
t0 = time.perf_counter()
for i, p in enumerate(files):
    ds = pydicom.dcmread(p)
    ds.save_as(os.path.join(dst, f"{i}.dcm"))
print(json.dumps({"run": time.perf_counter() - t0}))
"""


#: The file-system work ``ctpx apply`` cannot avoid, from Python and with no DICOM work: each
#: of N processes opens its share of the inputs, creates each output in a folder of its own and
#: has the kernel copy the bytes (``copy_file_range``, as ``cp`` does). With ``durable`` it
#: also keeps the runner's power-cut protocol (temporary names, write-back started at once, one
#: ``syncfs``, the renames, a second ``syncfs``): the least a run that is safe against a power
#: cut can cost on this disk, with de-identification free.
FS_FLOOR = r"""
import ctypes, json, os, sys, time
from multiprocessing import get_context
src, dst, n, durable = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "durable"
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(src) for f in fs)
libc = ctypes.CDLL(None, use_errno=True)

def copy(k):
    out = os.path.join(dst, str(k))
    os.makedirs(out)
    for i, p in enumerate(files[k::n]):
        fd = os.open(p, os.O_RDONLY)
        name = os.path.join(out, f"{i}.dcm" + (".tmp" if durable else ""))
        o = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        left, off = os.fstat(fd).st_size, 0
        while left > 0:
            c = os.copy_file_range(fd, o, left, off)
            if not c:
                break
            left, off = left - c, off + c
        if durable:
            libc.sync_file_range(o, ctypes.c_longlong(0), ctypes.c_longlong(0), 2)
        os.close(o)
        os.close(fd)

os.makedirs(dst)
ctx = get_context("fork")
t0 = time.perf_counter()
procs = [ctx.Process(target=copy, args=(k,)) for k in range(n)]
for p in procs:
    p.start()
for p in procs:
    p.join()
if durable:
    root = os.open(dst, os.O_RDONLY)
    libc.syncfs(root)
    for r, _, fs in os.walk(dst):
        for f in fs:
            os.rename(os.path.join(r, f), os.path.join(r, f[:-4]))
    libc.syncfs(root)
    os.close(root)
print(json.dumps({"run": time.perf_counter() - t0}))
"""


def measure_corpus(name: str, src: str, work: str, script: str, cores: int,
                   repeat: int) -> dict:
    files, size = warm(src)
    res = {"files": files, "bytes": size}

    # Each contender takes ``monitor``: whether to sample its peak memory (see run_cmd).
    def cp(monitor):
        out = fresh(work, f"{name}-cp")
        wall, peak, _ = run_cmd(["cp", "-r", src, out], monitor=monitor)
        return {"run": wall, "wall": wall, "peak_rss": peak}

    def cp_sync(monitor):
        out = fresh(work, f"{name}-cpsync")
        t0 = time.perf_counter()
        subprocess.run(["cp", "-r", src, out], check=True)
        os.sync()
        wall = time.perf_counter() - t0
        return {"run": wall, "wall": wall, "peak_rss": None}

    def floor(monitor):
        out = fresh(work, f"{name}-pydicom")
        wall, peak, text = run_cmd([sys.executable, "-c", PYDICOM_FLOOR, src, out],
                                   monitor=monitor)
        return {"run": json.loads(text)["run"], "wall": wall, "peak_rss": peak}

    def fs_floor(mode: str):
        def go(monitor):
            out = fresh(work, f"{name}-fs-{mode}")
            wall, peak, text = run_cmd([sys.executable, "-c", FS_FLOOR, src, out, str(cores),
                                        mode], monitor=monitor)
            return {"run": json.loads(text)["run"], "wall": wall, "peak_rss": peak}
        return go

    def apply(jobs: int):
        def go(monitor):
            out = fresh(work, f"{name}-apply{jobs}")
            wall, peak, text = run_cmd([sys.executable, "-m", "ctpx", "apply", script, src, out,
                                        "--jobs", str(jobs), "--quiet", "--format", "json"],
                                       ok=(0, 1), monitor=monitor)
            summary = json.loads(text)["summary"]
            return {"run": summary["elapsed_s"], "wall": wall, "peak_rss": peak,
                    "ok": summary["ok"], "quarantined": summary["quarantined"]}
        return go

    def apply_noflush(monitor):
        out = fresh(work, f"{name}-noflush")
        code = ("import json, sys; from ctpx.engine.runner import apply_tree; "
                "r = apply_tree(sys.argv[1], sys.argv[2], sys.argv[3], jobs=int(sys.argv[4]), "
                "quiet=True, fsync=False); print(json.dumps(r.summary))")
        wall, peak, text = run_cmd([sys.executable, "-c", code, script, src, out, str(cores)],
                                   monitor=monitor)
        return {"run": json.loads(text)["elapsed_s"], "wall": wall, "peak_rss": peak}

    contenders = {"cp": cp, "cp_sync": cp_sync, "fs": fs_floor("plain"),
                  "fs_durable": fs_floor("durable"), "pydicom": floor,
                  "apply_j1": apply(1),
                  f"apply_j{cores}": apply(cores), "apply_noflush": apply_noflush}
    # Rounds of every contender in turn, so that a slow spell of a shared machine falls on
    # all of them alike rather than on whichever was being timed.
    runs: dict[str, list] = {k: [] for k in contenders}
    for _ in range(repeat):
        for k, fn in contenders.items():
            runs[k].append(fn(False))
    for k, rs in runs.items():
        res[k] = dict(min(rs, key=lambda r: r["run"]))
        res[k]["rounds"] = [round(r["run"], 4) for r in rs]   # the spread, not only the best
    # Peak memory from one more, untimed round.
    for k, fn in contenders.items():
        res[k]["peak_rss"] = fn(True)["peak_rss"]
    for k in contenders:
        r = res[k]
        r["files_per_s"] = files / r["run"]
        r["mb_per_s"] = size / r["run"] / 1e6
    return res


def memory_scaling(work: str, script: str, cores: int, big_src: str, repeat: int) -> dict:
    small = make_bench_corpus.build(os.path.join(work, "corpus-20"), ["small"], small=20,
                                    quiet=True)["small"]
    peaks = {}
    for label, src in (("20 files", small), ("2000 files", big_src)):
        vals = []
        for _ in range(repeat):
            out = fresh(work, "mem")
            _, peak, _ = run_cmd([sys.executable, "-m", "ctpx", "apply", script, src, out,
                                  "--jobs", str(cores), "--quiet", "--format", "json"], ok=(0, 1))
            vals.append(peak)
        # A sample can miss a peak but never exceed it, so the largest is the closest.
        peaks[label] = max(vals)
    return peaks


# ---------------------------------------------------------------------------------------------
# Where the time goes (one process, functions wrapped with timers)

def profile(src: str, work: str, script: str) -> dict:
    import importlib

    from ctpx.engine.runner import apply_tree
    anonymize = importlib.import_module("ctpx.engine.anonymize")
    runner = importlib.import_module("ctpx.engine.runner")
    runner_worker = importlib.import_module("ctpx.engine.runner_worker")

    totals: dict[str, float] = {}
    wrapped = []

    def wrap(owner, attr, label):
        fn = getattr(owner, attr, None)
        if fn is None:   # the engine's internals moved; that step is then counted as "other"
            return

        def timed(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - t0
        setattr(owner, attr, timed)
        wrapped.append((owner, attr, fn))

    wrap(runner_worker.InputFile, "__init__", "read the input (up to the pixel data)")
    wrap(anonymize, "parse_bytes", "engine: parse")
    wrap(anonymize, "file_rules", "engine: rules for this file")
    wrap(anonymize, "insert_elements", "engine: evaluate the script")
    wrap(anonymize, "process_into", "engine: evaluate the script")
    wrap(anonymize, "tail_elements", "engine: evaluate the script")
    wrap(anonymize, "write_file", "engine: encode the output")
    wrap(anonymize, "_ids", "engine: identifiers for naming")
    wrap(runner_worker, "write_temp", "write the temporary file")
    wrap(runner._Run, "_checkpoint", "flush, rename, commit the journal")
    fin = runner._Run._finalize

    def finalize(self, rec):
        t0 = time.perf_counter()
        before = totals.get("flush, rename, commit the journal", 0.0)
        try:
            return fin(self, rec)
        finally:
            inner = totals.get("flush, rename, commit the journal", 0.0) - before
            totals["name the output, journal the row"] = totals.get(
                "name the output, journal the row", 0.0) + time.perf_counter() - t0 - inner
    runner._Run._finalize = finalize
    wrapped.append((runner._Run, "_finalize", fin))
    out = fresh(work, "profile")
    try:
        t0 = time.perf_counter()
        rep = apply_tree(script, src, out, jobs=1, quiet=True)
        total = time.perf_counter() - t0
    finally:
        for owner, attr, fn in reversed(wrapped):
            setattr(owner, attr, fn)
    accounted = sum(totals.values())
    totals["other (script load, compile, walk, report, per-file glue)"] = total - accounted
    files = rep.summary["files"]
    return {"files": files, "total_s": total,
            "per_file_us": {k: v / files * 1e6 for k, v in totals.items()},
            "share": {k: v / total for k, v in totals.items()}}


# ---------------------------------------------------------------------------------------------
# Reporting

def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        import psutil
        mem = round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:
        pass
    import pydicom

    from ctpx import __version__
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(), "memory_gib": mem, "os": platform.platform(),
            "python": platform.python_version(), "pydicom": pydicom.__version__,
            "ctpx": __version__}


def paired(r: dict, a: str, b: str) -> str:
    """The throughput ratio of ``a`` to ``b`` within each round (both timed seconds apart), as
    lowest, median and highest: a shared machine's slow spells move single runs."""
    ra, rb = r[a].get("rounds"), r[b].get("rounds")
    if not ra or not rb:
        return "n/a"
    ratios = sorted(y / x for x, y in zip(ra, rb))
    mid = statistics.median(ratios)
    return f"{ratios[0]:.2f}x to {ratios[-1]:.2f}x, median **{mid:.2f}x** ({len(ratios)} rounds)"


def fmt_table(results: dict, cores: int) -> str:
    jn = f"apply_j{cores}"
    lines = []
    for name, r in results["corpora"].items():
        mb = r["bytes"] / 1e6
        lines += [f"**{name}** corpus: {r['files']} files, {mb:.0f} MB", "",
                  "| contender | files/s | MB/s | time (s) | wall (s) | peak memory (MB) |",
                  "|---|---:|---:|---:|---:|---:|"]
        labels = [("cp", "`cp -r` (copy floor)"), ("cp_sync", "`cp -r` then `sync`"),
                  ("fs", f"Python, only the same file-system calls, {cores} processes "
                         f"(no DICOM work)"),
                  ("fs_durable", "the same, kept safe against a power cut as `ctpx apply` does "
                                 "(temporary names, `syncfs`, renames, `syncfs`)"),
                  ("pydicom", "pydicom read+write, 1 process (library floor)"),
                  ("apply_j1", "`ctpx apply --jobs 1`"), (jn, f"`ctpx apply --jobs {cores}`"),
                  ("apply_noflush", "the same, outputs not flushed to disk (API `fsync=False`; "
                                    "not power-cut safe)")]
        for key, label in labels:
            x = r[key]
            peak = f"{x['peak_rss'] / 2**20:.0f}" if x.get("peak_rss") else ""
            lines.append(f"| {label} | {x['files_per_s']:.0f} | {x['mb_per_s']:.1f} | "
                         f"{x['run']:.2f} | {x['wall']:.2f} | {peak} |")
        lines += ["", f"- `--jobs 1` / library floor: **{r['apply_j1']['files_per_s'] / r['pydicom']['files_per_s']:.2f}x**; "
                      f"`--jobs {cores}` / library floor: **{r[jn]['files_per_s'] / r['pydicom']['files_per_s']:.2f}x**",
                  f"- `--jobs {cores}` / copy floor: **{r[jn]['files_per_s'] / r['cp']['files_per_s']:.2f}x** "
                  f"(against `cp -r` then `sync`: {r[jn]['files_per_s'] / r['cp_sync']['files_per_s']:.2f}x; "
                  f"against the same file-system calls alone: {r[jn]['files_per_s'] / r['fs']['files_per_s']:.2f}x, "
                  f"and kept power-cut safe: {r[jn]['files_per_s'] / r['fs_durable']['files_per_s']:.2f}x)",
                  f"- `--jobs {cores}` / copy floor, round by round: {paired(r, jn, 'cp')}",
                  ""]
    m = results.get("memory")
    if m:
        a, b = m["20 files"], m["2000 files"]
        lines += [f"Peak memory, `--jobs {cores}`: 20 files {a / 2**20:.0f} MB, 2,000 files "
                  f"{b / 2**20:.0f} MB (ratio **{b / a:.2f}**).", ""]
    for name, p in (results.get("profile") or {}).items():
        lines += [f"Where a `--jobs 1` run on the {name} corpus spends its time "
                  f"({p['files']} files, {p['total_s']:.2f} s):", "",
                  "| step | µs per file | share |", "|---|---:|---:|"]
        for k, v in sorted(p["per_file_us"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {k} | {v:.0f} | {p['share'][k] * 100:.0f}% |")
        lines.append("")
    return "\n".join(lines)


def update_docs(text: str) -> None:
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    if START not in doc or END not in doc:
        raise SystemExit(f"{DOC} has no {START} ... {END} section")
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(head + START + "\n" + text + "\n" + END + tail)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "ctpx-bench"),
                   help="folder for the corpora and outputs (default: %(default)s)")
    p.add_argument("--script", help="the CTP default script (default: the bundled example)")
    p.add_argument("--only", default="small,ct,multiframe")
    p.add_argument("--small", type=int, default=2000)
    p.add_argument("--ct", type=int, default=400)
    p.add_argument("--multiframe", type=int, default=3)
    p.add_argument("--mib", type=int, default=64)
    p.add_argument("--repeat", type=int, default=5, help="runs per figure; the best is kept")
    p.add_argument("--jobs", type=int, default=None, help="the parallel run's --jobs "
                                                          "(default: all cores)")
    p.add_argument("--no-profile", action="store_true")
    p.add_argument("--json", default=os.path.join(HERE, "results", "latest.json"))
    p.add_argument("--update-docs", action="store_true",
                   help=f"write the figures into {os.path.relpath(DOC, ROOT)}")
    args = p.parse_args(argv)

    script = args.script or next((s for s in SCRIPT_CANDIDATES if os.path.isfile(s)), None)
    if not script:
        p.error("the CTP default script was not found; give it with --script")
    cores = args.jobs or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                          else os.cpu_count() or 1)
    which = [w for w in args.only.split(",") if w]
    os.makedirs(args.work, exist_ok=True)
    if os.path.isdir(os.path.join(args.work, "outputs")):
        # left by an interrupted benchmark; deleting it now slows the first measurements
        print("removing the outputs of an earlier benchmark; waiting a minute so that the "
              "file system's recently-deleted inodes do not skew the figures", file=sys.stderr)
        clean_all(args.work)
        os.sync()
        time.sleep(60)
    corpora = make_bench_corpus.build(os.path.join(args.work, "corpus"), which, args.small,
                                      args.ct, args.multiframe, args.mib)
    results = {"machine": machine(), "script": os.path.basename(script), "jobs": cores,
               "repeat": args.repeat, "corpora": {}}
    for name in which:
        print(f"timing the {name} corpus ...", file=sys.stderr)
        results["corpora"][name] = measure_corpus(name, corpora[name], args.work, script, cores,
                                                  args.repeat)
    if "small" in corpora:
        print("measuring memory scaling ...", file=sys.stderr)
        results["memory"] = memory_scaling(args.work, script, cores, corpora["small"],
                                           args.repeat)
    if not args.no_profile:
        results["profile"] = {}
        for name in ("small", "ct"):
            if name in corpora:
                print(f"profiling a single-process run on the {name} corpus ...",
                      file=sys.stderr)
                results["profile"][name] = profile(corpora[name], args.work, script)
    clean_all(args.work)
    table = fmt_table(results, cores)
    m = results["machine"]
    header = (f"Taken {time.strftime('%Y-%m-%d')} on {m['cpu']}, {m['cores']} cores, "
              f"{m['memory_gib']} GiB, {m['os']}; Python {m['python']}, pydicom {m['pydicom']}, "
              f"ctpx {m['ctpx']}; best of {args.repeat} runs, warm page cache; script "
              f"`{results['script']}`.\n")
    print(header)
    print(table)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    if args.update_docs:
        update_docs(header + "\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
