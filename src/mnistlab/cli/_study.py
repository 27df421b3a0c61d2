"""The ``study`` command: every section, an HTML report and metrics.json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mnistlab._errors import InputError
from mnistlab.cli import _common as shared
from mnistlab.cli._common import Common, app, shared_options

SectionsOpt = Annotated[
    str,
    typer.Option(
        help="Comma-separated sections to run, in study order: data, binary, pairs, multiclass, "
        "multilabel, denoise, clean, search, model, augment; or all.",
    ),
]
FullOpt = Annotated[
    bool,
    typer.Option(
        "--full",
        help="Run every section at its command's full settings on all the data (slower; the "
        "default profile runs the slow models on stated subsets to finish in 10 to 14 minutes "
        "on 2 cores).",
    ),
]
RecomputeOpt = Annotated[
    bool,
    typer.Option(
        "--recompute",
        help="Ignore cached section results (they are cached by the data's content, settings, "
        "seed, mnistlab's source and library versions).",
    ),
]


@app.command("study")
@shared_options(Path("mnistlab-out/study"))
def study(
    sections: SectionsOpt = "all",
    full: FullOpt = False,
    recompute: RecomputeOpt = False,
    *,
    common: Common,
) -> None:
    """The whole study in one command: every section, an HTML report and metrics.json.

    Writes DIR/index.html (one self-contained page), DIR/metrics.json (every
    section's results) and DIR/<section>/ (its PNGs and metrics.json). Finished
    sections are cached, so an interrupted run resumes and a rerun is near-instant.
    """
    from mnistlab import report

    names = report.parse_sections(sections)
    if full and common.quick:
        raise InputError("--full and --quick exclude each other; choose one")
    profile = "quick" if common.quick else "full" if full else "default"
    with shared.output(common) as outdir:
        ds = shared.load_data(common)

        def done(result: Any, cached: bool) -> None:
            report.write_section(outdir, partial, result)
            if not common.quiet:
                how = "from the cache" if cached else f"in {result.seconds:.1f} s"
                headline = "; ".join(f"{k} {v}" for k, v in result.headline[:2])
                shared.err_console.print(f"{result.name}: done {how}: {headline}", markup=False)

        partial = report.StudyResult(
            dataset=ds.describe(),
            checksums=dict(ds.checksums),
            profile=profile,
            seed=common.seed,
            n_jobs=common.n_jobs,
        )
        with shared.CliProgress(common) as progress:
            result = report.run_study(
                ds,
                names,
                profile,
                seed=common.seed,
                n_jobs=common.n_jobs,
                recompute=recompute,
                progress=progress,
                on_section=done,
            )
        page = report.write_report(outdir, result)
        shared.print_tables([report.study_table(result)])
        if not common.quiet:
            shared.err_console.print(f"report: {page}", markup=False)
