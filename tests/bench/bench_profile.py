# bench_profile.py: the host's CPU and system calls per APDU, for bench.py,
# in figures that carry over to real readers.
#
# Under the sim, umockdev's preload (libumockdev-preload.so, in the host)
# forwards every usbfs ioctl over a unix socket to the sim: most of the
# host's CPU time and system calls there are that transport, not the host.
# Two measures take it out, on one tpdu reader, with 5-byte APDUs sent by
# the same client for both hosts (bench-pcsc transmit):
#
#   profile-cpu       user-space instructions per APDU (callgrind), by
#                     object file, the transport's apart
#   profile-syscalls  system calls per APDU (strace): the host's own, the
#                     transport's, and the ioctls it forwards (which would
#                     be system calls on hardware)
#
# Both count one timed client run after a warm-up; profile-cpu's window
# is the client's timed loop alone (it zeroes and dumps callgrind's
# counters around it), profile-syscalls' includes its connect and
# disconnect, which 1000 APDUs amortize.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
import time

KINDS = ('profile-cpu', 'profile-syscalls')
WARMUP = 50
PCSCD = '/usr/sbin/pcscd'
PRELOAD = 'libumockdev-preload'
OWN = {'scardbusd': ('scardbusd',), 'pcscd': ('pcscd', 'libccid.so')}
GLIB = ('libglib-2.0.so', 'libgobject-2.0.so', 'libgio-2.0.so')


def measure(kind, spec=None):
    """The measure's name; in bench.py's crowd runs, the numbers of idle
    connections and idle readers beside it."""
    if spec is None or 'connections' not in spec:
        return kind + '/tpdu/5'
    return kind + '/tpdu/5/%d/%d' % (spec['connections'], spec.get('idle_readers', 0))


# ---- outer side ----------------------------------------------------------------

def missing(kind):
    """Why a measure of KIND cannot run on this machine, or None."""
    tools = {'profile-cpu': ('valgrind', 'callgrind_control'),
             'profile-syscalls': ('strace', 'nsenter')}.get(kind, ())
    absent = [t for t in tools if shutil.which(t, path='/usr/bin:/usr/sbin:/bin:/sbin') is None]
    return 'not installed: %s' % ', '.join(absent) if absent else None


def host_env(kind, host, tmp, scardbusd):
    """Environment for the sim run of KIND: where the profiles go (under
    TMP, which the driver removes) and, for profile-cpu, the host started
    under callgrind. SCARDBUSD: its path, or its argv. A PATH here goes
    first on the sim's PATH."""
    if kind not in KINDS:
        return {}
    out = os.path.join(tmp, 'profile')
    os.makedirs(out, exist_ok=True)
    env = {'BENCH_PROFILE_DIR': out}
    if kind != 'profile-cpu':
        return env
    # Under callgrind the host takes 1-2 s to list its reader (the sim
    # waits up to 60 s). vgdb's FIFOs go next to the profiles: a host the
    # sim kills leaves them there, not in /tmp.
    valgrind = ['valgrind', '--tool=callgrind', '-q', '--vgdb-prefix=' + os.path.join(out, 'vgdb'),
                '--callgrind-out-file=' + os.path.join(out, 'cg.%p.out')]
    if host == 'scardbusd':
        wrapper = env['SCARDBUS_SIM_SCARDBUSD'] = os.path.join(out, 'scardbusd')
        program = scardbusd
    else:
        # The sim runs the pcscd it finds on PATH (as root, in its own
        # mount and network namespaces; /tmp is shared).
        env['PATH'] = os.path.join(out, 'bin')
        os.makedirs(env['PATH'], exist_ok=True)
        wrapper = os.path.join(env['PATH'], 'pcscd')
        program = PCSCD
    with open(wrapper, 'w') as f:
        argv = valgrind + (program if isinstance(program, list) else [program])
        f.write('#!/bin/sh\nexec %s "$@"\n' % ' '.join(shlex.quote(a) for a in argv))
    os.chmod(wrapper, 0o755)
    return env


