"""Tests of adamlib.plot: what each figure contains, and that nothing is shown or left open."""

import gc

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import sympy as sp  # noqa: E402

import adamlib  # noqa: E402
from adamlib import objectives, plot  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def paths_on(f, x0, sgd_lr=0.1):
    return {
        "SGD": objectives.optimization_path(f, adamlib.SGD, x0, steps=20, lr=sgd_lr),
        "Adam": objectives.optimization_path(f, adamlib.Adam, x0, steps=30, lr=0.1),
    }


@pytest.mark.parametrize("make", [objectives.quadratic, objectives.rosenbrock, objectives.beale,
                                  objectives.saddle, objectives.noisy_least_squares])  # fmt: skip
def test_contour_draws_levels_over_the_window_and_marks_the_minimum(make):
    f = make()
    ax = plot.contour(f)
    assert ax.collections, "no contour drawn"
    assert ax.get_xlim() == pytest.approx(f.bounds[0])
    assert ax.get_ylim() == pytest.approx(f.bounds[1])
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    if f.minimum is None:
        assert not stars
    else:
        assert len(stars) == 1
        np.testing.assert_allclose(np.ravel(stars[0].get_xydata()), f.minimum)
    assert ax.get_xlabel() == f"${f.symbols[0]}$"


def test_log_contours_are_geometric_and_linear_ones_are_not():
    f = objectives.rosenbrock()
    log_levels = plot.contour(f, levels=12).collections[0].levels
    ratios = log_levels[1:] / log_levels[:-1]
    np.testing.assert_allclose(ratios, ratios[0])
    linear_levels = plot.contour(f, levels=12, log=False).collections[0].levels
    assert np.ptp(np.diff(linear_levels)) < 1e-9 * np.ptp(linear_levels)


def test_filled_contours_by_default_and_lines_on_request():
    assert plot.contour(objectives.beale()).collections[0].filled
    assert not plot.contour(objectives.beale(), filled=False).collections[0].filled


def test_contour_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="plots need 2"):
        plot.contour(objectives.noisy_least_squares(n_features=3))
    x, y = sp.symbols("x y")
    with pytest.raises(ValueError, match="bounds"):
        plot.contour(objectives.Objective("no window", (x, y), x**2 + y**2))


def test_trajectories_draw_one_labelled_line_per_path_with_start_and_end():
    f = objectives.quadratic(10.0)
    paths = paths_on(f, [-1.8, 0.6])
    fig, ax = plt.subplots()
    assert plot.trajectories(f, paths, ax=ax) is ax
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["minimum", "SGD", "Adam"]
    for name, path in paths.items():
        (line,) = [line for line in ax.get_lines() if line.get_label() == name]
        np.testing.assert_array_equal(line.get_xydata(), path)
        starts = [l for l in ax.get_lines() if l.get_marker() == "o"
                  and np.allclose(l.get_xydata(), path[:1])]  # fmt: skip
        ends = [l for l in ax.get_lines() if l.get_marker() == "s"
                and np.allclose(l.get_xydata(), path[-1:])]  # fmt: skip
        assert starts and ends
    assert ax.get_xlabel() == "$x$" and ax.get_ylabel() == "$y$"


def test_a_diverging_path_does_not_change_the_view():
    f = objectives.quadratic(10.0)
    diverging = objectives.optimization_path(f, adamlib.SGD, [1.0, 1.0], steps=30, lr=0.25)
    assert np.abs(diverging[-1]).max() > 1e5
    ax = plot.trajectories(f, {"too large a step": diverging})
    assert ax.get_xlim() == pytest.approx(f.bounds[0])
    assert ax.get_ylim() == pytest.approx(f.bounds[1])


def test_loss_curves():
    losses = {"a": 0.5 ** np.arange(10), "b": 0.9 ** np.arange(20)}
    ax = plot.loss_curves(losses, ylabel="f - f*")
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "f - f*" and ax.get_xlabel() == "step"
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["b"].get_xdata(), np.arange(20))
    np.testing.assert_array_equal(lines["a"].get_ydata(), losses["a"])
    assert plot.loss_curves(losses, log=False).get_yscale() == "linear"


def test_animation_frames_and_html():
    f = objectives.rosenbrock()
    paths = paths_on(f, [-1.5, 2.0], sgd_lr=1e-3)
    anim = plot.animate_trajectories(f, paths, frames=6)
    assert list(anim.new_frame_seq()) == [0, 6, 12, 18, 24, 30]
    fig = anim._fig
    html = plot.animation_html(anim)
    assert html.count("data:image/png;base64") == 6
    assert not plt.fignum_exists(fig.number), "animation_html must close the figure"


@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")  # drawn by hand here
def test_animation_draws_each_path_up_to_the_frame():
    f = objectives.quadratic(10.0)
    paths = paths_on(f, [-1.8, 0.6])
    anim = plot.animate_trajectories(f, paths)
    assert len(list(anim.new_frame_seq())) == 24
    artists = anim._func(10)
    lines = [a for a in artists if getattr(a, "get_label", lambda: "")() in paths]
    for line in lines:
        np.testing.assert_array_equal(line.get_xydata(), paths[line.get_label()][:11])
    artists = anim._func(25)  # past the end of the shorter SGD path: it stays at its end
    (sgd,) = [a for a in artists if getattr(a, "get_label", lambda: "")() == "SGD"]
    assert len(sgd.get_xydata()) == 21
    plt.close(anim._fig)
    del anim, artists, sgd, lines
    gc.collect()  # so that the warning about the unrendered animation is raised (and ignored) here


