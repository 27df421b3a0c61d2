"""Report: the ``metrics.json`` document, the figures of each part of the study, and the
HTML report of the whole study.

Each name is imported on first use (``lazy_loader``).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "_figures": [
            "binary_figures",
            "clean_figures",
            "data_figures",
            "denoise_figures",
            "evaluate_figures",
            "multiclass_figures",
            "multilabel_figures",
            "pairs_figures",
        ],
        "_metrics": ["metrics_document"],
        "_sections": ["SECTIONS", "Section", "SectionResult"],
        "_study": [
            "PROFILES",
            "SectionCache",
            "StudyResult",
            "parse_sections",
            "render_html",
            "run_study",
            "section_key",
            "source_hash",
            "write_report",
            "write_section",
        ],
    },
)
