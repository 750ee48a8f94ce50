#!/usr/bin/python3
# test-scardctl.py SIM SCARDCTL: every scardctl command, text and --json,
# against scardbusd over virtual readers (scardbus-sim), plus the messages and
# exit codes for a missing daemon, an unknown reader and a denied action.
# TAP output; a missing prerequisite is a failure, never a skip.
#
# The outer run starts the sim twice (readers with the default polkit mock;
# then a mock that denies access-card) and re-executes this script inside
# with --inner; the inner runs print "ok - ..." lines that the outer numbers.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SIM_ATR = '3B991181318045805773636273696D311E'
TPDU_NAME = 'Gemalto PC Twin Reader 00 00'
NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']
EXIT_USAGE, EXIT_NO_SERVICE, EXIT_UNKNOWN_READER, EXIT_DENIED, EXIT_NO_CARD = 2, 3, 4, 5, 6


class Inner:
    def __init__(self, sim, scardctl):
        self.sim = sim
        self.scardctl = scardctl
        self.failed = False

    def check(self, desc, cond, detail=''):
        print(('ok - ' if cond else 'not ok - ') + desc, flush=True)
        if not cond:
            self.failed = True
            for line in str(detail).splitlines():
                print('# ' + line, flush=True)

    def run(self, *args, stdin=None, env=None, nobody=False):
        cmd = (NOBODY if nobody else []) + [self.scardctl] + list(args)
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def json(self, *args, **kw):
        rc, out, err = self.run('--json', *args, **kw)
        try:
            return rc, json.loads(out), err
        except ValueError:
            return rc, None, 'stdout: %r\nstderr: %r' % (out, err)

    def ctl(self, *args):
        subprocess.run([self.sim, 'ctl'] + list(args), check=True, capture_output=True, timeout=60)


