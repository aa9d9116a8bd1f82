"""config.md: every key of config.yaml with its default, its allowed values (from the schema)
and its meaning (the comment beside it in config.yaml, else the schema's description).
`python -m effbench.configdoc` rewrites it; a test checks it is current."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][\w.-]*):(?P<value>[^#]*?)\s*(?:#\s*(?P<comment>.*))?$")


def _resolve(schema: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node or {}


def _child(schema: dict, node: dict, key: str) -> dict:
    node = _resolve(schema, node)
    if key in node.get("properties", {}):
        return _resolve(schema, node["properties"][key])
    extra = node.get("additionalProperties")
    return _resolve(schema, extra) if isinstance(extra, dict) else {}


def allowed(node: dict) -> str:
    """The schema's constraint in a few words."""
    if "enum" in node:
        return "one of " + ", ".join(map(str, node["enum"]))
    kind = node.get("type", "")
    kind = "/".join(kind) if isinstance(kind, list) else kind
    if kind == "array":
        inner = node.get("items", {})
        return f"list of {allowed(inner) if isinstance(inner, dict) and '$ref' not in inner else 'items'}"
    bounds = [f">= {node['minimum']}" if "minimum" in node else "", f"> {node['exclusiveMinimum']}" if "exclusiveMinimum" in node else "",
              f"<= {node['maximum']}" if "maximum" in node else "", f"< {node['exclusiveMaximum']}" if "exclusiveMaximum" in node else ""]
    return " ".join([kind, *filter(None, bounds)]).strip()


def render(config_path=ROOT / "config.yaml", schema_path=ROOT / "schemas" / "config.schema.yaml") -> str:
    schema = yaml.safe_load(Path(schema_path).read_text())
    stack: list[tuple[int, str, dict]] = []
    out = ["# Configuration keys", "",
           f"Generated from `{Path(config_path).name}` (defaults and comments) and `schemas/{Path(schema_path).name}`",
           "(allowed values) by `python -m effbench.configdoc`; a test keeps it current. Other scales",
           "(`.test/config.yaml`, `configs/paper.yaml`) override these values.", ""]
    section = None
    for raw in Path(config_path).read_text().splitlines():
        m = LINE.match(raw)
        if not m or raw.lstrip().startswith("-"):
            continue
        indent = len(m["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][2] if stack else schema
        node = _child(schema, parent, m["key"])
        path = ".".join([k for _, k, _ in stack] + [m["key"]])
        stack.append((indent, m["key"], node))
        top = path.split(".")[0]
        if top != section:
            section = top
            out += ["", f"## `{top}`", "", "| key | default | allowed | meaning |", "|---|---|---|---|"]
        value = m["value"].strip()
        meaning = (m["comment"] or node.get("description", "")).replace("|", "/")
        out.append(f"| `{path}` | {('`' + value + '`') if value else ''} | {allowed(node)} | {meaning} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    target = ROOT / "config.md"
    target.write_text(render())
    sys.stdout.write(f"wrote {target}\n")
