#!/usr/bin/env python3
"""compare-readers.py: real readers under scardbusd and under pcscd + libccid.

Every reader of the fixture (tests/data/ccid-readers.txt, or those a
--subset file names) is emulated by scardbus-sim with a T=1 card, in
batches, once under pcscd + libccid (the reference: Debian's pcscd 1.9.9,
libccid 1.5.2) and once under scardbusd. A PC/SC program (probe.c) lists
the readers and, in each, reads the ATR and sends GET CHALLENGE. For each
reader: the same names (slot suffixes included), the same ATR, the same
answer to GET CHALLENGE (its length and status word: the bytes are random),
or the same refusal. A reader libccid 1.5.2 does not know (not in its
Info.plist) is counted apart: scardbusd must serve it, under the name
libccid's newer table gives it.

  compare-readers.py [--tap] [--subset FILE] [--report FILE] SIM PROBE FIXTURE
"""
import argparse
import collections
import html
import os
import re
import subprocess
import sys

INFO_PLIST = "/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist"
NAMES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data",
                     "reader-names.txt")
# pcscd serves 16 readers (slots) at most (PCSCLITE_MAX_READERS_CONTEXTS)
MAX_SLOTS_PER_BATCH = 14
LEVELS = {0: "character", 0x10000: "TPDU", 0x20000: "short APDU", 0x40000: "extended APDU"}


# Known differences, each a TODO in TAP (reported, not failing): what
# scardbusd does not do yet, or what the sim cannot show.
SIM_ESCAPE = ("libccid loads the PIN pad's strings with a vendor Escape at open "
              "(ccid_open_hack_post) that the sim only echoes: pcscd fails to add it")
KNOWN = {"GemPCPinpad": SIM_ESCAPE, "Vega-Alpha": SIM_ESCAPE}


def known_difference(r):
    if r is None:
        return None
    if r["features"] & 0x70000 == 0:
        return "character level: scardbusd does not exchange APDUs with such readers yet"
    return KNOWN.get(r["entry"])


def load_fixture(path):
    readers = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            f = line.rstrip("\n").split("\t")
            desc = bytes.fromhex(f[8])
            readers.append({
                "entry": f[0], "vidpid": f[1], "class": f[3], "endpoints": f[4],
                "manufacturer": f[5], "product": f[6], "interface": f[7],
                "slots": desc[4] + 1,
                "features": int.from_bytes(desc[40:44], "little"),
                "pin": desc[52], "interfaces": int(f[9]),
            })
    return readers


def load_names(path):
    names = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                vid, pid, name = line.split(":", 2)
                names[f"{int(vid, 16):04X}:{int(pid, 16):04X}"] = name
    return names


def load_info_plist(path):
    text = open(path, encoding="utf-8").read()

    def array(key):
        m = re.search(r"<key>%s</key>\s*<array>(.*?)</array>" % key, text, re.S)
        return re.findall(r"<string>(.*?)</string>", m.group(1), re.S)

    return {f"{int(v, 16):04X}:{int(p, 16):04X}"
            for v, p in zip(array("ifdVendorID"), array("ifdProductID"))}


def expected_name(reader, names):
    """pcscd's name without " NN SS" (pcsc-lite hotplug_libudev.c)."""
    name = names.get(reader["vidpid"])
    if name is None:
        m, p = reader["manufacturer"], reader["product"]
        name = f"{m} {p}" if m and p else p or m
    if reader["interface"]:
        iface = "".join(c if ord(c) < 0x80 else "." * len(c.encode()) for c in reader["interface"])
        name += f" [{iface}]"
    return name


def batches(readers, names, known):
    """Batches of at most MAX_SLOTS_PER_BATCH slots, no two readers of a
    batch with the same name (the name is how the answers are matched).
    The readers libccid 1.5.2 does not know go in batches of their own:
    scardbusd serves them, pcscd does not, and the reader numbers (NN)
    of the others would differ."""
    out, cur, slots, seen = [], [], 0, set()

    def group(r):
        # known differences alone too: a reader one host lists and the
        # other does not shifts the numbers of the readers after it
        return (r["vidpid"] in known, known_difference(r) is None)

    ordered = sorted(readers, key=lambda r: group(r), reverse=True)
    for r in ordered:
        if cur and group(r) != group(cur[0]):
            out.append(cur)
            cur, slots, seen = [], 0, set()
        name = expected_name(r, names)
        if cur and (slots + r["slots"] > MAX_SLOTS_PER_BATCH or name in seen):
            out.append(cur)
            cur, slots, seen = [], 0, set()
        cur.append(r)
        slots += r["slots"]
        seen.add(name)
    if cur:
        out.append(cur)
    return out


