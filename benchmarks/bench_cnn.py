"""The CNN on full MNIST: validation curve, then the final fit and one test score.

1. ``--validate``: train on 50,000 training images, 10,000 held out (stratified, seed 42,
   skorch's ValidSplit), printing loss and validation accuracy per epoch: what settings
   were chosen on. The test set is not touched.
2. The final model: trained on all 60,000 training images, then the 10,000 test images
   are scored once; training and prediction times are printed. Targets: >= 99.6% test
   accuracy, training <= 10 minutes, prediction of the test set <= 10 s, on 2 cores.

    MNISTLAB_DATA=../shared/data/mnist python benchmarks/bench_cnn.py [--validate] [--epochs 8]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mnistlab import models
from mnistlab.data import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validate", action="store_true", help="run step 1 first")
    parser.add_argument("--epochs", type=int, default=None, help="default: the registry's")
    args = parser.parse_args()
    ds = load("mnist")
    extra = {"epochs": args.epochs} if args.epochs else {}
    if args.validate:
        m = models.get("cnn", n_jobs=-1).set_params(validation_fraction=1 / 6, **extra)
        start = time.perf_counter()
        m.fit(ds.X_train, ds.y_train)
        print(
            f"validation run: {time.perf_counter() - start:.0f} s, {m.n_parameters_:,} parameters"
        )
        for h in m.history_:
            print(
                f"  epoch {h['epoch']:2}: train loss {h['train_loss']:.4f}, valid loss "
                f"{h['valid_loss']:.4f}, valid accuracy {h['valid_acc']:.4f} ({h['dur']:.0f} s)"
            )
    m = models.get("cnn", n_jobs=-1).set_params(**extra)
    start = time.perf_counter()
    m.fit(ds.X_train, ds.y_train)
    train = time.perf_counter() - start
    start = time.perf_counter()
    pred = m.predict(ds.X_test)
    predict = time.perf_counter() - start
    acc = float(np.mean(pred == ds.y_test))
    print(
        f"cnn: test accuracy {acc:.4f} ({int((pred != ds.y_test).sum())} errors), "
        f"train {train:.0f} s ({train / len(m.history_):.0f} s an epoch), "
        f"predict {predict:.1f} s, {m.n_parameters_:,} parameters"
    )


if __name__ == "__main__":
    main()
