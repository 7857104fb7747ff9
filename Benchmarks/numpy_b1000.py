#!/usr/bin/env python3
"""B1000 in vectorised NumPy: the same model and outputs as Benchmarks/Sources/B1000.

Model (Gaussian copula, 10 sector factors with pairwise correlation 0.5, loading 0.5 on the
own sector):  X = B·L·Z + sigma·eps,  default iff X < Phi^-1(PD),  loss = sum EAD·LGD·1{default}.
Per batch of paths: Z (batch x K) and eps (batch x N) from
np.random.Generator(np.random.Philox(seed)).standard_normal (ziggurat), S = Z @ (B L)^T by BLAS,
one comparison and one matrix-vector product for the losses. Tranche ELs with standard errors.

Usage: numpy_b1000.py [--paths N] [--seed S] [--batch B]   -> one JSON object on stdout.
"""
import argparse
import json
import os
import time

import numpy as np
from scipy.special import ndtri  # Phi^-1


def b1000():
    n, k = 1000, 10
    i = np.arange(n)
    sigma_f = np.full((k, k), 0.5)
    np.fill_diagonal(sigma_f, 1.0)
    loadings = np.zeros((n, k))
    loadings[i, i % 10] = 0.5
    pd = 0.005 + 0.045 * (i % 100) / 99
    ead = 1 + 9 * ((37 * i) % 100) / 99
    lgd = np.full(n, 0.45)
    return sigma_f, loadings, pd, ead, lgd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--batch", type=int, default=4096)
    args = ap.parse_args()

    sigma_f, loadings, pd, ead, lgd = b1000()
    tranches = [("junior", 0.0, 0.05), ("mezzanine", 0.05, 0.15), ("senior", 0.15, 1.0)]
    start = time.perf_counter()
    chol = np.linalg.cholesky(sigma_f)
    a = loadings @ chol                                   # N x K, cov(a Z) = B Sigma B^T
    idio = np.sqrt(1.0 - np.einsum("ik,kl,il->i", loadings, sigma_f, loadings))
    threshold = ndtri(pd)
    amount = ead * lgd
    volume = ead.sum()
    rng = np.random.Generator(np.random.Philox(args.seed))
    losses = np.empty(args.paths)
    done = 0
    while done < args.paths:
        m = min(args.batch, args.paths - done)
        z = rng.standard_normal((m, a.shape[1]))
        x = z @ a.T                                       # systematic part, m x N
        x += idio * rng.standard_normal((m, a.shape[0]))  # + sigma * eps
        losses[done:done + m] = (x < threshold) @ amount
        done += m
    frac = losses / volume
    out_tranches = []
    for name, att, det in tranches:
        t = np.clip(frac - att, 0.0, det - att) * volume
        out_tranches.append({"name": name, "el": float(t.mean()), "se": float(t.std(ddof=1) / np.sqrt(len(t)))})
    seconds = time.perf_counter() - start
    print(json.dumps({
        "implementation": "numpy",
        "numpy": np.__version__,
        "paths": args.paths,
        "exposures": len(pd),
        "seconds": seconds,
        "draws_per_second": args.paths * len(pd) / seconds,
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "portfolio_el": float(losses.mean()),
        "portfolio_el_se": float(losses.std(ddof=1) / np.sqrt(len(losses))),
        "volume": float(volume),
        "tranches": out_tranches,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
