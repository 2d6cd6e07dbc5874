"""Progress display for a running search: a tqdm bar when tqdm is installed (tqdm.auto, so
notebooks get a widget), else one printed line per epoch. Not here: stopping rules."""

from __future__ import annotations

import sys
from typing import Any, Callable


class Progress:
    """Shows epoch reports; call ``close()`` when the search ends."""

    def __init__(self, total_epochs: int | None) -> None:
        self._bar: Any = None
        self._last = 0
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=total_epochs, unit="epoch", dynamic_ncols=True)

    def __call__(self, report: Any) -> None:
        text = f"NRMSE {report.best_nrmse:.3g}  {report.best_infix[:60]}"
        if self._bar is None:
            print(f"epoch {report.epoch}  {report.evaluations} formulas  {text}",
                  file=sys.stderr, flush=True)
            return
        self._bar.update(report.epoch - self._last)
        self._last = report.epoch
        self._bar.set_postfix_str(text, refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def combine(progress: Progress | None,
            callback: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """One epoch callback from the progress display and the user's callback."""
    if progress is None and callback is None:
        return None

    def on_epoch(report: Any) -> Any:
        if progress is not None:
            progress(report)
        return True if callback is None else callback(report)

    return on_epoch
