"""PNG figures of the analysis (matplotlib, Agg backend): heatmaps, forgetting curves, donor/recipient bars.

Figures grow with the number of languages (about 0.45 inch per row/column) and label every tick with the
display name and code, rotated, so that matrices of dozens of languages stay readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from xlt.workspace import atomic_open

CELL_INCH = 0.45  # per heatmap row/column: room for a two-decimal annotation and a rotated label
MAX_ANNOTATED = 30  # above this many columns, cell numbers become unreadable: colours only


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def label(iso3: str) -> str:
    """'Name (code)' for a tick label; the code alone when the registry does not know it."""
    from xlt.languages import name_of

    name = name_of(iso3)
    return f"{name} ({iso3})" if name != iso3 else iso3


def _save(fig: Any, path: Path) -> Path:
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def heatmap(
    frame: pl.DataFrame,
    value: str,
    path: Path,
    title: str,
    diverging: bool = False,
    rows: str = "hr_lang",
    cols: str = "lr_lang",
) -> Path:
    """Rows × columns heatmap of `value`; a diverging colormap centred at 0 when `diverging`."""
    plt = _pyplot()
    from matplotlib.colors import TwoSlopeNorm

    row_keys = sorted(frame[rows].unique().to_list())
    col_keys = sorted(frame[cols].unique().to_list())
    grid = np.full((len(row_keys), len(col_keys)), np.nan)
    r_index = {k: i for i, k in enumerate(row_keys)}
    c_index = {k: i for i, k in enumerate(col_keys)}
    for r, c, v in frame.select(rows, cols, pl.col(value).cast(pl.Float64)).iter_rows():
        if v is not None:
            grid[r_index[r], c_index[c]] = v
    width = max(6.0, 3.0 + CELL_INCH * len(col_keys))
    height = max(4.0, 2.5 + CELL_INCH * len(row_keys))
    fig, ax = plt.subplots(figsize=(width, height))
    finite = grid[np.isfinite(grid)]
    if diverging:
        bound = float(np.max(np.abs(finite))) if finite.size else 1.0
        bound = bound or 1.0
        image = ax.imshow(grid, cmap="RdBu", norm=TwoSlopeNorm(0.0, -bound, bound), aspect="auto")
    else:
        image = ax.imshow(grid, cmap="viridis", aspect="auto")
    fig.colorbar(image, ax=ax, label=value, shrink=0.8)
    ax.set_xticks(range(len(col_keys)), [label(k) for k in col_keys], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(row_keys)), [label(k) for k in row_keys], fontsize=8)
    ax.set_xlabel("low-resource (evaluated) language" if cols == "lr_lang" else cols)
    ax.set_ylabel("high-resource (pretraining) language" if rows == "hr_lang" else rows)
    ax.set_title(title)
    if len(col_keys) <= MAX_ANNOTATED:
        for (i, j), v in np.ndenumerate(grid):
            if np.isfinite(v):
                # white on the saturated ends of RdBu, on the dark (low) end of viridis
                shade = image.norm(v)
                dark = abs(shade - 0.5) > 0.3 if diverging else shade < 0.5
                ax.text(
                    j, i, f"{v:.2f}", ha="center", va="center", fontsize=6, color="white" if dark else "black"
                )
    return _save(fig, path)


def forgetting_curves(checkpoints: pl.DataFrame, zero_shot: pl.DataFrame, hr_lang: str, path: Path) -> Path:
    """Perplexity against step for every LR language of one HR language, with the zero-shot line.

    `checkpoints`: per-checkpoint perplexity (run_id, hr_lang, step, lr_lang, perplexity); one line per run.
    """
    plt = _pyplot()
    part = checkpoints.filter(pl.col("hr_lang") == hr_lang)
    lrs = sorted(part["lr_lang"].unique().to_list())
    ncols = min(4, max(1, len(lrs)))
    nrows = max(1, -(-len(lrs) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False)
    zs = dict(zero_shot.group_by("lr_lang").agg(pl.col("zs_ppl").mean()).iter_rows())
    for ax, lr in zip(axes.flat, lrs, strict=False):
        runs = part.filter(pl.col("lr_lang") == lr).sort("step").group_by("run_id", maintain_order=True)
        for (run,), curve in runs:
            steps = curve["step"].fill_null(0).to_list()
            values = curve["perplexity"].to_list()
            if lr in zs and steps and steps[0] > 0:  # every run starts from the base model at step 0
                steps, values = [0, *steps], [zs[lr], *values]
            ax.plot(steps, values, marker="o", markersize=3, label=str(run))
        if lr in zs:
            ax.axhline(zs[lr], color="grey", linestyle="--", linewidth=1, label="zero-shot")
        ax.set_title(label(lr), fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.set_ylabel("perplexity", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(lrs) :]:
        ax.axis("off")
    handles, names = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="lower center", ncol=min(6, len(handles)), fontsize=7)
    fig.suptitle(f"Pretraining on {label(hr_lang)}: LR perplexity by step")
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _save(fig, path)


def bars(
    frame: pl.DataFrame, key: str, value: str, path: Path, title: str, highlight: str | None = None
) -> Path:
    """Horizontal bars of `value` per `key` in the frame's order, first on top."""
    plt = _pyplot()
    keys: Sequence[str] = frame[key].to_list()
    values = frame[value].cast(pl.Float64).to_numpy()
    colors = ["tab:orange" if h else "tab:blue" for h in frame[highlight].to_list()] if highlight else None
    fig, ax = plt.subplots(figsize=(7.0, max(2.5, 1.2 + 0.3 * len(keys))))
    ax.barh(range(len(keys)), values, color=colors)
    ax.set_yticks(range(len(keys)), [label(k) for k in keys], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(value)
    ax.set_title(title)
    return _save(fig, path)