def rows():
    """bench.py's rows() entries for the two measures."""
    out = []
    for kind, fields in (('profile-cpu', (
            ('ir_without_transport_per_apdu', 'host instructions/APDU (callgrind, without the sim transport)'),
            ('ir_own_per_apdu', "host instructions/APDU in the host's own code (scardbusd; pcscd + libccid)"),
            ('ir_glib_per_apdu', 'host instructions/APDU in GLib, GObject, GIO'),
            ('ir_libusb_per_apdu', 'host instructions/APDU in libusb'),
            ('ir_libc_per_apdu', 'host instructions/APDU in libc'))),
                         ('profile-syscalls', (
            ('on_hardware_per_apdu', 'host syscalls/APDU as on hardware (own + forwarded ioctls)'),
            ('own_per_apdu', "host syscalls/APDU: the host's own"),
            ('forwarded_per_apdu', 'host syscalls/APDU: forwarded ioctls'),
            ('transport_per_apdu', "host syscalls/APDU: the sim transport's")))):
        cols = [('reference', 'pcscd', measure(kind)), ('scardbus WinSCard', 'scardbusd', measure(kind))]
        digits = 0 if kind == 'profile-cpu' else 1
        out += [('tpdu 5B: ' + label, field, digits, cols) for field, label in fields]
    return out


# ---- inner side: runs as the sim's COMMAND ---------------------------------------

def inner(spec, pid, transmit):
    """The measure's value. PID: the host (for profile-cpu, running under
    callgrind); TRANSMIT(count, env=None): the client's JSON, or
    {'na': reason}; ENV is added to the client's environment."""
    warm = transmit(WARMUP)
    if 'na' in warm:
        return warm
    out = os.environ['BENCH_PROFILE_DIR']
    if spec['kind'] == 'profile-cpu':
        return profile_cpu(spec['host'], pid, spec['count'], transmit, out)
    return profile_syscalls(pid, spec['count'], transmit, out)


def callgrind_control(out, action, pid):
    """True when callgrind in PID did ACTION (-z, -d): its exit status is
    0 even when it found no such process."""
    p = subprocess.run(['callgrind_control', '--vgdb-prefix=' + os.path.join(out, 'vgdb'), action, str(pid)],
                       capture_output=True, text=True, timeout=60)
    return 'OK' in p.stdout


def profile_cpu(host, pid, count, transmit, out):
    # Count the timed loop only: the client zeroes the counters after its
    # connect and dumps them before its disconnect.
    if not callgrind_control(out, '-z', pid):
        return {'na': 'callgrind_control could not reach PID %d' % pid}
    control = 'callgrind_control --vgdb-prefix=%s %%s %d' % (shlex.quote(os.path.join(out, 'vgdb')), pid)
    client = transmit(count, {'BENCH_PROFILE_START': control % '-z', 'BENCH_PROFILE_STOP': control % '-d'})
    if 'na' in client:
        return client
    dumped = True
    dumps = glob.glob(os.path.join(out, 'cg.%d.out.*' % pid))
    if not dumped or not dumps:
        return {'na': 'callgrind wrote no dump'}
    ir, transport_calls = parse_callgrind(max(dumps, key=lambda p: int(p.rsplit('.', 1)[1])))

    def objects(*prefixes):
        return sum(v for name, v in ir.items() if os.path.basename(name).startswith(prefixes))

    total = sum(ir.values())
    transport = objects(PRELOAD) + sum(transport_calls.values())
    libc = objects('libc.so') - sum(v for name, v in transport_calls.items()
                                    if os.path.basename(name).startswith('libc.so'))
    per = {'ir': total, 'ir_without_transport': total - transport, 'ir_transport': transport,
           'ir_own': objects(*OWN[host]), 'ir_glib': objects(*GLIB), 'ir_libusb': objects('libusb-1.0.so'),
           'ir_libc': libc}
    r = {k + '_per_apdu': round(v / count, 1) for k, v in per.items()}
    r['objects_per_apdu'] = {os.path.basename(name): round(v / count, 1)
                             for name, v in sorted(ir.items(), key=lambda kv: -kv[1])}
    r.update({'apdus': count, 'client': client})
    return r


NAMED = re.compile(r'(c?ob|c?fn)=(?:\((\d+)\))? ?(.*)')


