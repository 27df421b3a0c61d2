"""scikit-learn's SVC, with its RBF kernel evaluated by BLAS when it predicts."""

from __future__ import annotations

import numpy as np
from sklearn.svm import SVC

#: Bytes of the kernel block between a chunk of queries and the support vectors.
_BLOCK_BYTES = 64 << 20


class BlasSVC(SVC):
    """:class:`~sklearn.svm.SVC` whose RBF decision values come from matrix products.

    It fits exactly as ``SVC`` (libsvm) and has the same parameters and attributes. To
    score dense data with ``kernel="rbf"`` it computes the kernel between a block of rows
    and all support vectors with one matrix product (BLAS, on every core), then every
    pair of classes' decision value with a second one, instead of libsvm's loop of dot
    products on one core: about ten times faster with thousands of support vectors (the
    virtual-support-vector models of ``best``), with the same decision values to
    rounding, and the same votes and predictions. Other kernels, sparse input and
    probabilities go through libsvm, as in ``SVC``.

    Parameters
    ----------
    C, kernel, degree, gamma, coef0, shrinking, probability, tol, cache_size, \
class_weight, verbose, max_iter, decision_function_shape, break_ties, random_state
        As :class:`~sklearn.svm.SVC`.

    Attributes
    ----------
    support_vectors_, dual_coef_, intercept_, n_support_, classes_, n_features_in_
        As :class:`~sklearn.svm.SVC`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.svm import SVC
    >>> from mnistlab.models import BlasSVC
    >>> X, y = load_digits(return_X_y=True)
    >>> ours = BlasSVC(C=2).fit(X[:1000], y[:1000])
    >>> theirs = SVC(C=2).fit(X[:1000], y[:1000])
    >>> bool(np.allclose(ours.decision_function(X[1000:]), theirs.decision_function(X[1000:])))
    True
    >>> bool((ours.predict(X[1000:]) == theirs.predict(X[1000:])).all())
    True
    """

    def _blas(self) -> bool:
        return self.kernel == "rbf" and not self._sparse and self._impl in ("c_svc", "nu_svc")

    def _ovo_decision(self, X: np.ndarray) -> np.ndarray:
        """libsvm's decision value of every pair of classes ``(i, j)``, ``i < j``, in its
        order: ``sum over both classes' support vectors of coef * K(x, sv) + intercept``."""
        sv = self.support_vectors_
        # libsvm's own counts and coefficients (sklearn flips the public ones for 2 classes)
        counts = np.asarray(self._n_support, dtype=np.intp)
        coef = self._dual_coef_
        bounds = np.concatenate([[0], np.cumsum(counts)])
        k = len(counts)
        pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
        # one column per pair: class i's support vectors weigh by their coefficient against
        # j (row j - 1), class j's by theirs against i (row i)
        weights = np.zeros((len(sv), len(pairs)))
        for p, (i, j) in enumerate(pairs):
            weights[bounds[i] : bounds[i + 1], p] = coef[j - 1, bounds[i] : bounds[i + 1]]
            weights[bounds[j] : bounds[j + 1], p] = coef[i, bounds[j] : bounds[j + 1]]
        # distances do not change when both sides move: centred on the support vectors'
        # mean, |x|^2 + |v|^2 - 2 x.v loses no digits to data far from the origin
        centre = sv.mean(axis=0) if len(sv) else np.zeros(sv.shape[1])
        sv = sv - centre
        sv_sq = np.einsum("ij,ij->i", sv, sv)
        out = np.empty((len(X), len(pairs)))
        step = max(1, _BLOCK_BYTES // (8 * max(1, len(sv))))
        for s in range(0, len(X), step):
            x = X[s : s + step] - centre
            # |x - v|^2 = |x|^2 + |v|^2 - 2 x.v, clipped at 0 against rounding
            kernel = x @ sv.T
            kernel *= -2.0
            kernel += sv_sq
            kernel += np.einsum("ij,ij->i", x, x)[:, None]
            np.maximum(kernel, 0.0, out=kernel)
            kernel *= -self._gamma
            np.exp(kernel, out=kernel)
            out[s : s + step] = kernel @ weights
        out += self._intercept_
        return out

    def _dense_decision_function(self, X):
        if not self._blas():
            return super()._dense_decision_function(X)
        return self._ovo_decision(np.ascontiguousarray(X, dtype=np.float64))

    def _dense_predict(self, X):
        if not self._blas():
            return super()._dense_predict(X)
        dec = self._ovo_decision(np.ascontiguousarray(X, dtype=np.float64))
        k = len(self._n_support)
        votes = np.zeros((len(X), k), dtype=np.intp)
        p = 0
        for i in range(k):
            for j in range(i + 1, k):
                won = dec[:, p] > 0  # libsvm: i wins when > 0, else j
                votes[:, i] += won
                votes[:, j] += ~won
                p += 1
        # the first class with the most votes, as libsvm breaks ties; its labels are indices
        return np.argmax(votes, axis=1).astype(np.float64)
