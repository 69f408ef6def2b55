"""brat's annotation.conf rules, checked against .ann files (brat itself is not on PyPI).

What brat refuses when it opens a document (``annotation.py``/``projectconfig.py``): a
text-bound annotation whose type is neither an entity nor an event type of the conf, a
relation whose type is not declared or whose arguments have types its ``Arg1``/``Arg2`` do not
allow, an event whose trigger type is not declared or whose roles (numbered ``Content2`` ->
``Content``) are not allowed. Used by tests/test_roundtrip_brat.py and tests/interop/run.py.
"""

from __future__ import annotations

import re
from pathlib import Path

CONF_FILE = "annotation.conf"


def parse_conf(text: str) -> dict[str, dict[str, str]]:
    """brat's annotation.conf: section -> type -> its argument text."""
    out: dict[str, dict[str, str]] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            out[section] = {}
            continue
        parts = re.split(r"\s+", line, maxsplit=1)
        out[section][parts[0]] = parts[1] if len(parts) > 1 else ""
    return out


def conf_problems(root: Path) -> list[str]:
    """What brat would refuse in the ``.ann`` files of ``root`` given its ``annotation.conf``:
    undeclared entity, relation or event types, relation arguments or event roles of types the
    conf does not allow."""
    conf = parse_conf((root / CONF_FILE).read_text(encoding="utf-8"))
    entities, relations, events = conf.get("entities", {}), conf.get("relations", {}), conf.get("events", {})

    def allowed(args: str) -> dict[str, set[str]]:
        roles: dict[str, set[str]] = {}
        for part in filter(None, (p.strip() for p in args.split(","))):
            role, _, types = part.partition(":")
            roles[role.rstrip("?*+")] = set(types.split("|"))
        return roles

    problems = []
    for ann in sorted(root.glob("*.ann")):
        types: dict[str, str] = {}
        for n, line in enumerate(ann.read_text(encoding="utf-8").splitlines(), 1):
            cols = line.split("\t")
            ident, body = cols[0], cols[1].split()
            where = f"{ann.name}:{n}"
            if ident.startswith("T"):
                types[ident] = body[0]
                if body[0] not in entities and body[0] not in events:
                    problems.append(f"{where}: entity type {body[0]} not declared")
            elif ident.startswith("R"):
                if body[0] not in relations:
                    problems.append(f"{where}: relation type {body[0]} not declared")
                    continue
                roles = allowed(relations[body[0]])
                for arg in body[1:]:
                    role, _, ref = arg.partition(":")
                    if types.get(ref) not in roles.get(role, set()):
                        problems.append(f"{where}: {role} of {body[0]} may not be a {types.get(ref)}")
            elif ident.startswith("E"):
                trigger = body[0].partition(":")[0]
                if trigger not in events:
                    problems.append(f"{where}: event type {trigger} not declared")
                    continue
                roles = allowed(events[trigger])
                for arg in body[1:]:
                    role, _, ref = arg.partition(":")
                    if types.get(ref) not in roles.get(role.rstrip("0123456789"), set()):
                        problems.append(f"{where}: role {role} of {trigger} may not be a {types.get(ref)}")
    return problems
