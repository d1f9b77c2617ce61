"""The side-by-side HTML report, built in two steps: view rows (plain data), then a template.

Every text fragment goes through ``html.escape`` on its way into the page, so hostile copy
(``<script>``, ``" onerror=``, entities) is shown as text and never runs. The page is one
self-contained file: inline CSS and JS, no network.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .document import Kind
from .pipeline import RunResult
from .score import with_ours


@dataclass(frozen=True)
class Row:
    kind: str  # "paragraph" (a marker before a paragraph's beads), "break" or "bead"
    paragraph: int = -1
    label: str = ""
    bead: int = -1
    bead_kind: str = ""
    source: str = ""
    mt: str = ""
    reference: str = ""
    confidence: float | None = None
    bleu: float | None = None
    chrf: float | None = None


def view_rows(result: RunResult) -> list[Row]:
    """The report's rows in reading order: paragraph markers, section breaks and beads."""
    src = result.source
    ref_sents = result.reference.sentences if result.reference else ()
    rows: list[Row] = []
    shown = -1

    def open_paragraph(p: int) -> None:
        nonlocal shown
        for q in range(shown + 1, p + 1):
            para = src.paragraphs[q]
            if para.kind is Kind.BREAK:
                rows.append(Row("break", q, "section break"))
            else:
                rows.append(Row("paragraph", q, f"¶ {q + 1} · {para.kind.value}"))
        shown = max(shown, p)

    if result.alignment is None:
        for s in src.sentences:
            open_paragraph(s.paragraph)
            rows.append(Row("bead", s.paragraph, bead=s.id, bead_kind="1-1", source=s.text, mt=result.mt[s.id]))
    else:
        per_bead = result.scores.per_bead if result.scores else ()
        for k, bead in enumerate(result.alignment.beads):
            if bead.left:
                open_paragraph(src.sentences[bead.left[0]].paragraph)
            score = per_bead[k] if k < len(per_bead) else None
            rows.append(
                Row(
                    "bead",
                    shown,
                    bead=k,
                    bead_kind=bead.kind,
                    source=" ".join(src.sentences[i].text for i in bead.left),
                    mt=" ".join(result.mt[i] for i in bead.left),
                    reference=" ".join(ref_sents[j].text for j in bead.right),
                    confidence=bead.score,
                    bleu=score.bleu if score else None,
                    chrf=score.chrf if score else None,
                )
            )
    open_paragraph(len(src.paragraphs) - 1)
    return rows


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _row_html(row: Row, has_ref: bool) -> str:
    cols = 4 + has_ref
    if row.kind == "break":
        return f'<tr class="break"><td colspan="{cols}">___ {_e(row.label)} ___</td></tr>'
    if row.kind == "paragraph":
        return f'<tr class="para" data-paragraph="{row.paragraph}"><td colspan="{cols}">{_e(row.label)}</td></tr>'
    missing = ' class="miss"'
    cells = [
        f'<td class="id">{row.bead}<br><span class="k">{_e(row.bead_kind)}</span></td>',
        f'<td lang="fr"{missing if not row.source else ""}>{_e(row.source) or "∅"}</td>',
        f'<td lang="en"{missing if not row.mt else ""}>{_e(row.mt) or "∅"}</td>',
    ]
    if has_ref:
        cells.append(f'<td lang="en"{missing if not row.reference else ""}>{_e(row.reference) or "∅"}</td>')
    conf = "" if row.confidence is None else f"conf {row.confidence:.2f}<br>"
    cells.append(f'<td class="sc">{conf}BLEU {_num(row.bleu)}<br>chrF {_num(row.chrf)}</td>')
    attrs = f'id="bead-{row.bead}" data-bead="{row.bead}" data-bleu="{_num(row.bleu)}"'
    return f'<tr class="bead" {attrs}>{"".join(cells)}</tr>'


CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#f4f4f4;position:sticky;top:0}
tr.para td{background:#eef3fb;font-weight:600;font-size:.85em;color:#345}
tr.break td{text-align:center;color:#999}
td.id{color:#888;font-size:.8em;width:3em}td.sc{font-size:.8em;color:#555;width:7em;white-space:nowrap}
td.miss{background:#fff3f0;color:#b33}.k{color:#36c}
.sig{font:12px monospace;color:#555;word-break:break-all}
table.scores td{border:none;padding:.1em .6em}
"""


def _where_the_errors_are(result: RunResult) -> str:
    """Per-paragraph scores, scores by reference length and the worst beads (linked to their rows)."""
    scores = result.scores
    if scores is None:
        return ""
    paras = "".join(
        f"<tr><td>¶ {p.paragraph + 1}</td><td>{len(p.beads)}</td><td>{p.scores.bleu.score:.1f}</td>"
        f"<td>{p.scores.chrf.score:.1f}</td></tr>"
        for p in scores.per_paragraph
    )
    buckets = "".join(
        f"<tr><td>{_e(b.label)}</td><td>{len(b.segments)}</td><td>{b.scores.bleu.score:.1f}</td>"
        f"<td>{b.scores.chrf.score:.1f}</td></tr>"
        for b in scores.by_length
        if b.scores is not None
    )
    worst = " ".join(f'<a href="#bead-{k}">#{k}</a> ({scores.per_bead[k].chrf:.0f})' for k in scores.worst_beads)
    return (
        '<details class="errors"><summary>Where the errors are</summary>'
        '<table class="scores"><tr><th>paragraph</th><th>beads</th><th>BLEU</th><th>chrF</th></tr>'
        f"{paras}</table>"
        '<table class="scores"><tr><th>reference words</th><th>beads</th><th>BLEU</th><th>chrF</th></tr>'
        f"{buckets}</table>"
        f"<p>Worst beads by sentence chrF: {worst}</p></details>"
    )


def render_report(result: RunResult) -> str:
    """The complete HTML page for one run."""
    rows = view_rows(result)
    has_ref = result.reference is not None
    sig = result.signature
    head = [
        f"<h1>{_e(result.source.id)}</h1>",
        "<p>" + " · ".join(f"{_e(k)}: <b>{_e(v)}</b>" for k, v in sig.items() if k != "alignment") + "</p>",
    ]
    if result.scores is not None:
        lines = []
        for level, scores in (("document", result.scores.document), ("beads", result.scores.beads)):
            for m in scores.metrics:
                if m is not None:
                    lines.append(
                        f"<tr><td>{_e(level)}</td><td>{_e(m.name)}</td><td><b>{m.score:.2f}</b></td>"
                        f'<td class="sig">{_e(with_ours(m.signature, sig))}</td></tr>'
                    )
        head.append('<table class="scores">' + "".join(lines) + "</table>")
        head.append(f'<p class="sig">alignment: {_e(sig.get("alignment", ""))}</p>')
        head.append(_where_the_errors_are(result))
    header = "<tr><th>#</th><th>Source (fr)</th><th>MT (en)</th>" + ("<th>Reference (en)</th>" if has_ref else "")
    header += "<th>Scores</th></tr>"
    body = "\n".join(_row_html(r, has_ref) for r in rows)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{_e(result.source.id)} · aligner</title><style>{CSS}</style></head><body>\n"
        + "\n".join(head)
        + f'\n<table class="beads"><thead>{header}</thead><tbody>\n{body}\n</tbody></table>\n</body></html>\n'
    )
