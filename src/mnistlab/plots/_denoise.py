"""Figures of denoising and dataset cleaning."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from mnistlab.plots._images import digit_grid
from mnistlab.plots._style import styled_figure
from mnistlab.tasks import DenoiseResult


def denoise_grid(result: DenoiseResult) -> Figure:
    """Rows: the noisy input, each denoiser's output, the clean image; one column per image."""
    rows = [("noisy", result.sample_noisy)]
    rows += [(name, r.sample) for name, r in result.denoisers.items()]
    rows.append(("clean", result.sample_clean))
    n = len(result.sample_index)
    h, w = result.image_shape
    with styled_figure((1.0 * n + 1.6, 1.05 * len(rows)), style="white") as fig:
        axes = fig.subplots(len(rows), n, squeeze=False)
        for i, (label, images) in enumerate(rows):
            for j in range(n):
                ax = axes[i, j]
                ax.imshow(
                    np.clip(np.asarray(images[j], dtype=float), 0, result.pixel_max).reshape(h, w),
                    cmap="binary",
                    vmin=0,
                    vmax=result.pixel_max,
                    interpolation="nearest",
                )
                ax.set_xticks([])
                ax.set_yticks([])
                if j == 0:
                    ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        fig.suptitle(f"{result.noise} noise: input, denoised, clean (test images)", fontsize=10)
    return fig


def denoise_scores(result: DenoiseResult) -> Figure:
    """Bars of test MSE (0..255 scale) and PSNR of the noisy input and every denoiser."""
    entries = [("noisy", result.noisy), *result.denoisers.items()]
    names = [n for n, _ in entries]
    colors = ["0.6"] + [f"C{i}" for i in range(len(entries) - 1)]
    with styled_figure((10, 3.8)) as fig:
        ax1, ax2 = fig.subplots(1, 2)
        ax1.barh(names, [r.mse for _, r in entries], color=colors)
        ax1.set_xscale("log")
        ax1.set_xlabel("MSE on the test set (0..255 scale, log)")
        ax1.invert_yaxis()
        ax2.barh(names, [r.psnr for _, r in entries], color=colors)
        ax2.set_xlabel("PSNR (dB, peak 255)")
        ax2.invert_yaxis()
        ax2.set_yticklabels([])
        for ax, values, fmt in (
            (ax1, [r.mse for _, r in entries], "{:.0f}"),
            (ax2, [r.psnr for _, r in entries], "{:.1f}"),
        ):
            for k, v in enumerate(values):
                ax.annotate(
                    fmt.format(v),
                    (v, k),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
        fig.suptitle(f"denoising {result.noise} noise", fontsize=10)
    return fig


def label_issue_gallery(
    images, given, suggested, scores, image_shape, pixel_max: int, title: str = ""
) -> Figure:
    """Likely mislabelled images: "given→suggested (label quality)"."""
    titles = [f"{g}→{s} ({q:.2f})" for g, s, q in zip(given, suggested, scores, strict=True)]
    return digit_grid(
        images,
        image_shape,
        titles,
        ncols=min(8, max(1, len(titles))),
        cell_inches=1.15,
        pixel_max=pixel_max,
        title=title,
    )
