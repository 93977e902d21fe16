from __future__ import annotations

from hfexplore.formats.table import TableFormat


class MarkdownFormat(TableFormat):
    """GitHub-flavoured Markdown tables under level-3 headings."""

    name = "markdown"
    style = "github"

    def heading(self, text: str) -> str:
        return f"### {text}"
