#!/usr/bin/env python3
"""B1000 in parallel Numba: the same model and outputs as Benchmarks/Sources/B1000, written to be
fast in good faith (the stronger peer of numpy_b1000.py).

Model (Gaussian copula, 10 sector factors with pairwise correlation 0.5, loading 0.5 on the own
sector): X = B·L·Z + sigma·eps, default iff X < Phi^-1(PD), loss = sum EAD·LGD·1{default}.

Conditional independence, per path (paths in parallel with numba.prange):
  10 correlated sector factors S = L·Z (Z iid N(0,1));
  the conditional PD p = Phi((c - 0.5·S_sector)/sigma) once per (sector, PD class) — B1000 has
  10 sectors × 10 PD levels = 100 classes — and one uniform per obligor, default iff u < p.
Random numbers: NumPy's generator inside Numba (one independent state per thread); results are
statistically, not bitwise, reproducible. JIT compilation is done on a tiny run first and is
not timed.

Usage: numba_b1000.py [--paths N] [--seed S] [--threads T]   -> one JSON object on stdout.
"""
import argparse
import json
import math
import os
import time

import numba
import numpy as np
from numba import njit, prange
from scipy.special import ndtri  # Phi^-1


def b1000():
    n, k = 1000, 10
    i = np.arange(n)
    sigma_f = np.full((k, k), 0.5)
    np.fill_diagonal(sigma_f, 1.0)
    sector = i % 10
    pd = 0.005 + 0.045 * (i % 100) / 99
    ead = 1 + 9 * ((37 * i) % 100) / 99
    lgd = np.full(n, 0.45)
    return sigma_f, sector, pd, ead, lgd


@njit(cache=True)
def seed_all(seed):
    np.random.seed(seed)


@njit(parallel=True, fastmath=False, cache=True)
def simulate(paths, chol, loading, sigma, class_sector, class_threshold, obligor_class, amount, seed):
    k = chol.shape[0]
    n_class = class_threshold.shape[0]
    n = obligor_class.shape[0]
    losses = np.empty(paths)
    inv_sigma = 1.0 / sigma
    # Paths in contiguous chunks, one per parallel iteration: scratch arrays allocated once per chunk.
    chunks = 64
    for chunk in prange(chunks):
        start = chunk * paths // chunks
        end = (chunk + 1) * paths // chunks
        z = np.empty(k)
        s = np.empty(k)
        cond = np.empty(n_class)
        for p in range(start, end):
            for j in range(k):
                z[j] = np.random.standard_normal()
            for j in range(k):               # correlated sector factors S = L·Z (L lower triangular)
                acc = 0.0
                for l in range(j + 1):
                    acc += chol[j, l] * z[l]
                s[j] = acc
            for c in range(n_class):         # conditional PD once per (sector, PD) class and path
                t = (class_threshold[c] - loading * s[class_sector[c]]) * inv_sigma
                cond[c] = 0.5 * math.erfc(-t * 0.7071067811865476)
            total = 0.0
            for i in range(n):               # one uniform per obligor
                if np.random.random() < cond[obligor_class[i]]:
                    total += amount[i]
            losses[p] = total
    return losses


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)

    sigma_f, sector, pd, ead, lgd = b1000()
    tranches = [("junior", 0.0, 0.05), ("mezzanine", 0.05, 0.15), ("senior", 0.15, 1.0)]
    loading = 0.5
    chol = np.linalg.cholesky(sigma_f)
    sigma = math.sqrt(1.0 - loading * loading)
    # PD classes: distinct (sector, PD) pairs.
    keys = sorted(set(zip(sector.tolist(), pd.tolist())))
    index = {key: j for j, key in enumerate(keys)}
    class_sector = np.array([key[0] for key in keys], dtype=np.int64)
    class_threshold = ndtri(np.array([key[1] for key in keys]))
    obligor_class = np.array([index[(s, q)] for s, q in zip(sector.tolist(), pd.tolist())], dtype=np.int64)
    amount = ead * lgd
    volume = ead.sum()

    compile_start = time.perf_counter()
    seed_all(args.seed)
    simulate(16, chol, loading, sigma, class_sector, class_threshold, obligor_class, amount, args.seed)
    compile_seconds = time.perf_counter() - compile_start

    start = time.perf_counter()
    seed_all(args.seed)
    losses = simulate(args.paths, chol, loading, sigma, class_sector, class_threshold, obligor_class, amount, args.seed)
    frac = losses / volume
    out_tranches = []
    for name, att, det in tranches:
        t = np.clip(frac - att, 0.0, det - att) * volume
        out_tranches.append({"name": name, "el": float(t.mean()), "se": float(t.std(ddof=1) / np.sqrt(len(t)))})
    seconds = time.perf_counter() - start
    print(json.dumps({
        "implementation": "numba",
        "numba": numba.__version__,
        "threads": numba.get_num_threads(),
        "paths": args.paths,
        "exposures": len(pd),
        "pd_classes": len(keys),
        "seconds": seconds,
        "compile_seconds": compile_seconds,
        "draws_per_second": args.paths * len(pd) / seconds,
        "portfolio_el": float(losses.mean()),
        "portfolio_el_se": float(losses.std(ddof=1) / np.sqrt(len(losses))),
        "volume": float(volume),
        "tranches": out_tranches,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
