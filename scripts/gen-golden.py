#!/usr/bin/env python3
"""Writes the expected kernel-database rows for a kernel-like C file, as gdb sees it.

usage: scripts/gen-golden.py [SOURCE.c [OUT.json]]
       (defaults: test/fixtures/kernel-like/kfixture.c -> test/fixtures/kernel-like/golden.json)

The C file is compiled the way the tests compile it (gcc -g -O0
-fno-eliminate-unused-debug-types -shared -fPIC, in a scratch folder so DWARF
records the bare file name), then gdb is asked what the old gdb-driven builder
asked it: `info types`, `info functions`, `ptype /o` per struct or union and
`ptype`/`sizeof` per type. The rows are written in the old builder's own
format, trailing `;` on function-pointer types and bitfield `bits` included;
docs/kernel-db.md lists the deviations the tests then apply. Nothing here reads
surfhive's own code: gdb is the reference.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SRC = os.path.join(ROOT, "test", "fixtures", "kernel-like", "kfixture.c")
DEFAULT_OUT = os.path.join(ROOT, "test", "fixtures", "kernel-like", "golden.json")
CFLAGS = ["-g", "-O0", "-fno-eliminate-unused-debug-types", "-shared", "-fPIC"]


def gdb(binary, commands):
    """Runs gdb in batch mode; returns the output of each command, split by a marker echo."""
    marker = "@@@gen-golden@@@"
    args = ["gdb", "-batch", "-nx", "-ex", "set width 0", "-ex", "set height 0",
            "-ex", "set print type hex off"]
    for c in commands:
        args += ["-ex", c, "-ex", f"echo {marker}\\n"]
    out = subprocess.run(args + [binary], check=True, capture_output=True, text=True,
                         env={**os.environ, "LC_ALL": "C"}).stdout
    parts = out.split(marker + "\n")
    if len(parts) != len(commands) + 1:
        raise SystemExit(f"gdb answered {len(parts) - 1} of {len(commands)} commands")
    return parts[:-1]


def listing(text, header):
    """`info types` / `info functions` output as (file, line or None, entry) tuples."""
    out, current = [], None
    for raw in text.splitlines():
        if raw.startswith("Non-debugging symbols"):
            break
        m = re.match(r"^File (.*):$", raw)
        if m:
            current = m.group(1)
            continue
        if raw.startswith(header) or not raw.strip() or current is None:
            continue
        m = re.match(r"^(\d*):?\t(.*)$", raw)
        if not m:
            raise SystemExit(f"unexpected listing line: {raw!r}")
        out.append((current, int(m.group(1)) if m.group(1) else None, m.group(2)))
    return out


def split_top(text, sep=","):
    """Splits at `sep` outside (), [] and {}."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def declarator(decl):
    """`type name` as gdb prints a member -> (type, name) in the old builder's spelling."""
    m = re.match(r"^(.*)\(\*\s*([A-Za-z_]\w*)((?:\[\d*\])*)\)(\(.*\))$", decl)
    if m:  # function pointer (or an array of them): the name leaves the type, which keeps a ';'
        return f"{m.group(1)}(*){m.group(4)};", m.group(2) + m.group(3)
    m = re.match(r"^(.*?)([A-Za-z_]\w*)((?:\[\d*\])*)$", decl)
    if not m:
        raise SystemExit(f"cannot split declaration {decl!r}")
    return m.group(1).strip(), m.group(2) + m.group(3)


ROW = re.compile(r"^/\*\s*(?:(\d+)(?::\s*(\d+))?\s*\|)?\s*(\d+)\s*\*/\s*(.*)$")


