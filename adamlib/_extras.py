"""The optimizers need only numpy; the course's modules need the ``course`` extra.

``pip install adamlib`` installs numpy alone, which is all that the optimizers, ``adamlib.nn``,
``adamlib.ema`` and ``adamlib.data``'s synthetic data use. The modules that derive (``symbolic``,
with SymPy), draw (``plot``, with matplotlib), define test functions (``objectives``, with SymPy)
or load the digits (scikit-learn) need ``pip install "adamlib[course]"``, which the course's
``requirements.txt`` installs. Importing one of them without its dependency raises an ImportError
that says so, instead of a bare "No module named 'sympy'".
"""

from __future__ import annotations


def missing_course_extra(module: str, feature: str) -> str:
    """The message of the ImportError raised when ``feature`` cannot import ``module``.

    Examples
    --------
    >>> print(missing_course_extra("sympy", "adamlib.symbolic"))
    adamlib.symbolic needs sympy, which adamlib installs only with its course extra:
    pip install "adamlib[course]" (the course's requirements.txt does this)
    """
    return (
        f"{feature} needs {module}, which adamlib installs only with its course extra: "
        'pip install "adamlib[course]" (the course\'s requirements.txt does this)'
    )
