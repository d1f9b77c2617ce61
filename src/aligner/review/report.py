"""The side-by-side review page, built in two steps: view rows (plain data), then a template.

Every text fragment goes through ``html.escape`` on its way into the page, so hostile copy
(``<script>``, ``" onerror=``, entities) is shown as text and never runs; the Content-Security-Policy
allows only the page's own script (by its SHA-256) and inline styles, and no network at all.
The page is one self-contained file.

What a translator gets: source | MT | reference per bead, with paragraph markers and section
breaks; the words of the MT that the reference lacks and the reference words the MT lacks
highlighted; bead scores; QA flags with their reasons; a summary (document scores with signatures,
flag counts by type); "flagged only" filter; sort by score; ``j``/``k`` (or ``n``/``p``) to jump
to the next/previous flagged bead.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..reading.document import Kind
from ..results import SEVERITIES, Flag, RunResult, StorySummary, flag_counts
from ..signature import score_signature


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
    flags: tuple[Flag, ...] = ()


def view_rows(result: RunResult) -> list[Row]:
    """The report's rows in reading order: paragraph markers, section breaks and beads."""
    src = result.source
    rows: list[Row] = []
    shown = -1
    flags = result.flags

    def open_paragraph(p: int) -> None:
        nonlocal shown
        for q in range(shown + 1, p + 1):
            para = src.paragraphs[q]
            if para.kind is Kind.BREAK:
                rows.append(Row("break", q, "section break"))
            else:
                rows.append(Row("paragraph", q, f"¶ {q + 1} · {para.kind.value}"))
        shown = max(shown, p)

    per_bead = result.scores.per_bead if result.scores else ()
    for k, (bead, texts) in enumerate(zip(result.beads, result.all_texts())):
        if bead.left:
            open_paragraph(src.sentences[bead.left[0]].paragraph)
        score = per_bead[k] if per_bead else None
        rows.append(
            Row(
                "bead",
                shown,
                bead=k,
                bead_kind=bead.kind,
                source=texts.source,
                mt=texts.mt,
                reference=texts.reference or "",
                confidence=bead.score if result.reference is not None else None,
                bleu=score.bleu if score else None,
                chrf=score.chrf if score else None,
                flags=flags[k],
            )
        )
    open_paragraph(len(src.paragraphs) - 1)
    return rows


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


_TOKEN = re.compile(r"\S+")


def _norm(word: str) -> str:
    return word.strip(".,;:!?\"'“”‘’«»()[]").lower()


def word_diff(mt: str, reference: str) -> tuple[str, str]:
    """HTML of both texts with the words the other side lacks wrapped: ``<mark class="x">`` in the MT (not in the
    reference), ``<mark class="m">`` in the reference (missing from the MT). Everything is escaped."""
    a = _TOKEN.findall(mt)
    b = _TOKEN.findall(reference)
    matcher = difflib.SequenceMatcher(a=[_norm(w) for w in a], b=[_norm(w) for w in b], autojunk=False)
    keep_a = [False] * len(a)
    keep_b = [False] * len(b)
    for block in matcher.get_matching_blocks():
        for t in range(block.size):
            keep_a[block.a + t] = True
            keep_b[block.b + t] = True

    def render(words: Sequence[str], keep: Sequence[bool], cls: str) -> str:
        out = []
        for word, same in zip(words, keep):
            out.append(_e(word) if same or not _norm(word) else f'<mark class="{cls}">{_e(word)}</mark>')
        return " ".join(out)

    return render(a, keep_a, "x"), render(b, keep_b, "m")


def _flags_html(flags: Sequence[Flag]) -> str:
    return "".join(
        f'<div class="flag {_e(f.severity)}" data-code="{_e(f.code)}"><b>{_e(f.code)}</b> {_e(f.reason)}</div>'
        for f in flags
    )


