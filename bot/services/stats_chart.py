"""The figures of /thong_ke drawn as one PNG (matplotlib, Agg, DejaVu Sans for Vietnamese)."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.ticker import MaxNLocator

# matplotlib is imported when a chart is first drawn, not with the bot: it adds about 40 MB
# to every process, and most never draw a chart.

__all__ = ["Panel", "chart_png"]

_BLUE, _GREEN, _GREY, _ORANGE = "#2f6db3", "#3a9a5b", "#d5d9de", "#e08a2e"
_MIN_ROWS = 5


class Panel(BaseModel):
    """One small chart: already translated labels and their numbers."""

    title: str
    kind: Literal["bars", "columns", "fill"]
    labels: list[str] = Field(default_factory=list)
    values: list[int] = Field(default_factory=list)
    totals: list[int] = Field(default_factory=list)  # "fill": the booths of each fair
    legend: list[str] = Field(default_factory=list)  # "fill": held, free
    empty: str = "—"  # shown when there is nothing to draw


def _short(label: str, limit: int = 32) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _rows(ax: Axes, labels: list[str]) -> list[int]:
    """Y positions for horizontal bars, the first label on top; a few bars keep a slim
    height instead of filling the panel."""
    slots = max(len(labels), _MIN_ROWS)
    ys = [slots - 1 - i for i in range(len(labels))]
    ax.set_yticks(ys, labels)
    ax.set_ylim(-0.6, slots - 0.4)
    return ys


def _bars(ax: Axes, panel: Panel) -> None:
    """Horizontal bars, the largest on top."""
    ys = _rows(ax, [_short(x) for x in panel.labels])
    bars = ax.barh(ys, panel.values, height=0.6, color=_BLUE)
    ax.bar_label(bars, padding=3)
    ax.set_xlim(0, max(panel.values) * 1.2 + 1)
    ax.xaxis.set_major_locator(_integer_ticks())


def _columns(ax: Axes, panel: Panel) -> None:
    """Vertical columns, labels under them."""
    bars = ax.bar(panel.labels, panel.values, width=0.6, color=_GREEN)
    ax.bar_label(bars, padding=2)
    ax.set_ylim(0, max(panel.values) * 1.2 + 1)
    ax.yaxis.set_major_locator(_integer_ticks())
    ax.tick_params(axis="x", labelrotation=45 if len(panel.labels) > 4 else 0)


def _fill(ax: Axes, panel: Panel) -> None:
    """Booths held and free per fair, with `held/total` at the end of each bar."""
    ys = _rows(ax, [_short(x, 28) for x in panel.labels])
    free = [max(t - h, 0) for h, t in zip(panel.values, panel.totals, strict=True)]
    held_label = panel.legend[0] if panel.legend else None
    free_label = panel.legend[1] if panel.legend else None
    ax.barh(ys, panel.values, height=0.6, color=_ORANGE, label=held_label)
    ax.barh(ys, free, height=0.6, left=panel.values, color=_GREY, label=free_label)
    for y, h, t in zip(ys, panel.values, panel.totals, strict=True):
        ax.text(max(h, t) * 1.02 + 0.5, y, f"{h}/{t}", va="center")
    ax.set_xlim(0, max(*panel.totals, *panel.values) * 1.25 + 1)
    ax.xaxis.set_major_locator(_integer_ticks())
    if panel.legend:
        ax.legend(loc="lower right", fontsize=8)


def _integer_ticks() -> MaxNLocator:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def chart_png(title: str, panels: list[Panel]) -> bytes:
    """Every panel in a grid of two columns under `title`, as PNG bytes."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = max(1, math.ceil(len(panels) / 2))
    # DejaVu Sans ships with matplotlib and has every Vietnamese letter (ư, ơ, ạ, ễ, đ …).
    with rc_context({"font.family": "DejaVu Sans", "font.size": 10}):
        fig = Figure(figsize=(13, 4.2 * rows + 0.8), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        fig.suptitle(title, fontsize=15, fontweight="bold")
        axes = fig.subplots(rows, 2, squeeze=False).flatten()
        for ax, panel in zip(axes, panels, strict=False):
            ax.set_title(panel.title, fontsize=12, loc="left")
            ax.spines[["top", "right"]].set_visible(False)
            if not panel.values or not any(panel.values + panel.totals):
                ax.text(0.5, 0.5, panel.empty, ha="center", va="center", transform=ax.transAxes)
                ax.set_axis_off()
                continue
            {"bars": _bars, "columns": _columns, "fill": _fill}[panel.kind](ax, panel)
        for ax in axes[len(panels) :]:
            ax.set_axis_off()
        out = io.BytesIO()
        fig.savefig(out, format="png")
    return out.getvalue()
