"""``step --plot FILE.png``: the loss over the updates, drawn with matplotlib.

matplotlib is an optional extra (``pip install 'backcalc[plot]'``); without it
``check_plot`` refuses --plot before any work is done, saying how to get it.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import warnings
from pathlib import Path

from .curve import LossHistory
from .errors import InputError
from .formats import check_target

INSTALL_HINT = "pip install 'backcalc[plot]'"


def check_plot(path: Path, inputs, force: bool, outputs: dict) -> None:
    """Refuse --plot early: no matplotlib, not a .png, or a file it must not replace."""
    shown = str(path)
    if importlib.util.find_spec("matplotlib") is None:
        raise InputError(f"--plot needs matplotlib, which is not installed; install it with "
                         f"{INSTALL_HINT}", file=shown)
    _quiet_matplotlib()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importlib.import_module("matplotlib")   # a broken install fails here, before any work
    except Exception as error:
        raise InputError(f"--plot needs matplotlib, which does not import ({error}); "
                         f"reinstall it with {INSTALL_HINT}", file=shown) from None
    if path.suffix.lower() != ".png":
        raise InputError(f"--plot writes a PNG image; name the file …png, found "
                         f"{path.suffix or 'no extension'}", file=shown)
    check_target(path, force, inputs, "--plot", outputs)


def _quiet_matplotlib() -> None:
    """Keep matplotlib's log lines off standard error: with no logging set up, Python
    prints its warnings there (a configuration folder it cannot write, as under a
    read-only home: two lines before backcalc's own; the font cache being built).  The
    drawing is the same; a program that sets up logging still gets them."""
    logger = logging.getLogger("matplotlib")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


def plot_losses(history: LossHistory, title: str, path: Path, force: bool = False) -> None:
    """Every loss of the run against its update, on a log scale when the range is wide;
    written as every file is (``savefile.write_file``): atomically, never through a link,
    never over a file (one that appeared while the run worked too) unless ``force``."""
    import matplotlib
    matplotlib.use("Agg")                 # no display needed
    import matplotlib.pyplot as plt
    import numpy as np

    losses = np.frombuffer(history.losses, dtype=float)
    per = history.updates_per_iteration
    x = history.first_iteration + np.arange(len(losses)) / per
    finite = np.isfinite(losses)           # an infinite loss is left out, where it was
    y = np.where(finite, losses, np.nan)
    figure, axes = plt.subplots(figsize=(7, 4), dpi=120)
    # Losses near float64's limit make matplotlib's scaling overflow; the plot is still right.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        _draw(figure, axes, plt, x, y, finite, history, title, path, force)


def _draw(figure, axes, plt, x, y, finite, history: LossHistory, title: str, path: Path,
          force: bool) -> None:
    from .savefile import write_file
    per = history.updates_per_iteration
    try:
        axes.plot(x, y, linewidth=1.2, marker="o" if len(y) <= 30 else None,
                  markersize=3)
        if not finite.all():
            axes.set_xlim(x[0] - 0.5 / per, x[-1] + 0.5 / per)
            axes.set_title(f"{title}\n({int((~finite).sum())} infinite or undefined losses "
                           "left out)", fontsize=10)
        else:
            axes.set_title(title)
        if history.log_scale:
            axes.set_yscale("log")
        axes.set_xlabel("iteration" if per == 1 else f"iteration ({per} updates each)")
        axes.set_ylabel("loss before the update")
        axes.grid(True, alpha=0.3)
        figure.tight_layout()
        write_file(path, lambda handle: figure.savefig(handle, format="png"),
                   replace=force, option="--plot")
    finally:
        plt.close(figure)