def parse_callgrind(path):
    """From a callgrind profile: the self cost (Ir) per object file, and
    the inclusive cost of the preload's calls into other objects per
    callee object: its socket I/O, usleep and locking run in libc, but are
    the transport's. A wrapper passing a call through to the function of
    the same name (read, send) is the host's own call: not counted."""
    names = {}                  # ('ob' or 'fn', id) -> name: names are given once
    ir, transport_calls = collections.Counter(), collections.Counter()
    npos, column = 1, 0
    ob = fn = cob = cfn = None
    in_call = False
    with open(path) as f:
        for line in f:
            if in_call:
                # The line after calls=: the call's inclusive cost, not self cost.
                in_call = False
                callee = cob or ob      # no cob=: a call within the object
                if (PRELOAD in ob and PRELOAD not in callee
                        and cfn.split('@')[0] != fn.split('@')[0]):
                    transport_calls[callee] += cost(line, npos, column)
                cob = None
            elif line[:1].isdigit() or line[:1] in '+-*':
                ir[ob] += cost(line, npos, column)
            elif line.startswith('calls='):
                in_call = True
            else:
                m = NAMED.match(line.rstrip('\n'))
                if m:
                    key, ident, name = m.groups()
                    if ident is not None:
                        names.setdefault((key[-2:], ident), name)
                        name = names[key[-2:], ident]
                    if key == 'ob':
                        ob = name
                    elif key == 'fn':
                        fn = name
                    elif key == 'cob':
                        cob = name
                    else:
                        cfn = name
                elif line.startswith('positions:'):
                    npos = len(line.split()) - 1
                elif line.startswith('events:'):
                    column = line.split()[1:].index('Ir')
    return ir, transport_calls


def cost(line, npos, column):
    fields = line.split()
    return int(fields[npos + column]) if len(fields) > npos + column else 0


def traced(pid):
    """Every thread of PID has a tracer."""
    for status in glob.glob('/proc/%d/task/*/status' % pid):
        try:
            with open(status) as f:
                if re.search(r'^TracerPid:\s+0$', f.read(), re.M):
                    return False
        except OSError:
            pass                # the thread ended
    return True


def ioctl_sockets(pid):
    """Inodes of the sim's ends of the preload's sockets, bound under the
    umockdev directory in ioctl/. An accepted socket lives in the network
    namespace of the connecting one: the host's (pcscd has its own)."""
    with open('/proc/%d/net/unix' % pid) as f:
        next(f)
        return {fields[6] for fields in map(str.split, f) if len(fields) > 7 and '/ioctl/' in fields[7]}


CALL = re.compile(r'\d+\s+(\w+)\((.*)')
UNIX_PEER = re.compile(r'\d+<UNIX-STREAM:\[\d+->(\d+)')
ZERO_SLEEP = '{tv_sec=0, tv_nsec=0}'


def profile_syscalls(pid, count, transmit, out):
    trace = os.path.join(out, 'strace.%d' % pid)
    # strace in the host's network namespace: there -yy can name the peer
    # of each of its unix sockets (as fd<UNIX-STREAM:[inode->peer]>).
    tracer = subprocess.Popen(['nsenter', '--net=/proc/%d/ns/net' % pid, 'strace', '-f', '-qq', '-yy',
                               '-o', trace, '-p', str(pid)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not traced(pid) and tracer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not traced(pid):
        tracer.kill()
        tracer.wait()
        return {'na': 'strace did not attach to PID %d' % pid}
    client = transmit(count)
    ioctl = ioctl_sockets(pid)  # while the sim, which owns them, still runs
    tracer.send_signal(signal.SIGINT)
    tracer.wait(timeout=30)
    if 'na' in client:
        return client

    own, transport, forwarded = collections.Counter(), 0, 0
    with open(trace) as f:
        for line in f:
            m = CALL.match(line)
            if not m:
                continue        # "<... resumed>": counted at its start
            name, args = m.groups()
            peer = UNIX_PEER.match(args)
            if name == 'clock_nanosleep' and ZERO_SLEEP in args:
                # The preload's usleep(0) after each forwarded call.
                forwarded += 1
                transport += 1
            elif name == 'rt_sigprocmask' and args.startswith('SIG_SETMASK'):
                # The preload's, around each call it wraps (a thread the
                # host starts blocks signals with SIG_BLOCK).
                transport += 1
            elif peer and peer.group(1) in ioctl:
                # The preload talking to the sim.
                transport += 1
            else:
                own[name] += 1
    mine = sum(own.values())
    return {'syscalls_per_apdu': (mine + transport) / count, 'transport_per_apdu': transport / count,
            'own_per_apdu': mine / count, 'forwarded_per_apdu': forwarded / count,
            'on_hardware_per_apdu': (mine + forwarded) / count,
            'own_by_name_per_apdu': {k: round(v / count, 2) for k, v in own.most_common()},
            'apdus': count, 'client': client}
