"""What a newcomer trips on: messages for common mistakes, and the library's code shown as code."""

from __future__ import annotations

import numpy as np
import pytest

import adamlib


def test_a_plain_list_as_the_gradient_of_one_array_is_named_as_such():
    theta = np.zeros(5)
    opt = adamlib.Adam(theta, lr=0.1)
    with pytest.raises(TypeError, match=r"gradients must be arrays.*one parameter array.*\(5,\)"):
        opt.step([0.1, 0.2, 0.3, 0.4, 0.5])
    assert opt.t == 0 and not theta.any() and not opt.m[0].any()


def test_a_list_holding_the_one_gradient_array_is_still_accepted():
    theta = np.zeros(2)
    opt = adamlib.SGD(theta, lr=0.5)
    opt.step([np.array([1.0, -1.0])])
    assert theta.tolist() == [-0.5, 0.5]


def test_lists_of_arrays_for_several_parameters_keep_their_count_message():
    opt = adamlib.SGD([np.zeros(2), np.zeros(3)], lr=0.1)
    with pytest.raises(ValueError, match="got 1 gradients for 2 parameters"):
        opt.step([np.zeros(2)])


def test_source_code_prints_and_shows_itself_as_code():
    code = adamlib.source_code(adamlib.adam_update)
    assert isinstance(code, str)
    assert code.startswith("def adam_update(")
    assert repr(code) == str(code)  # at the prompt: the code, not a quoted string
    assert '"""' not in code  # the docstring is left out by default
    assert '"""' in adamlib.source_code(adamlib.adam_update, docstring=True)


def test_source_code_pretty_printer_shows_the_code():
    from IPython.lib.pretty import pretty

    code = adamlib.source_code(adamlib.sgd_update)
    assert pretty(code) == str(code)
