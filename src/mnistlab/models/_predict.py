"""Predictions with probabilities: what ``predict`` prints and ``serve`` answers."""

from __future__ import annotations

import csv
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from mnistlab._errors import InputError
from mnistlab._io import atomic_path
from mnistlab.data import read_kaggle_csv, write_submission

if TYPE_CHECKING:
    from mnistlab.preprocessing import ImageBatch


def probabilities(estimator: Any, X: np.ndarray) -> np.ndarray:
    """Class probabilities, or a softmax of the decision scores for models without them.

    Parameters
    ----------
    estimator : fitted classifier
    X : ndarray of shape (n, n_features)

    Returns
    -------
    ndarray of shape (n, n_classes)
    """
    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X), dtype=float)
    from scipy.special import softmax

    return softmax(np.asarray(estimator.decision_function(X), dtype=float), axis=1)


def predict_digits(
    estimator: Any, X: np.ndarray, classes: Any = None, *, top: int = 3
) -> list[dict[str, Any]]:
    """The digit, its probability, all probabilities and the ``top`` best of each row.

    Parameters
    ----------
    estimator : fitted classifier
    X : ndarray of shape (n, n_features)
    classes : array-like, optional
        The class labels (from the model's card); default ``estimator.classes_``.
    top : int, default=3

    Returns
    -------
    list of dict
        ``{"digit", "probability", "probabilities", "top"}`` per row; ``top`` is a list of
        ``[digit, probability]`` pairs, best first.
    """
    probs = probabilities(estimator, X)
    if classes is None:
        classes = getattr(estimator, "classes_", range(probs.shape[1]))
    labels = [int(c) for c in np.asarray(classes)]
    order = np.argsort(-probs, axis=1, kind="stable")[:, :top]
    return [
        {
            "digit": labels[o[0]],
            "probability": float(p[o[0]]),
            "probabilities": [float(q) for q in p],
            "top": [[labels[k], float(p[k])] for k in o],
        }
        for p, o in zip(probs, order, strict=True)
    ]


def predict_files(
    estimator: Any, batch: ImageBatch, classes: Any = None, *, top: int = 3
) -> list[dict[str, Any]]:
    """One row per file of ``batch``, in its order: the prediction, or why it was refused.

    Parameters
    ----------
    estimator : fitted classifier
    batch : ImageBatch
        From :func:`mnistlab.preprocessing.read_images`.
    classes : array-like, optional
        The class labels (from the model's card); default ``estimator.classes_``.
    top : int, default=3

    Returns
    -------
    list of dict
        ``{"file", "digit", "probability", "top3", "error"}``; a read file has ``error``
        None, a refused one has the reason, ``digit`` and ``probability`` None and no ``top3``.
    """
    found = iter(predict_digits(estimator, batch.X, classes, top=top) if len(batch.X) else [])
    rows = []
    for file, err in zip(batch.files, batch.errors, strict=True):
        if err is None:
            r = next(found)
            rows.append(
                {
                    "file": file,
                    "digit": r["digit"],
                    "probability": r["probability"],
                    "top3": r["top"],
                    "error": None,
                }
            )
        else:
            # the file has its own field: the reason alone, without "PATH: "
            reason = str(err).removeprefix(f"{file}: ")
            rows.append(
                {"file": file, "digit": None, "probability": None, "top3": [], "error": reason}
            )
    return rows


def write_predictions_csv(path: str | os.PathLike, rows: list[dict[str, Any]]) -> None:
    """Write the rows of :func:`predict_files` as CSV, atomically.

    Columns ``file,digit,probability,top3,error``; ``top3`` is "digit:probability" pairs
    separated by spaces; a refused file has empty ``digit``, ``probability`` and ``top3``.
    """
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["file", "digit", "probability", "top3", "error"])
        for r in rows:
            ok = r["error"] is None
            out.writerow(
                [
                    r["file"],
                    r["digit"] if ok else "",
                    f"{r['probability']:.6f}" if ok else "",
                    " ".join(f"{d}:{q:.4f}" for d, q in r["top3"]),
                    r["error"] or "",
                ]
            )


def kaggle_submission(
    estimator: Any,
    test_csv: str | os.PathLike,
    submission: str | os.PathLike,
    *,
    image_shape: tuple[int, int],
    pixel_max: int,
    model: str = "the model",
) -> np.ndarray:
    """Predict a Kaggle digit-recognizer ``test.csv`` and write ``submission`` from it.

    ``image_shape`` and ``pixel_max`` are the model's (from its card); a model trained
    on other images is refused, not asked to guess. Returns the predicted digits.
    """
    X, _, shape = read_kaggle_csv(test_csv)
    if shape != tuple(image_shape):
        raise InputError(
            f"{test_csv}: rows are {shape[0]}x{shape[1]} images but the model "
            f"was trained on {image_shape[0]}x{image_shape[1]}"
        )
    if pixel_max != 255:
        raise InputError(
            f"{model}: trained on pixels 0..{pixel_max}, "
            "but Kaggle CSVs hold 0..255; train it on MNIST"
        )
    pred = estimator.predict(X)
    write_submission(submission, pred)
    return pred