def clean_env():
    """The environment without our libpcsclite.so.1 on LD_LIBRARY_PATH
    (meson puts build directories there): under pcscd the probe and the
    sim must load Debian's, and under scardbusd the sim puts ours first."""
    env = dict(os.environ)
    dirs = [d for d in env.get("LD_LIBRARY_PATH", "").split(":")
            if d and not os.path.exists(os.path.join(d, "libpcsclite.so.1"))]
    env["LD_LIBRARY_PATH"] = ":".join(dirs)
    return env


def run(sim, probe, fixture, host, batch):
    args = [sim, "--host", host, "--ready", "host"]
    for r in batch:
        args += ["--reader", f"@{fixture}#{r['entry']}:t1"]
    args += ["--", probe]
    try:
        p = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=120,
                           env=clean_env())
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if "done" not in p.stdout.splitlines():
        return None, (p.stdout + p.stderr)[-2000:]
    slots = collections.OrderedDict()
    cur = None
    for line in p.stdout.splitlines():
        if line.startswith("reader "):
            cur = line[len("reader "):]
            slots[cur] = []
        elif cur is not None and line != "done":
            slots[cur].append(line)
    return slots, None


def split_name(full):
    m = re.match(r"^(.*) ([0-9A-F]{2}) ([0-9A-F]{2})$", full)
    return (m[1], m[3]) if m else (full, "??")


def compare(sim, probe, fixture, readers, names, known, log, failures):
    results = {}
    for batch in batches(readers, names, known):
        got = {}
        for host in ("pcscd", "scardbusd"):
            slots, error = run(sim, probe, fixture, host, batch)
            if slots is None:
                log(f"# batch {[r['entry'] for r in batch]} under {host} failed: "
                    + error.replace("\n", "\n# "))
                for r in batch:
                    failures.add(r["entry"])
                slots = {}
            by_name = collections.defaultdict(list)
            for full, lines in slots.items():
                base, slot = split_name(full)
                by_name[base].append((full, slot, lines))
            got[host] = by_name
        for r in batch:
            name = expected_name(r, names)
            ref = got["pcscd"].pop(name, [])
            ours = got["scardbusd"].pop(name, [])
            results[r["entry"]] = (r, name, ref, ours)
        for host in ("pcscd", "scardbusd"):
            for base, slots in got[host].items():
                log(f"# {host} listed a reader no description was expected to give: "
                    f"{[s[0] for s in slots]}")
                results.setdefault("?" + base, (None, base, slots if host == "pcscd" else [],
                                                slots if host == "scardbusd" else []))
    return results


def verdict(r, name, ref, ours, known):
    """(category, mismatch or None)"""
    if r is None:
        return "unexpected", "a reader name no description gives"
    in_libccid = r["vidpid"] in known
    if not in_libccid:
        if not ours:
            return "new", "libccid 1.5.2 does not know it; scardbusd does not serve it"
        if len(ours) != r["slots"]:
            return "new", f"scardbusd lists {len(ours)} slot(s) of {r['slots']}"
        return "new", None
    if not ref and not ours:
        return "refused", None
    if not ref:
        return "differs", "scardbusd serves it, libccid does not"
    if not ours:
        return "differs", "libccid serves it, scardbusd does not"
    ref_names = [s[0] for s in ref]
    our_names = [s[0] for s in ours]
    if ref_names != our_names:
        return "differs", f"names: pcscd {ref_names}, scardbusd {our_names}"
    for (full, _, ref_lines), (_, _, our_lines) in zip(ref, ours):
        if ref_lines != our_lines:
            return "differs", f"{full}: pcscd {ref_lines}, scardbusd {our_lines}"
    return "served", None


def level(r):
    return LEVELS.get(r["features"] & 0x70000, "several levels")


