"""The course's figures: contours of an objective, optimizer trajectories, loss curves, animations.

Every function takes a matplotlib ``Axes`` (or makes one) and returns it, and never calls
``plt.show()``: the chapter decides when to show. The animation is meant for a static website:
:func:`animation_html` turns it into self-contained JavaScript HTML and closes its figure.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import adamlib
>>> from adamlib import objectives, plot
>>> f = objectives.quadratic(10.0)
>>> path = objectives.optimization_path(f, adamlib.SGD, [-1.8, 0.6],
...                                     steps=20, lr=0.15)
>>> ax = plot.trajectories(f, {"SGD, lr = 0.15": path})
>>> ax.get_xlabel(), ax.get_ylabel()
('$x$', '$y$')
"""

from __future__ import annotations

import html as html_lib
import itertools
import re
from collections.abc import Mapping

import numpy as np

from ._extras import missing_course_extra

try:
    import matplotlib.pyplot as plt
    from matplotlib import animation
    from matplotlib.axes import Axes
    from matplotlib.colors import LogNorm
except ImportError as error:
    raise ImportError(missing_course_extra("matplotlib", "adamlib.plot")) from error

from .objectives import Objective

__all__ = [
    "METHOD_COLORS", "animate_trajectories", "animation_html", "contour", "loss_curves",
    "trajectories",
]  # fmt: skip

METHOD_COLORS = {
    "SGD": "C0",
    "heavy ball": "C1",
    "Nesterov": "C2",
    "Adam": "C3",
    "Adagrad": "C4",
    "RMSprop": "C5",
    "AdamW": "C6",
    "AMSGrad": "C7",
    "Adamax": "C8",
    "NAdam": "C9",
    "RAdam": "black",
}
"""One colour per method across the whole book, so a reader who has seen Adam in red in one
chapter finds it in red in the next. "heavy ball" is SGD with momentum (chapter 04)."""

GRID_POINTS = 200


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.0, 4.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _window(objective: Objective) -> tuple[tuple[float, float], tuple[float, float]]:
    if objective.dimension != 2:
        raise ValueError(f"{objective.name} has {objective.dimension} variables; plots need 2")
    if objective.bounds is None:
        raise ValueError(f"{objective.name} has no plotting window (bounds is None)")
    (xmin, xmax), (ymin, ymax) = objective.bounds
    return (float(xmin), float(xmax)), (float(ymin), float(ymax))


