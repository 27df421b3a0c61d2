"""scikit-learn's estimator checks on every estimator mnistlab defines."""

import pytest
from sklearn.linear_model import Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from mnistlab.models import (
    ClippedRegressor,
    CNNClassifier,
    IsotonicOutputRegressor,
    NoiseFloorHinge,
    PCADenoiser,
)
from mnistlab.preprocessing import HOG, Augmented, BlockScaler, Deskew


def _expected_failures(estimator):
    name = type(estimator).__name__
    if name in _IMAGE_CHECKS:
        return dict.fromkeys(_IMAGE_CHECKS[name], "needs image rows, not a few arbitrary features")
    if isinstance(estimator, PCADenoiser):
        # It maps images to images: y must have X's shape, which the generic
        # checks (1-D targets) cannot provide.
        return {
            name: "PCADenoiser needs y with X's shape (images to images)"
            for name in _PCA_DENOISER_CHECKS
        }
    return {}


# every check that fits it on generic (X, y) with y not shaped like X
_PCA_DENOISER_CHECKS = (
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_regressor_data_not_an_array",
    "check_regressor_multioutput",
    "check_regressors_int",
    "check_regressors_no_decision_function",
    "check_regressors_train",
    "check_supervised_y_2d",
)

# the checks that fit an image classifier on a few arbitrary features
_IMAGE_CLASSIFIER_CHECKS = (
    "check_classifier_data_not_an_array",
    "check_classifiers_classes",
    "check_classifiers_one_label",
    "check_classifiers_train",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_pipeline_consistency",
    "check_readonly_memmap_input",
    "check_supervised_y_2d",
)

# Image estimators read square images (or a given image_shape); the generic checks feed
# them a few arbitrary features, which is not an image.
_IMAGE_CHECKS = {
    "Augmented": (*_IMAGE_CLASSIFIER_CHECKS, "check_classifiers_regression_target"),
    "CNNClassifier": (*_IMAGE_CLASSIFIER_CHECKS, "check_fit2d_1feature"),
    "Deskew": (
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimators_dtypes",
        "check_estimators_fit_returns_self",
        "check_estimators_nan_inf",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1sample",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_transformer_preserve_dtypes",
    ),
    "HOG": (
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimators_dtypes",
        "check_estimators_fit_returns_self",
        "check_estimators_nan_inf",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1feature",
        "check_fit2d_1sample",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_transformer_preserve_dtypes",
    ),
}


@parametrize_with_checks(
    [
        ClippedRegressor(Ridge()),
        IsotonicOutputRegressor(Ridge()),
        NoiseFloorHinge(),
        PCADenoiser(n_components=2, random_state=0),
        Deskew(),
        HOG(),
        Augmented(KNeighborsClassifier(n_neighbors=3)),
        BlockScaler(),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# The CNN needs its optional PyTorch: without it every check is listed and skipped, and
# fails where MNISTLAB_REQUIRE_TORCH=1 (CI installs it).
@pytest.mark.requires("torch")
@parametrize_with_checks(
    [CNNClassifier(channels=(4,), dense=8, epochs=1, random_state=0, n_jobs=1)],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_cnn(estimator, check):
    check(estimator)
