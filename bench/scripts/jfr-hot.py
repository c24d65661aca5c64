#!/usr/bin/env python3
"""Summarize jdk.ExecutionSample events of a JFR file: where the CPU samples are.

usage: jfr-hot.py FILE.jfr [--from HH:MM:SS] [--to HH:MM:SS] [--top N] [--exclude-tid ID] [--alloc]

--exclude-tid leaves out one thread (the load generator prints its thread id).
--alloc summarizes jdk.ObjectAllocationSample instead, weighted by the bytes each sample stands for.

Prints samples per thread group, top frames (self), and inclusive counts per
component (a sample counts once for each component on its stack) and per method.
"""
import collections
import re
import subprocess
import sys

COMPONENTS = [
    ("java serialization (ObjectOutput/InputStream)", r"^java\.io\.Object(Output|Input)Stream"),
    ("H2 MVStore", r"^org\.h2\."),
    ("mongo-java-server", r"^de\.bwaldvogel\."),
    ("MongoDB driver", r"^com\.mongodb\.|^org\.bson\."),
    ("Sluice decider (domain)", r"^io\.sluice\.orchestrator\.domain\."),
    ("Sluice store mapping", r"^io\.sluice\.orchestrator\.store\."),
    ("Sluice engine", r"^io\.sluice\.orchestrator\.engine\."),
    ("Sluice API", r"^io\.sluice\.orchestrator\.api\."),
    ("CEL", r"^dev\.cel\."),
    ("Jackson", r"^com\.fasterxml\.jackson\."),
    ("Vert.x web/http", r"^io\.vertx\.(ext\.web|core\.http)"),
    ("Netty", r"^io\.netty\."),
    ("bench (load generator / JMH)", r"^io\.sluice\.bench\."),
    ("logging", r"^ch\.qos\.logback|^org\.slf4j"),
]


UNITS = {"bytes": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def thread_group(name):
    name = re.sub(r"\d+", "#", name)
    return name


def main():
    args = sys.argv[1:]
    path = args[0]
    top = 40
    t_from = t_to = None
    exclude = set()
    alloc = "--alloc" in args
    event = "jdk.ObjectAllocationSample" if alloc else "jdk.ExecutionSample"
    for i, a in enumerate(args):
        if a == "--top":
            top = int(args[i + 1])
        if a == "--from":
            t_from = args[i + 1]
        if a == "--to":
            t_to = args[i + 1]
        if a == "--exclude-tid":
            exclude.add(args[i + 1])
    out = subprocess.run(
        ["jfr", "print", "--stack-depth", "96", "--events", event, path],
        capture_output=True, text=True, check=True).stdout
    samples = []
    for block in out.split(event + " {")[1:]:
        m = re.search(r"startTime = (\S+)", block)
        t = m.group(1)[:8] if m else ""
        if (t_from and t < t_from) or (t_to and t > t_to):
            continue
        th = re.search(r'(?:sampledThread|eventThread) = "([^"]*)" \(javaThreadId = (\d+)\)', block)
        if th and th.group(2) in exclude:
            continue
        frames = [re.sub(r"\s+line:.*", "", f.strip())
                  for f in re.findall(r"^\s{4}(\S.*)$", block, re.M)]
        frames = [f for f in frames if f and f != "..."]
        weight = 1.0
        if alloc:
            w = re.search(r"weight = ([\d.]+) (\w+)", block)
            weight = float(w.group(1)) * UNITS[w.group(2)] / 1e6
        samples.append((th.group(1) if th else "?", frames, weight))
    total = sum(w for _, _, w in samples)
    print(f"{total:.0f} MB allocated" if alloc else f"{total:.0f} samples")
    by_thread = collections.Counter()
    for t, _, w in samples:
        by_thread[thread_group(t)] += w
    print("\n== per thread group")
    for k, v in by_thread.most_common(15):
        print(f"{v:8.0f} {100.0 * v / total:5.1f}%  {k}")
    comp = collections.Counter()
    for _, frames, w in samples:
        hit = set()
        for f in frames:
            for label, rx in COMPONENTS:
                if re.search(rx, f):
                    hit.add(label)
        for h in hit:
            comp[h] += w
    print("\n== per component (inclusive)")
    for k, v in comp.most_common():
        print(f"{v:8.0f} {100.0 * v / total:5.1f}%  {k}")
    self_c = collections.Counter()
    for _, f, w in samples:
        if f:
            self_c[f[0]] += w
    print(f"\n== top {top} frames (self)")
    for k, v in self_c.most_common(top):
        print(f"{v:8.0f} {100.0 * v / total:5.1f}%  {k}")
    incl = collections.Counter()
    for _, frames, w in samples:
        for f in set(frames):
            if f.startswith("io.sluice.") or f.startswith("de.bwaldvogel.") or f.startswith("org.h2."):
                incl[f] += w
    print(f"\n== top {top} io.sluice / mongo-java-server / H2 methods (inclusive)")
    for k, v in incl.most_common(top):
        print(f"{v:8.0f} {100.0 * v / total:5.1f}%  {k}")


if __name__ == "__main__":
    main()
