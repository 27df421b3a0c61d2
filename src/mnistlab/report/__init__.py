"""Report: the ``metrics.json`` document, the figures and tables of each part of the study,
and the HTML report of the whole study.

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
            "search_figures",
            "search_model_figures",
            "train_figures",
        ],
        "_metrics": ["metrics_document"],
        "_sections": ["SECTIONS", "Section", "SectionResult"],
        "_study": [
            "PROFILES",
            "QUICK_DENOISERS",
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
        "_tables": [
            "FORMATS",
            "Column",
            "Table",
            "binary_tables",
            "clean_tables",
            "confusions_table",
            "dataset_tables",
            "denoise_tables",
            "format_value",
            "html_table",
            "model_scores_table",
            "multiclass_tables",
            "multilabel_tables",
            "pairs_tables",
            "per_class_table",
            "predictions_table",
            "rich_table",
            "search_tables",
            "study_table",
            "styled",
            "to_frame",
        ],
    },
)
