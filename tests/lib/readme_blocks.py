#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Print a fenced code block of README.md, found by the heading it is under.

    readme_blocks.py [--readme FILE] [--index N] SECTION LANG

SECTION is a heading as the README writes it ("## plugctl"), or its title
alone ("plugctl"), which must then name one heading of any level. The
section runs to the next heading of its level or above. LANG is the
block's info string ("sh", "json", "yaml"). The section must hold exactly
one block of that language, or --index N (from 0) picks one of several.

A shell block (sh, bash, shell) is printed one command a line: blank lines
and comment lines dropped, a trailing "# comment" stripped (a "#" inside
quotes or inside a word is kept), backslash-continued lines joined. Any
other block is printed as it stands.

tests/vm/readme.bats runs what this prints, so a README edit that removes
the section or the block, or leaves the block empty, must fail the test:
this exits 1 naming the section and what is missing, and 2 on bad usage.
"""
import argparse
import re
import sys

SHELLS = ("sh", "bash", "shell")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`]*?)[ \t]*$")


def fail(msg):
    print(f"readme_blocks: {msg}", file=sys.stderr)
    sys.exit(1)


def parse(lines):
    """Headings (line, level, title) and blocks (line, heading index, lang, text)."""
    headings, blocks = [], []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        if m:
            fence, info = m.group(1), m.group(2)
            body, j = [], i + 1
            while j < len(lines):
                close = FENCE.match(lines[j])
                if close and close.group(1)[0] == fence[0] and \
                        len(close.group(1)) >= len(fence) and not close.group(2):
                    break
                body.append(lines[j])
                j += 1
            else:
                fail(f"line {i + 1}: a code block that is never closed")
            lang = info.split()[0] if info.split() else ""
            blocks.append((i + 1, len(headings) - 1, lang, body))
            i = j + 1
            continue
        m = HEADING.match(line)
        if m:
            headings.append((i + 1, len(m.group(1)), m.group(2)))
        i += 1
    return headings, blocks


def find_section(headings, section):
    m = HEADING.match(section)
    if m:
        want = [k for k, (_, level, title) in enumerate(headings)
                if level == len(m.group(1)) and title == m.group(2)]
    else:
        want = [k for k, (_, _, title) in enumerate(headings) if title == section.strip()]
    if not want:
        fail(f"no section '{section}' in the README (a heading renamed or removed?)")
    if len(want) > 1:
        fail(f"section '{section}' is ambiguous: headings at lines "
             f"{', '.join(str(headings[k][0]) for k in want)}")
    first = want[0]
    level = headings[first][1]
    last = first
    while last + 1 < len(headings) and headings[last + 1][1] > level:
        last += 1
    return first, last


def strip_comment(line):
    """The line without a trailing shell comment; None if a quote stays open."""
    quote = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote == "'":
            if c == "'":
                quote = None
        elif quote == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                quote = None
        elif c == "\\":
            i += 1
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t;&|()"):
            return line[:i].rstrip()
        i += 1
    return None if quote else line.rstrip()


def commands(body, section, start):
    out, pending = [], ""
    for n, raw in enumerate(body, start + 1):
        line = pending + raw
        pending = ""
        if line.rstrip().endswith("\\") and not line.rstrip().endswith("\\\\"):
            pending = line.rstrip()[:-1]
            continue
        cmd = strip_comment(line)
        if cmd is None:
            fail(f"section '{section}', line {n}: a quote left open; "
                 "a command must fit one line (or continue with a backslash)")
        cmd = cmd.strip()
        if cmd:
            out.append(cmd)
    if pending:
        fail(f"section '{section}': the block ends inside a backslash-continued line")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--readme", default="README.md")
    ap.add_argument("--index", type=int, help="which block of LANG in the section, from 0")
    ap.add_argument("section")
    ap.add_argument("lang")
    a = ap.parse_args()

    try:
        with open(a.readme, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        fail(f"cannot read {a.readme}: {e.strerror}")
    headings, blocks = parse(lines)
    first, last = find_section(headings, a.section)
    mine = [b for b in blocks if first <= b[1] <= last and b[2] == a.lang]
    where = f"section '{a.section}' (line {headings[first][0]} of {a.readme})"
    if not mine:
        fail(f"{where} has no ```{a.lang} block")
    if a.index is None and len(mine) > 1:
        fail(f"{where} has {len(mine)} ```{a.lang} blocks (at lines "
             f"{', '.join(str(b[0]) for b in mine)}): pick one with --index")
    index = a.index or 0
    if not 0 <= index < len(mine):
        fail(f"{where} has {len(mine)} ```{a.lang} blocks, no block {index}")
    start, _, lang, body = mine[index]
    if lang in SHELLS:
        out = commands(body, a.section, start)
        if not out:
            fail(f"the ```{lang} block of {where}, at line {start}, holds no command")
        print("\n".join(out))
    else:
        if not "".join(body).strip():
            fail(f"the ```{lang} block of {where}, at line {start}, is empty")
        print("\n".join(body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
