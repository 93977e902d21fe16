"""Reading a claim file's TOML, even one nested too deeply for the TOML reader's stack."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

TOO_DEEP = "tables and arrays nested too deeply to read (hundreds of levels inside one another)"
_CLAIM_HEADER = re.compile(r"(?m)^(?=[ \t]*\[\[[ \t]*claim[ \t]*\]\])")
_CLAIM_ID = re.compile(r"""(?m)^[ \t]*id[ \t]*=[ \t]*["']([^"'\n]*)["']""")


def read_claim_toml(path: Path, text: str, errors: list[str]) -> dict[str, Any]:
    """The claim file as data. TOML nested so deeply that the parser runs out of stack is
    read again one `[[claim]]` table at a time: the claims that can be read still run, and
    each one that cannot is named in `errors`."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        pass
    head, *parts = _CLAIM_HEADER.split(text)
    document: dict[str, Any] = tomllib.loads(head)  # a head nested too deeply: the whole file
    claims: list[Any] = []
    for number, part in enumerate(parts, start=1):
        try:
            found = tomllib.loads(head + part)
        except (RecursionError, tomllib.TOMLDecodeError) as exc:
            named = _CLAIM_ID.search(part)
            label = named.group(1) if named else f"#{number}"
            problem = TOO_DEEP if isinstance(exc, RecursionError) else f"not valid TOML ({exc})"
            errors.append(f"{path}: claim {label}: {problem}")
            continue
        document.setdefault("article", {}).update(found.get("article", {}))
        claims += found.get("claim", [])
    document["claim"] = claims
    return document
