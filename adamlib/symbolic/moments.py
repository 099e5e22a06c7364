r"""Derivations of chapter 02: raw and central moments, the variance identity, the bias of the sample
variance, and the moments of a mini-batch gradient.

Expectations are taken in two ways. For a named distribution, :mod:`sympy.stats` integrates or
sums against its density (:func:`raw_moment`, :func:`central_moment`). Without a distribution,
:func:`expectation_iid` applies only linearity and independence to a polynomial in independent,
identically distributed variables, replacing each :math:`E[X^k]` by a symbol that prints as
:math:`E[X^k]` (:func:`moment_symbol`): what it derives then holds for every distribution with
those moments.

The symbols follow the book's notation page: a mean is :math:`E[X]`, or :math:`\nu` where a
distribution needs a parameter for it (:math:`\mu` is the momentum coefficient, :math:`m_t` the
moving average, :math:`b_t` the momentum buffer and :math:`B` the batch size).

>>> import sympy as sp
>>> from sympy import stats
>>> nu, sigma = sp.Symbol("nu", real=True), sp.Symbol("sigma", positive=True)
>>> raw_moment(stats.Normal("X", nu, sigma), 2)
nu**2 + sigma**2
>>> central_from_raw(2)
-E[X]**2 + E[X^{2}]

References
----------
- G. Casella and R. L. Berger, Statistical Inference, 2nd ed., section 2.3 (moments) and its
  chapter on point estimation (unbiased estimators).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp
from sympy import stats

__all__ = [
    "central_from_raw",
    "central_moment",
    "expectation_iid",
    "expected_sample_variance",
    "minibatch_gradient_moments",
    "moment_symbol",
    "raw_moment",
    "sample_variance_bias",
    "sample_variance_estimator",
    "variance_decomposition",
    "variance_identity_gap",
]


def moment_symbol(k: int) -> sp.Expr:
    r"""A symbol standing for the k-th raw moment :math:`E[X^k]` (and 1 for :math:`k = 0`).

    Its name is the LaTeX it prints as, so formulas read :math:`E[X^2] - E[X]^2`.

    >>> moment_symbol(2), moment_symbol(1), moment_symbol(0)
    (E[X^{2}], E[X], 1)
    """
    if k == 0:
        return sp.Integer(1)
    return sp.Symbol("E[X]" if k == 1 else f"E[X^{{{k}}}]", real=True)


def raw_moment(X: sp.Expr, k: int) -> sp.Expr:
    r"""The k-th raw moment :math:`E[X^k]` of a :mod:`sympy.stats` random variable, factored.

    Parameters
    ----------
    X : sympy.stats random symbol
        For example ``stats.Normal("X", nu, sigma)``.
    k : int
        The order, :math:`k \ge 0`.

    Examples
    --------
    >>> p = sp.Symbol("p", positive=True)
    >>> [raw_moment(stats.Bernoulli("B", p), k) for k in (1, 2, 3)]
    [p, p, p]
    """
    _check_order(k)
    return sp.factor(sp.expand(stats.E(X**k)))


def central_moment(X: sp.Expr, k: int) -> sp.Expr:
    r"""The k-th central moment :math:`E[(X - E[X])^k]` of a :mod:`sympy.stats` random variable.

    The result is factored, so that for instance the variance of a uniform variable on
    :math:`[x_{\min}, x_{\max}]` reads :math:`(x_{\max} - x_{\min})^2/12`.

    Examples
    --------
    >>> x_min, x_max = sp.symbols("x_min x_max", real=True)
    >>> central_moment(stats.Uniform("U", x_min, x_max), 2)
    (x_max - x_min)**2/12
    """
    _check_order(k)
    mean = stats.E(X)
    return sp.factor(sp.expand(stats.E((X - mean) ** k)))


def expectation_iid(
    expr: sp.Expr,
    variables: Sequence[sp.Symbol],
    moment: Callable[[int], sp.Expr] = moment_symbol,
) -> sp.Expr:
    r"""The expectation of a polynomial in i.i.d. variables, by linearity and independence alone.

    ``expr`` is expanded into monomials :math:`c\, x_1^{k_1} \cdots x_n^{k_n}` (the coefficient
    :math:`c` free of the variables). Linearity takes :math:`E` inside the sum and past :math:`c`;
    independence factors :math:`E[x_1^{k_1}\cdots x_n^{k_n}] = \prod_i E[x_i^{k_i}]`; identical
    distribution makes each factor the raw moment :math:`E[X^{k_i}]` of the common law:

    .. math:: E\Big[\sum c\, x_1^{k_1}\cdots x_n^{k_n}\Big] = \sum c\, E[X^{k_1}]\cdots E[X^{k_n}].

    Parameters
    ----------
    expr : sympy expression
        A polynomial in ``variables`` (other symbols are constants).
    variables : sequence of sympy symbols
        The independent, identically distributed random variables.
    moment : callable, default :func:`moment_symbol`
        ``moment(k)`` gives :math:`E[x^k]` (with ``moment(0) == 1``).

    Examples
    --------
    >>> x, y, c = sp.symbols("x y c")
    >>> expectation_iid((x + c) * y, [x, y])
    E[X]**2 + E[X]*c
    """
    polynomial = sp.Poly(sp.expand(expr), *variables)
    total = sp.Integer(0)
    for powers, coefficient in polynomial.terms():
        term = coefficient
        for k in powers:
            term *= moment(k)
        total += term
    return sp.expand(total)


def central_from_raw(k: int) -> sp.Expr:
    r"""The k-th central moment in terms of the raw moments :math:`E[X], \dots, E[X^k]`, any law.

    Expands :math:`E[(X - E[X])^k]` with :func:`expectation_iid`; for :math:`k = 2` this is the
    identity :math:`\operatorname{Var} X = E[X^2] - (E[X])^2`.

    Examples
    --------
    >>> central_from_raw(3)
    2*E[X]**3 - 3*E[X]*E[X^{2}] + E[X^{3}]
    """
    _check_order(k)
    x = sp.Symbol("x", real=True)
    return expectation_iid((x - moment_symbol(1)) ** k, [x])


def variance_decomposition(X: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    r"""The three pieces of :math:`E[X^2] = \operatorname{Var} X + (E[X])^2` for a named law.

    Each piece is computed on its own from the distribution: :math:`E[X^2]` from the density,
    :math:`\operatorname{Var} X` as :math:`E[(X - E[X])^2]`, and :math:`(E[X])^2`.

    Returns
    -------
    second_raw_moment, variance, squared_mean : sympy expressions

    Examples
    --------
    >>> p = sp.Symbol("p", positive=True)
    >>> variance_decomposition(stats.Bernoulli("B", p))
    (p, -p*(p - 1), p**2)
    """
    return raw_moment(X, 2), central_moment(X, 2), sp.simplify(stats.E(X) ** 2)


def variance_identity_gap(X: sp.Expr) -> sp.Expr:
    r""":math:`E[X^2] - (\operatorname{Var} X + (E[X])^2)`, simplified: 0 when the identity holds.

    Examples
    --------
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> variance_identity_gap(stats.Exponential("T", lam))
    0
    """
    second, variance, squared_mean = variance_decomposition(X)
    return sp.simplify(second - (variance + squared_mean))


def sample_variance_estimator(n: int, ddof: int = 0) -> tuple[sp.Expr, list[sp.Symbol]]:
    r"""The estimator :math:`\frac{1}{n - \mathrm{ddof}}\sum_{i=1}^n (x_i - \bar x)^2` for a concrete n.

    Returns
    -------
    estimator : sympy expression
    variables : list of the symbols :math:`x_1, \dots, x_n`

    Examples
    --------
    >>> estimator, xs = sample_variance_estimator(2)
    >>> sp.factor(estimator)
    (x_1 - x_2)**2/4
    """
    n = _check_sample_size(n, ddof)
    xs = list(sp.symbols(f"x_1:{n + 1}", real=True))
    mean = sp.Add(*xs) / n
    return sp.Add(*[(x - mean) ** 2 for x in xs]) / (n - ddof), xs


def expected_sample_variance(
    n: int | sp.Symbol,
    sigma2: sp.Expr | None = None,
    ddof: int | sp.Expr = 0,
    nu: sp.Expr | None = None,
) -> sp.Expr:
    r"""Derive :math:`E\Big[\frac{1}{n-\mathrm{ddof}}\sum_{i=1}^n (X_i - \bar X)^2\Big] =
    \frac{n-1}{n-\mathrm{ddof}}\,\sigma^2` for i.i.d. :math:`X_i` of mean :math:`\nu` and variance
    :math:`\sigma^2`.

    The only facts used are linearity, independence and :math:`E[X^2] = \sigma^2 + \nu^2` (the
    variance identity). With a concrete ``n`` the estimator is expanded into monomials and
    :func:`expectation_iid` takes the expectation. With a symbolic ``n``, the square is expanded as
    :math:`(X_i - \bar X)^2 = X_i^2 - \frac2n\sum_j X_i X_j + \frac1{n^2}\sum_{j,k} X_j X_k`, and
    :math:`E[X_a X_b] = \nu^2 + \sigma^2\,\delta_{ab}` is summed with a Kronecker delta.
    Either way :math:`\nu` cancels.

    Parameters
    ----------
    n : int >= 2 or positive integer sympy symbol
        Sample size.
    sigma2 : sympy expression, default the symbol sigma**2
        Variance of one observation.
    ddof : int or sympy expression, default 0
        "Delta degrees of freedom", as in :func:`numpy.var`: 0 divides by n, 1 by n - 1.
    nu : sympy expression, default the symbol nu
        Mean of one observation.

    Examples
    --------
    >>> expected_sample_variance(5)
    4*sigma**2/5
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> expected_sample_variance(n), expected_sample_variance(n, ddof=1)
    (sigma**2*(n - 1)/n, sigma**2)
    """
    sigma2 = sp.Symbol("sigma", positive=True) ** 2 if sigma2 is None else sp.sympify(sigma2)
    nu = sp.Symbol("nu", real=True) if nu is None else sp.sympify(nu)
    second = sigma2 + nu**2  # E[X^2] = Var X + (E X)^2

    if isinstance(n, (int, sp.Integer)):
        estimator, xs = sample_variance_estimator(int(n), ddof)
        moments = {0: sp.Integer(1), 1: nu, 2: second}
        return sp.factor(sp.simplify(expectation_iid(estimator, xs, moments.__getitem__)))

    i, j, k = sp.symbols("i j k", integer=True, positive=True)

    def product_moment(a: sp.Symbol, b: sp.Symbol) -> sp.Expr:
        # E[X_a X_b]: nu^2 when a != b (independence), E[X^2] = nu^2 + sigma^2 when a == b
        return nu**2 + (second - nu**2) * sp.KroneckerDelta(a, b, (1, n))

    one_term = (
        product_moment(i, i)
        - 2 / n * sp.Sum(product_moment(i, j), (j, 1, n))
        + sp.Sum(product_moment(j, k), (j, 1, n), (k, 1, n)) / n**2
    )
    total = sp.Sum(one_term, (i, 1, n)).doit()
    return sp.factor(sp.simplify(total / (n - ddof)))


def sample_variance_bias(
    n: int | sp.Symbol, sigma2: sp.Expr | None = None, ddof: int | sp.Expr = 0
) -> sp.Expr:
    r"""The bias :math:`E[\hat\sigma^2] - \sigma^2` of the sample variance with divisor n - ddof.

    For ``ddof = 0`` (divide by n) the bias is :math:`-\sigma^2/n`; for ``ddof = 1`` it is 0.

    Examples
    --------
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> sample_variance_bias(n), sample_variance_bias(n, ddof=1)
    (-sigma**2/n, 0)
    """
    sigma2 = sp.Symbol("sigma", positive=True) ** 2 if sigma2 is None else sp.sympify(sigma2)
    return sp.factor(sp.simplify(expected_sample_variance(n, sigma2, ddof) - sigma2))


def minibatch_gradient_moments(
    n: int | sp.Expr, batch_size: int | sp.Expr, mean: sp.Expr, variance: sp.Expr
) -> tuple[sp.Expr, sp.Expr]:
    r"""Mean and raw second moment of a mini-batch average drawn without replacement.

    Take :math:`n` numbers :math:`a_1, \dots, a_n` (one gradient coordinate per example) with
    mean :math:`\bar a` and variance :math:`s^2 = \frac1n\sum_i (a_i - \bar a)^2`, and a batch
    :math:`\mathcal B` of :math:`B` indices drawn uniformly without replacement. With indicators
    :math:`I_i = \mathbb{1}[i \in \mathcal B]` the batch average is
    :math:`g = \frac1B \sum_i I_i a_i`, and counting subsets gives

    .. math::

        P(i \in \mathcal B) = \binom{n-1}{B-1}\Big/\binom nB, \qquad
        P(i, j \in \mathcal B) = \binom{n-2}{B-2}\Big/\binom nB \quad (i \ne j),

    so by linearity :math:`E[g] = \frac1B P(i\in \mathcal B) S_1` and
    :math:`E[g^2] = \frac1{B^2}\big(P(i \in \mathcal B) S_2
    + P(i, j\in \mathcal B)(S_1^2 - S_2)\big)`, with :math:`S_1 = \sum a_i = n\bar a`,
    :math:`S_2 = \sum a_i^2 = n(s^2 + \bar a^2)` (the variance identity for the empirical
    distribution) and :math:`S_1^2 - S_2 = \sum_{i\ne j} a_i
    a_j`. SymPy simplifies the result to

    .. math:: E[g] = \bar a, \qquad
              E[g^2] = \bar a^2 + \frac{n - B}{B\,(n - 1)}\, s^2 ,

    the squared mean plus the variance of a mini-batch mean drawn without replacement (chapter 01,
    ``thm-minibatch-variance``). This derivation by counting batches is independent of that
    theorem's, so each checks the other.

    Parameters
    ----------
    n, batch_size : int or sympy expression
        Number of examples :math:`n \ge 2` and batch size :math:`1 \le B \le n`.
    mean, variance : sympy expression or number
        :math:`\bar a` and :math:`s^2` (variance with divisor n) of the per-example values.

    Returns
    -------
    first_moment, second_raw_moment : sympy expressions

    Examples
    --------
    >>> n, B = sp.symbols("n B", integer=True, positive=True)
    >>> abar, s2 = sp.symbols("abar s2", real=True)
    >>> minibatch_gradient_moments(n, B, abar, s2)
    (abar, abar**2 + s2*(-B + n)/(B*(n - 1)))
    """
    n, size = sp.sympify(n), sp.sympify(batch_size)
    mean, variance = sp.sympify(mean), sp.sympify(variance)
    p_one = sp.combsimp(sp.binomial(n - 1, size - 1) / sp.binomial(n, size))
    p_two = sp.combsimp(sp.binomial(n - 2, size - 2) / sp.binomial(n, size))
    S1 = n * mean
    S2 = n * (variance + mean**2)
    first = sp.simplify(p_one * S1 / size)
    second = sp.expand(p_two * (S1**2 - S2) + p_one * S2) / size**2
    noise = sp.factor(sp.simplify(second - first**2))
    return first, first**2 + noise


def _check_order(k: int) -> None:
    if not isinstance(k, (int, sp.Integer)) or k < 0:
        raise ValueError(f"Invalid order k: {k!r} (must be an integer >= 0)")


def _check_sample_size(n: int, ddof: int) -> int:
    if not isinstance(n, (int, sp.Integer)) or n < 2:
        raise ValueError(f"Invalid sample size n: {n!r} (must be an integer >= 2)")
    if ddof >= n:
        raise ValueError(f"Invalid ddof: {ddof!r} (must be smaller than n = {n})")
    return int(n)