def test_no_figure_is_left_open_by_animation_html_and_none_shown(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plot called plt.show"))
    f = objectives.saddle()
    plot.trajectories(f, paths_on(f, [-1.5, 0.01]))
    plot.loss_curves({"x": np.ones(3)})
    plot.animation_html(plot.animate_trajectories(f, paths_on(f, [-1.5, 0.01]), frames=2))


def test_animation_html_is_the_same_on_every_run_except_for_a_counter():
    f = objectives.saddle()
    path = np.array([[1.5, 0.1], [1.0, 0.2], [0.5, 0.4]])
    first = plot.animation_html(plot.animate_trajectories(f, {"path": path}))
    second = plot.animation_html(plot.animate_trajectories(f, {"path": path}))
    import re

    ids = [set(re.findall(r"_anim_img([0-9a-f]{32})", html)) for html in (first, second)]
    assert len(ids[0]) == len(ids[1]) == 1 and ids[0] != ids[1]  # unique per animation
    (a,), (b,) = ids
    assert first.replace(a, "ID") == second.replace(b, "ID")
    assert int(b, 16) == int(a, 16) + 1
    assert "\\\n" not in first  # each frame's base64 on one line, so a sanitizer can match it


def test_animation_html_gives_the_frame_image_alt_text_and_the_controls_names():
    f = objectives.saddle()
    path = np.array([[1.5, 0.1], [1.0, 0.2], [0.5, 0.4]])
    alt = 'The path "slides" off the saddle along x < 0 & y grows.'
    html = plot.animation_html(plot.animate_trajectories(f, {"path": path}), alt=alt)
    import html as html_lib
    import re

    (img,) = re.findall(r"<img [^>]*>", html)
    assert re.search(r'\balt="([^"]*)"', img)[1] == html_lib.escape(alt, quote=True)
    (slider,) = re.findall(r'<input [^>]*type="range"[^>]*>', html, flags=re.S)
    assert 'aria-label="Animation frame"' in slider
    buttons = re.findall(r"<button [^>]*>\s*<i [^>]*></i></button>", html)
    assert len(buttons) == 9
    for button in buttons:
        assert re.search(r'aria-label="[A-Z][a-z ]+"', button), button
        assert 'aria-hidden="true"' in button, "the icon must not be read out"
    assert "<i " not in re.sub(r'<i class="fa [^"]*" aria-hidden="true"></i>', "", html)


def test_animation_alt_text_comes_from_the_chapter_or_describes_the_paths():
    f = objectives.quadratic(10.0)
    paths = paths_on(f, [-1.8, 0.6])
    anim = plot.animate_trajectories(f, paths, frames=4)
    assert anim.alt.startswith(f"Animation in 4 frames over the contours of {f.name}: ")
    assert "the paths of SGD and Adam, drawn step by step from step 0 to step 30." in anim.alt
    for name, path in paths.items():
        distance = np.linalg.norm(path[-1] - f.minimum)
        x, y = path[-1]
        assert f"{name} ends at ({x:.2f}, {y:.2f}), {distance:.2f} from the minimum" in anim.alt
    assert 'alt="Chapter text."' in plot.animation_html(anim, alt="Chapter text.")
    written = plot.animate_trajectories(f, paths, frames=2, alt="Written for this figure.")
    assert written.alt == "Written for this figure."
    assert 'alt="Written for this figure."' in plot.animation_html(written)


@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")
def test_animation_html_refuses_an_animation_without_alt_text():
    from matplotlib import animation

    fig, ax = plt.subplots()
    bare = animation.FuncAnimation(fig, lambda k: [], frames=[0, 1])
    with pytest.raises(ValueError, match="no alt text"):
        plot.animation_html(bare)
    f = objectives.saddle()
    anim = plot.animate_trajectories(f, {"path": np.array([[1.5, 0.1], [1.0, 0.2]])})
    with pytest.raises(ValueError, match="no alt text"):
        plot.animation_html(anim, alt="   ")
    plt.close("all")
    del bare, anim
    gc.collect()  # so that the warning about the unrendered animations is raised (and ignored) here


def test_accessibility_edits_fail_loudly_if_matplotlib_changes_its_template():
    with pytest.raises(RuntimeError, match="animation HTML has changed"):
        plot._make_accessible('<div class="animation"><img src="x.png"></div>', "alt text")


def test_the_nbval_sanitizer_still_masks_the_animation_ids():
    """Stored and fresh outputs are compared after tests/nbval_sanitize.cfg: matplotlib's random
    ids (which animation_html replaces by a counter) must still be masked there."""
    import configparser
    import re
    from pathlib import Path

    config = configparser.ConfigParser()
    config.read(Path(__file__).with_name("nbval_sanitize.cfg"))
    rules = [(config[s]["regex"], config[s]["replace"]) for s in config.sections()]

    def sanitize(text):
        for regex, replace in rules:
            text = re.sub(regex, replace, text)
        return text

    f = objectives.saddle()
    path = np.array([[1.5, 0.1], [1.0, 0.2], [0.5, 0.4]])
    raw = [plot.animate_trajectories(f, {"path": path}, alt="A.") for _ in range(2)]
    raw = [anim.to_jshtml() for anim in raw]  # matplotlib's own random ids
    plt.close("all")
    assert len({re.search(r"_anim_img([0-9a-f]{32})", html)[1] for html in raw}) == 2
    clean = [sanitize(html) for html in raw]
    assert not re.search(r"_anim_(img|slider|loop_select)[0-9a-f]{32}", clean[0])
    assert not re.search(r"\banim[0-9a-f]{32}", clean[0])
    assert "data:image/png;base64,FRAME" in clean[0]
