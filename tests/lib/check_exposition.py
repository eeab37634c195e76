#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Check a Prometheus text exposition (format 0.0.4) strictly, and read it.

    check_exposition.py FILE                       validate; exit 1 naming the line
    check_exposition.py FILE NAME [LABEL=VALUE...] validate, then print the value of
                                                   the one sample of NAME with those
                                                   labels (exit 1 if none or several)

Two checks: the grammar and grouping rules of the format, line by line
(prometheus_client's own parser is lenient: it takes "a 1 2 3", repeated
label names and unknown escapes), and then prometheus_client's parser,
which must read the same samples. Run with Debian's /usr/bin/python3,
where python3-prometheus-client is installed (mk/deps.sh).
"""
import math
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
# A label value: any character but \ " and newline, or one of the three escapes.
VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
FLOAT = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|inf|NaN|Nan)"
SAMPLE = re.compile(
    rf"^({NAME})(?:\{{((?:{LABEL}={VALUE},)*(?:{LABEL}={VALUE})?)\}})? ({FLOAT})(?: (-?[0-9]+))?$"
)
PAIR = re.compile(rf"({LABEL})=({VALUE})")
HELP = re.compile(rf"^# HELP ({NAME}) ((?:[^\\\n]|\\[\\n])*)$")
TYPE = re.compile(rf"^# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)$")
SUFFIXES = {
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
}


class Bad(Exception):
    pass


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v[1:-1])


def family_of(name, types):
    """The family a sample belongs to: its name, or a histogram's/summary's base."""
    for base, t in types.items():
        if name != base and any(name == base + s for s in SUFFIXES.get(t, ())):
            return base
    return name


def strict(text):
    """Every sample as (name, labels dict, value); raises Bad naming the line."""
    if text and not text.endswith("\n"):
        raise Bad("the last line does not end with a newline")
    types, helps, samples, series, sampled = {}, {}, [], set(), set()
    done, current = set(), None  # families whose group has ended; the open group
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {n}: {line!r}"
        if not line:
            continue
        if line.startswith("#"):
            m = HELP.match(line) or TYPE.match(line)
            if line.startswith("# HELP ") and not HELP.match(line):
                raise Bad(f"{where}: malformed HELP")
            if line.startswith("# TYPE ") and not TYPE.match(line):
                raise Bad(f"{where}: malformed TYPE (or unknown type)")
            if not m:
                continue  # a plain comment
            fam = m.group(1)
            seen = types if line.startswith("# TYPE") else helps
            if fam in seen:
                raise Bad(f"{where}: a second {line.split()[1]} line for {fam}")
            if fam in done or fam in sampled:
                raise Bad(f"{where}: {line.split()[1]} of {fam} after its samples")
            if current and current != fam:
                done.add(current)
            current = fam
            seen[fam] = m.group(2)
            continue
        m = SAMPLE.match(line)
        if not m:
            raise Bad(f"{where}: not a sample (NAME{{LABEL=\"VALUE\",...}} VALUE [TIMESTAMP])")
        name, labels_text, value = m.group(1), m.group(2) or "", m.group(3)
        labels = {}
        for lm in PAIR.finditer(labels_text):
            if lm.group(1) in labels:
                raise Bad(f"{where}: label {lm.group(1)} twice")
            if lm.group(1).startswith("__"):
                raise Bad(f"{where}: label {lm.group(1)}: names starting with __ are reserved")
            labels[lm.group(1)] = unescape(lm.group(2))
        fam = family_of(name, types)
        if fam in done:
            raise Bad(f"{where}: {fam} appears again after other metrics (one group per metric)")
        if current and current != fam:
            done.add(current)
        current = fam
        sampled.add(fam)
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            raise Bad(f"{where}: the same series twice")
        series.add(key)
        v = float(value.replace("Nan", "NaN"))
        if types.get(fam) == "counter" and not (v >= 0 or math.isnan(v)):
            raise Bad(f"{where}: counter {fam} is negative")
        samples.append((name, labels, v))
    return samples


def parsed(text):
    """The same samples through prometheus_client's parser."""
    out = []
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out.append((s.name, dict(s.labels), s.value))
    return out


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        text = f.read()
    try:
        samples = strict(text)
    except Bad as e:
        print(f"{argv[1]}: {e}", file=sys.stderr)
        return 1
    try:
        theirs = parsed(text)
    except Exception as e:  # the parser raises ValueError and others
        print(f"{argv[1]}: prometheus_client cannot parse it: {e}", file=sys.stderr)
        return 1
    def key(s):
        return (s[0], tuple(sorted(s[1].items())), s[2])

    ours, other = set(map(key, samples)), set(map(key, theirs))
    if ours != other or len(samples) != len(theirs):
        print(
            f"{argv[1]}: prometheus_client reads {len(theirs)} samples, the strict check "
            f"{len(samples)}; only the strict check has {sorted(ours - other)[:3]}, "
            f"only prometheus_client {sorted(other - ours)[:3]}",
            file=sys.stderr,
        )
        return 1
    if len(argv) == 2:
        return 0
    want = dict(a.split("=", 1) for a in argv[3:])
    hits = [s for s in samples if s[0] == argv[2] and all(s[1].get(k) == v for k, v in want.items())]
    if len(hits) != 1:
        print(f"{argv[1]}: {len(hits)} samples of {argv[2]} with {want}, expected one", file=sys.stderr)
        return 1
    v = hits[0][2]
    print(int(v) if v == int(v) else v)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
