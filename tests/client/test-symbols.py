#!/usr/bin/python3
# test-symbols.py LIBRARY MAP HEADER...: libscardbus exports what its linker
# version script says and its public headers declare, and nothing else.
#   - every dynamic symbol the library defines matches a "global:" pattern of
#     the version script (and no "local:" exception);
#   - every function the public headers declare (G_DECLARE_FINAL_TYPE's
#     get_type included) is exported;
#   - every exported scb_* function is declared in a public header (a
#     helper that forgot its _scb_ prefix, or common/'s channel codec
#     without G_GNUC_INTERNAL, would leak);
#   - no private _scb_* helper is exported.
# TAP output.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import fnmatch
import re
import subprocess
import sys


def version_script(path):
    text = re.sub(r'/\*.*?\*/', '', open(path).read(), flags=re.S)
    globs, locs, section = [], [], None
    for token in re.findall(r'[A-Za-z_*?][\w*?]*:|[^\s;{}]+', text):
        if token == 'global:':
            section = globs
        elif token == 'local:':
            section = locs
        elif section is not None and not token.endswith(':'):
            section.append(token)
    return globs, locs


def exported(path):
    out = subprocess.run(['nm', '-D', '--defined-only', path], check=True,
                         capture_output=True, text=True).stdout
    symbols = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] != 'A':
            symbols[parts[2].split('@')[0]] = parts[1]
    return symbols


def declared(headers):
    names = set()
    for h in headers:
        text = re.sub(r'/\*.*?\*/', '', open(h).read(), flags=re.S)
        for m in re.finditer(r'G_DECLARE_(?:FINAL|DERIVABLE)_TYPE\s*\(\s*\w+\s*,\s*(\w+)', text):
            names.add(m.group(1) + '_get_type')
        for m in re.finditer(r'^[A-Za-z_][\w \t\*]*?\b(scb_\w+)\s*\(', text, flags=re.M):
            names.add(m.group(1))
    return names


def main():
    lib, map_file, headers = sys.argv[1], sys.argv[2], sys.argv[3:]
    globs, locs = version_script(map_file)
    symbols = exported(lib)
    public = declared(headers)
    tests = []

    outside = sorted(s for s in symbols
                     if not any(fnmatch.fnmatchcase(s, g) for g in globs)
                     or any(fnmatch.fnmatchcase(s, l) for l in locs if l != '*'))
    tests.append(('every exported symbol matches the version script (%d symbols)' % len(symbols),
                  not outside, outside))
    missing = sorted(n for n in public if n not in symbols)
    tests.append(('every public function is exported (%d declared)' % len(public), not missing, missing))
    undeclared = sorted(s for s in symbols if s.startswith('scb_') and s not in public)
    tests.append(('every exported scb_* function is declared in a public header',
                  not undeclared, undeclared))
    private = sorted(s for s in symbols if s.startswith('_scb'))
    tests.append(('no private _scb_* helper is exported', not private, private))
    tests.append(('the client API is there', 'scb_client_new_sync' in symbols
                  and 'scb_client_connection_transmit_sync' in symbols
                  and 'scb_error_quark' in symbols, sorted(symbols)[:10]))

    failed = False
    for i, (desc, ok, detail) in enumerate(tests, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, desc))
        if not ok:
            failed = True
            print('# %s' % (detail,))
    print('1..%d' % len(tests))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
