r"""Derivations of chapter 02: raw and central moments, the variance identity, the bias of the sample
variance, and the moments of a mini-batch gradient.

Expectations are taken in two ways. For a named distribution, :mod:`sympy.stats` integrates or
sums against its density (:func:`raw_moment`, :func:`central_moment`). Without a distribution,
:func:`expectation_iid` applies only linearity and independence to a polynomial in independent,
identically distributed variables, replacing each :math:`E[X^k]` by a symbol :math:`m_k`: what it
derives then holds for every distribution with those moments.

>>> import sympy as sp
>>> from sympy import stats
>>> mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
>>> raw_moment(stats.Normal("X", mu, sigma), 2)
mu**2 + sigma**2
>>> central_from_raw(2)
-m_1**2 + m_2

References
----------
- G. Casella and R. L. Berger, Statistical Inference, 2nd ed., sections 2.3 (moments) and 7.3
  (unbiased estimators).
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
    r"""The symbol :math:`m_k` for the k-th raw moment :math:`E[X^k]` (and :math:`m_0 = 1`).

    >>> moment_symbol(2), moment_symbol(0)
    (m_2, 1)
    """
    return sp.Integer(1) if k == 0 else sp.Symbol(f"m_{k}", real=True)


def raw_moment(X: sp.Expr, n: int) -> sp.Expr:
    r"""The n-th raw moment :math:`E[X^n]` of a :mod:`sympy.stats` random variable, factored.

    Parameters
    ----------
    X : sympy.stats random symbol
        For example ``stats.Normal("X", mu, sigma)``.
    n : int
        The order, :math:`n \ge 0`.

    Examples
    --------
    >>> p = sp.Symbol("p", positive=True)
    >>> [raw_moment(stats.Bernoulli("B", p), n) for n in (1, 2, 3)]
    [p, p, p]
    """
    _check_order(n)
    return sp.factor(sp.expand(stats.E(X**n)))


def central_moment(X: sp.Expr, n: int) -> sp.Expr:
    r"""The n-th central moment :math:`E[(X - E[X])^n]` of a :mod:`sympy.stats` random variable.

    The result is factored, so that for instance the variance of a uniform variable on
    :math:`[a, b]` reads :math:`(a - b)^2/12`.

    Examples
    --------
    >>> a, b = sp.symbols("a b", real=True)
    >>> central_moment(stats.Uniform("U", a, b), 2)
    (a - b)**2/12
    """
    _check_order(n)
    mean = stats.E(X)
    return sp.factor(sp.expand(stats.E((X - mean) ** n)))


def expectation_iid(
    expr: sp.Expr,
    variables: Sequence[sp.Symbol],
    moment: Callable[[int], sp.Expr] = moment_symbol,
) -> sp.Expr:
    r"""The expectation of a polynomial in i.i.d. variables, by linearity and independence alone.

    ``expr`` is expanded into monomials :math:`c\, x_1^{k_1} \cdots x_n^{k_n}` (the coefficient
    :math:`c` free of the variables). Linearity takes :math:`E` inside the sum and past :math:`c`;
    independence factors :math:`E[x_1^{k_1}\cdots x_n^{k_n}] = \prod_i E[x_i^{k_i}]`; identical
    distribution makes each factor :math:`m_{k_i}`:

    .. math:: E\Big[\sum c\, x_1^{k_1}\cdots x_n^{k_n}\Big] = \sum c\, m_{k_1}\cdots m_{k_n}.

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
    c*m_1 + m_1**2
    """
    polynomial = sp.Poly(sp.expand(expr), *variables)
    total = sp.Integer(0)
    for powers, coefficient in polynomial.terms():
        term = coefficient
        for k in powers:
            term *= moment(k)
        total += term
    return sp.expand(total)


def central_from_raw(n: int) -> sp.Expr:
    r"""The n-th central moment in terms of the raw moments :math:`m_1, \dots, m_n`, for any law.

    Expands :math:`E[(X - m_1)^n]` with :func:`expectation_iid`; for :math:`n = 2` this is the
    identity :math:`\operatorname{Var} X = E[X^2] - (E[X])^2`.

    Examples
    --------
    >>> central_from_raw(3)
    2*m_1**3 - 3*m_1*m_2 + m_3
    """
    _check_order(n)
    x = sp.Symbol("x", real=True)
    return expectation_iid((x - moment_symbol(1)) ** n, [x])


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
    mu: sp.Expr | None = None,
) -> sp.Expr:
    r"""Derive :math:`E\Big[\frac{1}{n-\mathrm{ddof}}\sum_{i=1}^n (X_i - \bar X)^2\Big] =
    \frac{n-1}{n-\mathrm{ddof}}\,\sigma^2` for i.i.d. :math:`X_i` of mean :math:`\mu` and variance
    :math:`\sigma^2`.

    The only facts used are linearity, independence and :math:`E[X^2] = \sigma^2 + \mu^2` (the
    variance identity). With a concrete ``n`` the estimator is expanded into monomials and
    :func:`expectation_iid` takes the expectation. With a symbolic ``n``, the square is expanded as
    :math:`(X_i - \bar X)^2 = X_i^2 - \frac2n\sum_j X_i X_j + \frac1{n^2}\sum_{j,k} X_j X_k`, and
    :math:`E[X_a X_b] = \mu^2 + \sigma^2\,\delta_{ab}` is summed with a Kronecker delta.
    Either way :math:`\mu` cancels.

    Parameters
    ----------
    n : int >= 2 or positive integer sympy symbol
        Sample size.
    sigma2 : sympy expression, default the symbol sigma**2
        Variance of one observation.
    ddof : int or sympy expression, default 0
        "Delta degrees of freedom", as in :func:`numpy.var`: 0 divides by n, 1 by n - 1.
    mu : sympy expression, default the symbol mu
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
    mu = sp.Symbol("mu", real=True) if mu is None else sp.sympify(mu)
    second = sigma2 + mu**2  # E[X^2] = Var X + (E X)^2

    if isinstance(n, (int, sp.Integer)):
        estimator, xs = sample_variance_estimator(int(n), ddof)
        moments = {0: sp.Integer(1), 1: mu, 2: second}
        return sp.factor(sp.simplify(expectation_iid(estimator, xs, moments.__getitem__)))

    i, j, k = sp.symbols("i j k", integer=True, positive=True)

    def product_moment(a: sp.Symbol, b: sp.Symbol) -> sp.Expr:
        # E[X_a X_b]: mu^2 when a != b (independence), E[X^2] = mu^2 + sigma^2 when a == b
        return mu**2 + (second - mu**2) * sp.KroneckerDelta(a, b, (1, n))

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
    n: int | sp.Expr, b: int | sp.Expr, mean: sp.Expr, variance: sp.Expr
) -> tuple[sp.Expr, sp.Expr]:
    r"""Mean and raw second moment of a mini-batch average drawn without replacement.

    Take :math:`n` numbers :math:`a_1, \dots, a_n` (one gradient coordinate per example) with
    mean :math:`\bar a` and variance :math:`s^2 = \frac1n\sum_i (a_i - \bar a)^2`, and a batch
    :math:`B` of size :math:`b` drawn uniformly without replacement. With indicators
    :math:`I_i = [i \in B]` the batch gradient is :math:`g_B = \frac1b \sum_i I_i a_i`, and

    .. math::

        P(i \in B) = \binom{n-1}{b-1}\Big/\binom nb, \qquad
        P(i, j \in B) = \binom{n-2}{b-2}\Big/\binom nb \quad (i \ne j),

    so by linearity :math:`E[g_B] = \frac1b P(i\in B) S_1` and
    :math:`E[g_B^2] = \frac1{b^2}\big(P(i \in B) S_2 + P(i, j\in B)(S_1^2 - S_2)\big)` with
    :math:`S_1 = \sum a_i = n\bar a`, :math:`S_2 = \sum a_i^2 = n(s^2 + \bar a^2)` (the variance
    identity for the empirical distribution) and :math:`S_1^2 - S_2 = \sum_{i\ne j} a_i a_j`.
    SymPy simplifies the result to

    .. math:: E[g_B] = \bar a, \qquad
              E[g_B^2] = \bar a^2 + \frac{n - b}{b\,(n - 1)}\, s^2 .

    Parameters
    ----------
    n, b : int or sympy expression
        Number of examples and batch size (:math:`1 \le b \le n`, :math:`n \ge 2`).
    mean, variance : sympy expression or number
        :math:`\bar a` and :math:`s^2` (variance with divisor n) of the per-example values.

    Returns
    -------
    first_moment, second_raw_moment : sympy expressions

    Examples
    --------
    >>> n, b = sp.symbols("n b", integer=True, positive=True)
    >>> abar, s2 = sp.symbols("abar s2", real=True)
    >>> minibatch_gradient_moments(n, b, abar, s2)
    (abar, abar**2 - s2*(b - n)/(b*(n - 1)))
    """
    n, b = sp.sympify(n), sp.sympify(b)
    mean, variance = sp.sympify(mean), sp.sympify(variance)
    p_one = sp.combsimp(sp.binomial(n - 1, b - 1) / sp.binomial(n, b))
    p_two = sp.combsimp(sp.binomial(n - 2, b - 2) / sp.binomial(n, b))
    S1 = n * mean
    S2 = n * (variance + mean**2)
    first = sp.simplify(p_one * S1 / b)
    second = sp.expand(p_two * (S1**2 - S2) + p_one * S2) / b**2
    noise = sp.factor(sp.simplify(second - first**2))
    return first, first**2 + noise


def _check_order(n: int) -> None:
    if not isinstance(n, (int, sp.Integer)) or n < 0:
        raise ValueError(f"Invalid order n: {n!r} (must be an integer >= 0)")


def _check_sample_size(n: int, ddof: int) -> int:
    if not isinstance(n, (int, sp.Integer)) or n < 2:
        raise ValueError(f"Invalid sample size n: {n!r} (must be an integer >= 2)")
    if ddof >= n:
        raise ValueError(f"Invalid ddof: {ddof!r} (must be smaller than n = {n})")
    return int(n)
