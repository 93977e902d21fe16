"""Read back a rendered report with the standard library's HTML parser (tests only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class ParsedPage:
    elements: list[Element] = field(default_factory=list)
    tables: dict[str, list[list[str]]] = field(default_factory=dict)  # caption -> rows
    text: str = ""

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def by_id(self, element_id: str) -> Element:
        return next(e for e in self.elements if e.attrs.get("id") == element_id)

    def table(self, caption: str) -> dict[str, list[str]]:
        """A table's body rows keyed by their first cell."""
        return {row[0]: row[1:] for row in self.tables[caption][1:]}


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self._open: list[Element] = []
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._texts: list[str] = []
        self._caption_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.page.elements.append(element)
        self._open.append(element)
        if tag == "table":
            self._rows, self._caption = [], None
        elif tag == "caption":
            self._caption_text = ""
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            element = self._open.pop()
            if element.tag == tag:
                break
        if tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "caption":
            self._caption = self._caption_text.strip()
        elif tag == "table" and self._caption is not None:
            self.page.tables[self._caption] = self._rows

    def handle_data(self, data: str) -> None:
        self._texts.append(data)
        for element in self._open:
            element.text += data
        if self._cell is not None:
            self._cell.append(data)
        if self._open and self._open[-1].tag == "caption":
            self._caption_text += data

    def close(self) -> None:
        super().close()
        self.page.text = " ".join(" ".join(self._texts).split())


def parse(html: str) -> ParsedPage:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page
