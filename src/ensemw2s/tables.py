"""Tables written four ways at once: CSV (numbers, for scripts), Markdown (README, review), LaTeX
(the paper, through pandas' ``Styler.to_latex`` with booktabs rules) and HTML (the Snakemake
report shows it rendered, through ``Styler.to_html``)."""

from __future__ import annotations

import html
import math
import re

import pandas as pd

from .files import atomic_open
from .labels import MEASURE_SUFFIXES, label


def format_mean_sem(mean: float, sem: float, digits: int = 3, *, signed: bool = False) -> str:
    """ "0.712 ± 0.013"; an undefined mean is "n/a"; an undefined SEM (one seed) leaves the plain
    value "0.712" (never "± 0.000"); ``signed``: "+0.012"."""
    sign = "+" if signed else ""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    if sem is None or (isinstance(sem, float) and math.isnan(sem)):
        return f"{mean:{sign}.{digits}f}"
    return f"{mean:{sign}.{digits}f} ± {sem:.{digits}f}"


def _cell(value) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def to_markdown(df: pd.DataFrame, caption: str = "") -> str:
    header = [str(c) for c in df.columns]
    lines = [f"{caption}\n" if caption else ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---:" if _numeric_column(df[c]) else "---" for c in df.columns) + "|")
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
# Unicode the tables print, as LaTeX math (applied after escaping).
_LATEX_UNICODE = {
    "±": r"$\pm$",
    "α": r"$\alpha$",
    "ε": r"$\varepsilon$",
    "→": r"$\to$",
    "−": r"$-$",
    "≥": r"$\geq$",
    "½": r"$\frac{1}{2}$",
}


def _latex_escape(text: str) -> str:
    return _latex_unicode("".join(_LATEX_SPECIAL.get(ch, ch) for ch in text))


def _latex_unicode(text: str) -> str:
    for char, math_mode in _LATEX_UNICODE.items():
        text = text.replace(char, math_mode)
    return text


_NUMBER = re.compile(r"^(n/a|[+-]?\d[\d.]*(e[+-]?\d+)?( ± [\d.]+)?( %)?|\d+/\d+)$")


def _numeric_column(column: pd.Series) -> bool:
    """Numbers, or "mean ± SEM" strings: right-aligned."""
    if pd.api.types.is_numeric_dtype(column) and column.dtype != bool:
        return True
    return len(column) > 0 and all(_NUMBER.match(str(value)) for value in column)


def column_format(df: pd.DataFrame) -> str:
    return "".join("r" if _numeric_column(df[c]) else "l" for c in df.columns)


def to_latex(df: pd.DataFrame, caption: str = "") -> str:
    r"""A booktabs table (``\toprule`` / ``\midrule`` / ``\bottomrule``) through pandas'
    ``Styler.to_latex``: text columns left-, number columns right-aligned, cells and headers
    escaped, "±" and the Greek of the headers in math mode."""
    shown = df.copy()
    shown.columns = [str(c) for c in shown.columns]
    styler = shown.style.hide(axis="index").format(_cell, escape="latex").format_index(escape="latex", axis=1)
    latex = styler.to_latex(
        hrules=True,
        column_format=column_format(shown),
        position="t",
        position_float="centering",
        caption=_latex_escape(caption) if caption else None,
    )
    return _latex_unicode(latex)


# The report shows a table's HTML in an iframe of its own: the page carries its own style.
_HTML_STYLES = [
    {"selector": "", "props": "border-collapse: collapse; font-family: sans-serif; font-size: 13px;"},
    {"selector": "caption", "props": "caption-side: top; text-align: left; padding: 6px 0; max-width: 60em;"},
    {"selector": "th, td", "props": "padding: 3px 8px; border-bottom: 1px solid #ccc; text-align: left;"},
    {"selector": "th", "props": "border-bottom: 2px solid #333;"},
]


def to_html(df: pd.DataFrame, caption: str = "") -> str:
    """A standalone page (``Styler.to_html``): the table as shown (cells as in ``.md``), its
    caption above it, number columns right-aligned, cells and headers escaped."""
    shown = df.copy()
    shown.columns = [str(c) for c in shown.columns]
    styler = shown.style.hide(axis="index").format(_cell, escape="html").format_index(escape="html", axis=1)
    # a fixed uuid: the same table gives the same file (Styler's ids are random otherwise)
    styler = styler.set_uuid("table").set_table_styles(_HTML_STYLES)
    right = {c: [{"selector": "td, th", "props": "text-align: right;"}] for c in shown.columns if _numeric_column(shown[c])}
    styler = styler.set_table_styles(right, overwrite=False)
    return styler.to_html(caption=html.escape(caption) if caption else None, doctype_html=True, encoding="utf-8")


def write_table(df: pd.DataFrame, stem: str, caption: str = "", *, display: pd.DataFrame | None = None) -> None:
    """Write ``{stem}.csv`` from ``df`` and ``{stem}.md`` / ``.tex`` / ``.html`` from ``display``
    (default ``df``; pass a frame of "mean ± SEM" strings to keep the CSV numeric), atomically."""
    with atomic_open(f"{stem}.csv") as handle:
        df.to_csv(handle, index=False, float_format="%.6g")
    write_shown(df if display is None else display, stem, caption)


def write_shown(shown: pd.DataFrame, stem: str, caption: str = "") -> None:
    """Write ``{stem}.md``, ``{stem}.tex`` and ``{stem}.html`` of ``shown`` (no CSV), atomically."""
    for ext, render in (("md", to_markdown), ("tex", to_latex), ("html", to_html)):
        with atomic_open(f"{stem}.{ext}") as handle:
            handle.write(render(shown, caption))


def write_measure_tables(numbers: pd.DataFrame, shown: dict[str, pd.DataFrame], stem: str, caption: str) -> list[str]:
    """One table per accuracy measure: ``{stem}.csv`` holds every measure's numbers; each
    measure's display goes to ``{stem}{suffix}.md`` / ``.tex`` / ``.html`` (:data:`MEASURE_SUFFIXES`: option
    accuracy in the main file), its caption ``caption`` with the measure's name ("{measure}").
    Returns the stems written."""
    with atomic_open(f"{stem}.csv") as handle:
        numbers.to_csv(handle, index=False, float_format="%.6g")
    stems = []
    for measure, display in shown.items():
        write_shown(display, f"{stem}{MEASURE_SUFFIXES[measure]}", caption.format(measure=label(measure)))
        stems.append(f"{stem}{MEASURE_SUFFIXES[measure]}")
    return stems
