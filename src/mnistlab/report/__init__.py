"""Report: the ``metrics.json`` document, the figures of each part of the study, and the
HTML report of the whole study."""

from mnistlab.report._figures import (
    binary_figures,
    clean_figures,
    data_figures,
    denoise_figures,
    evaluate_figures,
    multiclass_figures,
    multilabel_figures,
    pairs_figures,
    search_figures,
)
from mnistlab.report._metrics import metrics_document
from mnistlab.report._sections import SECTIONS, Section, SectionResult
from mnistlab.report._study import (
    PROFILES,
    SectionCache,
    StudyResult,
    parse_sections,
    render_html,
    run_study,
    section_key,
    source_hash,
    write_report,
    write_section,
)

__all__ = [
    "PROFILES",
    "SECTIONS",
    "Section",
    "SectionCache",
    "SectionResult",
    "StudyResult",
    "binary_figures",
    "clean_figures",
    "data_figures",
    "denoise_figures",
    "evaluate_figures",
    "metrics_document",
    "multiclass_figures",
    "multilabel_figures",
    "pairs_figures",
    "parse_sections",
    "render_html",
    "run_study",
    "search_figures",
    "section_key",
    "source_hash",
    "write_report",
    "write_section",
]
