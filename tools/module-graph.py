#!/usr/bin/env python3
"""Checks the crate's layering and prints what breaks it: any cycle in the module graph (every
`crate::<module>` a module names), any arrow pointing up the layers (api, boundary, core, sys:
each may use only those after it, and itself) and any `unsafe` outside boundary/ and sys/;
exits 1 on any. `--graph` prints the graph too. Modules are the files under src/."""
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

if "--graph" in sys.argv:
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

LAYERS = ["api", "boundary", "core", "sys"]
def layer(m):
    first = m.split("::")[0]
    return LAYERS.index(first) if first in LAYERS else None
upward = [(m, t) for m in sorted(edges) for t in sorted(edges[m])
          if layer(m) is not None and layer(t) is not None and layer(t) < layer(m)]
for m, t in upward:
    print(f"upward: {m} -> {t}")
outside = sorted(m for m in edges if m != "lib" and layer(m) is None)
for m in outside:
    print(f"outside the layers: {m}")

# `unsafe` code belongs in boundary/ and sys/ only (comments and doc lines do not count).
misplaced = []
for f in sorted(src.rglob("*.rs")):
    rel = f.relative_to(src)
    if rel.parts[0] in ("boundary", "sys"):
        continue
    for n, line in enumerate(f.read_text().splitlines(), 1):
        code = line.split("//")[0]
        if re.search(r"\bunsafe\b", code):
            misplaced.append(f"{rel}:{n}")
for where in misplaced:
    print(f"unsafe outside boundary/ and sys/: {where}")

# The proxy (proxy/src) is a host of the core's plain Rust API: it names `kafkabridge::core`
# only, never the C ABI, and has no `unsafe`.
proxy_breaks = []
for f in sorted((src.parent / "proxy" / "src").rglob("*.rs")):
    for n, line in enumerate(f.read_text().splitlines(), 1):
        code = line.split("//")[0]
        used = re.findall(r"kafkabridge::([a-z_]+)", code)
        if any(u != "core" for u in used) or re.search(r"\bunsafe\b", code):
            proxy_breaks.append(f"{f.relative_to(src.parent)}:{n}: {line.strip()}")
for b in proxy_breaks:
    print(f"proxy beyond kafkabridge::core: {b}")
print(f"{len(cycles)} cycle(s), {len(upward)} upward arrow(s), {len(outside)} module(s) outside the layers, "
      f"{len(misplaced)} unsafe outside boundary/ and sys/, {len(proxy_breaks)} proxy use(s) beyond the core")
sys.exit(1 if cycles or upward or outside or misplaced or proxy_breaks else 0)
