#!/usr/bin/python3
# test-guide.py SIM TYPELIB-AND-LIBRARY-DIR GUIDE CC [CFLAG...]: runs the
# programs of docs/developer-guide.md under scardbus-sim, as the guide says
# they run. A program is a ```python block starting with "#!/usr/bin/python3",
# or a ```c block (compiled with CC CFLAG... and gio-unix-2.0, linked with
# the library in TYPELIB-AND-LIBRARY-DIR), right after a
# "<!-- guide-test: {...} -->" comment, whose JSON gives:
#   readers    the sim's --reader arguments (default ["tpdu"])
#   events     "scardbus-sim ctl" commands to run once the program has
#              printed its first line
#   interrupt  send SIGINT once every expected text is seen; exit 0 expected
#   expect     texts its standard output must contain
# Every program must exit 0. TAP output.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time


def examples(guide):
    text = open(guide, encoding='utf-8').read()
    pattern = r'<!-- guide-test: (\{.*?\}) -->\n```(python|c)\n(.*?)```'
    for m in re.finditer(pattern, text, flags=re.S):
        name = re.search(r'^(?:#|/\*) (\S+):', m.group(3), flags=re.M)
        yield (name.group(1) if name else 'example'), m.group(2), json.loads(m.group(1)), m.group(3)


def read_until(p, out, done, timeout_s):
    """Appends what p prints to out until done(text) or timeout_s or EOF."""
    deadline = time.monotonic() + timeout_s
    fd = p.stdout.fileno()
    while not done(b''.join(out).decode(errors='replace')):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return
        chunk = os.read(fd, 4096)
        if not chunk:
            return
        out.append(chunk)


def inner(sim, program, spec_json):
    """Inside the sim: run the program, drive events, check its output."""
    spec = json.loads(spec_json)
    expect = spec.get('expect', [])
    # stdbuf: a C program's stdout to a pipe is line-buffered like a terminal's
    command = ['/usr/bin/python3', program] if program.endswith('.py') else ['stdbuf', '-oL', program]
    p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = []
    if spec.get('events') or spec.get('interrupt'):
        read_until(p, out, lambda text: '\n' in text, 30)
        for event in spec.get('events', []):
            subprocess.run([sim, 'ctl'] + event.split(), check=True, timeout=60)
        read_until(p, out, lambda text: all(e in text for e in expect), 30)
        if spec.get('interrupt'):
            p.send_signal(signal.SIGINT)
    try:
        rest, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, err = p.communicate()
    out.append(rest)
    stdout = b''.join(out).decode(errors='replace')
    missing = [e for e in expect if e not in stdout]
    if p.returncode != 0 or missing:
        print('exit %d, missing %s\nstdout:\n%s\nstderr:\n%s' % (p.returncode, missing, stdout,
                                                              err.decode(errors='replace')))
        return 1
    return 0


def compile_c(source, program, library_dir, cc_args):
    flags = subprocess.run(['pkg-config', '--cflags', '--libs', 'gio-unix-2.0'], check=True,
                           capture_output=True, text=True).stdout.split()
    p = subprocess.run(cc_args + ['-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror', '-o', program,
                                  source, '-L' + library_dir, '-lscardbus',
                                  '-Wl,-rpath,' + library_dir] + flags,
                       capture_output=True, text=True)
    return p.returncode == 0, p.stderr


def outer(sim, typelib_dir, guide, cc_args):
    env = dict(os.environ)
    for var in ('GI_TYPELIB_PATH', 'LD_LIBRARY_PATH'):
        env[var] = typelib_dir + (':' + env[var] if env.get(var) else '')
    # The programs call scardbus-sim by name, as installed.
    env['PATH'] = os.path.dirname(sim) + ':' + env.get('PATH', '')
    n = 0
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name, language, spec, code in examples(guide):
            source = os.path.join(tmp, name)
            with open(source, 'w') as f:
                f.write(code)
            program = source
            if language == 'c':
                program = source[:-2]
                ok, errors = compile_c(source, program, typelib_dir, cc_args)
                n += 1
                failed |= not ok
                print('%s %d - %s compiles with -Wall -Wextra -Werror' % ('ok' if ok else 'not ok', n, name))
                if not ok:
                    for line in errors.splitlines():
                        print('# ' + line)
                    continue
            readers = []
            for r in spec.get('readers', ['tpdu']):
                readers += ['--reader', r]
            p = subprocess.run([sim] + readers + ['--', '/usr/bin/python3', __file__, '--inner', sim,
                                                  program, json.dumps(spec)],
                               capture_output=True, text=True, env=env, timeout=300)
            n += 1
            ok = p.returncode == 0
            failed |= not ok
            print('%s %d - %s runs as the guide says' % ('ok' if ok else 'not ok', n, name))
            if not ok:
                for line in (p.stdout + p.stderr).splitlines()[-40:]:
                    print('# ' + line)
    n += 1
    enough = n >= 8
    failed |= not enough
    print('%s %d - the guide has its 6 tested programs' % ('ok' if enough else 'not ok', n))
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == '--inner':
        sys.exit(inner(sys.argv[2], sys.argv[3], sys.argv[4]))
    if len(sys.argv) < 5:
        print('Bail out! usage: test-guide.py SCARDBUS-SIM TYPELIB-DIR GUIDE CC [CFLAG...]')
        sys.exit(1)
    sys.exit(outer(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3],
                   sys.argv[4:]))