def notes(r):
    out = []
    c = r["class"]
    if c.startswith("FF"):
        out.append("vendor class")
    if c.endswith("/01") or c.endswith("/02"):
        out.append("ICCD " + ("A" if c.endswith("/01") else "B"))
    if "int" not in r["endpoints"]:
        out.append("no interrupt endpoint")
    if r["pin"]:
        out.append("PIN pad")
    if r["interfaces"] > 1:
        out.append(f"{r['interfaces']} CCID interfaces, the first emulated")
    return out


def report(path, rows, totals, differences):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Real readers: scardbusd and pcscd + libccid\n\n")
        f.write("Generated by `ninja -C _build readers` (tests/readers/compare-readers.py); do not\n"
                "edit. Every reader of libccid's collection (tests/data/ccid-readers.txt, made by\n"
                "tools/ccid-readers.py) emulated by scardbus-sim with a T=1 card, under Debian's\n"
                "pcscd 1.9.9 + libccid 1.5.2 and under scardbusd: the PC/SC names, the ATR, GET\n"
                "CHALLENGE. *new*: libccid 1.5.2 does not know the reader (scardbusd names it\n"
                "from libccid's newer table).\n\n")
        f.write("| total | " + " | ".join(totals) + " |\n|---|" + "---|" * len(totals) + "\n")
        f.write("| " + str(sum(totals.values())) + " | "
                + " | ".join(str(v) for v in totals.values()) + " |\n\n")
        if differences:
            f.write("Differences:\n\n")
            for entry, mismatch in differences:
                f.write(f"- {entry}: {mismatch}\n")
            f.write("\n")
        f.write("| reader | VID:PID | libccid | scardbusd | name | level | slots | notes |\n")
        f.write("|---|---|---|---|---|---|---|---|\n")
        for row in rows:
            f.write("| " + " | ".join(str(x).replace("|", "\\|") for x in row) + " |\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--subset")
    ap.add_argument("--report")
    ap.add_argument("sim")
    ap.add_argument("probe")
    ap.add_argument("fixture")
    a = ap.parse_args()
    fixture = os.path.abspath(a.fixture)
    readers = load_fixture(fixture)
    names = load_names(NAMES)
    known = load_info_plist(INFO_PLIST)
    if a.subset:
        wanted = [l.split("#")[0].strip() for l in open(a.subset, encoding="utf-8")]
        wanted = [w for w in wanted if w]
        by_entry = {r["entry"]: r for r in readers}
        missing = [w for w in wanted if w not in by_entry]
        if missing:
            print(f"Bail out! not in the fixture: {missing}")
            return 1
        readers = [by_entry[w] for w in wanted]
    if os.geteuid() != 0:
        print("Bail out! needs root (pcscd runs in its own namespaces)")
        return 1

    log = (lambda s: print(s, flush=True)) if a.tap else (lambda s: print(s, file=sys.stderr))
    failures = set()
    results = compare(os.path.abspath(a.sim), os.path.abspath(a.probe), fixture, readers, names,
                      known, log, failures)
    totals = collections.Counter()
    rows = []
    differences = []
    n = 0
    failed = False
    for entry, (r, name, ref, ours) in results.items():
        category, mismatch = verdict(r, name, ref, ours, known)
        if entry in failures:
            category, mismatch = "failed", "the sim did not run (see above)"
        totals[category] += 1
        bad = mismatch is not None and category != "refused"
        todo = known_difference(r) if bad else None
        failed |= bad and todo is None
        if a.tap:
            n += 1
            print(f"{'not ok' if bad else 'ok'} {n} - {entry}: {category}"
                  + (f": {mismatch}" if mismatch else "") + (f" # TODO {todo}" if todo else ""),
                  flush=True)
        elif bad:
            print(f"{'KNOWN' if todo else 'MISMATCH'} {entry}: {mismatch}"
                  + (f" ({todo})" if todo else ""))
        if todo:
            mismatch = f"{mismatch} ({todo})"
        if bad:
            differences.append((entry, mismatch))
        if r is not None:
            rows.append((entry, r["vidpid"],
                         "served" if ref else ("unknown to 1.5.2" if category == "new" else "refused"),
                         "served" if ours else "refused", name, level(r), r["slots"],
                         "; ".join(notes(r) + ([mismatch] if mismatch else []))))
    print(("# " if a.tap else "") + "totals: "
          + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())), flush=True)
    if a.report:
        report(a.report, rows, dict(sorted(totals.items())), differences)
    if a.tap:
        print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
