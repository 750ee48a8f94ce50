#!/usr/bin/python3
"""Sums meson testlog.json files into one line: N passed, N failed, N skipped.

Exits 1 when anything failed or was skipped, or no test ran at all.
"""
import json
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}


def main(args):
    passed = failed = skipped = 0
    paths = []
    while args:
        arg = args.pop(0)
        if arg == "--extra-failures":
            # failures outside meson test, e.g. a build that did not compile
            failed += int(args.pop(0))
        else:
            paths.append(arg)
    for path in paths:
        try:
            with open(path, encoding="utf-8") as log:
                lines = [line for line in log if line.strip()]
        except OSError as error:
            print(f"{path}: {error}", file=sys.stderr)
            failed += 1
            continue
        for line in lines:
            result = json.loads(line)["result"]
            if result in PASSED:
                passed += 1
            elif result in SKIPPED:
                skipped += 1
            else:
                failed += 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if passed > 0 and failed == 0 and skipped == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
