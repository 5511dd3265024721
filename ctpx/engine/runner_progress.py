"""Progress for long runs: a tqdm bar on a terminal, a plain line now and then otherwise.

Logs of batch jobs (cron, SLURM, CI) are not terminals; a bar there is thousands of carriage
returns, so those get one line every ``interval`` seconds instead.
"""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int | None, *, quiet: bool = False, stream=None,
                 interval: float = 10.0, initial: int = 0):
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.done = initial
        self.initial = initial
        self.total = total
        self.counts = {"ok": 0, "skipped": 0, "quarantined": 0}
        self.interval = interval
        self.t0 = time.monotonic()
        self._last = self.t0
        self._bar = None
        if quiet:
            return
        isatty = getattr(self.stream, "isatty", lambda: False)
        if isatty():
            from tqdm import tqdm

            class _Bar(tqdm):
                # No monitor thread: the coordinator forks workers, and forking a process that
                # runs threads can deadlock the child.
                monitor_interval = 0

            self._bar = _Bar(total=total, initial=initial, unit="file", file=self.stream,
                             dynamic_ncols=True, smoothing=0.1, mininterval=0.2)

    def set_total(self, total: int) -> None:
        self.total = total
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    def update(self, status: str, n: int = 1) -> None:
        self.done += n
        self.counts[status] = self.counts.get(status, 0) + n
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(n)
            if self.counts["quarantined"] or self.counts["skipped"]:
                self._bar.set_postfix(quarantined=self.counts["quarantined"],
                                      skipped=self.counts["skipped"], refresh=False)
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.t0, 1e-9)
        rate = (self.done - self.initial) / elapsed
        if self.total:
            left = max(self.total - self.done, 0)
            eta = f", ETA {_hms(left / rate)}" if rate > 0 else ""
            head = f"{self.done}/{self.total} files"
        else:
            eta, head = "", f"{self.done} files"
        c = self.counts
        return (f"ctpx apply: {head} (ok {c['ok']}, skipped {c['skipped']}, quarantined "
                f"{c['quarantined']}), {rate:.1f} files/s{eta}")

    def note(self, text: str) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _hms(seconds: float) -> str:
    s = int(seconds + 0.5)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
