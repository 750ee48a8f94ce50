#!/usr/bin/python3
# bench.py: scardbus against pcscd 1.9.9 + libccid 1.5.2 on the same
# scardbus-sim readers, in the same run. Prints a table, writes JSON.
#
#   bench.py --builddir BUILD [--reps 3] [--smoke] [--json FILE] [--only KIND]...
#
# Every measure is one scardbus-sim run whose COMMAND is this script again
# (--inner): it finds the host among the sim's children, runs the C clients
# (bench-usb, bench-pcsc, bench-dbus), reads /proc, and prints its results.
# bench_profile.py adds the host's instructions (callgrind) and system
# calls (strace) per APDU without the sim's USB transport.
# A measure whose prerequisite is missing (or that fails) is reported as
# "n/a (...)" with the reason, never as a number.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import glob
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import bench_profile

RESULT = 'BENCH-RESULT '
HOSTS = ('pcscd', 'scardbusd')
SIZES = ('5', '261', '4096')
# (idle connections, idle readers) beside the measured reader; the first
# is the baseline. umockdev emulates at most 50 device nodes per process.
CROWDS = ((0, 0), (100, 0), (1000, 0), (0, 1), (0, 16), (0, 48))
SMOKE_CROWDS = ((3, 0), (0, 1))
BUSY, SMOKE_BUSY = 16, 2


# ---- inner side: runs as the sim's COMMAND ----------------------------------

def host_pid(name, prefix=False):
    """The sim's child called NAME (or a name starting with NAME)."""
    sim = os.getppid()
    for stat in glob.glob('/proc/[0-9]*/stat'):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            with open(stat[:-4] + 'comm') as f:
                comm = f.read().strip()
        except OSError:
            continue
        if int(fields[1]) == sim and (comm.startswith(name) if prefix else comm == name):
            return int(stat.split('/')[2])
    return 0


def emit(name, value):
    print(RESULT + json.dumps({'measure': name, 'value': value}), flush=True)


def run_client(argv, env=None, timeout=300):
    """The client's last JSON line, or {'na': reason}."""
    try:
        p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {'na': 'timed out after %d s' % timeout}
    lines = [l for l in p.stdout.splitlines() if l.startswith('{')]
    if p.returncode == 0 and lines:
        return json.loads(lines[-1])
    err = [l for l in p.stderr.splitlines() if l.strip()]
    return {'na': (err[-1] if err else 'exit status %d' % p.returncode)[:160]}


def ctx_switches(pid):
    total = 0
    for status in glob.glob('/proc/%d/task/*/status' % pid):
        try:
            with open(status) as f:
                for line in f:
                    if line.startswith(('voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches')):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def memory(pid):
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('RssAnon:'):
                out['rss_anon_kib'] = int(line.split()[1])
    with open('/proc/%d/smaps_rollup' % pid) as f:
        for line in f:
            if line.startswith('Pss:'):
                out['pss_kib'] = int(line.split()[1])
    return out


def polls(n):
    """GetSlotStatus commands the readers have answered (the sim's counters)."""
    total = 0
    for i in range(n):
        p = subprocess.run([os.environ['SCARDBUS_SIM_BIN'], 'ctl', 'stats', str(i)],
                           capture_output=True, text=True, timeout=30)
        if p.returncode == 0:
            total += json.loads(p.stdout).get('ccid', {}).get('GetSlotStatus', 0)
    return total


def our_winscard():
    """Our libpcsclite.so.1 on LD_LIBRARY_PATH: only the sim puts one there
    (the driver gives the sim no LD_LIBRARY_PATH of its own)."""
    for d in os.environ.get('LD_LIBRARY_PATH', '').split(':'):
        if d and os.path.exists(os.path.join(d, 'libpcsclite.so.1')):
            return True
    return False


