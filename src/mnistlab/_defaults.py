"""The study's default settings, in one place.

The task functions (:mod:`mnistlab.tasks`), the command line's options and the study's
base profile (:mod:`mnistlab.report`) read them, so they cannot drift apart. This module
imports nothing: the command line shows them in ``--help`` without loading numpy.
"""

#: Cross-validation folds of every task.
CV = 3
#: The textbook's detector ("5 or not 5") and its hardest pair of digits.
POSITIVE = 5
PAIR = (3, 5)

BINARY_MODELS = ("sgd", "rf")
TARGET_PRECISION = 0.9
PAIRS_MODEL = "pca-knn"
#: How many of the hardest pairs are listed.
PAIRS_TOP = 10
MULTICLASS_MODELS = ("sgd", "logreg", "rf", "knn", "svc")
STRATEGY = "native"
LABELS = ("large", "odd", "prime")
MULTILABEL_MODELS = ("knn5", "chain-svc", "multioutput-logreg")
NOISE = "textbook"
#: Thresholds on pixels: noise hurts a random forest most (97% -> 27%).
DENOISE_CLASSIFIER = "rf"
#: Finer probabilities than k=4 neighbours: a better ranking of label issues.
CLEAN_MODEL = "rf"
#: Label issues drawn in the gallery.
CLEAN_SHOW = 24
SEARCH_BUDGET = "quick"
#: Images drawn by ``data show`` and the study's data section.
SHOW_IMAGES = 25
