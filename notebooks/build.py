"""Build ``mnist_study.ipynb`` from the cells below, run it on MNIST and save it with outputs.

    MNISTLAB_DATA=../shared/data/mnist python notebooks/build.py

The cells live here, as text, so that a change to the lesson is a readable diff; the
saved notebook carries the outputs of one quick run (seed 42), so it reads on the web.
``tests/test_notebook.py`` checks that the saved notebook is this script's output and
executes the cells again on MNIST.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

NOTEBOOK = Path(__file__).with_name("mnist_study.ipynb")
MAX_BYTES = 3_000_000  # a notebook that GitHub and Colab open quickly

CELLS: list[tuple[str, str]] = [
    (
        "md",
        """# Classification: the MNIST study, on the real digits

This notebook teaches chapter 3 of *Hands-On Machine Learning* (classification) on the
MNIST digits. Each part shows the **scikit-learn code the chapter teaches**, runs it, and
then the **mnistlab call** that does the same job, faster or more carefully, with a few
words on why the two differ. mnistlab is the library behind the `mnistlab` command line and
its HTML report, so what you see here is what they compute.

Parts: 1. the data; 2. a binary classifier (5 or not 5) judged with precision, recall and
ROC; 3. a pair of digits; 4. multiclass classification; 5. error analysis; 6. multilabel
classification; 7. multioutput classification (removing noise) and cleaning mislabelled
images; 8. an accurate model (architectures and hyperparameters); 9. augmenting the
training images; exercises.

`QUICK = True` (below) runs on a stratified subset (10,000 training and 2,000 test images)
in a few minutes on two cores; `QUICK = False` uses all 60,000/10,000 (much slower).""",
    ),
    (
        "md",
        """## Setup

