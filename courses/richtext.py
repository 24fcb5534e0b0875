"""The lesson body's small markup, rendered to HTML.

Administrators write lessons as plain text with a few conventions (headings, paragraphs, quoted
articles, lists, bold). Everything is escaped first, so a lesson can never carry a script or
markup of its own; that is why this is not raw HTML, and a few lines instead of a dependency.

    # 标题            → <h2>
    ## 小标题         → <h3>
    > 第五条 ……       → <blockquote class="article">, consecutive lines one quote
    - 列表项          → <ul><li>
    **加粗**          → <strong>
    other lines       → paragraphs, separated by a blank line
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")
# The article number that opens a quoted article, e.g. "第一百八十八条".
_ARTICLE_NO = re.compile(r"^(第[一二三四五六七八九十百千零〇两\d]+条)")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escape(text))


def _quote_line(text: str) -> str:
    html = _inline(text)
    return _ARTICLE_NO.sub(r'<span class="article-no">\1</span>', html)


def render_lesson_body(text: str) -> SafeString:
    blocks: list[str] = []
    paragraph: list[str] = []
    quote: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()
        if quote:
            body = "".join(f"<p>{_quote_line(line)}</p>" for line in quote)
            blocks.append(f'<blockquote class="article">{body}</blockquote>')
            quote.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(f"<h3>{_inline(line[3:].strip())}</h3>")
        elif line.startswith("# "):
            flush()
            blocks.append(f"<h2>{_inline(line[2:].strip())}</h2>")
        elif line.startswith(">"):
            if paragraph or items:
                flush()
            quote.append(line[1:].strip())
        elif line.startswith("- "):
            if paragraph or quote:
                flush()
            items.append(line[2:].strip())
        else:
            if quote or items:
                flush()
            paragraph.append(line)
    flush()
    # Safe: every piece of text above went through escape().
    return mark_safe("\n".join(blocks))