def _row_html(row: Row, has_ref: bool, order: int) -> str:
    cols = 5 + has_ref
    if row.kind == "break":
        return f'<tr class="break"><td colspan="{cols}">___ {_e(row.label)} ___</td></tr>'
    if row.kind == "paragraph":
        return f'<tr class="para" data-paragraph="{row.paragraph}"><td colspan="{cols}">{_e(row.label)}</td></tr>'
    missing = ' class="miss"'
    if has_ref and row.mt and row.reference:
        mt_html, ref_html = word_diff(row.mt, row.reference)
    else:
        mt_html, ref_html = _e(row.mt), _e(row.reference)
    cells = [
        f'<td class="id">{row.bead}<br><span class="k">{_e(row.bead_kind)}</span></td>',
        f'<td lang="fr"{missing if not row.source else ""}>{_e(row.source) or "∅"}</td>',
        f'<td lang="en"{missing if not row.mt else ""}>{mt_html or "∅"}</td>',
    ]
    if has_ref:
        cells.append(f'<td lang="en"{missing if not row.reference else ""}>{ref_html or "∅"}</td>')
    conf = "" if row.confidence is None else f"conf {row.confidence:.2f}<br>"
    cells.append(f'<td class="sc">{conf}BLEU {_num(row.bleu)}<br>chrF {_num(row.chrf)}</td>')
    cells.append(f'<td class="qa">{_flags_html(row.flags)}</td>')
    worst = min((SEVERITIES.index(f.severity) for f in row.flags), default=len(SEVERITIES))
    level = SEVERITIES[worst] if row.flags else "none"
    attrs = (
        f'id="bead-{row.bead}" data-bead="{row.bead}" data-order="{order}" data-flagged="{1 if row.flags else 0}" '
        f'data-level="{level}" data-bleu="{_num(row.bleu)}" data-chrf="{_num(row.chrf)}" '
        f'data-conf="{"" if row.confidence is None else f"{row.confidence:.4f}"}" tabindex="-1"'
    )
    return f'<tr class="bead" {attrs}>{"".join(cells)}</tr>'


CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#f4f4f4;position:sticky;top:2.4em}
tr.para td{background:#eef3fb;font-weight:600;font-size:.85em;color:#345}
tr.break td{text-align:center;color:#999}
td.id{color:#888;font-size:.8em;width:3em}td.sc{font-size:.8em;color:#555;width:7em;white-space:nowrap}
td.qa{font-size:.78em;width:16em}
.flag{margin:0 0 .25em;padding:.1em .35em;border-left:3px solid #999}
.flag.error{border-color:#c0392b;background:#fdecea}.flag.warning{border-color:#e67e22;background:#fff4e5}
.flag.info{border-color:#2980b9;background:#eaf3fb}
td.miss{background:#fff3f0;color:#b33}.k{color:#36c}
mark.x{background:#ffd7d5}mark.m{background:#d5f5dd}
.sig{font:12px monospace;color:#555;word-break:break-all}
table.scores{width:auto}table.scores td,table.scores th{border:none;padding:.1em .6em;position:static}
.bar{position:sticky;top:0;background:#fff;padding:.4em 0;z-index:2;border-bottom:1px solid #ccc}
.bar label,.bar select{margin-right:1em}
tr.hidden{display:none}tr.current td{outline:2px solid #36c;outline-offset:-2px}
"""

JS = """
(function(){
  var body=document.querySelector('table.beads tbody');
  var all=Array.prototype.slice.call(body.rows);
  var only=document.getElementById('flagged-only'), sort=document.getElementById('sort');
  var status=document.getElementById('status');
  function beads(){
    return all.filter(function(r){return r.classList.contains('bead')&&!r.classList.contains('hidden');});
  }
  function apply(){
    var key=sort.value, rows=all.slice();
    if(key!=='order'){
      rows=rows.filter(function(r){return r.classList.contains('bead');});
      rows.sort(function(a,b){
        var x=parseFloat(a.dataset[key]), y=parseFloat(b.dataset[key]);
        if(isNaN(x)) x=Infinity; if(isNaN(y)) y=Infinity;
        return x-y || a.dataset.order-b.dataset.order;});
    }
    all.forEach(function(r){
      var isBead=r.classList.contains('bead');
      var hide=(only.checked&&isBead&&r.dataset.flagged!=='1')||(key!=='order'&&!isBead)||(only.checked&&!isBead);
      r.classList.toggle('hidden',hide);
    });
    rows.forEach(function(r){body.appendChild(r);});
    if(key!=='order') all.forEach(function(r){if(!r.classList.contains('bead')) body.appendChild(r);});
    status.textContent=beads().length+' beads shown';
  }
  function go(step){
    var flagged=beads().filter(function(r){return r.dataset.flagged==='1';});
    if(!flagged.length) return;
    var at=flagged.findIndex(function(r){return r.classList.contains('current');});
    var next=at<0?(step>0?0:flagged.length-1):(at+step+flagged.length)%flagged.length;
    all.forEach(function(r){r.classList.remove('current');});
    flagged[next].classList.add('current');
    flagged[next].focus({preventScroll:true});
    flagged[next].scrollIntoView({block:'center'});
    status.textContent='flagged bead '+(next+1)+' of '+flagged.length+' (#'+flagged[next].dataset.bead+')';
  }
  only.addEventListener('change',apply); sort.addEventListener('change',apply);
  document.addEventListener('keydown',function(ev){
    if(ev.target&&(ev.target.tagName==='SELECT'||ev.target.tagName==='INPUT')&&ev.key!=='j'&&ev.key!=='k') return;
    if(ev.key==='j'||ev.key==='n'){go(1);ev.preventDefault();}
    else if(ev.key==='k'||ev.key==='p'){go(-1);ev.preventDefault();}
  });
  apply();
})();
"""


def _page(title: str, head: str, body: str, script: str = "") -> str:
    # only this exact script may run (CSP hash source); the page stays byte-identical for the same run
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    tail = f"<script>{script}</script>" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        f"<title>{_e(title)} · aligner</title><style>{CSS}</style></head><body>\n"
        f"{head}\n{body}\n{tail}</body></html>\n"
    )


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


def _flag_summary(result: RunResult) -> str:
    counts = flag_counts(result.flags)
    flagged = sum(1 for f in result.flags if f)
    if not counts:
        return '<p class="qa-summary">No QA flags.</p>'
    severity = {f.code: f.severity for flags in result.flags for f in flags}
    cells = "".join(
        f'<tr data-code="{_e(code)}"><td>{_e(code)}</td><td>{_e(severity[code])}</td><td>{n}</td></tr>'
        for code, n in counts.items()
    )
    return (
        f'<p class="qa-summary">{flagged} of {len(result.flags)} beads flagged.</p>'
        f'<table class="scores flags"><tr><th>flag</th><th>severity</th><th>count</th></tr>{cells}</table>'
    )


def render_report(result: RunResult) -> str:
    """The complete HTML page for one run."""
    rows = view_rows(result)
    has_ref = result.reference is not None
    sig = result.signature
    shown = [(k, v) for k, v in sig.pairs() if k != "align" and not k.startswith("align.") and k != "lexicon"]
    head = [
        f"<h1>{_e(result.source.id)}</h1>",
        "<p>" + " · ".join(f"{_e(k)}: <b>{_e(v)}</b>" for k, v in shown) + "</p>",
    ]
    if result.scores is not None:
        lines = []
        for level, scores in (("document", result.scores.document), ("beads", result.scores.beads)):
            for m in scores.metrics:
                lines.append(
                    f"<tr><td>{_e(level)}</td><td>{_e(m.name)}</td><td><b>{m.score:.2f}</b></td>"
                    f'<td class="sig">{_e(score_signature(m.signature, sig))}</td></tr>'
                )
        head.append('<table class="scores">' + "".join(lines) + "</table>")
        align = [(k, v) for k, v in sig.pairs() if k in ("align", "lexicon") or k.startswith("align.")]
        head.append(f'<p class="sig">alignment: {_e("|".join(f"{k}:{v}" for k, v in align))}</p>')
        head.append(_where_the_errors_are(result))
    head.append(_flag_summary(result))
    sorts = '<option value="order">reading order</option>'
    if has_ref:
        sorts += '<option value="chrf">chrF, lowest first</option><option value="bleu">BLEU, lowest first</option>'
        sorts += '<option value="conf">alignment confidence, lowest first</option>'
    bar = (
        '<div class="bar"><label><input type="checkbox" id="flagged-only"> flagged only</label>'
        f'<label>sort <select id="sort">{sorts}</select></label>'
        "<span>keys: <b>j</b>/<b>n</b> next flagged, <b>k</b>/<b>p</b> previous</span> · "
        '<span id="status" role="status"></span></div>'
    )
    header = "<tr><th>#</th><th>Source (fr)</th><th>MT (en)</th>" + ("<th>Reference (en)</th>" if has_ref else "")
    header += "<th>Scores</th><th>QA</th></tr>"
    order = 0
    body_rows = []
    for r in rows:
        body_rows.append(_row_html(r, has_ref, order))
        order += r.kind == "bead"
    table = f'<table class="beads"><thead>{header}</thead><tbody>\n' + "\n".join(body_rows) + "\n</tbody></table>"
    return _page(result.source.id, "\n".join(head), bar + "\n" + table, JS)


def render_index(title: str, stories: Sequence[StorySummary]) -> str:
    """A batch's index page: one row per story with status, scores, flag counts and a link to its report."""
    rows = []
    for s in stories:
        ok = s.status == "ok"
        link = f'<a href="stories/{_e(s.id)}/report.html">{_e(s.id)}</a>' if ok else _e(s.id)
        flag_text = ", ".join(f"{_e(k)} {v}" for k, v in s.flags)
        bleu, chrf = s.score("beads_bleu"), s.score("beads_chrf")
        rows.append(
            f"<tr><td>{link}</td><td>{_e(s.status)}</td><td>{_e('–' if bleu is None else bleu)}</td>"
            f"<td>{_e('–' if chrf is None else chrf)}</td><td>{_e(s.flagged if ok else '–')}</td>"
            f"<td>{flag_text}</td></tr>"
        )
    table = (
        '<table class="beads"><thead><tr><th>story</th><th>status</th><th>BLEU (beads)</th><th>chrF (beads)</th>'
        f"<th>flagged beads</th><th>flags</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return _page(title, f"<h1>{_e(title)}</h1><p>{len(stories)} stories.</p>", table)
