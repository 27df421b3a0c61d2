"""Parameter constraints that several of mnistlab's estimators share (scikit-learn's
``_parameter_constraints`` vocabulary, checked by ``_fit_context`` in ``fit``)."""

from __future__ import annotations

from numbers import Integral

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

#: ``image_shape``: "auto" (square) or ``(height, width)``
IMAGE_SHAPE = [StrOptions({"auto"}), "array-like"]
#: ``n_jobs`` as scikit-learn takes it: None (1, unless in a joblib context) or a count
N_JOBS = [Integral, None]
#: a count of one or more
POSITIVE_INT = Interval(Integral, 1, None, closed="left")
#: the ``estimator`` a meta-estimator wraps
CLASSIFIER = [HasMethods(["fit", "predict"])]
REGRESSOR = [HasMethods(["fit", "predict"])]
#: where and how a network runs (CNNClassifier, ConvDenoiser); a device's values are checked
#: by ``mnistlab.models._torch.check_device``
NETWORK_RUN = {
    "image_shape": IMAGE_SHAPE,
    "device": [str],
    "random_state": ["random_state"],
    "n_jobs": N_JOBS,
    "deterministic": ["boolean"],
    "verbose": ["verbose"],
}