class Crowd:
    """The idle crowd of a measure: SPEC's 'connections' shared connections
    held by another process (bench-pcsc hold), each with its fd channel
    under scardbusd, on reader 0 while the measure runs. The sim gives the
    extra readers ('idle_readers')."""

    def __init__(self, pcsc, spec):
        self.n = spec.get('connections', 0)
        self.proc, self.info = None, {'held': 0}
        if self.n:
            self.proc = subprocess.Popen([pcsc, 'hold', '--count', str(self.n)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
            line = self.proc.stdout.readline()
            self.info = json.loads(line) if line.startswith('{') else {'na': 'bench-pcsc hold failed'}

    def close(self):
        if self.proc:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tag(self, result):
        if 'na' not in result:
            result.update({k: v for k, v in self.info.items() if k != 'stopped'})
        return result


def cpu_ticks(pid):
    """User + system CPU of PID in clock ticks."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])


def busy(pcsc, pid, readers, count):
    """READERS clients at once, each in a closed loop on its own reader:
    the aggregate rate and the host's CPU per APDU."""
    c0, t0 = cpu_ticks(pid), time.monotonic()
    procs = [subprocess.Popen([pcsc, 'transmit', '--size', '5', '--count', str(count), '--reader-index', str(i)],
                              stdout=subprocess.PIPE, text=True) for i in range(readers)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    c1, t1 = cpu_ticks(pid), time.monotonic()
    if any(p.returncode != 0 for p in procs):
        return {'na': 'a client failed'}
    per = [json.loads(o)['per_second'] for o in outs]
    total = readers * count
    return {'per_second': total / (t1 - t0), 'slowest_client_per_second': min(per),
            'host_cpu_us_per_apdu': (c1 - c0) * 1e6 / os.sysconf('SC_CLK_TCK') / total,
            'clients': readers}


def wait_listed(lister, want, timeout):
    """Until the host lists WANT readers (or stops adding for 5 s): how
    many it listed."""
    deadline, seen, last_change = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        r = run_client(lister, timeout=30)
        n = r.get('readers', -1)
        if n != seen:
            seen, last_change = n, time.monotonic()
        if n >= want or (n > 0 and time.monotonic() - last_change > 5):
            break
        time.sleep(0.5)
    return seen


def inner(spec):
    bins = os.environ['BENCH_BIN_DIR']
    pcsc = os.path.join(bins, 'bench-pcsc')
    dbus = os.path.join(bins, 'bench-dbus')
    kind = spec['kind']
    host = spec.get('host')
    if kind == 'profile-cpu':
        # valgrind runs the host under the tool's name (callgrind-amd64-linux).
        pid = host_pid('callgrind', prefix=True)
    else:
        pid = host_pid(host) if host else 0
    if host and pid == 0 and kind != 'floor':
        for key in expected_keys(spec, host):
            emit(key, {'na': 'the sim has no %s child' % host})
        return
    winscard_ok = host == 'pcscd' or our_winscard()
    no_winscard = {'na': 'not yet available: scardbus libpcsclite.so.1'}

    if kind == 'floor':
        env = dict(os.environ)
        with open(os.environ['BENCH_FLOOR_ENV']) as f:
            env['UMOCKDEV_DIR'], env['LD_PRELOAD'] = f.read().split('\n')[:2]
        for model, size, count, index in spec['runs']:
            emit('transmit/%s/%s/libusb' % (model, size),
                 run_client([os.path.join(bins, 'bench-usb'), '--model', model, '--size', size,
                             '--count', str(count), '--index', str(index)], env))
    elif kind == 'transmit':
        model = spec['model']
        for size, count in spec['runs']:
            if winscard_ok:
                r = run_client([pcsc, 'transmit', '--size', size, '--count', str(count),
                                '--host-pid', str(pid)])
            else:
                r = no_winscard
            emit('transmit/%s/%s/winscard' % (model, size), r)
            if host == 'scardbusd':
                for mode in ('dbus', 'channel'):
                    emit('transmit/%s/%s/%s' % (model, size, mode),
                         run_client([dbus, 'transmit', '--mode', mode, '--size', size,
                                     '--count', str(count), '--host-pid', str(pid)]))
    elif kind == 'events':
        n, watchers = spec['count'], spec['watchers']
        emit('insertion/winscard', run_client([pcsc, 'events', '--count', str(n)])
             if winscard_ok else no_winscard)
        emit('watchers/winscard', run_client([pcsc, 'events', '--count', str(max(n // 10, 3)),
                                              '--watchers', str(watchers)])
             if winscard_ok else no_winscard)
        if host == 'scardbusd':
            emit('insertion/dbus', run_client([dbus, 'events', '--count', str(n)]))
            emit('watchers/dbus', run_client([dbus, 'events', '--count', str(max(n // 10, 3)),
                                              '--watchers', str(watchers)]))
    elif kind in ('storm', 'storm-cards'):
        args = ['storm', '--events', str(spec['events']), '--watchers', str(spec['watchers'])]
        if kind == 'storm-cards':
            args.append('--cards-only')
        if spec['path'] == 'winscard':
            emit(kind + '/winscard', run_client([pcsc] + args) if winscard_ok else no_winscard)
        else:
            emit(kind + '/dbus', run_client([dbus] + args))
    elif kind == 'idle':
        time.sleep(spec['settle'])
        p0 = polls(spec['readers'])
        c0, t0 = ctx_switches(pid), time.monotonic()
        time.sleep(spec['measure'])
        c1, t1 = ctx_switches(pid), time.monotonic()
        p1 = polls(spec['readers'])
        r = {'wakeups': c1 - c0, 'per_second': (c1 - c0) / (t1 - t0),
             'polls_per_second': (p1 - p0) / (t1 - t0)}
        if p1 > p0:
            r['wakeups_per_poll'] = (c1 - c0) / (p1 - p0)
        emit('idle/%s' % spec['model'], r)
    elif kind == 'memory':
        want = spec['readers']
        seen = wait_listed([pcsc, 'list'] if host == 'pcscd' else [dbus, 'list'], want, spec['timeout'])
        time.sleep(1)
        m = memory(pid)
        m['readers_listed'] = seen
        emit('memory/%d' % want, m if seen > 0 else {'na': 'the host listed no reader'})
    elif kind == 'crowd':
        want = 1 + spec.get('idle_readers', 0)
        listed = wait_listed([pcsc, 'list'], want, 180)
        if listed < want:
            emit(crowd_measure(spec), {'na': 'the host listed %d of %d readers' % (listed, want)})
            return
        crowd = Crowd(pcsc, spec)
        try:
            r = run_client([pcsc, 'transmit', '--size', '5', '--count', str(spec['count']),
                            '--host-pid', str(pid)]) if 'na' not in crowd.info else crowd.info
        finally:
            crowd.close()
        emit(crowd_measure(spec), crowd.tag(r))
    elif kind == 'busy':
        emit('busy/%d' % spec['readers'], busy(pcsc, pid, spec['readers'], spec['count']))
    elif kind in bench_profile.KINDS:
        def transmit(count, env=None):
            return run_client([pcsc, 'transmit', '--size', '5', '--count', str(count)],
                              dict(os.environ, **env) if env else None)
        if not winscard_ok:
            emit(bench_profile.measure(kind, spec), no_winscard)
            return
        want = 1 + spec.get('idle_readers', 0)
        if want > 1 and wait_listed([pcsc, 'list'], want, 180) < want:
            emit(bench_profile.measure(kind, spec), {'na': 'the host did not list %d readers' % want})
            return
        crowd = Crowd(pcsc, spec)
        try:
            r = bench_profile.inner(spec, pid, transmit) if 'na' not in crowd.info else crowd.info
        finally:
            crowd.close()
        emit(bench_profile.measure(kind, spec), crowd.tag(r))


# ---- outer side ----------------------------------------------------------------

def crowd_measure(spec):
    return 'crowd/%d/%d' % (spec.get('connections', 0), spec.get('idle_readers', 0))


def expected_keys(spec, host):
    """The measures a sim run would have reported, to carry its failure."""
    kind = spec['kind']
    paths = ['winscard'] + (['dbus'] if host == 'scardbusd' else [])
    if kind == 'floor':
        return ['transmit/%s/%s/libusb' % (m, z) for m, z, _, _ in spec['runs']]
    if kind == 'transmit':
        modes = ['winscard'] + (['dbus', 'channel'] if host == 'scardbusd' else [])
        return ['transmit/%s/%s/%s' % (spec['model'], z, m) for z, _ in spec['runs'] for m in modes]
    if kind == 'events':
        return ['%s/%s' % (m, p) for m in ('insertion', 'watchers') for p in paths]
    if kind in ('storm', 'storm-cards'):
        return ['%s/%s' % (kind, spec['path'])]
    if kind == 'idle':
        return ['idle/%s' % spec['model']]
    if kind in bench_profile.KINDS:
        return [bench_profile.measure(kind, spec)]
    if kind == 'crowd':
        return [crowd_measure(spec)]
    if kind == 'busy':
        return ['busy/%d' % spec['readers']]
    return ['memory/%d' % spec['readers']]


class Runner:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix='scardbus-bench-')
        self.floor_env = os.path.join(self.tmp, 'floor-env')
        conf = os.path.join(self.tmp, 'floor.conf')
        with open(conf, 'w') as f:
            f.write('[Readers]\nIgnore=08e6:3437;04e6:5116;046a:003e\n')
        # The floor's "host": scardbusd told to leave every reader alone, so
        # the sim starts (it waits for a host), and bench-usb claims the
        # reader. It hands the preload's environment to the floor.
        self.floor_host = os.path.join(self.tmp, 'floor-host')
        with open(self.floor_host, 'w') as f:
            f.write('#!/bin/sh\nprintf "%%s\\n%%s\\n" "$UMOCKDEV_DIR" "$LD_PRELOAD" > %s\n'
                    'exec %s --config %s\n' % (self.floor_env, args.scardbusd, conf))
        os.chmod(self.floor_host, 0o755)
        # The crowd's scardbusd: the hostile-client limits stay on, raised
        # so that one benchmark user may hold 1,000 connections with
        # channels (the defaults allow 256 per user).
        self.crowd_conf = os.path.join(self.tmp, 'crowd.conf')
        with open(self.crowd_conf, 'w') as f:
            f.write('[Clients]\nMaxConnectionsPerClient=4096\nMaxConnectionsPerUser=4096\n'
                    'MaxChannelsPerClient=4096\nMaxChannelsPerUser=4096\n')
        self.crowd_host = os.path.join(self.tmp, 'crowd-host')
        with open(self.crowd_host, 'w') as f:
            f.write('#!/bin/sh\nexec %s --config %s "$@"\n' % (args.scardbusd, self.crowd_conf))
        os.chmod(self.crowd_host, 0o755)

    def host_env(self, spec, host):
        """The environment of SPEC's sim run: the profilers' (bench_profile),
        and the crowd's configuration for scardbusd."""
        crowded = spec.get('connections', 0) > 0 and host == 'scardbusd'
        program = [self.args.scardbusd, '--config', self.crowd_conf] if crowded else self.args.scardbusd
        return bench_profile.host_env(spec['kind'], host, self.tmp, program) or (
            {'SCARDBUS_SIM_SCARDBUSD': self.crowd_host} if crowded else {})

    def cleanup(self):
        shutil.rmtree(self.tmp)

    def sim(self, readers, host, spec, ready='readers', floor=False, extra_env=None, timeout=600):
        env = dict(os.environ)
        # The sim chooses the client library: ours (first on LD_LIBRARY_PATH)
        # for scardbusd, the system's for pcscd. A path inherited from meson
        # test would load ours into the sim and pcscd's clients.
        env.pop('LD_LIBRARY_PATH', None)
        env['BENCH_BIN_DIR'] = self.args.bindir
        env['BENCH_FLOOR_ENV'] = self.floor_env
        env['SCARDBUS_SIM_BIN'] = self.args.sim
        env['PATH'] = '/usr/bin:/usr/sbin:/bin:/sbin:' + env.get('PATH', '')
        if floor:
            env['SCARDBUS_SIM_SCARDBUSD'] = self.floor_host
        for name, value in (extra_env or {}).items():
            # A PATH of this run's own goes first (the pcscd it runs).
            env[name] = value + ':' + env['PATH'] if name == 'PATH' else value
        argv = [self.args.sim]
        for r in readers:
            argv += ['--reader', r]
        argv += ['--host', host, '--ready', ready, '--', sys.executable, os.path.abspath(__file__),
                 '--inner', json.dumps(spec)]
        try:
            p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
            out, err, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            out, err, rc = (e.stdout or b'').decode() if isinstance(e.stdout, bytes) else (e.stdout or ''), '', -1
        results = {}
        for line in out.splitlines():
            if line.startswith(RESULT):
                r = json.loads(line[len(RESULT):])
                results[r['measure']] = r['value']
        lines = [l for l in (err or '').splitlines() if l.strip()]
        # The sim's own fatal line (umockdev's abort) rather than a host's
        # warning on the way there.
        tail = ([l for l in lines if re.search(r'abort|overflow|sendmsg', l, re.I)][-1:]
                or [l for l in lines if re.search(r'fail|error', l, re.I) and 'AccessDenied' not in l][:1]
                or lines[-1:] or ['no output'])
        if not results:
            results['error'] = {'na': 'the sim run failed (status %d): %s' % (rc, tail[0][:160])}
        elif rc != 0:
            # Ended early: what did not report is n/a, with the reason.
            for key in expected_keys(spec, host):
                results.setdefault(key, {'na': 'the sim run ended early (status %d): %s' % (rc, tail[0][:160])})
        return results

    def plan(self):
        s = self.args.smoke
        count = {'5': 1000, '261': 300, '4096': 20} if not s else {'5': 100, '261': 20, '4096': 2}
        ext = {'5': 1000, '261': 300, '4096': 100} if not s else {'5': 100, '261': 20, '4096': 5}
        runs = []
        floor = [('tpdu', z, count[z], 0) for z in SIZES] + [('extended-apdu', z, ext[z], 1) for z in SIZES]
        if s:
            floor = [('tpdu', '5', count['5'], 0), ('extended-apdu', '4096', ext['4096'], 1)]
        runs.append((('tpdu', 'extended-apdu'), 'scardbusd', {'kind': 'floor', 'runs': floor}, 'host', True))
        for host in HOSTS:
            for model, c in (('tpdu', count), ('extended-apdu', ext)):
                sizes = SIZES if not s else (('5',) if model == 'tpdu' else ('4096',))
                runs.append(((model,), host, {'kind': 'transmit', 'host': host, 'model': model,
                                              'runs': [(z, c[z]) for z in sizes]}, 'readers', False))
            runs.append((('tpdu',), host, {'kind': 'events', 'host': host, 'count': 200 if not s else 5,
                                           'watchers': 100 if not s else 5}, 'readers', False))
            # One storm per sim run: a second one in the same run overflowed
            # umockdev's uevent socket (the sim aborts on a full one).
            for kind in ('storm', 'storm-cards'):
                for path in ('winscard', 'dbus') if host == 'scardbusd' else ('winscard',):
                    runs.append((('tpdu',), host, {'kind': kind, 'host': host, 'path': path,
                                                   'events': 1000 if not s else 20,
                                                   'watchers': 10 if not s else 2}, 'readers', False))
            for model in ('tpdu', 'no-interrupt'):
                n = 16 if not s else 2
                runs.append(((model,) * n, host, {'kind': 'idle', 'host': host, 'model': model, 'readers': n,
                                                  'settle': 20 if not s else 0.5, 'measure': 10 if not s else 0.5},
                             'readers', False))
            # umockdev's preload emulates at most 50 device nodes per
            # process: 64 readers are 32 two-slot devices (a slot is a reader).
            for devices in ((('tpdu',) * n for n in (1, 16, 48)) if not s else (('tpdu',),)):
                runs.append((devices, host, {'kind': 'memory', 'host': host, 'readers': len(devices),
                                             'timeout': 120}, 'host', False))
            if not s:
                runs.append((('multislot',) * 32, host, {'kind': 'memory', 'host': host, 'readers': 64,
                                                          'timeout': 120}, 'host', False))
            for kind in bench_profile.KINDS:
                runs.append((('tpdu',), host, {'kind': kind, 'host': host, 'count': 1000 if not s else 20},
                             'readers', False))
            # The cost of one APDU beside idle connections (each with its
            # channel) and idle readers; pcscd takes about 200 connections
            # per reader: what it held is reported.
            for conns, idle in CROWDS if not s else SMOKE_CROWDS:
                readers = ('tpdu',) * (1 + idle)
                ready = 'host' if idle else 'readers'
                runs.append((readers, host, {'kind': 'crowd', 'host': host, 'connections': conns,
                                             'idle_readers': idle, 'count': 2000 if not s else 20},
                             ready, False))
                # 4,000 APDUs: the measuring client's own connect, which
                # meets every idle connection once, is amortized away.
                if not s:
                    runs.append((readers, host, {'kind': 'profile-cpu', 'host': host, 'connections': conns,
                                                 'idle_readers': idle, 'count': 4000}, ready, False))
            n = BUSY if not s else SMOKE_BUSY
            runs.append((('tpdu',) * n, host, {'kind': 'busy', 'host': host, 'readers': n,
                                               'count': 2000 if not s else 20}, 'readers', False))
        return runs

    def run(self):
        reps = []
        for rep in range(self.args.reps):
            results = {h: {} for h in ('floor',) + HOSTS}
            for readers, host, spec, ready, floor in self.plan():
                if self.args.only and spec['kind'] not in self.args.only:
                    continue
                if self.args.host and host not in self.args.host and not floor:
                    continue
                if self.args.crowd and (spec.get('connections', 0), spec.get('idle_readers', 0)) not in self.args.crowd:
                    continue
                key = 'floor' if floor else host
                t = time.monotonic()
                load = os.getloadavg()[0]
                reason = bench_profile.missing(spec['kind'])
                if reason:
                    got = {k: {'na': reason} for k in expected_keys(spec, host)}
                else:
                    got = self.sim(list(readers), host, spec, ready=ready, floor=floor,
                                   extra_env=self.host_env(spec, host))
                for v in got.values():
                    v['loadavg_1min_before'] = round(load, 2)
                if 'error' in got:
                    got = {k: dict(got['error']) for k in expected_keys(spec, host)}
                results[key].update(got)
                print('# rep %d: %s %s: %.1f s' % (rep + 1, key, spec['kind'], time.monotonic() - t),
                      file=sys.stderr, flush=True)
            reps.append(results)
        return reps


# ---- the table ------------------------------------------------------------------

def machine():
    cpu = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    return {'cpu': cpu, 'cpus': os.cpu_count(), 'kernel': platform.release(),
            'python': platform.python_version()}


def pick(reps, host, measure, field):
    values, reasons = [], []
    for r in reps:
        v = r.get(host, {}).get(measure)
        if v is None:
            continue
        if 'na' in v:
            reasons.append(v['na'])
        elif field in v and v[field] is not None and v[field] >= 0:
            values.append(v[field])
    return values, reasons


def cell(values, reasons, digits):
    if not values:
        return 'n/a (%s)' % reasons[0] if reasons else '—'
    med = statistics.median(values)
    if len(values) == 1:
        return '%.*f' % (digits, med)
    return '%.*f [%.*f–%.*f]' % (digits, med, digits, min(values), digits, max(values))


def rows():
    """(label, measure, field, digits, columns) — columns: (title, host, path)."""
    out = []
    for model, sizes in (('tpdu', SIZES), ('extended-apdu', SIZES)):
        for size in sizes:
            base = 'transmit/%s/%s/' % (model, size)
            cols = [('reference', 'pcscd', base + 'winscard'), ('scardbus WinSCard', 'scardbusd', base + 'winscard'),
                    ('scardbus D-Bus', 'scardbusd', base + 'dbus'), ('scardbus fd', 'scardbusd', base + 'channel'),
                    ('libusb floor', 'floor', base + 'libusb')]
            for field, label, d in (('per_second', 'APDU/s', 0), ('p50_us', 'p50 µs', 0), ('p99_us', 'p99 µs', 0),
                                    ('client_cpu_us_per_apdu', 'client CPU µs/APDU', 0),
                                    ('host_cpu_us_per_apdu', 'host CPU µs/APDU', 0),
                                    ('client_syscalls_per_apdu', 'client syscalls/APDU', 1),
                                    ('host_syscalls_per_apdu', 'host syscalls/APDU', 1),
                                    ('urbs_per_apdu', 'URBs submitted/APDU', 1), ('reaps_per_apdu', 'reaps/APDU', 1),
                                    ('discards_per_apdu', 'discards/APDU', 1)):
                out.append(('%s %sB: %s' % (model, size, label), field, d, cols))
    out += bench_profile.rows()
    for m, label in (('insertion', 'insertion → return/signal'), ('watchers', '100 watchers: last one')):
        cols = [('reference', 'pcscd', m + '/winscard'), ('scardbus WinSCard', 'scardbusd', m + '/winscard'),
                ('scardbus D-Bus', 'scardbusd', m + '/dbus')]
        f50, f99 = ('p50_us', 'p99_us') if m == 'insertion' else ('all_p50_us', 'all_p99_us')
        out.append(('%s p50 µs' % label, f50, 0, cols))
        out.append(('%s p99 µs' % label, f99, 0, cols))
    for kind, title in (('storm', 'storm (plug/unplug + remove/insert)'), ('storm-cards', 'card storm')):
        cols = [('reference', 'pcscd', kind + '/winscard'), ('scardbus WinSCard', 'scardbusd', kind + '/winscard'),
                ('scardbus D-Bus', 'scardbusd', kind + '/dbus')]
        for field, label, d in (('card_events_made', 'card events made', 0),
                                ('card_events_published', 'card events the host published (its counter)', 0),
                                ('card_seen_per_watcher', 'card events a watcher saw', 1),
                                ('missed_card_per_watcher', 'card events missed per watcher (of published)', 1),
                                ('unaccounted_card_per_watcher',
                                 'card events a watcher cannot account for (published − its counter)', 1),
                                ('reader_events_made', 'reader events made', 0),
                                ('reader_events_published', 'reader events the host published', 0),
                                ('reader_seen_per_watcher', 'reader events a watcher saw', 1),
                                ('missed_reader_per_watcher',
                                 'reader events missed per watcher (of published; of made without a counter)', 1),
                                ('final_state_right', 'the card shows present at the end (1 yes, 0 no)', 0),
                                ('seconds', 'total s', 2)):
            if kind == 'storm-cards' and field.startswith(('reader', 'missed_reader')):
                continue
            out.append(('%s: %s' % (title, label), field, d, cols))
    for model in ('tpdu', 'no-interrupt'):
        cols = [('reference', 'pcscd', 'idle/' + model), ('scardbus WinSCard', 'scardbusd', 'idle/' + model)]
        out.append(('idle wakeups/s, 16 %s readers' % model, 'per_second', 2, cols))
        if model == 'no-interrupt':
            out.append(('idle GetSlotStatus polls/s, 16 %s readers' % model, 'polls_per_second', 2, cols))
            out.append(('idle wakeups per poll, 16 %s readers' % model, 'wakeups_per_poll', 1, cols))
    for conns, idle in CROWDS + SMOKE_CROWDS[:1]:
        m = 'crowd/%d/%d' % (conns, idle)
        what = ('%d idle connections' % conns) if conns else ('%d idle readers' % idle) if idle else 'alone'
        cols = [('reference', 'pcscd', m), ('scardbus WinSCard', 'scardbusd', m)]
        out.append(('tpdu 5B, %s: host CPU µs/APDU' % what, 'host_cpu_us_per_apdu', 0, cols))
        out.append(('tpdu 5B, %s: APDU/s' % what, 'per_second', 0, cols))
        if conns:
            out.append(('tpdu 5B, %s: connections held' % what, 'held', 0, cols))
        m = bench_profile.measure('profile-cpu', {'connections': conns, 'idle_readers': idle})
        cols = [('reference', 'pcscd', m), ('scardbus WinSCard', 'scardbusd', m)]
        out.append(('tpdu 5B, %s: host instructions/APDU without the transport' % what,
                    'ir_without_transport_per_apdu', 0, cols))
    for n in (BUSY, SMOKE_BUSY):
        cols = [('reference', 'pcscd', 'busy/%d' % n), ('scardbus WinSCard', 'scardbusd', 'busy/%d' % n)]
        out.append(('%d busy readers, a client each: aggregate APDU/s' % n, 'per_second', 0, cols))
        out.append(('%d busy readers: host CPU µs/APDU' % n, 'host_cpu_us_per_apdu', 1, cols))
        out.append(('%d busy readers: slowest client APDU/s' % n, 'slowest_client_per_second', 0, cols))
    for n in (1, 16, 48, 64):
        cols = [('reference', 'pcscd', 'memory/%d' % n), ('scardbus WinSCard', 'scardbusd', 'memory/%d' % n)]
        what = '%d readers' % n if n < 64 else '64 readers (32 two-slot devices)'
        out.append(('host RssAnon KiB, %s' % what, 'rss_anon_kib', 0, cols))
        out.append(('host Pss KiB, %s' % what, 'pss_kib', 0, cols))
        out.append(('readers the host listed (of %d)' % n, 'readers_listed', 0, cols))
    return out


def table(reps):
    titles = ['reference', 'scardbus WinSCard', 'scardbus D-Bus', 'scardbus fd', 'libusb floor']
    lines = ['| measure | ' + ' | '.join(titles)
             + ' | scardbus/reference | ÷ floor (ref / WinSCard / fd) |',
             '|---' * (len(titles) + 3) + '|']
    for label, field, digits, cols in rows():
        cells = {t: '' for t in titles}
        meds = {}
        for title, host, measure in cols:
            values, reasons = pick(reps, host, measure, field)
            cells[title] = cell(values, reasons, digits)
            if values:
                meds[title] = statistics.median(values)
        if all(c.startswith('—') or c == '' for c in cells.values()):
            continue
        ratio = ''
        ours = meds.get('scardbus WinSCard', meds.get('scardbus fd'))
        if ours is not None and meds.get('reference'):
            ratio = '%.2f' % (ours / meds['reference'])
        floor = ''
        if field == 'per_second' and meds.get('libusb floor'):
            floor = ' / '.join('%.2f' % (meds[t] / meds['libusb floor']) if t in meds else '–'
                               for t in ('reference', 'scardbus WinSCard', 'scardbus fd'))
        lines.append('| %s | %s | %s | %s |' % (label, ' | '.join(cells[t] for t in titles), ratio, floor))
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--inner')
    ap.add_argument('--builddir')
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--smoke', action='store_true')
    ap.add_argument('--json')
    ap.add_argument('--only', action='append',
                    help='run only this kind of measure (floor, transmit, events, storm, storm-cards, idle, memory, '
                         'profile-cpu, profile-syscalls, crowd, busy); repeatable')
    ap.add_argument('--host', action='append', choices=HOSTS, help='run only this host; repeatable')
    ap.add_argument('--crowd', action='append', type=lambda v: tuple(int(x) for x in v.split(',')),
                    help='run only this crowd, CONNECTIONS,IDLE-READERS (and the measures without one: 0,0); '
                         'repeatable')
    ap.add_argument('--check', action='store_true',
                    help='exit 1 unless every sim run reported (the smoke test)')
    a = ap.parse_args()
    if a.inner:
        inner(json.loads(a.inner))
        return 0
    if not a.builddir:
        ap.error('--builddir is needed')
    a.sim = os.path.join(a.builddir, 'tools', 'sim', 'scardbus-sim')
    a.scardbusd = os.path.join(a.builddir, 'service', 'scardbusd')
    a.bindir = os.path.join(a.builddir, 'tests', 'bench')
    if os.geteuid() != 0:
        print('bench.py: needs root (pcscd runs in its own namespaces under the sim)', file=sys.stderr)
        return 1
    # meson's timeout sends SIGTERM: leave through the cleanup (subprocess.run
    # kills the running sim, whose children die with it).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    runner = Runner(a)
    start = time.time()
    try:
        reps = runner.run()
    finally:
        runner.cleanup()
    doc = {'machine': machine(), 'smoke': a.smoke, 'repetitions': a.reps,
           'started': time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(start)),
           'seconds': round(time.time() - start, 1), 'runs': reps}
    print(table(reps))
    path = a.json or os.path.join(a.builddir, 'bench.json')
    with open(path, 'w') as f:
        json.dump(doc, f, indent=1)
    print('# JSON: %s' % path)
    if a.check:
        with open(path) as f:
            runs = json.load(f)['runs']
        if not runs or not any(runs[0].values()):
            print('bench.py: no results', file=sys.stderr)
            return 1
        # Reported, not failed: a missing prerequisite is an n/a in the table.
        for host, measures in runs[0].items():
            for name, value in sorted(measures.items()):
                if 'na' in value:
                    print('# n/a: %s %s: %s' % (host, name, value['na']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
