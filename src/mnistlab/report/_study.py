"""The whole study: every section in order, cached per section, and its HTML report.

Each finished section is stored under the cache root (``study/<key>/``: a JSON file and
its PNGs, never a pickle), keyed by a hash of the data's content, the section's settings,
the seed, a hash of mnistlab's own source and the versions of the libraries that compute,
so an interrupted run resumes at the section it stopped in and a rerun only reads files.
Studies sharing the cache take a lock per section: the second waits and reads.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from filelock import FileLock

from mnistlab import __version__
from mnistlab import _defaults as defaults
from mnistlab._cache import cache_dir, dataset_digest, holding
from mnistlab._errors import InputError
from mnistlab._io import dumps_json
from mnistlab._progress import SILENT, Progress, ProgressTask
from mnistlab.data import Dataset
from mnistlab.models import DEFAULT_MODEL, library_versions, preferred_model_dirs
from mnistlab.preprocessing import TEXTBOOK_SHIFTS
from mnistlab.report._metrics import metrics_document
from mnistlab.report._sections import SECTIONS, SectionResult
from mnistlab.report._tables import template_env

logger = logging.getLogger("mnistlab")


def _names(names: tuple[str, ...]) -> str:
    return ",".join(names)


#: Every section's settings before a profile's overrides: the tasks' and the commands'
#: defaults (:mod:`mnistlab._defaults`), and the textbook's "5 or not 5" and 3/5 pair.
_BASE: dict[str, dict[str, Any]] = {
    "data": {"n": defaults.SHOW_IMAGES},
    "binary": {
        "positive": defaults.POSITIVE,
        "pair": list(defaults.PAIR),
        "models": _names(defaults.BINARY_MODELS),
        "target_precision": defaults.TARGET_PRECISION,
        "cv": defaults.CV,
    },
    "pairs": {"model": defaults.PAIRS_MODEL, "cv": defaults.CV, "top": defaults.PAIRS_TOP},
    "multiclass": {
        "models": _names(defaults.MULTICLASS_MODELS),
        "strategy": defaults.STRATEGY,
        "cv": defaults.CV,
        "pair": list(defaults.PAIR),
        "variants": ["sgd[ovr]", "sgd[ovo]", "sgd-scaled"],  # model[strategy]
    },
    "multilabel": {
        "labels": _names(defaults.LABELS),
        "models": _names(defaults.MULTILABEL_MODELS),
        "cv": defaults.CV,
    },
    "denoise": {"noise": defaults.NOISE, "denoisers": None},
    "clean": {"model": defaults.CLEAN_MODEL, "cv": defaults.CV, "show": defaults.CLEAN_SHOW},
    # halving: 8 candidates on n_train/8 images, then 4 on n_train/4, 2, and 1 on all
    "search": {
        "models": "knn,fast",
        "defaults": {"knn": "knn5"},  # the textbook's KNN starts from scikit-learn's defaults
        "n_train": 10_000,
        "n_candidates": 8,
        "factor": 2,
        "min_resources": 1_250,
        "cv": defaults.CV,
    },
    "model": {"model": DEFAULT_MODEL},
    "augment": {
        "models": "knn,fast",
        "shifts": [list(s) for s in TEXTBOOK_SHIFTS],
        "angles": [-10, 10],
        "examples": 4,
    },
}


#: The quick profile's denoisers: every one but the U-Net (a test keeps this list whole).
QUICK_DENOISERS = "knn-classifier,knn-regressor,pca,ridge,pca-knn-regressor,hinge-ridge"


def _profile(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: {**base, **changes.get(name, {})} for name, base in _BASE.items()}


#: The settings of every section in each profile. ``n_train``/``n_test`` name a stated
#: stratified subset for that section. "default" fits in 15 minutes cold on 2 cores (573-828 s)
#: on full MNIST: the sections whose models are slow (nearest-neighbour predictions,
#: SVMs) see a subset; "full" runs every section as its own command does by default, on
#: all the data; "quick" is for the commands' --quick subset.
PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    "quick": _profile(  # the 10,000/2,000 subset: no SVMs, no U-Net (bench_study: 112-154 s cold)
        # the textbook SGD's strategy variants run to max_iter: 45 s on 2,000 images
        multiclass={"models": "sgd,rf,knn", "variants_max_train": 1_000},
        # the U-Net's two fits were 90 of denoise's 107 s; the network is in "default"
        denoise={"denoisers": QUICK_DENOISERS},
        multilabel={"models": "knn5,multioutput-logreg"},
        search={"n_train": 4_000, "min_resources": 500},
        augment={"n_train": 5_000},
    ),
    "default": _profile(
        pairs={"n_train": 20_000},
        # the strategy variants on 3,000 images: the textbook's SGD runs to max_iter on
        # scaled pixels and in one-vs-one's 45 pairs, about 2 minutes each on 10,000
        # images (the study took 962 s with them there, 797 s with 3,000: bench_study)
        multiclass={"n_train": 20_000, "variants_max_train": 3_000},
        multilabel={"n_train": 20_000},
        denoise={"n_train": 20_000, "n_test": 5_000},
        augment={"n_train": 10_000},
    ),
    "full": _profile(),
}


def parse_sections(text: str | Sequence[str] | None) -> list[str]:
    """Section names in study order; ``None`` or "all" means every section."""
    if text is None or text == "all":
        return list(SECTIONS)
    names = [t.strip() for t in text.split(",")] if isinstance(text, str) else list(text)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown or not names:
        raise InputError(
            f"unknown section {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {', '.join(SECTIONS)}"
        )
    return [n for n in SECTIONS if n in names]


@cache
def source_hash() -> str:
    """A hash of mnistlab's own files: a changed package never reuses old results."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".html", ".css", ".js") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


