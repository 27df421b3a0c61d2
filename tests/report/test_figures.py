"""The figure sets of the command line and the report."""

import pandas as pd

from mnistlab.report import search_model_figures
from mnistlab.tasks import SearchResult


def _search(architectures=()) -> SearchResult:
    cv_results = pd.DataFrame(
        {
            "param_knn__n_neighbors": [1, 3, 5, 3],
            "mean_test_score": [0.9, 0.93, 0.92, 0.95],
            "n_resources": [100, 100, 100, 300],
        }
    )
    return SearchResult(
        "fast", cv_results, {"knn__n_neighbors": 3}, 0.95, 3, 2, 1.0, list(architectures)
    )


def test_search_figures_name_the_model_and_add_curves_for_networks():
    assert list(search_model_figures(_search())) == ["fast_search.png"]
    history = [{"epoch": e, "train_loss": 1 / e, "valid_acc": 0.9} for e in (1, 2)]
    archs = [
        {"params": {"hidden": [64]}, "history": history},
        {"params": {"hidden": [128]}, "history": history},
    ]
    figures = search_model_figures(_search(archs))
    assert list(figures) == ["fast_search.png", "fast_learning_curves.png"]
    curves = figures["fast_learning_curves.png"]
    labels = [t.get_text() for t in curves.legends[0].get_texts()]
    assert labels == ['{"hidden": [64]}', '{"hidden": [128]}']
    assert curves._suptitle.get_text().startswith("fast: learning curves")  # get_suptitle: 3.8+