def flatten(ptype_o):
    """`ptype /o` output -> flattened member rows, offsets from the outermost start."""
    lines = ptype_o.splitlines()
    # frames: [start offset, rows collected inside, is_union]
    stack = [[0, [], lines[0].rstrip().endswith("{") and " union " in f" {lines[0]} "]]
    for raw in lines[1:]:
        line = raw.strip()
        if not line or line.startswith("/* XXX") or line.startswith("/* total size"):
            continue
        m = ROW.match(line)
        if m:
            off, bit, size, decl = m.group(1), m.group(2), int(m.group(3)), m.group(4)
            frame = stack[-1]
            start = int(off) if off is not None else frame[0]
            if decl.endswith("{"):
                stack.append([start, [], decl.startswith("union")])
                continue
            if not decl.endswith(";"):
                raise SystemExit(f"unexpected ptype line: {raw!r}")
            decl = decl[:-1]
            bits = ""
            bm = re.match(r"^(.*\S)\s+:\s+(\d+)$", decl)
            if bm:
                decl, bits = bm.group(1), f"{int(bit or 0)}:{bm.group(2)};"
            typ, name = declarator(decl)
            frame[1].append({"type": typ, "name": name, "offset": start, "size": size, "bits": bits})
            continue
        m = re.match(r"^\}\s*([A-Za-z_]\w*)?;$", line)
        if m:
            inner = stack.pop()
            prefix = f"{m.group(1)}." if m.group(1) else ""
            for row in inner[1]:
                row["name"] = prefix + row["name"]
            stack[-1][1].extend(inner[1])
            continue
        if line == "}":
            break
        raise SystemExit(f"unexpected ptype line: {raw!r}")
    return stack[0][1]


def signature(file, line, proto):
    """One `info functions` entry -> a funs row."""
    proto = proto.rstrip(";")
    static = proto.startswith("static ")
    if static:
        proto = proto[len("static "):]
    depth, open_at = 0, -1
    for i in range(len(proto) - 1, -1, -1):  # the parameter list is the last top-level (...)
        if proto[i] == ")":
            depth += 1
        elif proto[i] == "(":
            depth -= 1
            if depth == 0:
                open_at = i
                break
    m = re.match(r"^(.*?)([A-Za-z_]\w*)\s*$", proto[:open_at])
    if not m:
        raise SystemExit(f"cannot read prototype {proto!r}")
    args = split_top(proto[open_at + 1:-1])
    ret = m.group(1).strip()
    return {"func": m.group(2), "args": args or ["void"], "ret": ("static " if static else "") + ret,
            "line": line, "file": file, "module": "vm"}


def first_line(ptype):
    return ptype.splitlines()[0].removeprefix("type = ").strip()


def golden_for(so):
    types_text, funcs_text = gdb(so, ["info types", "info functions"])
    entries = listing(types_text, "All defined types:")
    struct_names, type_names = [], []
    for _file, _line, entry in entries:
        entry = entry.rstrip(";")
        if re.match(r"^(struct|union) [A-Za-z_]\w*$", entry):
            struct_names.append(entry)
        elif entry.startswith("typedef "):
            name = re.search(r"([A-Za-z_]\w*)$", entry).group(1)
            type_names.append(name)
            if re.match(r"^typedef (struct|union) \{\.\.\.\}", entry):
                struct_names.append(name)
        elif not entry.startswith("enum "):
            type_names.append(entry)  # a base type
    struct_names.sort()

    asks = [f"ptype /o {n}" for n in struct_names] + [f"print sizeof({n})" for n in struct_names]
    asks += [f"ptype {n}" for n in type_names] + [f"print sizeof({n})" for n in type_names]
    asks.append("print sizeof(void *)")
    answers = gdb(so, asks)
    size_of = lambda text: int(text.strip().split("=")[-1])
    ns, nt = len(struct_names), len(type_names)
    structs = []
    for i, name in enumerate(struct_names):
        cells = flatten(answers[i])
        structs.append({"name": name, "members": len(cells), "size": size_of(answers[ns + i]), "cell": cells})
    types = [{"name": "void *", "type": "void *", "size": size_of(answers[-1])}]
    for i, name in enumerate(type_names):
        types.append({"name": name, "type": first_line(answers[2 * ns + i]),
                      "size": size_of(answers[2 * ns + nt + i])})

    funcs = [signature(f, line, proto) for f, line, proto in listing(funcs_text, "All defined functions:")
             if not f.endswith(".h")]
    funcs.sort(key=lambda r: r["func"])
    return {"structs": structs, "types": types, "funcs": funcs}


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SRC)
    out = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT
    scratch = tempfile.mkdtemp(prefix="gen-golden-")
    try:
        base = os.path.basename(src)
        shutil.copyfile(src, os.path.join(scratch, base))
        subprocess.run(["gcc", *CFLAGS, base, "-o", "k.so"], cwd=scratch, check=True)
        golden = golden_for(os.path.join(scratch, "k.so"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = json.dumps(golden, indent=1, ensure_ascii=False) + "\n"
    if out == "-":
        sys.stdout.write(text)
    else:
        tmp = f"{out}.tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, out)


if __name__ == "__main__":
    main()