#: The libraries whose version can change a section's figures or numbers (torch only when
#: installed).
KEY_LIBRARIES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "pandas",
    "cleanlab",
    "scikit-image",
    "pillow",
    "matplotlib",
    "seaborn",
    "torch",
)


@cache
def computing_versions() -> dict[str, str | None]:
    """Python's version and those of :data:`KEY_LIBRARIES` (None: not installed)."""
    return library_versions(KEY_LIBRARIES, keep_missing=True)


def section_key(name: str, settings: dict, dataset: Dataset, seed: int) -> str:
    """The cache key of one section's results.

    It covers the data's content (a hash of its arrays, whatever the source), the
    section's settings, the seed, mnistlab's source and :func:`computing_versions`.
    """
    blob = json.dumps(
        {
            "section": name,
            "settings": settings,
            "data": [
                dataset.name,
                dataset.n_train,
                dataset.n_test,
                sorted(dataset.checksums.items()),
                dataset_digest(dataset),
            ],
            "seed": seed,
            "source": source_hash(),
            "versions": computing_versions(),
        },
        sort_keys=True,
        default=str,
    )
    return f"{name}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def _figure_names(doc: dict) -> list[str]:
    """The figure names of a stored section, each a plain ``*.png`` file name.

    A cache entry is files anyone with access to the cache can edit: a name that is
    a path (``..``, absolute, a separator) would read or write outside its folder.
    """
    names = doc["figures"]
    if not isinstance(names, list):
        raise ValueError("figures is not a list")
    for n in names:
        if not (
            isinstance(n, str)
            and _FIGURE_NAME.fullmatch(n)
            and n == PurePosixPath(n).name == PureWindowsPath(n).name
        ):
            raise ValueError(f"figure name {n!r} is not a plain PNG file name")
    return names


_FIGURE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+=-]*\.png")


class SectionCache:
    """Finished sections as ``<root>/<key>/section.json`` plus PNGs, stored atomically."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_dir("study")

    def get(self, key: str) -> SectionResult | None:
        """The stored section, or None (also for an unreadable or tampered entry)."""
        folder = self.root / key
        try:
            doc = json.loads((folder / "section.json").read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or not key.startswith(f"{doc.get('name')}-"):
                raise ValueError("not the section of this key")
            figures = {n: (folder / n).read_bytes() for n in _figure_names(doc)}
            del doc["figures"]
            return SectionResult(**doc, figures=figures)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if folder.exists():
                logger.info("ignoring the cached section %s (%s)", key, exc)
            return None

    def lock(self, key: str) -> FileLock:
        """The lock of one entry: held while it is computed, so a second study sharing
        the cache waits for the section and then reads it instead of computing it too."""
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        return FileLock(locks / f"{key}.lock")

    def put(self, key: str, result: SectionResult) -> None:
        """Store a section: written to a temporary folder, then renamed into place.

        The same key is the same result, so a readable entry already there is kept (it
        never disappears under a reader); a damaged one is moved aside first. When another
        process stores the same entry in between, its copy is kept.
        """
        try:
            _figure_names({"figures": list(result.figures)})
        except ValueError as exc:  # never store what get would refuse
            logger.info("section %s is not cached: %s", key, exc)
            return
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=self.root))
        final = self.root / key
        aside: list[Path] = []
        try:
            for name, data in result.figures.items():
                (tmp / name).write_bytes(data)
            (tmp / "section.json").write_text(dumps_json(result.to_json()), encoding="utf-8")
            for _ in range(10):  # each retry means another process moved an entry meanwhile
                if final.exists() and self.get(key) is not None:
                    return
                if final.exists():
                    aside.append(Path(tempfile.mkdtemp(prefix=f".{key}.old.", dir=self.root)))
                    with contextlib.suppress(FileNotFoundError):
                        os.replace(final, aside[-1])
                try:
                    os.replace(tmp, final)
                    return
                except OSError as exc:
                    if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                        raise
                    if final.is_dir():
                        logger.debug("section %s: stored by another process", key)
                        return
        finally:
            for path in (tmp, *aside):
                if path.exists():
                    shutil.rmtree(path, ignore_errors=True)


class _Prefixed(Progress):
    """Progress of one section: its steps are named '<section>: <step>'."""

    def __init__(self, inner: Progress, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix

    def task(self, description: str, total: int) -> ProgressTask:
        return self.inner.task(f"{self.prefix}: {description}", total)


@dataclass
class StudyResult:
    """The study's sections and what it ran on."""

    dataset: dict
    checksums: dict
    profile: str
    seed: int
    n_jobs: Any
    sections: list[SectionResult] = field(default_factory=list)
    cached: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0

    def to_metrics(self) -> dict:
        """``DIR/metrics.json``: every section's ``results`` block, by section."""
        return {
            s.name: {"settings": s.settings, "data": s.data, "results": s.metrics}
            for s in self.sections
        }


