"""Keras's text progress bar, character for character.

On a terminal (or in IPython/PyCharm) the bar is redrawn in place, at most every `interval`
seconds: the previous line is erased with backspaces and a carriage return, exactly as
tf_keras does. When stdout is not a terminal (a CI log, a file, a pipe) only the final line of
each bar is printed, so logs hold one clean line per epoch instead of a flood of `\\b` and `\\r`
(Keras itself redraws there too; see keras-team/keras#1007).

Example:
    >>> from kerasish.utils.progbar import Progbar
    >>> bar = Progbar(2, verbose=2)
    >>> bar.update(1, [("loss", 0.5)])
    >>> bar.update(2, [("loss", 0.25)])  # doctest: +ELLIPSIS
    2/2 - 0s - loss: 0.3750 - ...s/epoch - ...s/step
"""
import logging
import os
import sys
import threading
import time

import numpy as np

# The clock the bar reads; tests replace it to get deterministic timings.
_clock = time.time
_INTERACTIVE_LOGGING = threading.local()


def enable_interactive_logging() -> None:
    """Print progress bars and training messages to stdout (the default), in this thread."""
    _INTERACTIVE_LOGGING.enable = True


def disable_interactive_logging() -> None:
    """Send progress bars and training messages to the `kerasish` logger (INFO) instead of stdout, in this thread.

    Example:
        >>> disable_interactive_logging(); is_interactive_logging_enabled()
        False
        >>> enable_interactive_logging(); is_interactive_logging_enabled()
        True
    """
    _INTERACTIVE_LOGGING.enable = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages go to stdout (True) or to the `kerasish` logger (False)."""
    return getattr(_INTERACTIVE_LOGGING, "enable", True)


def print_msg(message: str, line_break: bool = True) -> None:
    """Print a training message to stdout, or log it when interactive logging is disabled (tf.keras's rule)."""
    if not is_interactive_logging_enabled():
        logging.getLogger("kerasish").info(message)
        return
    _write(message + "\n" if line_break else message)


def _stdout_is_interactive() -> bool:
    """Whether stdout redraws `\\r` lines: a TTY, an IPython kernel, or PyCharm's run console."""
    stream = sys.stdout
    try:
        if stream is not None and stream.isatty():
            return True
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        pass
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _write(message: str) -> None:
    stream = sys.stdout
    if stream is None:
        return
    stream.write(message)
    stream.flush()


def _as_value(v):
    if hasattr(v, "numpy") and not isinstance(v, np.ndarray):
        v = v.numpy()
    return v


def _format_number(avg, abs_threshold: bool) -> str:
    if isinstance(avg, (str, bytes)):
        return f" {avg}"
    avg = np.mean(avg)
    # tf_keras compares |avg| in verbose=1 but the signed value in verbose=2 (so negative numbers
    # print in e-notation there); matched on purpose.
    big = abs(avg) > 1e-3 if abs_threshold else avg > 1e-3
    return f" {avg:.4f}" if big else f" {avg:.4e}"


class Progbar:
    """A progress bar printed to stdout in Keras's exact format.

    Args:
        target: total number of steps expected, or None if unknown.
        width: the bar's width in characters (default 30).
        verbose: 0 (silent), 1 (animated bar) or 2 (one line when finished).
        interval: minimum seconds between two redraws (default 0.05).
        stateful_metrics: names of values shown as given instead of averaged over steps.
        unit_name: what a step is called in the time per step ('step' or 'sample').

    Example:
        >>> bar = Progbar(3, verbose=0)
        >>> for i in range(3):
        ...     bar.update(i + 1, [("loss", 1.0 / (i + 1))])
        >>> bar._seen_so_far
        3
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"):
        if target is not None and (isinstance(target, bool) or not isinstance(target, (int, np.integer))):
            raise TypeError(f"Progbar: `target` must be an int or None; received: target={target!r}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar: `verbose` must be 0, 1 or 2; received: verbose={verbose!r}")
        self.target = None if target is None else int(target)
        self.width = int(width)
        self.verbose = verbose
        self.interval = float(interval)
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._dynamic_display = _stdout_is_interactive() and is_interactive_logging_enabled()
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}  # name -> [weighted sum, weight]
        self._values_order = []
        self._start = _clock()
        self._last_update = 0.0
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end = None
        self._time_after_first_step = None

    def update(self, current, values=None, finalize=None):
        """Move the bar to step `current` and record `values` (a list of `(name, value)` pairs).

        Args:
            current: index of the current step (1-based count of finished steps).
            values: `(name, value)` pairs (a dict works too). Values not in `stateful_metrics`
                are averaged over steps, weighted by the steps since the last update.
            finalize: whether this is the last update; defaults to `current >= target`.
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        if values:
            self._record(current, values.items() if isinstance(values, dict) else values)
        self._seen_so_far = current

        now = _clock()
        if current == self.target:
            self._time_at_epoch_end = now
        if self.verbose == 1:
            if not finalize and (not self._dynamic_display or now - self._last_update < self.interval):
                if current == 1 and self._time_after_first_step is None:
                    self._time_after_first_step = now  # keep the ETA/step estimate as if drawn
                return
            print_msg(self._verbose1_message(current, now, finalize), line_break=False)
        elif self.verbose == 2 and finalize:
            print_msg(self._verbose2_message(current, now), line_break=False)
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    # -- internals ----------------------------------------------------------------------
    def _record(self, current, values):
        for k, v in values:
            v = _as_value(v)
            if k not in self._values_order:
                self._values_order.append(k)
            if k in self.stateful_metrics or isinstance(v, (str, bytes)):
                self._values[k] = [v, 1]
                continue
            # When the target is unknown, the last batch and the epoch end may both report the same
            # `current`: weigh at least 1 so the average stays defined (as tf_keras does).
            value_base = max(current - self._seen_so_far, 1)
            if k not in self._values:
                self._values[k] = [v * value_base, value_base]
            else:
                self._values[k][0] += v * value_base
                self._values[k][1] += value_base

    def _average(self, k):
        total, weight = self._values[k]
        if isinstance(total, (str, bytes)):
            return total
        return total / max(1, weight)

    def _counter(self, current):
        numdigits = len(str(self.target)) if self.target > 0 else 1
        return ("%" + str(numdigits) + "d/%d") % (current, self.target)

    def _verbose1_message(self, current, now, finalize):
        prev_total_width = self._total_width
        message = ("\b" * prev_total_width + "\r") if self._dynamic_display else ""
        if self.target is not None:
            bar = self._counter(current) + " ["
            prog = float(current) / self.target if self.target else 1.0
            prog_width = int(self.width * prog)
            if prog_width > 0:
                bar += "=" * (prog_width - 1)
                bar += ">" if current < self.target else "="
            bar += "." * (self.width - prog_width)
            bar += "]"
        else:
            bar = "%7d/Unknown" % current
        self._total_width = len(bar)
        message += bar

        time_per_unit = self._estimate_step_duration(current, now)
        if self.target is None or finalize:
            info = f" - {now - self._start:.0f}s" + self._format_time(time_per_unit, self.unit_name)
        else:
            info = " - ETA: " + self._format_eta(time_per_unit * (self.target - current))
        for k in self._values_order:
            info += f" - {k}:" + _format_number(self._average(k), abs_threshold=True)

        self._total_width += len(info)
        if prev_total_width > self._total_width:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        return message + info

    def _verbose2_message(self, current, now):
        target = self.target if self.target is not None else current
        numdigits = len(str(target)) if target > 0 else 1
        info = ("%" + str(numdigits) + "d/%d") % (current, target) + f" - {now - self._start:.0f}s"
        for k in self._values_order:
            info += f" - {k}:" + _format_number(self._average(k), abs_threshold=False)
        if self._time_at_epoch_end is not None:
            time_per_epoch = self._time_at_epoch_end - self._time_at_epoch_start
            avg_time_per_step = time_per_epoch / target if target else 0.0
            self._time_at_epoch_start = now
            self._time_at_epoch_end = None
            info += " -" + self._format_time(time_per_epoch, "epoch")
            info += " -" + self._format_time(avg_time_per_step, self.unit_name)
            info += "\n"
        return info

    @staticmethod
    def _format_eta(eta):
        if eta > 3600:
            return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
        if eta > 60:
            return "%d:%02d" % (eta // 60, eta % 60)
        return "%ds" % eta

    @staticmethod
    def _format_time(time_per_unit, unit_name):
        if time_per_unit >= 1 or time_per_unit == 0:
            return f" {time_per_unit:.0f}s/{unit_name}"
        if time_per_unit >= 1e-3:
            return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
        return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"

    def _estimate_step_duration(self, current, now):
        """Seconds per step, leaving out the first step (which often includes one-off set-up)."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit

    def _update_stateful_metrics(self, stateful_metrics):
        self.stateful_metrics = self.stateful_metrics.union(stateful_metrics)
