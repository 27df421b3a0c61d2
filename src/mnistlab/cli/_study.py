"""The ``study`` command: every section, an HTML report and metrics.json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from mnistlab._errors import InputError
from mnistlab.cli._common import (
    Common,
    _CliProgress,
    _load,
    _output,
    app,
    console,
    err_console,
    shared_options,
)


@app.command("study")
@shared_options(Path("mnistlab-out/study"))
def study(
    sections: Annotated[
        str,
        typer.Option(
            "--sections",
            help="Comma-separated sections to run, in study order: data, binary, pairs, "
            "multiclass, multilabel, denoise, clean, model; or all.",
        ),
    ] = "all",
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Run every section at its command's full settings on all the data "
            "(slower; the default profile runs the slow models on stated subsets to "
            "finish in about 15 minutes on 2 cores).",
        ),
    ] = False,
    recompute: Annotated[
        bool,
        typer.Option(
            "--recompute",
            help="Ignore cached section results (they are cached by the data's content, "
            "settings, seed, mnistlab's source and library versions).",
        ),
    ] = False,
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
    with _output(common) as outdir:
        ds = _load(common)

        def done(result: Any, cached: bool) -> None:
            report.write_section(outdir, partial, result)
            if not common.quiet:
                how = "from the cache" if cached else f"in {result.seconds:.1f} s"
                headline = "; ".join(f"{k} {v}" for k, v in result.headline[:2])
                err_console.print(f"{result.name}: done {how}: {headline}", markup=False)

        partial = report.StudyResult(
            dataset=ds.describe(),
            checksums=dict(ds.checksums),
            profile=profile,
            seed=common.seed,
            n_jobs=common.n_jobs,
        )
        with _CliProgress(common) as progress:
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
        table = Table(
            title=f"Study of {ds.name} ({profile} profile, {result.seconds:.1f} s)",
            title_justify="left",
        )
        for col in ("section", "seconds", "headline"):
            table.add_column(col, justify="right" if col == "seconds" else "left")
        for s in result.sections:
            cached = " (cached)" if result.cached[s.name] else ""
            table.add_row(
                s.name,
                f"{s.seconds:.1f}{cached}",
                escape("; ".join(f"{k}: {v}" for k, v in s.headline)),
            )
        console.print(table)
        if not common.quiet:
            err_console.print(f"report: {page}", markup=False)