def run_study(
    dataset: Dataset,
    sections: str | Sequence[str] | None = None,
    profile: str = "default",
    *,
    seed: int = 42,
    n_jobs: int | None = None,
    recompute: bool = False,
    cache: SectionCache | None = None,
    progress: Progress = SILENT,
    on_section: Callable[[SectionResult, bool], None] | None = None,
) -> StudyResult:
    """Run the study's sections in order, each from the cache when it has them.

    Parameters
    ----------
    dataset : Dataset
    sections : str or sequence of str, optional
        Comma-separated names (see ``SECTIONS``); default all.
    profile : {"default", "full", "quick"}
        "full" runs every section at its command's full settings; "quick" is meant for
        a small subset of the data (the commands' ``--quick``).
    seed : int
    n_jobs : int, optional
    recompute : bool
        Ignore the cache (results are still stored).
    cache : SectionCache, optional
        Default: ``study/`` below the cache root.
    progress : Progress
    on_section : callable, optional
        Called with each finished section and whether it came from the cache.
    """
    names = parse_sections(sections)
    if profile not in PROFILES:
        raise InputError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
    cache = cache or SectionCache()
    study = StudyResult(
        dataset={**dataset.describe()},
        checksums=dict(dataset.checksums),
        profile=profile,
        seed=seed,
        n_jobs=n_jobs,
    )
    start = time.perf_counter()
    with progress.task(f"study ({profile}): {len(names)} sections", len(names)) as overall:
        for name in names:
            settings = PROFILES[profile][name]
            if name == "model":  # models kept in the cache are part of what it shows
                settings = {**settings, "cached_models": _cached_models(dataset, seed)}
            key = section_key(name, settings, dataset, seed)
            # a study sharing the cache computes this section: wait, then read it
            with holding(cache.lock(key), f"computing the {name} section"):
                result = None if recompute else cache.get(key)
                from_cache = result is not None
                if result is None:
                    t0 = time.perf_counter()
                    result = SECTIONS[name].run(
                        dataset, settings, seed, n_jobs, _Prefixed(progress, name)
                    )
                    result.seconds = time.perf_counter() - t0
                    cache.put(key, result)
            study.sections.append(result)
            study.cached[name] = from_cache
            if on_section is not None:
                on_section(result, from_cache)
            overall.advance()
    study.seconds = time.perf_counter() - start
    return study


def _cached_models(dataset: Dataset, seed: int) -> dict[str, str]:
    """The preferred models kept in the cache for ``dataset`` and ``seed``: name -> checksum."""
    from mnistlab.models import read_card

    found = {}
    for name, path in preferred_model_dirs(dataset, seed).items():
        try:
            found[name] = read_card(path)["model_sha256"]
        except InputError:  # damaged: not part of the study
            continue
    return found


def section_document(study: StudyResult, result: SectionResult) -> dict:
    """The section's own ``metrics.json`` (the layout every command writes)."""
    described = {**study.dataset, **result.data}
    return metrics_document(
        f"study {result.name}", result.settings, described, study.seed, result.metrics
    )


def write_section(out: Any, study: StudyResult, result: SectionResult) -> None:
    """``DIR/<section>/``: its PNGs and ``metrics.json`` (written as soon as it is done)."""
    for name, data in result.figures.items():
        out.write_bytes(f"{result.name}/{name}", data)
    out.write_json(f"{result.name}/metrics.json", section_document(study, result))


def render_html(study: StudyResult) -> str:
    """The report: one self-contained page, figures embedded as base64 PNG."""
    template = template_env().get_template("report.html")

    sections = [
        {
            "name": s.name,
            "title": SECTIONS[s.name].title,
            "text": SECTIONS[s.name].text,
            "result": s,
            "cached": study.cached.get(s.name, False),
            "figures": [
                (n, base64.b64encode(data).decode("ascii")) for n, data in s.figures.items()
            ],
        }
        for s in study.sections
    ]
    return template.render(
        study=study,
        sections=sections,
        versions=library_versions(),
        generated=time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        version=__version__,
    )


def write_report(out: Any, study: StudyResult) -> Path:
    """``DIR/index.html`` and ``DIR/metrics.json`` (each section's files too)."""
    for result in study.sections:
        write_section(out, study, result)
    doc = metrics_document(
        "study",
        {
            "profile": study.profile,
            "sections": [s.name for s in study.sections],
            "n_jobs": study.n_jobs,
        },
        study.dataset,
        study.seed,
        study.to_metrics(),
    )
    doc["seconds"] = {s.name: s.seconds for s in study.sections}
    doc["cached"] = study.cached
    out.write_json("metrics.json", doc)
    return out.write_bytes("index.html", render_html(study))
