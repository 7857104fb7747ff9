#!/usr/bin/env python3
"""Exact tail probabilities of the Glasserman–Li (2005, §5) test portfolio by conditional-binomial
quadrature: an independent reference for the importance-sampling benchmark and tests.

Portfolio: m = 1000 obligors, one factor with loading a, PD_i = 0.01(1 + sin(16 pi i/m)),
exposure c_i = ceil(5i/m)^2 (integers 1..25), LGD 1. Given the factor z the loss is a sum of
independent Bernoulli(p_i(z))·c_i with p_i(z) = Phi((Phi^-1(PD_i) - a z)/sqrt(1 - a^2)); its
distribution (capped: mass above the largest threshold lumped) is built by convolution, then
integrated over z by 200-node Gauss–Legendre on [-9, 3].

Usage: glasserman_li_reference.py LOADING X [X ...]   -> lines "loading x P(L > x)"
"""
import sys

import numpy as np
from scipy.special import ndtr, ndtri


def tail_probabilities(a, xs):
    m = 1000
    i = np.arange(1, m + 1)
    pd = 0.01 * (1 + np.sin(16 * np.pi * i / m))
    c = (np.ceil(5 * i / m) ** 2).astype(int)
    threshold = ndtri(pd)
    cap = int(max(xs)) + 1

    def conditional_tail(z):
        q = ndtr((threshold - a * z) / np.sqrt(1 - a * a))
        f = np.zeros(cap + 1)
        f[0] = 1.0
        for qi, ci in zip(q, c):
            shifted = np.zeros_like(f)
            shifted[ci:] = f[:-ci]
            shifted[cap] += f[cap - ci + 1:].sum()   # beyond the cap: lumped into "≥ cap"
            f = f * (1 - qi) + qi * shifted
        return np.array([f[int(x) + 1:].sum() for x in xs])

    nodes, weights = np.polynomial.legendre.leggauss(200)
    lo, hi = -9.0, 3.0
    z = 0.5 * (hi - lo) * nodes + 0.5 * (hi + lo)
    w = 0.5 * (hi - lo) * weights
    total = np.zeros(len(xs))
    for zi, wi in zip(z, w):
        total += wi * conditional_tail(zi) * np.exp(-zi * zi / 2) / np.sqrt(2 * np.pi)
    return total


if __name__ == "__main__":
    a = float(sys.argv[1])
    xs = [float(v) for v in sys.argv[2:]]
    for x, t in zip(xs, tail_probabilities(a, xs)):
        print(a, x, repr(float(t)))
