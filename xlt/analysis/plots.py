"""Figures of the analysis (matplotlib, Agg backend): forgetting curves, donor/recipient bars, and the
helpers the heatmaps (:mod:`xlt.analysis.heatmap`) share. PNG, PDF or SVG.

Tick labels carry the display name and the code; figures grow with the number of languages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from xlt.workspace import atomic_open

DPI = 150  # PNG resolution: tick labels of 5 pt stay readable when printed at 100 %
BARS_TOP = 30  # bars shown when no --top is given: the tail of 200 donors is noise around zero


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def label(iso3: str) -> str:
    """'Name (code)' for a tick label; the code alone when the registry does not know it."""
    from xlt.languages import name_of

    name = name_of(iso3)
    return f"{name} ({iso3})" if name != iso3 else iso3


def save(fig: Any, path: Path, fmt: str = "png") -> Path:
    """Write the figure as `path` + ".`fmt`" and close it."""
    import matplotlib

    path = path.parent / f"{path.name}.{fmt}"  # not with_suffix: "Dr. Foo" has a dot
    # SVG and PDF keep text as text (editable, searchable in a paper's figure), not as outlines
    text: dict[Any, Any] = {"svg.fonttype": "none", "pdf.fonttype": 42}
    with matplotlib.rc_context(text), atomic_open(path, "wb") as handle:
        fig.savefig(handle, format=fmt, dpi=DPI, bbox_inches="tight")
    pyplot().close(fig)
    return path


def forgetting_curves(
    checkpoints: pl.DataFrame, zero_shot: pl.DataFrame, hr_lang: str, path: Path, fmt: str = "png"
) -> Path:
    """Perplexity against step for every LR language of one HR language, with the zero-shot line.

    `checkpoints`: per-checkpoint perplexity (run_id, hr_lang, step, lr_lang, perplexity); one line per run.
    """
    plt = pyplot()
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
    return save(fig, path, fmt)


def _significance(q: float | None, flagged: bool) -> str:
    if q is None or not np.isfinite(q):
        return ""
    return f"q={q:.2g}" + (" ★" if flagged else "")


def bars(
    frame: pl.DataFrame,
    key: str,
    path: Path,
    title: str,
    flag: str,
    top: int | None = None,
    fmt: str = "png",
) -> Path:
    """The first `top` rows of a donors/recipients table as horizontal bars of ``n_improved`` (first on
    top), the count the pooled rate predicts as a tick, the BH q-value beside each bar, ★ and orange
    where `flag` (q below the table's ``alpha``). An empty finding (nobody improved anything) is
    written on the figure."""
    plt = pyplot()
    shown = frame.head(top or BARS_TOP)
    keys = shown[key].to_list()
    counts = shown["n_improved"].cast(pl.Float64).to_numpy()
    flags = shown[flag].fill_null(False).to_list()
    fig, ax = plt.subplots(figsize=(7.5, max(2.6, 1.4 + 0.22 * len(keys))))
    ax.barh(range(len(keys)), counts, color=["tab:orange" if f else "tab:blue" for f in flags], height=0.7)
    if "expected" in shown.columns:
        ax.scatter(shown["expected"].to_numpy(), range(len(keys)), marker="|", s=120, color="black",
                   zorder=3, label="expected at the pooled rate")  # fmt: skip
    limit = max(float(counts.max()) if counts.size else 0.0, 1.0)
    expected = shown["expected"].to_numpy() if "expected" in shown.columns else np.zeros(len(keys))
    for i, q in enumerate(shown["q_value"].to_list() if "q_value" in shown.columns else []):
        ax.text(
            max(counts[i], expected[i]) + limit * 0.012,
            i,
            _significance(q, flags[i]),
            va="center",
            fontsize=6,
        )
    ax.set_xlim(0, limit * 1.18)
    ax.set_yticks(range(len(keys)), [label(k) for k in keys], fontsize=7 if len(keys) <= 40 else 5.5)
    ax.invert_yaxis()
    basis = shown["count_basis"][0] if "count_basis" in shown.columns and shown.height else "raw"
    significant = basis == "significant"
    if key == "hr_lang":
        what = "LR languages " + ("significantly improved" if significant else "pushed below zero-shot")
    else:
        what = "HR donors that " + ("significantly improve it" if significant else "push it below zero-shot")
    ax.set_xlabel(what, fontsize=8)
    rate = float(shown["pooled_rate"][0]) if "pooled_rate" in shown.columns and shown.height else 0.0
    alpha = float(shown["alpha"][0]) if "alpha" in shown.columns and shown.height else 0.05
    test = f"one-sided binomial test vs pooled rate {rate:.2f}, BH q < {alpha:g}: ★"
    ax.set_title(f"{title}: top {len(keys)} of {frame.height}\n{test}", fontsize=9)
    if not counts.size or counts.max() == 0:
        ax.text(0.5, 0.5, f"Empty finding: no {'donor' if key == 'hr_lang' else 'recipient'} improved "
                "(no cell below zero-shot perplexity)", transform=ax.transAxes, ha="center",
                va="center", fontsize=10, color="firebrick", wrap=True)  # fmt: skip
    elif "expected" in shown.columns:
        ax.legend(loc="lower right", fontsize=7)
    return save(fig, path, fmt)
