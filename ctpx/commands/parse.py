"""``ctpx parse SCRIPT``: show the IR of a script, or print it back as canonical CTP."""
from __future__ import annotations

import json

from ._common import add_output, emit

NAME = "parse"
HELP = "parse a script and print its IR, its JSON form, or canonical CTP XML/properties"
DESCRIPTION = (HELP + ". Exit 0 when the script parses, 2 with a file:line:col error when it "
               "does not.")
FORMATS = ("ir", "json", "ctp", "properties")


def add_arguments(p) -> None:
    p.add_argument("script", help="a CTP anonymizer script (.script XML or legacy .properties)")
    p.add_argument("--format", "-f", choices=FORMATS, default="ir",
                   help="ir: an indented tree (default); json: the IR as JSON (docs/ir.md); "
                        "ctp: canonical CTP XML; properties: the legacy properties form")
    add_output(p)


def run(args) -> int:
    from ..script import load_script
    from ..script.printer import to_properties, to_xml
    from ..script.views import to_json_obj, to_tree

    script = load_script(args.script)
    if args.format == "json":
        text = json.dumps(to_json_obj(script), indent=1, ensure_ascii=False) + "\n"
    elif args.format == "ctp":
        text = to_xml(script)
    elif args.format == "properties":
        text = to_properties(script)
    else:
        text = to_tree(script)
    emit(text, args.output)
    return 0
