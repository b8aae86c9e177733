#!/usr/bin/env python3
"""Prints the crate's module dependency graph (every `crate::<module>` a module names) and any
cycle in it; exits 1 if there is a cycle. Modules are the files and folders under src/."""
import collections, pathlib, re, sys

src = pathlib.Path(__file__).resolve().parent.parent / "src"
edges = collections.defaultdict(set)
for f in src.rglob("*.rs"):
    rel = f.relative_to(src).with_suffix("")
    parts = [p for p in rel.parts if p not in ("mod", "lib")]
    me = "::".join(parts) or "lib"
    for line in f.read_text().splitlines():
        if line.lstrip().startswith("//"):
            continue
        for path in re.findall(r"crate::([a-z_]+(?:::[a-z_]+)?)", line):
            first = path.split("::")[0]
            target = path if (src / first).is_dir() else first
            if target != me and not me.startswith(target + "::") and target != "lib":
                edges[me].add(target)

for m in sorted(edges):
    print(f"{m} -> {', '.join(sorted(edges[m]))}")

cycles, state = [], {}
def visit(n, stack):
    state[n] = 1
    for t in sorted(edges.get(n, ())):
        if state.get(t) == 1:
            cycles.append(stack[stack.index(t):] + [t])
        elif t not in state:
            visit(t, stack + [t])
    state[n] = 2
for n in sorted(edges):
    if n not in state:
        visit(n, [n])
for c in cycles:
    print("cycle: " + " -> ".join(c))
print(f"{len(cycles)} cycle(s)")
sys.exit(1 if cycles else 0)