In Google Colab (or a fresh Jupyter) the next cell installs mnistlab if it is missing:
set `MNISTLAB_PIP` to this repository's Git URL or to a path (for example an uploaded
checkout). The data: if `MNISTLAB_DATA` names a folder with the four MNIST files it is
read from there; otherwise `load()` downloads MNIST once (about 11 MB, verified, with a
progress bar) into mnistlab's cache.""",
    ),
    (
        "code",
        """import importlib.util
import os
import subprocess
import sys

MNISTLAB_PIP = os.environ.get("MNISTLAB_PIP", "mnistlab")  # a Git URL or a path in Colab
if importlib.util.find_spec("mnistlab") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", MNISTLAB_PIP], check=True)""",
    ),
    (
        "code",
        """%matplotlib inline
import warnings

import matplotlib.pyplot as plt
import numpy as np

from sklearn.exceptions import ConvergenceWarning

import mnistlab
from mnistlab import evaluation, models, plots, preprocessing, report, tasks
from mnistlab.data import load, subset

QUICK = True  # False: all 60,000/10,000 images (slower)
SEED = 42  # every random step uses it: the numbers below are reproducible
N_JOBS = -1  # use every core
progress = mnistlab.TqdmProgress()  # a progress bar for the long steps

# SGD often stops at max_iter before meeting its tolerance (the scaled SGD below does, on
# this subset); scikit-learn warns each time. Expected here, so the warning is silenced
# (the processes that run folds side by side inherit the filter).
warnings.filterwarnings("ignore", category=ConvergenceWarning)

ds = load(progressbar=True)  # MNISTLAB_DATA, else the cache, else a download
if QUICK:
    ds = subset(ds, 10_000, 2_000, random_state=SEED)
X_train, y_train, X_test, y_test = ds.X_train, ds.y_train, ds.X_test, ds.y_test
ds.describe()""",
    ),
    (
        "md",
        """## 1. The data

Each image is a row of 28 x 28 = 784 pixel intensities from 0 (white) to 255 (black),
stored as `uint8`. The book fetches MNIST from OpenML with
`fetch_openml("mnist_784", as_frame=False)`; mnistlab reads the original IDX files and
checks them against their published checksums (`ds.describe()` above says whether they
matched). The training set comes first; the test set is put aside and scores each final
model once, never chooses one.""",
    ),
    (
        "code",
        """some_digit = X_train[0]
plt.figure(figsize=(2, 2))
plt.imshow(some_digit.reshape(28, 28), cmap="binary")
plt.axis("off")
plt.title(f"label: {y_train[0]}")
plt.show()""",
    ),
    (
        "code",
        """plots.digit_grid(X_train[:40], ds.image_shape, [str(v) for v in y_train[:40]],
                 pixel_max=ds.pixel_max)""",
    ),
    (
        "code",
        """about, counts, pixels = report.dataset_tables(ds)  # as the CLI and the report show them
report.styled(counts)""",
    ),
    (
        "md",
        """## 2. A binary classifier: "5 or not 5"

The chapter starts with a detector for one digit, trained with stochastic gradient
descent. Cross-validation (3 folds) estimates its accuracy on images it did not see.""",
    ),
    (
        "code",
        """from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import cross_val_score

y_train_5 = y_train == 5
sgd_clf = SGDClassifier(random_state=SEED)
cross_val_score(sgd_clf, X_train, y_train_5, cv=3, scoring="accuracy")""",
    ),
    (
        "md",
        """Over 90% looks excellent, until a "classifier" that never says 5 scores about as well:
only about one image in ten is a five. Accuracy is the wrong measure for skewed classes.""",
    ),
    (
        "code",
        """from sklearn.dummy import DummyClassifier

cross_val_score(DummyClassifier(), X_train, y_train_5, cv=3, scoring="accuracy")""",
    ),
    (
        "md",
        """`cross_val_predict` gives every training image a prediction from a model that did not
see it. The 2x2 confusion matrix counts the true negatives, false positives (top row),
false negatives and true positives (bottom row); precision and recall are worked out
from it by hand, then with scikit-learn.""",
    ),
    (
        "code",
        """from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score
from sklearn.model_selection import cross_val_predict

y_train_pred = cross_val_predict(sgd_clf, X_train, y_train_5, cv=3)
cm = confusion_matrix(y_train_5, y_train_pred)
(tn, fp), (fn, tp) = cm
print(cm)
print(f"precision = TP / (TP + FP) = {tp} / {tp + fp} = {tp / (tp + fp):.3f}")
print(f"recall    = TP / (TP + FN) = {tp} / {tp + fn} = {tp / (tp + fn):.3f}")
print(f"scikit-learn: precision {precision_score(y_train_5, y_train_pred):.3f}, "
      f"recall {recall_score(y_train_5, y_train_pred):.3f}, "
      f"F1 {f1_score(y_train_5, y_train_pred):.3f}")""",
    ),
    (
        "md",
        """A classifier scores each image and says "5" above a threshold. Raising the threshold
trades recall for precision. `precision_recall_curve` on the out-of-fold decision scores
shows every trade-off; the lowest threshold that reaches 90% precision is the book's
choice.""",
    ),
    (
        "code",
        """from sklearn.metrics import precision_recall_curve

y_scores = cross_val_predict(sgd_clf, X_train, y_train_5, cv=3, method="decision_function")
precisions, recalls, thresholds = precision_recall_curve(y_train_5, y_scores)
idx = (precisions >= 0.90).argmax()
threshold_90 = thresholds[idx]
print(f"threshold {threshold_90:,.0f}: precision {precisions[idx]:.3f}, "
      f"recall {recalls[idx]:.3f}")

plt.figure(figsize=(5, 3))
plt.plot(thresholds, precisions[:-1], label="precision")
plt.plot(thresholds, recalls[:-1], "--", label="recall")
plt.axvline(threshold_90, color="k", linestyle=":")
plt.xlabel("threshold")
plt.legend()
plt.show()""",
    ),
    (
        "md",
        """The ROC curve plots the true positive rate against the false positive rate; the area
under it (ROC AUC) is 1 for a perfect detector and 0.5 for a coin. A random forest has no
`decision_function`: its score is the probability of the positive class.""",
    ),
    (
        "code",
        """from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score, roc_curve

forest_clf = RandomForestClassifier(random_state=SEED, n_jobs=N_JOBS)
y_probas_forest = cross_val_predict(forest_clf, X_train, y_train_5, cv=3, method="predict_proba")
y_scores_forest = y_probas_forest[:, 1]

for name, scores in [("SGD", y_scores), ("random forest", y_scores_forest)]:
    fpr, tpr, _ = roc_curve(y_train_5, scores)
    plt.plot(fpr, tpr, label=f"{name}: AUC {roc_auc_score(y_train_5, scores):.4f}")
plt.plot([0, 1], [0, 1], "k:")
plt.xlabel("false positive rate")
plt.ylabel("true positive rate (recall)")
plt.legend()
plt.show()""",
    ),
    (
        "md",
        """**The mnistlab way.** `tasks.run_binary` does all of the above in one pass per model:
one cross-validation gives the out-of-fold scores from which every metric, curve and
threshold is computed (the cells above ran the SGD's cross-validation three times); the
thresholds are chosen on those training-set scores only; then each model is refitted on
all the training images and scores the test set **once**, thresholds applied. Its folds
are the same unshuffled stratified folds as `cross_val_score`, so the numbers agree.""",
    ),
    (
        "code",
        """five = tasks.run_binary(ds, positive=5, model_names="sgd,rf", cv=3, target_precision=0.9,
                        random_state=SEED, n_jobs=N_JOBS, progress=progress)
cv_table, threshold_table, test_table = report.binary_tables(five)
report.styled(cv_table)""",
    ),
    ("code", "plots.pr_curves(five)"),
    ("code", "plots.roc_curves(five)"),
    (
        "md",
        """Is a probability of 0.8 from the forest right 80% of the time? A reliability diagram
(`CalibrationDisplay`) compares predicted probabilities with observed frequencies: a
well-calibrated model stays on the diagonal. Forests are typically under-confident
near 0 and 1.""",
    ),
    (
        "code",
        """from sklearn.calibration import CalibrationDisplay

CalibrationDisplay.from_predictions(y_train_5, y_scores_forest, n_bins=10, name="random forest")
plt.show()""",
    ),
    (
        "md",
        """The thresholds chosen on the training folds, applied to the test set once. The
forest's probability threshold carries over; the SGD's raw score does not always: the
model refitted on all the training images puts its scores on another scale, so a
threshold chosen on the folds' scores can miss badly on the test set (look at its test
precision and recall). Probabilities, or a threshold chosen on a validation split of the
final model, avoid that.""",
    ),
    (
        "code",
        """display(report.styled(threshold_table))
report.styled(test_table)""",
    ),
    (
        "md",
        """## 3. A pair of digits

Which digits are hard to tell apart? A detector trained on 3s and 5s only, then one for
each of the 45 pairs (with a fast nearest-neighbour model): the heatmap shows where the
errors are.""",
    ),
    (
        "code",
        """pair = tasks.run_binary(ds, positive=3, negative=5, model_names="sgd,rf",
                        random_state=SEED, n_jobs=N_JOBS, progress=progress)
plots.roc_curves(pair)""",
    ),
    (
        "code",
        """pairs = tasks.run_pairs(ds, "pca-knn", cv=3, random_state=SEED, n_jobs=N_JOBS,
                       progress=progress)
plots.pair_error_heatmap(pairs.cv_error, "out-of-fold error rate per pair (%)")""",
    ),
    ("code", "report.styled(report.pairs_tables(pairs, top=5)[0])"),
    (
        "md",
        """## 4. Multiclass classification

Some models handle ten classes natively (random forests, nearest neighbours). Binary
ones are combined: **one-versus-rest** trains ten detectors and picks the most confident;
**one-versus-one** trains one per pair (45) and takes a vote. scikit-learn's `SVC` uses
one-versus-one internally; `OneVsRestClassifier` forces the other strategy. SVMs are slow
on many images, so the book trains them on the first 2,000.""",
    ),
    (
        "code",
        """from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.svm import SVC

svm_clf = SVC(random_state=SEED).fit(X_train[:2000], y_train[:2000])
print("SVC predicts", svm_clf.predict([some_digit]), "; scores shape",
      svm_clf.decision_function([some_digit]).shape)
ovr_clf = OneVsRestClassifier(SVC(random_state=SEED)).fit(X_train[:2000], y_train[:2000])
ovo_clf = OneVsOneClassifier(SVC(random_state=SEED)).fit(X_train[:2000], y_train[:2000])
print(f"one-vs-rest: {len(ovr_clf.estimators_)} classifiers, "
      f"one-vs-one: {len(ovo_clf.estimators_)} classifiers")
print(f"test accuracy: SVC {svm_clf.score(X_test, y_test):.3f}, "
      f"OvR {ovr_clf.score(X_test, y_test):.3f}, OvO {ovo_clf.score(X_test, y_test):.3f}")""",
    ),
    (
        "md",
        """SGD handles ten classes one-versus-rest. Scaling the pixels (a `StandardScaler` in a
pipeline, so each fold is scaled with its own training statistics) helps a gradient
method a lot:""",
    ),
    (
        "code",
        """from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# n_jobs=N_JOBS: the three folds run side by side, one process per core
print("SGD:       ", cross_val_score(sgd_clf, X_train, y_train, cv=3, scoring="accuracy",
                                     n_jobs=N_JOBS))
# scaled, SGD never meets its tolerance here and runs all 1,000 epochs; its n_jobs splits the
# ten one-versus-rest fits between the cores (same seeds, so the same model)
scaled_sgd = make_pipeline(StandardScaler(), SGDClassifier(random_state=SEED, n_jobs=N_JOBS))
# the out-of-fold predictions, kept for the error analysis below; their accuracy on each
# fold is what cross_val_score(scaled_sgd, ...) prints, without fitting the folds twice
y_train_pred = cross_val_predict(scaled_sgd, X_train, y_train, cv=3)
folds = StratifiedKFold(n_splits=3).split(X_train, y_train)  # cv=3 for a classifier
print("scaled SGD:", np.array([np.mean(y_train_pred[i] == y_train[i]) for _, i in folds]))""",
    ),
    (
        "md",
        """**The mnistlab way.** `tasks.run_multiclass` cross-validates several registry models
(and strategies: `strategy="ovr"` or `"ovo"`) with the same folds, scores each final model
on the test set once, and keeps the out-of-fold predictions for the error analysis below.""",
    ),
    (
        "code",
        """multi = tasks.run_multiclass(ds, "sgd,rf,knn", cv=3, random_state=SEED, n_jobs=N_JOBS,
                             progress=progress)
report.styled(report.multiclass_tables(multi)[0])""",
    ),
    ("code", "plots.accuracy_bars(multi.table())"),
    (
        "md",
        """## 5. Error analysis

The confusion matrix of the scaled SGD (its out-of-fold predictions from above), as in the
book: normalised by row (what share of each true digit went where), then the errors only,
normalised by row and by column (of the images predicted as 8, what share were really 5?).""",
    ),
    (
        "code",
        """from sklearn.metrics import ConfusionMatrixDisplay

sample_weight = y_train_pred != y_train
fig, axs = plt.subplots(1, 3, figsize=(15, 4.5))
ConfusionMatrixDisplay.from_predictions(y_train, y_train_pred, ax=axs[0], normalize="true",
                                        values_format=".0%", colorbar=False)
axs[0].set_title("normalised by row")
ConfusionMatrixDisplay.from_predictions(y_train, y_train_pred, ax=axs[1], normalize="true",
                                        sample_weight=sample_weight, values_format=".0%",
                                        colorbar=False)
axs[1].set_title("errors, normalised by row")
ConfusionMatrixDisplay.from_predictions(y_train, y_train_pred, ax=axs[2], normalize="pred",
                                        sample_weight=sample_weight, values_format=".0%",
                                        colorbar=False)
axs[2].set_title("errors, normalised by column")
plt.show()""",
    ),
    (
        "md",
        """**The mnistlab way**, on the best model by cross-validation (no new fits: the
out-of-fold predictions are kept from `run_multiclass`): the confusion matrices, the most
frequent confusions, the mistakes the model was most sure of, and the book's grid of 3s
and 5s.""",
    ),
    (
        "code",
        """best = multi.table().sort_values("cv_accuracy").iloc[-1]["model"]
r = multi.models[best]
plots.confusion_matrices(r.y_cv, r.oof.predictions, f"{best}: out-of-fold predictions")""",
    ),
    (
        "code",
        """report.styled(report.confusions_table({(best, "out-of-fold"): (r.y_cv, r.oof.predictions)}))""",
    ),
    (
        "code",
        """X_cv = X_train[r.train_index]
worst = evaluation.confident_mistakes(r.y_cv, r.oof.predictions, r.cv_confidence, 16)
plots.mistakes_gallery(X_cv[worst], r.y_cv[worst], r.oof.predictions[worst],
                       r.cv_confidence[worst], ds.image_shape, ds.pixel_max)""",
    ),
    (
        "code",
        """plots.pair_grid(X_cv, r.y_cv, r.oof.predictions, 3, 5, ds.image_shape, ds.pixel_max)""",
    ),
    (
        "md",
        """## 6. Multilabel classification

Several yes/no answers per image: is the digit large (7, 8 or 9)? is it odd?
`KNeighborsClassifier` accepts a 2-D target directly. A classifier chain feeds each
label's prediction to the next model, so an `SVC` (single-label) can learn both.""",
    ),
    (
        "code",
        """from sklearn.multioutput import ClassifierChain
from sklearn.neighbors import KNeighborsClassifier

y_multilabel = np.c_[y_train >= 7, y_train % 2 == 1]
knn_clf = KNeighborsClassifier(n_jobs=N_JOBS)
y_train_knn_pred = cross_val_predict(knn_clf, X_train, y_multilabel, cv=3)
print("KNN, macro F1:", round(f1_score(y_multilabel, y_train_knn_pred, average="macro"), 4))

chain_clf = ClassifierChain(SVC(), cv=3, random_state=SEED)
chain_clf.fit(X_train[:2000], y_multilabel[:2000])
print("chain of SVCs on the first test image:", chain_clf.predict([X_test[0]]).astype(bool),
      "; true:", [bool(y_test[0] >= 7), bool(y_test[0] % 2 == 1)])""",
    ),
    (
        "md",
        """**The mnistlab way.** `tasks.run_multilabel` compares multilabel models on named
labels with the same folds and reports F1 per label, Hamming loss and subset accuracy.""",
    ),
    (
        "code",
        """multilabel = tasks.run_multilabel(ds, "large,odd,prime", "knn5,multioutput-logreg",
                                  random_state=SEED, n_jobs=N_JOBS, progress=progress)
display(report.styled(report.multilabel_tables(multilabel)[0]))
plots.multilabel_scores(multilabel)""",
    ),
    (
        "md",
        """## 7. Multioutput classification: removing noise

The output is a whole image: each pixel is a label with 256 possible values. The book
adds random noise to the images, trains a `KNeighborsClassifier` to map noisy images to
clean ones, and cleans one test digit.""",
    ),
    (
        "code",
        """rng = np.random.default_rng(SEED)
X_train_mod = X_train + rng.integers(0, 100, X_train.shape)
X_test_mod = X_test + rng.integers(0, 100, X_test.shape)
knn_clf = KNeighborsClassifier(n_jobs=N_JOBS).fit(X_train_mod, X_train)
clean_digit = knn_clf.predict(X_test_mod[:1])
fig, axs = plt.subplots(1, 3, figsize=(6, 2))
for ax, img, title in zip(axs, [X_test_mod[0], clean_digit[0], X_test[0]],
                          ["noisy", "cleaned by KNN", "original"]):
    ax.imshow(img.reshape(28, 28), cmap="binary")
    ax.set_title(title)
    ax.axis("off")
plt.show()""",
    ),
    (
        "md",
        """**The mnistlab way.** `tasks.run_denoise` trains several denoisers on the same noisy
training images, chooses the best on a validation split, and judges them on the noisy test
images by pixel error and by how well a fixed classifier reads their output. With
`QUICK = True` it leaves out the U-Net, as `mnistlab study --quick` does: a small PyTorch
network, the best denoiser on all the data, but its two trainings take minutes.""",
    ),
    (
        "code",
        """denoisers = report.QUICK_DENOISERS if QUICK else None  # None: every denoiser
denoised = tasks.run_denoise(ds, "textbook", denoiser_names=denoisers, random_state=SEED,
                             n_jobs=N_JOBS, progress=progress)
display(report.styled(report.denoise_tables(denoised)[0]))
plots.denoise_grid(denoised)""",
    ),
    ("code", "plots.denoise_scores(denoised)"),
    (
        "md",
        """### Cleaning the training set

Some MNIST labels are simply wrong. Confident learning (the cleanlab library), on
out-of-fold probabilities, finds the likeliest ones; `tasks.run_clean` also measures the
test accuracy of the same model trained with and without them.""",
    ),
    (
        "code",
        """cleaned = tasks.run_clean(ds, "rf", random_state=SEED, n_jobs=N_JOBS, progress=progress)
display(report.styled(report.clean_tables(cleaned)[0]))
top = cleaned.issues[:16]
plots.label_issue_gallery(X_train[top], cleaned.given[top], cleaned.suggested[top],
                          cleaned.quality[top], ds.image_shape, ds.pixel_max)""",
    ),
    (
        "md",
        """## 8. An accurate model: architectures and hyperparameters

The chapter's first exercise: reach 97% with a KNN, tuning `weights` and `n_neighbors` by
grid search on the training set (the book searches on the first 10,000 images).""",
    ),
    (
        "code",
        """from sklearn.model_selection import GridSearchCV

param_grid = [{"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5]}]
grid_search = GridSearchCV(KNeighborsClassifier(), param_grid, cv=3, n_jobs=N_JOBS)
grid_search.fit(X_train[:10_000], y_train[:10_000])
print(grid_search.best_params_, f"CV accuracy {grid_search.best_score_:.4f}")
tuned_knn = grid_search.best_estimator_.fit(X_train, y_train)
print(f"tuned KNN: test accuracy {tuned_knn.score(X_test, y_test):.4f}")""",
    ),
    (
        "md",
        """**The mnistlab way.** A grid tries every combination on all the images. Successive
halving (`HalvingRandomSearchCV`) tries many candidates on few images and gives the best
third three times as many, so it explores more for the same time; `tasks.run_search`
runs it on a registry model's search space and reports validation scores only. Then the
architecture matters more than the tuning: the `fast` model straightens each digit
(deskewing), keeps 60 principal components and votes among 3 neighbours weighted by
distance.""",
    ),
    (
        "code",
        """searched = tasks.run_search(ds, "fast", budget="quick", random_state=SEED, n_jobs=N_JOBS,
                            progress=progress)
plots.search_scores(searched.results["fast"])""",
    ),
    (
        "code",
        """fast = models.get("fast", random_state=SEED, n_jobs=N_JOBS).fit(X_train, y_train)
pred = fast.predict(X_test)
print(f"fast: test accuracy {np.mean(pred == y_test):.4f} on {len(pred):,} test images")
plots.confusion_matrices(y_test, pred, "fast: test set")""",
    ),
    (
        "md",
        """## 9. Augmenting the training set

The chapter's second exercise: add copies of each training image shifted by one pixel in
each direction (the book writes `shift_image` with `scipy.ndimage.shift`), which teaches the
model that a digit moved by a pixel is the same digit.""",
    ),
    (
        "code",
        """from scipy.ndimage import shift


def shift_image(image, dx, dy):
    return shift(image.reshape(28, 28), [dy, dx], cval=0, mode="constant").reshape(-1)


X_aug, y_aug = [X_train], [y_train]
for dx, dy in ((-1, 0), (1, 0), (0, 1), (0, -1)):
    X_aug.append(np.array([shift_image(img, dx, dy) for img in X_train[:2000]]))
    y_aug.append(y_train[:2000])
print("shifted copies of 2,000 images:", sum(len(y) for y in y_aug[1:]))""",
    ),
    (
        "md",
        """**The mnistlab way.** `preprocessing.augment` shifts (and rotates) the whole batch in
one vectorised call, thousands of times faster than a Python loop per image; the same
model with and without augmented copies, on the same test images:""",
    ),
    (
        "code",
        """X_aug, y_aug = preprocessing.augment(X_train, y_train, ds.image_shape, angles=(-10, 10))
copies = X_aug[np.arange(7) * len(X_train)]  # the first image and its six copies
plots.digit_grid(copies, ds.image_shape,
                 ["original", "right", "left", "down", "up", "-10°", "+10°"],
                 pixel_max=ds.pixel_max)""",
    ),
    (
        "code",
        """for name, (X, y) in {"without": (X_train, y_train), "with": (X_aug, y_aug)}.items():
    clf = models.get("fast", random_state=SEED, n_jobs=N_JOBS).fit(X, y)
    print(f"fast {name} augmentation: test accuracy {clf.score(X_test, y_test):.4f}")""",
    ),
    (
        "md",
        """## The whole study in one command, and exercises

`mnistlab study --out report/` runs every part above (with settings chosen to finish in
about 15 minutes on two cores) and writes `report/index.html`; `mnistlab --help` lists each
part as its own command.

**Exercises**

1. Choose a threshold for the SGD 5-detector that keeps 95% recall. What precision do you
   get? (`precision_recall_curve`, or `evaluation.threshold_for_recall`.)
2. Train the 3-versus-5 detector with a KNN instead of SGD. Is the ROC AUC better?
3. In the error analysis, which pair of digits is confused most often by the random
   forest? Show 25 of its mistakes with `plots.mistakes_gallery`.
4. Add a `loop` label (0, 6, 8, 9) to the multilabel task: `tasks.run_multilabel(ds,
   "large,odd,loop")`. Which label is hardest?
5. Try `tasks.run_denoise(ds, "gaussian")` and `"occlusion"`. Which denoiser wins each?
6. Reach 98% with `QUICK = False` and a tuned KNN; then train `models.get("svc-gradients")`
   (one SVM on gradient direction features: about a minute on 2 cores) or
   `models.get("best", n_jobs=-1)` (three SVMs: about 10 minutes) and compare their errors
   with `fast`'s.
7. Augment with rotations only (`shifts=()`, `angles=(-15, -7, 7, 15)`). Better or worse
   than shifts?""",
    ),
]


