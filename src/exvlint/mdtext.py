"""A rule document's markdown as plain text for a terminal (``exvlint explain``)."""
from __future__ import annotations

import re
import textwrap


def terminal_text(markdown: str, width: int = 88) -> str:
    out: list = []
    para: list = []  # the lines of the paragraph or list item being read: (first-line indent, next indent, text)

    def flush() -> None:
        if para:
            first, rest, words = para[0], para[1], " ".join(para[2:])
            out.extend(textwrap.wrap(_inline(words), width, initial_indent=first, subsequent_indent=rest,
                                     break_on_hyphens=False, break_long_words=False))
            para.clear()

    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:  # code stays as written, indented
            out.append("    " + line)
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        bullet = re.match(r"^(\s*)([-*]|\d+\.)\s+(.*)$", line)
        if heading:
            flush()
            title = _inline(heading.group(2))
            out.extend(["", title.upper() if len(heading.group(1)) <= 2 else title,
                        ("=" if len(heading.group(1)) == 1 else "-") * len(title), ""])
        elif bullet:
            flush()
            lead = bullet.group(1) + ("-" if bullet.group(2) in "-*" else bullet.group(2)) + " "
            para.extend([lead, " " * len(lead), bullet.group(3)])
        elif not line.strip():
            flush()
            out.append("")
        elif line.startswith(">"):
            if not para:
                para.extend(["  | ", "  | "])
            para.append(line.lstrip("> "))
        else:
            if not para:
                para.extend(["", ""])
            para.append(line.strip())
    flush()
    text = "\n".join(out).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def _inline(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", text)  # links keep their address
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    return text
