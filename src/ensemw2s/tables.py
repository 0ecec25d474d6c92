"""Tables written three ways at once: CSV (numbers, for scripts), Markdown (README, review) and
LaTeX (the paper).  Markdown and LaTeX are rendered here, so no extra dependency is needed."""

from __future__ import annotations

import math

import pandas as pd

from .files import atomic_open


def format_mean_sem(mean: float, sem: float, digits: int = 3) -> str:
    """ "0.712 ± 0.013"; an undefined mean is "n/a", an undefined SEM (one seed) is "0.712 ± n/a"."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    if sem is None or (isinstance(sem, float) and math.isnan(sem)):
        return f"{mean:.{digits}f} ± n/a"
    return f"{mean:.{digits}f} ± {sem:.{digits}f}"


def _cell(value) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def to_markdown(df: pd.DataFrame, caption: str = "") -> str:
    header = [str(c) for c in df.columns]
    lines = [f"{caption}\n" if caption else ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(line for line in lines if line != "") + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _latex_escape(text: str) -> str:
    escaped = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)
    return escaped.replace("±", r"$\pm$")


def to_latex(df: pd.DataFrame, caption: str = "") -> str:
    lines = [r"\begin{table}[t]", r"\centering", r"\small"]
    if caption:
        lines.append(r"\caption{" + _latex_escape(caption) + "}")
    lines.append(r"\begin{tabular}{" + "l" * len(df.columns) + "}")
    lines.append(r"\toprule")
    lines.append(" & ".join(_latex_escape(str(c)) for c in df.columns) + r" \\")
    lines.append(r"\midrule")
    for row in df.itertuples(index=False):
        lines.append(" & ".join(_latex_escape(_cell(v)) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def write_table(df: pd.DataFrame, stem: str, caption: str = "", *, display: pd.DataFrame | None = None) -> None:
    """Write ``{stem}.csv`` from ``df`` and ``{stem}.md`` / ``{stem}.tex`` from ``display``
    (default ``df``; pass a frame of "mean ± SEM" strings to keep the CSV numeric), atomically."""
    shown = df if display is None else display
    with atomic_open(f"{stem}.csv") as handle:
        df.to_csv(handle, index=False, float_format="%.6g")
    with atomic_open(f"{stem}.md") as handle:
        handle.write(to_markdown(shown, caption))
    with atomic_open(f"{stem}.tex") as handle:
        handle.write(to_latex(shown, caption))