def build():
    """The notebook object, without outputs."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for kind, text in CELLS:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(make(text))
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # stable ids: a rebuild changes only what changed
    return nb


_CR = re.compile(r"[^\n]*\r(?!\n)")


def _tidy(nb) -> None:
    """Keep the final state of each progress bar (tqdm rewrites its line with \\r)."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = _CR.sub("", out["text"])


def execute(nb, cwd: Path, timeout: int = 900) -> float:
    """Run every cell in a fresh kernel (raises on the first error); return the seconds."""
    from nbclient import NotebookClient

    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        coalesce_streams=True,  # one text per stream, so _tidy sees each bar's \r rewrites
    ).execute()
    _tidy(nb)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-execute", action="store_true", help="save the cells without outputs")
    args = parser.parse_args(argv)
    nb = build()
    if not args.no_execute:
        if not os.environ.get("MNISTLAB_DATA"):
            print("set MNISTLAB_DATA to the MNIST folder: the saved outputs are MNIST's",
                  file=sys.stderr)
            return 2
        os.environ["MNISTLAB_DATA"] = str(Path(os.environ["MNISTLAB_DATA"]).resolve())
        seconds = execute(nb, NOTEBOOK.parent)
        print(f"executed in {seconds:.0f} s")
    nbformat.write(nb, NOTEBOOK)
    size = NOTEBOOK.stat().st_size
    print(f"wrote {NOTEBOOK} ({size / 1e6:.2f} MB)")
    if size > MAX_BYTES:
        print(f"the notebook is over {MAX_BYTES / 1e6:.0f} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