def contour(
    objective: Objective,
    ax: Axes | None = None,
    levels: int = 20,
    log: bool = True,
    filled: bool = True,
) -> Axes:
    """Contours of a 2-D objective over its ``bounds``, with its minimum marked by a star.

    Parameters
    ----------
    objective : Objective
        A function of two variables with ``bounds`` set.
    ax : Axes, optional
        Where to draw; a new figure if omitted.
    levels : int, default 20
        The number of contour lines.
    log : bool, default True
        Space the levels geometrically in :math:`f - f_{\\min}`, which shows the floor of a
        valley as well as its walls. Ignored (linear levels) when the objective has no known
        minimum value, as for a saddle.
    filled : bool, default True
        Fill the bands between levels in pale colours (light on the page, and four times smaller
        as a PNG than antialiased lines); False draws contour lines instead.

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    (xmin, xmax), (ymin, ymax) = _window(objective)
    xs = np.linspace(xmin, xmax, GRID_POINTS)
    ys = np.linspace(ymin, ymax, GRID_POINTS)
    X, Y = np.meshgrid(xs, ys)
    Z = objective.value(np.stack([X, Y], axis=-1))
    if log and objective.minimum_value is not None:
        gap = np.maximum(Z - objective.minimum_value, 0.0)
        top = float(gap.max())
        bottom = max(float(np.percentile(gap, 0.5)), top * 1e-6)
        # Geometric spacing from a level just above the floor to the highest point.
        Z, level_values, norm = gap, np.geomspace(bottom, top, levels), LogNorm(bottom, top)
    else:
        level_values, norm = levels, None
    if filled:
        ax.contourf(X, Y, Z, levels=level_values, norm=norm, cmap="viridis", alpha=0.45)
    else:
        ax.contour(X, Y, Z, levels=level_values, norm=norm, cmap="viridis", linewidths=0.8,
                   alpha=0.8)  # fmt: skip
    if objective.minimum is not None:
        ax.plot(*objective.minimum[:2], marker="*", markersize=14, color="gold",
                markeredgecolor="black", linestyle="none", label="minimum", zorder=5)  # fmt: skip
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel(f"${objective.symbols[0]}$")
    ax.set_ylabel(f"${objective.symbols[1]}$")
    return ax


def trajectories(
    objective: Objective,
    paths: Mapping[str, np.ndarray],
    ax: Axes | None = None,
    log: bool = True,
) -> Axes:
    """Contours of ``objective`` and one labelled line per optimization path.

    Each path (shape ``(steps + 1, 2)``, as from :func:`adamlib.objectives.optimization_path`) is
    drawn with a dot at every iterate, a circle at its start and a square at its end. The view
    stays on the objective's ``bounds``, so a diverging path runs off the edge instead of
    squashing the picture.

    Parameters
    ----------
    objective : Objective
        A function of two variables with ``bounds`` set.
    paths : mapping of str to ndarray of shape (steps + 1, 2)
        Legend label to path.
    ax : Axes, optional
        Where to draw; a new figure if omitted.
    log : bool, default True
        Passed to :func:`contour`.

    Returns
    -------
    Axes
    """
    ax = contour(objective, ax=ax, log=log)
    for index, (label, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=float)
        color = f"C{index % 10}"
        ax.plot(path[:, 0], path[:, 1], "-", marker=".", markersize=4,
                linewidth=1.4, color=color, label=label)  # fmt: skip
        ax.plot(*path[0], marker="o", markersize=7, markerfacecolor="white",
                color=color)  # fmt: skip
        ax.plot(*path[-1], marker="s", markersize=6, color=color,
                markeredgecolor="black")  # fmt: skip
    ax.legend(loc="best", fontsize="small", framealpha=0.9)
    return ax


def loss_curves(
    losses: Mapping[str, np.ndarray],
    ax: Axes | None = None,
    log: bool = True,
    ylabel: str = "loss",
) -> Axes:
    """One labelled line per loss history, against the step number (0 is the starting point).

    Parameters
    ----------
    losses : mapping of str to 1-D array
        Legend label to the loss after each step.
    ax : Axes, optional
        Where to draw; a new figure if omitted.
    log : bool, default True
        Use a logarithmic loss axis, on which linear convergence is a straight line.
    ylabel : str, default "loss"
        The label of the vertical axis (say what was subtracted, as in
        ``"$f(x_k) - f^\\star$"``).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> ax = loss_curves({"halving": 0.5 ** np.arange(10)})
    >>> ax.get_yscale(), ax.get_xlabel()
    ('log', 'step')
    """
    ax = _axes(ax)
    for label, history in losses.items():
        history = np.asarray(history, dtype=float)
        ax.plot(np.arange(len(history)), history, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return ax


def animate_trajectories(
    objective: Objective,
    paths: Mapping[str, np.ndarray],
    interval: int = 50,
    frames: int | None = None,
    figsize: tuple[float, float] = (4.2, 3.2),
    dpi: int = 55,
    alt: str | None = None,
) -> animation.FuncAnimation:
    """An animation of the optimizers moving along their paths over the contours.

    Frame k shows every path up to step k and a dot at its current point. Keep it small: each
    frame becomes one PNG in the page. Show it in a notebook with
    ``IPython.display.HTML(animation_html(anim))``.

    The animation carries its alt text (attribute ``alt``), which :func:`animation_html` puts on
    the frame image for readers who cannot see it. Write it for the figure: what it shows and
    what to take from it. Without one, a plain description is made from the paths: which methods,
    on which objective, over which steps, and where each path ends.

    Parameters
    ----------
    objective : Objective
        A function of two variables with ``bounds`` set.
    paths : mapping of str to ndarray of shape (steps + 1, 2)
        Legend label to path (as for :func:`trajectories`).
    interval : int, default 50
        Milliseconds between frames.
    frames : int, optional
        The number of frames, spread evenly over the steps (default: one per step, at most 24).
    figsize : (float, float), default (4.2, 3.2)
        Figure size in inches.
    dpi : int, default 55
        Resolution of the frames.
    alt : str, optional
        The alt text of the animation (default: a description made from the paths).

    Returns
    -------
    matplotlib.animation.FuncAnimation

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import adamlib
    >>> from adamlib import objectives
    >>> f = objectives.rosenbrock()
    >>> path = objectives.optimization_path(f, adamlib.Adam, [-1.5, 2.0],
    ...                                     steps=30, lr=0.1)
    >>> anim = animate_trajectories(f, {"Adam": path}, frames=5)
    >>> print(anim.alt)  # doctest: +NORMALIZE_WHITESPACE
    Animation in 5 frames over the contours of Rosenbrock: the path of Adam,
    drawn step by step from step 0 to step 30.
    It ends at (-1.36, 1.90), 2.53 from the minimum.
    >>> html = animation_html(anim)
    >>> html.count("data:image/png;base64")
    5
    """
    paths = {label: np.asarray(path, dtype=float) for label, path in paths.items()}
    longest = max(len(path) for path in paths.values())
    if frames is None:
        frames = min(longest, 24)
    steps_shown = np.unique(np.linspace(0, longest - 1, frames).round().astype(int))
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    contour(objective, ax=ax, levels=12)
    lines, heads = [], []
    for index, label in enumerate(paths):
        color = f"C{index % 10}"
        (line,) = ax.plot([], [], "-", linewidth=1.4, color=color, label=label)
        (head,) = ax.plot([], [], "o", markersize=6, color=color, markeredgecolor="black")
        lines.append(line)
        heads.append(head)
    ax.legend(loc="upper right", fontsize="x-small", framealpha=0.9)
    title = ax.set_title("step 0", fontsize="small")
    fig.tight_layout()

    def draw(k: int):
        for line, head, path in zip(lines, heads, paths.values()):
            shown = path[: min(k, len(path) - 1) + 1]
            line.set_data(shown[:, 0], shown[:, 1])
            head.set_data(shown[-1:, 0], shown[-1:, 1])
        title.set_text(f"step {k}")
        return [*lines, *heads, title]

    anim = animation.FuncAnimation(fig, draw, frames=steps_shown, interval=interval, blit=False)
    anim.alt = alt if alt is not None else _describe_paths(objective, paths, len(steps_shown))
    return anim


def _describe_paths(objective: Objective, paths: Mapping[str, np.ndarray], frames: int) -> str:
    """Plain alt text for an animation of ``paths``: what is drawn and where each path ends."""
    labels = list(paths)
    names = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    last_step = max(len(path) for path in paths.values()) - 1
    text = (f"Animation in {frames} frames over the contours of {objective.name}: "
            f"the path{'s' if len(labels) > 1 else ''} of {names}, drawn step by step from step 0 "
            f"to step {last_step}.")  # fmt: skip
    ends = []
    for label, path in paths.items():
        end = path[-1]
        where = f"({end[0]:.2f}, {end[1]:.2f})" if np.all(np.isfinite(end)) else "off the chart"
        if objective.minimum is not None and np.all(np.isfinite(end)):
            distance = np.linalg.norm(end - np.asarray(objective.minimum[:2], dtype=float))
            where += f", {distance:.2f} from the minimum"
        ends.append(f"{label} ends at {where}" if len(labels) > 1 else f"It ends at {where}")
    return text + " " + "; ".join(ends) + "."


_animation_count = itertools.count(1)


def animation_html(anim: animation.FuncAnimation, alt: str | None = None) -> str:
    r"""The animation as self-contained JavaScript HTML, with its figure closed (so it is not
    also shown as a still image).

    In a notebook: ``IPython.display.HTML(animation_html(anim))``. Two things make the HTML the
    same on every run, so that a stored notebook can be checked against a fresh run (nbval):
    matplotlib's random element ids are replaced by a counter (unique within the session, which
    is all a page needs), and each frame's base64 data is kept on one line.

    Three things make it usable with a screen reader or a keyboard (WCAG 2.1 AA): the frame
    image has alt text, the frame slider has an accessible name ("Animation frame"), and the
    buttons' icons are hidden from assistive technology, so each button is read by its label
    ("Play", "Next frame", ...). The slider, the buttons and the repetition mode all work from
    the keyboard (Tab, then the arrow keys, Enter or Space).

    Parameters
    ----------
    anim : matplotlib.animation.FuncAnimation
        The animation, as from :func:`animate_trajectories`.
    alt : str, optional
        The frame image's alt text: what the animation shows and what to take from it. Default:
        ``anim.alt``, which :func:`animate_trajectories` sets. One or the other is required.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If there is no alt text.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from adamlib import objectives
    >>> f = objectives.saddle()
    >>> path = np.array([[1.5, 0.1], [1.0, 0.2], [0.5, 0.4]])
    >>> anim = animate_trajectories(f, {"path": path})
    >>> html = animation_html(anim, alt="A path near a saddle.")
    >>> (html.count("data:image/png;base64"),
    ...  "\\\n" in html,
    ...  'alt="A path near a saddle."' in html)
    (3, False, True)
    """
    alt = alt if alt is not None else getattr(anim, "alt", None)
    if alt is None or not alt.strip():
        raise ValueError(
            "the animation has no alt text: pass alt='...' (what it shows and what to take from "
            "it) to animation_html or animate_trajectories"
        )
    html = anim.to_jshtml()
    plt.close(anim._fig)
    html = _make_accessible(html, alt.strip())
    random_ids = set(re.findall(r"_anim_[a-z_]*?([0-9a-f]{32})", html))
    for random_id in random_ids:
        html = html.replace(random_id, f"{next(_animation_count):032x}")
    # matplotlib breaks each frame's base64 string over lines with JavaScript line continuations
    # (a backslash before the newline); the joined string is the same JavaScript value.
    return re.sub(
        r"data:image/png;base64,[A-Za-z0-9+/=\\\n]+",
        lambda match: match.group(0).replace("\\\n", ""),
        html,
    )


# Where matplotlib's animation HTML (matplotlib/_animation_data.py) gets its accessible names.
_FRAME_IMAGE = re.compile(r'<img id="(_anim_img[0-9a-f]+)">')
_FRAME_SLIDER = re.compile(r'(<input id="_anim_slider[0-9a-f]+" type="range")')
_BUTTON_ICON = re.compile(r'<i class="(fa [^"]*)"></i>')


def _make_accessible(html: str, alt: str) -> str:
    """Add the frame image's alt text and the slider's name, and hide the icons from screen
    readers (each button already has an ``aria-label``).

    Each edit must find its place: if matplotlib changes its template, this fails loudly
    rather than letting an animation without alt text through.
    """
    escaped = html_lib.escape(alt, quote=True)
    edits = [
        (_FRAME_IMAGE, lambda match: f'<img id="{match[1]}" alt="{escaped}">', 1),
        (_FRAME_SLIDER, lambda match: f'{match[1]} aria-label="Animation frame"', 1),
        (_BUTTON_ICON, lambda match: f'<i class="{match[1]}" aria-hidden="true"></i>', None),
    ]
    for pattern, replacement, expected in edits:
        html, count = pattern.subn(replacement, html)
        if count == 0 or (expected is not None and count != expected):
            raise RuntimeError(f"matplotlib's animation HTML has changed: {pattern.pattern!r} "
                               f"matched {count} times")  # fmt: skip
    return html