def main_readers(t):
    # list
    rc, out, err = t.run('list')
    t.check('list: exit 0', rc == 0, err)
    t.check('list: reader 0 with its card', '0: ' + TPDU_NAME in out and 'present' in out
            and '3B 99 11 81' in out, out)
    t.check('list: reader 1 empty', re.search(r'1: .*\n\s+state:\s+empty', out) is not None, out)
    t.check('list: no colours on a pipe', '\033[' not in out, repr(out))
    rc, out, err = t.run('--color=always', 'list')
    t.check('list --color=always: colours', rc == 0 and '\033[' in out, repr(out))
    rc, out, err = t.run('list', '--verbose')
    t.check('list --verbose: path, level, card', '/org/scardbus/SmartCard1/reader/0' in out
            and 'tpdu' in out and 'short-apdu' in out and '/org/scardbus/SmartCard1/card/' in out, out)
    rc, doc, err = t.json('list')
    ok = rc == 0 and doc is not None and len(doc['readers']) == 2
    t.check('list --json: two readers', ok, err)
    if ok:
        r0, r1 = doc['readers']
        t.check('list --json: reader 0', r0['name'] == TPDU_NAME and r0['state'] == ['present']
                and r0['atr'] == SIM_ATR and r0['protocols'] == ['t1'] and r0['index'] == 0
                and r0['exchange_level'] == 'tpdu' and r0['vendor_id'] == 0x08e6, r0)
        t.check('list --json: reader 1 empty', r1['state'] == ['empty'] and r1['card'] is None
                and r1['atr'] is None, r1)
        t.check('list --json: counters', doc['reader_events'] == 3 and r0['card_events'] >= 2, doc)
        path1 = r1['path']

    # status: by index, name, name prefix, path
    rc, out, err = t.run('status', '0')
    t.check('status 0: details', rc == 0 and 'level:  tpdu' in out and 'card:' in out, out + err)
    rc, by_name, err = t.json('status', TPDU_NAME)
    t.check('status NAME --json', rc == 0 and by_name['path'] == '/org/scardbus/SmartCard1/reader/0', err)
    rc, by_prefix, err = t.json('status', 'SCM')
    t.check('status PREFIX --json', rc == 0 and by_prefix['exchange_level'] == 'short-apdu', err)
    rc, by_path, err = t.json('status', path1)
    t.check('status PATH --json', rc == 0 and by_path['index'] == 1, err)
    rc, out, err = t.run('status', '9')
    t.check('status 9: unknown reader, exit 4', rc == EXIT_UNKNOWN_READER
            and 'No reader number 9' in err and 'scardctl list' in err, err)
    rc, doc, err = t.json('status', 'Nonesuch')
    t.check('status --json unknown: error document', rc == EXIT_UNKNOWN_READER and doc is not None
            and doc['error_name'] == 'org.scardbus.SmartCard1.Error.UnknownReader', err)
    rc, out, err = t.run('status')
    t.check('status without READER: usage, exit 2', rc == EXIT_USAGE and 'needs one READER' in err, err)

    # send
    rc, out, err = t.run('send', '0', '00 84 00 00 08', '00A4040000')
    t.check('send: exchanges shown', rc == 0 and '> 00 84 00 00 08' in out
            and re.search(r'< ([0-9A-F]{2} ){8}90 00 : Normal processing', out) is not None, out + err)
    rc, doc, err = t.json('send', '0', '0084000008')
    ok = rc == 0 and doc is not None and len(doc['exchanges']) == 1
    t.check('send --json', ok and doc['exchanges'][0]['sw'] == '9000'
            and len(doc['exchanges'][0]['response']) == 20, doc if ok else err)
    rc, doc, err = t.json('send', '--no-channel', '--share', 'exclusive', '0', '0084000008')
    t.check('send --no-channel --share exclusive', rc == 0 and doc['exchanges'][0]['sw'] == '9000', err)
    rc, out, err = t.run('send', '0', '00 8')
    t.check('send: bad hex, exit 2', rc == EXIT_USAGE and 'odd number' in err, err)
    rc, out, err = t.run('send', '1', '0084000008')
    t.check('send to an empty reader: exit 6', rc == EXIT_NO_CARD and 'NoSmartcard' not in err
            and err.strip() != '', err)
    rc, out, err = t.run('send', '7', '0084000008')
    t.check('send to an unknown reader: exit 4', rc == EXIT_UNKNOWN_READER, err)

    # script
    with tempfile.NamedTemporaryFile('w', suffix='.apdu', delete=False) as f:
        f.write('# a comment\n00 84 00 00 08   # GET CHALLENGE\n\nreset\n0084000004\nexit\n00840000FF\n')
        script = f.name
    rc, out, err = t.run('script', '-r', '0', script)
    t.check('script: APDUs, reset, exit', rc == 0 and out.count('> 00 84') == 2
            and '> reset' in out and '00 84 00 00 FF' not in out, out + err)
    rc, doc, err = t.json('script', script)
    ok = rc == 0 and doc is not None
    t.check('script --json (first reader with a card)', ok and len(doc['exchanges']) == 3
            and doc['exchanges'][1] == {'reset': True, 'protocol': 't1'}
            and doc['exchanges'][2]['sw'] == '9000' and doc['reader'] == TPDU_NAME, doc if ok else err)
    rc, out, err = t.run('script', '-', stdin='0084000008\n')
    t.check('script - (stdin)', rc == 0 and '> 00 84 00 00 08' in out, out + err)
    rc, out, err = t.run('script', '-', stdin='0084000008\n00 8Z\n')
    t.check('script: bad line named, nothing sent, exit 2', rc == EXIT_USAGE and 'line 2' in err
            and '>' not in out, out + err)
    os.unlink(script)

    # atr
    rc, out, err = t.run('atr', SIM_ATR)
    t.check('atr HEX: decoding', rc == 0 and 'TA1 = 11' in out and 'IFSC 128' in out
            and 'Protocols: T=1' in out and 'correct checksum' in out, out + err)
    t.check('atr HEX: historical bytes as COMPACT-TLV (ISO 7816-4)', 'category 80: COMPACT-TLV objects' in out
            and "57  card issuer's data: 73 63 62 73 69 6D 31" in out, out)
    rc, out, err = t.run('atr', '3B 02 80 5F')
    t.check('atr: a COMPACT-TLV length past the end is not followed', rc == 0 and 'category 80' in out
            and "card issuer's data" not in out, out + err)
    rc, doc, err = t.json('atr', '0')
    t.check('atr READER --json: historical objects', rc == 0 and doc['decoding']['historical'] == {
        'category': 'COMPACT-TLV objects',
        'objects': [{'tag': 5, 'name': "card issuer's data", 'value': '73636273696D31'}]}, doc or err)
    t.check('atr READER --json', rc == 0 and doc['atr'] == SIM_ATR and doc['valid']
            and doc['decoding']['ifsc'] == 128 and doc['decoding']['protocols'] == [1]
            and doc['decoding']['interface_bytes']['TB3'] == '45' and doc['reader'] == TPDU_NAME, doc or err)
    with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
        f.write('# list\n3B 99 11 81 31 80 45 80 57 73 63 62 73 69 6D 31 ..\n\tscardbus-sim t1 card\n'
                '3B 8E .*\n\tsomething else\n')
        cards = f.name
    env = dict(os.environ, SCARDCTL_SMARTCARD_LIST=cards)
    rc, out, err = t.run('atr', '0', env=env)
    t.check('atr: smartcard_list.txt match', rc == 0 and 'scardbus-sim t1 card' in out
            and 'something else' not in out, out)
    rc, doc, err = t.json('atr', SIM_ATR, env=env)
    t.check('atr --json: known_cards', rc == 0 and doc['known_cards'] == [
        {'pattern': '3B 99 11 81 31 80 45 80 57 73 63 62 73 69 6D 31 ..',
         'descriptions': ['scardbus-sim t1 card']}], doc or err)
    os.unlink(cards)
    rc, doc, err = t.json('atr', '3B 02')
    t.check('atr: invalid ATR, exit 1', rc == 1 and doc['valid'] is False and 'truncated' in doc['error'], doc or err)
    rc, out, err = t.run('atr', '1')
    t.check('atr of an empty reader: exit 6', rc == EXIT_NO_CARD and 'No card' in err, err)

    # nad
    rc, out, err = t.run('nad', '0')
    t.check('nad READER', rc == 0 and out.strip() == TPDU_NAME + ': NAD 0x00', out + err)
    rc, out, err = t.run('nad', '0', '0x21')
    t.check('nad READER VALUE (root)', rc == 0 and 'NAD 0x21 (set)' in out, out + err)
    rc, doc, err = t.json('nad', '0')
    t.check('nad --json reads it back', rc == 0 and doc['nad'] == 0x21 and doc['changed'] is False, doc or err)
    rc, out, err = t.run('nad', '0', '0', nobody=True)
    t.check('nad VALUE as nobody: denied, exit 5', rc == EXIT_DENIED and 'set-nad' in err, err)
    rc, out, err = t.run('nad', '1', '5')
    t.check('nad on an APDU-level reader: NotSupported, exit 1', rc == 1 and err.strip() != '', err)
    rc, out, err = t.run('nad', '0', '300')
    t.check('nad: VALUE out of range, exit 2', rc == EXIT_USAGE, err)
    t.run('nad', '0', '0')

    # watch: JSON lines, counted events
    w = subprocess.Popen([t.scardctl, '--json', 'watch', '--count', '4'], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    first = [json.loads(w.stdout.readline()) for _ in range(3)]
    t.check('watch --json: the snapshot first', [e['event'] for e in first] ==
            ['readers', 'card-present', 'reader-empty'] and first[0]['count'] == 2
            and first[0]['number'] == 3 and first[1]['atr'] == SIM_ATR, first)
    t.ctl('remove', '0')
    t.ctl('insert', '0')
    t.ctl('unplug', '1')
    t.ctl('plug', 'short-apdu:none')
    try:
        out, err = w.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        w.kill()
        out, err = w.communicate()
    events = [json.loads(line) for line in out.splitlines()]
    names = [e['event'] for e in events]
    by_name = {e['event']: e for e in events}
    # Per reader, in order; across readers the daemon may publish a card
    # insertion (after powering the card) after a later unplug.
    t.check('watch --json --count 4: the four events, each reader\'s in order, then exit 0',
            w.returncode == 0 and sorted(names) == ['card-inserted', 'card-removed', 'reader-added',
                                                    'reader-removed']
            and names.index('card-removed') < names.index('card-inserted')
            and names.index('reader-removed') < names.index('reader-added'), '%s %s' % (events, err))
    if len(by_name) == 4:
        t.check('watch --json: event numbers', by_name['card-inserted']['number'] ==
                by_name['card-removed']['number'] + 1 == 4
                and by_name['reader-removed']['number'] == 4 and by_name['reader-added']['number'] == 5
                and by_name['card-inserted'].get('atr') == SIM_ATR, events)
        t.check('watch --json: ISO 8601 timestamps',
                all(re.match(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d', e['time']) for e in events), events)

    # watch: text, ended by Ctrl-C
    w = subprocess.Popen([t.scardctl, 'watch'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    while True:
        line = w.stdout.readline()
        lines.append(line)
        if not line or line.startswith('Waiting for events'):
            break
    t.check('watch: the snapshot, then "Waiting for events"', re.search(r'#5\s+readers\s+2 readers', lines[0])
            is not None and 'card-present' in lines[1] and 'reader-empty' in lines[2], lines)
    t.ctl('remove', '0')
    line = w.stdout.readline()
    t.check('watch: a timestamped, numbered card-removed line',
            re.match(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}  #\d+\s+card-removed\s+' + re.escape(TPDU_NAME),
                     line) is not None, ''.join(lines) + line)
    w.send_signal(signal.SIGINT)
    try:
        w.wait(timeout=10)
    except subprocess.TimeoutExpired:
        w.kill()
    t.check('watch: Ctrl-C ends it with exit 0', w.returncode == 0, w.returncode)
    t.ctl('insert', '0')

    # no readers at all
    for n in ('0', '2'):
        t.ctl('unplug', n)
    rc, out, err = t.run('list')
    t.check('list with no readers', rc == 0 and out.strip() == 'No readers.', out + err)
    rc, doc, err = t.json('list')
    t.check('list --json with no readers', rc == 0 and doc['readers'] == [] and doc['reader_events'] >= 7, doc or err)
    rc, out, err = t.run('script', '-', stdin='0084000008\n')
    t.check('script with no readers: exit 6', rc == EXIT_NO_CARD and 'No readers' in err, err)


def denied(t):
    # The polkit mock allows only org.scardbus.SmartCard1.control here.
    rc, out, err = t.run('send', '0', '0084000008', nobody=True)
    t.check('send as nobody without access-card: denied, exit 5', rc == EXIT_DENIED
            and 'access-card' in err, err)
    rc, doc, err = t.json('send', '0', '0084000008', nobody=True)
    t.check('send --json denied: error document', rc == EXIT_DENIED and doc is not None
            and doc['error_name'] == 'org.scardbus.SmartCard1.Error.PermissionDenied', err)
    rc, out, err = t.run('list', nobody=True)
    t.check('list needs no authorization', rc == 0 and TPDU_NAME in out, err)


def no_daemon(scardctl):
    """A bus without scardbusd, and no bus at all."""
    results = []
    daemon = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--print-address=1'],
                              stdout=subprocess.PIPE, text=True)
    try:
        address = daemon.stdout.readline().strip()
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)
        p = subprocess.run([scardctl, 'list'], capture_output=True, text=True, env=env, timeout=60)
        results.append(('no daemon: list exits 3 with a clear message', p.returncode == EXIT_NO_SERVICE
                        and 'scardbusd' in p.stderr and 'not running' in p.stderr, p.stderr))
        p = subprocess.run([scardctl, '--json', 'status', '0'], capture_output=True, text=True, env=env, timeout=60)
        doc = json.loads(p.stdout) if p.stdout else {}
        results.append(('no daemon: --json error document', p.returncode == EXIT_NO_SERVICE
                        and doc.get('error_name') == 'org.scardbus.SmartCard1.Error.NoService', p.stdout))
    finally:
        daemon.terminate()
        daemon.wait()
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS='unix:path=/nonexistent/bus')
    p = subprocess.run([scardctl, 'watch'], capture_output=True, text=True, env=env, timeout=60)
    results.append(('no bus: exit 3, says so', p.returncode == EXIT_NO_SERVICE
                    and 'system bus' in p.stderr, p.stderr))
    p = subprocess.run([scardctl, 'frobnicate'], capture_output=True, text=True, timeout=60)
    results.append(('unknown command: exit 2', p.returncode == EXIT_USAGE and 'unknown command' in p.stderr,
                    p.stderr))
    p = subprocess.run([scardctl, '--help'], capture_output=True, text=True, timeout=60)
    results.append(('--help lists every command and the exit codes', p.returncode == 0 and all(
        c in p.stdout for c in ('list', 'watch', 'status', 'send', 'script', 'atr', 'nad', '5 permission denied'))
        , p.stdout))
    p = subprocess.run([scardctl, 'send', '--help'], capture_output=True, text=True, timeout=60)
    results.append(('send --help: its usage and options', p.returncode == 0
                    and 'scardctl [OPTION…] send READER APDU...' in p.stdout and '--no-channel' in p.stdout
                    and '--json' in p.stdout, p.stdout))
    return results


def outer(sim, scardctl):
    n = 0
    failed = False
    runs = [
        ['--reader', 'tpdu', '--reader', 'short-apdu:none'],
        ['--reader', 'tpdu', '--allow', 'org.scardbus.SmartCard1.control'],
    ]
    for mode, readers in zip(('main', 'denied'), runs):
        p = subprocess.run([sim] + readers + ['--', '/usr/bin/python3', __file__, '--inner', mode, sim, scardctl],
                           capture_output=True, text=True, timeout=600)
        seen = 0
        for line in p.stdout.splitlines():
            if line.startswith('ok - ') or line.startswith('not ok - '):
                n += 1
                seen += 1
                ok = line.startswith('ok - ')
                failed |= not ok
                print('%s %d - %s' % ('ok' if ok else 'not ok', n, line.split(' - ', 1)[1]))
            else:
                print(line if line.startswith('#') else '# ' + line)
        n += 1
        good = p.returncode == 0 and seen > 0
        failed |= not good
        print('%s %d - sim run "%s" exits 0' % ('ok' if good else 'not ok', n, mode))
        if not good:
            for line in p.stderr.splitlines()[-30:]:
                print('# ' + line)
    for desc, cond, detail in no_daemon(scardctl):
        n += 1
        failed |= not cond
        print('%s %d - %s' % ('ok' if cond else 'not ok', n, desc))
        if not cond:
            for line in str(detail).splitlines():
                print('# ' + line)
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == '--inner':
        t = Inner(sys.argv[3], sys.argv[4])
        {'main': main_readers, 'denied': denied}[sys.argv[2]](t)
        sys.exit(1 if t.failed else 0)
    if len(sys.argv) != 3:
        print('Bail out! usage: test-scardctl.py SCARDBUS-SIM SCARDCTL')
        sys.exit(1)
    sys.exit(outer(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])))
