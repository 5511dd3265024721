"""Records -> output formats. Every ctpx report is a view of lists of plain records.

A command builds a ``Report`` (a title, metadata, one or more ``Section``s of records and a
summary) and calls ``render(report, fmt)``. The formats:

- ``table``: aligned text tables for a terminal (tabulate);
- ``json``: the whole report, machine-readable, with ``"format": "ctpx-report/1"``;
- ``csv``: the records of the primary section (the first one), one row each;
- ``markdown``: GitHub-flavoured tables, for pull requests and docs;
- ``html``: a standalone page.
"""
from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass, field
from typing import Any

from tabulate import tabulate

FORMATS = ("table", "json", "csv", "markdown", "html")
REPORT_FORMAT = "ctpx-report/1"


@dataclass
class Section:
    """A named list of records; ``columns`` is [(record key, column header)] for tables."""

    name: str
    columns: list[tuple[str, str]]
    records: list[dict[str, Any]]
    note: str = ""


@dataclass
class Report:
    kind: str                      # "lint", "check", "diff", "verify", "apply", ...
    title: str
    sections: list[Section]
    meta: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    summary_text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "kind": self.kind,
            "title": self.title,
            "meta": self.meta,
            "summary": self.summary,
            "sections": {s.name: s.records for s in self.sections},
        }


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(_cell(x) for x in v)
    return str(v)


def _rows(section: Section) -> list[list[str]]:
    return [[_cell(r.get(k)) for k, _ in section.columns] for r in section.records]


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "csv":
        return _csv(report)
    if fmt == "markdown":
        return _markdown(report)
    if fmt == "html":
        return _html(report)
    if fmt == "table":
        return _table(report)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _csv(report: Report) -> str:
    buf = io.StringIO()
    section = report.sections[0] if report.sections else Section("records", [], [])
    keys = [k for k, _ in section.columns]
    extra = sorted({k for r in section.records for k in r} - set(keys))
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(keys + extra)
    for r in section.records:
        w.writerow([_cell(r.get(k)) for k in keys + extra])
    return buf.getvalue()


def _table(report: Report) -> str:
    out = [report.title, "=" * len(report.title)]
    for k, v in report.meta.items():
        out.append(f"{k}: {_cell(v)}")
    for s in report.sections:
        out.append("")
        out.append(f"{s.name} ({len(s.records)})")
        if s.note:
            out.append(s.note)
        if s.records:
            out.append(tabulate(_rows(s), headers=[h for _, h in s.columns], tablefmt="simple",
                                disable_numparse=True, maxcolwidths=60))
    if report.summary_text:
        out.append("")
        out.append(report.summary_text)
    return "\n".join(out) + "\n"


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", "<br>")


def _markdown(report: Report) -> str:
    out = [f"# {report.title}", ""]
    for k, v in report.meta.items():
        out.append(f"- **{k}**: {_md_escape(_cell(v))}")
    for s in report.sections:
        out += ["", f"## {s.name} ({len(s.records)})", ""]
        if s.note:
            out += [s.note, ""]
        if s.records:
            out.append("| " + " | ".join(h for _, h in s.columns) + " |")
            out.append("|" + "---|" * len(s.columns))
            for row in _rows(s):
                out.append("| " + " | ".join(_md_escape(c) for c in row) + " |")
    if report.summary_text:
        out += ["", report.summary_text]
    return "\n".join(out) + "\n"


def _html(report: Report) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{e(report.title)}</title>",
           "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
           "td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}"
           "th{background:#eee}code{white-space:pre-wrap}</style></head><body>",
           f"<h1>{e(report.title)}</h1>"]
    if report.meta:
        out.append("<ul>" + "".join(f"<li><b>{e(k)}</b>: {e(_cell(v))}</li>"
                                    for k, v in report.meta.items()) + "</ul>")
    for s in report.sections:
        out.append(f"<h2>{e(s.name)} ({len(s.records)})</h2>")
        if s.note:
            out.append(f"<p>{e(s.note)}</p>")
        if s.records:
            out.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for _, h in s.columns)
                       + "</tr></thead><tbody>")
            for row in _rows(s):
                out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
            out.append("</tbody></table>")
    if report.summary_text:
        out.append(f"<p>{e(report.summary_text)}</p>")
    out.append(f'<p><small>generated by ctpx ({e(report.kind)})</small></p></body></html>')
    return "\n".join(out) + "\n"
