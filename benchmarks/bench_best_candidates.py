"""Validation accuracy of candidates for the zoo's ``best`` entry (full MNIST, no test set).

10,000 images are held out of the 60,000 training images (seed 0) and every candidate
is trained on the other 50,000; the test set is not touched. About 25 minutes on 2 cores.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_best_candidates.py [--only NAME]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from mnistlab import models
from mnistlab.data import load
from mnistlab.preprocessing import HOG, Deskew, augment


def _pca(D, tr, n=50):
    p = PCA(n, svd_solver="covariance_eigh").fit(D[tr])
    return p.transform(D)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run one candidate")
    args = parser.parse_args()
    ds = load("mnist")
    idx = np.random.default_rng(0).permutation(ds.n_train)
    va, tr = idx[:10_000], idx[10_000:]
    y = ds.y_train
    D = Deskew().fit_transform(ds.X_train) / 255.0
    cache: dict = {}

    def hog():
        if "hog" not in cache:
            cache["hog"] = HOG(n_jobs=2).fit(D).transform(D)
        return cache["hog"]

    def fast_augmented():
        Xa, ya = augment(ds.X_train[tr], y[tr])
        dk = Deskew()
        Da = dk.fit_transform(Xa)
        p = PCA(60, svd_solver="covariance_eigh").fit(Da)
        knn = KNeighborsClassifier(3, weights="distance", n_jobs=-1).fit(p.transform(Da), ya)
        return knn.score(p.transform(dk.transform(ds.X_train[va])), y[va])

    def svc_on(F, **kw):
        return SVC(**kw).fit(F[tr], y[tr]).score(F[va], y[va])

    def svc_pca_hog():
        P = _pca(D, tr)
        H = hog()
        F = np.hstack([P / P[tr].std(), H / H[tr].std()])  # one scale per block
        return svc_on(F, C=5)

    def registry(name):
        def run():
            est = models.get(name, n_jobs=-1).fit(ds.X_train[tr], y[tr])
            return est.score(ds.X_train[va], y[va])

        return run

    def svc_pca_pca_hog():
        P = _pca(D, tr)
        H = _pca(hog(), tr, 128)
        F = np.hstack([P / P[tr].std(), H / H[tr].std()])
        return svc_on(F, C=5)

    candidates: dict[str, Callable[[], float]] = {
        "fast, shift-augmented": fast_augmented,
        "deskew + PCA(50) + SVC(C=5)": lambda: svc_on(_pca(D, tr), C=5),
        "deskew + SVC(C=5, gamma=0.03)": lambda: svc_on(D, C=5, gamma=0.03),
        "deskew + HOG + SVC(C=5)": lambda: svc_on(hog(), C=5),
        "deskew + [PCA(50), HOG] + SVC(C=5)": svc_pca_hog,
        "deskew + [PCA(50), PCA(128) of HOG] + SVC(C=5)": svc_pca_pca_hog,
        "best (the registry's: the above + virtual SVs)": registry("best"),
    }
    for name, run in candidates.items():
        if args.only and args.only != name:
            continue
        start = time.perf_counter()
        acc = run()
        print(f"{name:40} validation {acc:.4f}  ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
