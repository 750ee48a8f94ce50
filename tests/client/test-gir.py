#!/usr/bin/python3
# test-gir.py SIM: libscardbus through GObject introspection, as a PyGObject
# application uses it: list the readers, wait for a card insertion, transmit
# APDUs (sync, async, over the fd channel and over D-Bus), see the errors as
# the Scardbus.Error domain and the removal.
#
# The outer run starts scardbus-sim with one empty TPDU reader and
# re-executes this script inside it with --inner, with GI_TYPELIB_PATH and
# LD_LIBRARY_PATH leading to the build tree's typelib and library.
# TAP output; a missing prerequisite is a failure, never a skip.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import subprocess
import sys

GET_CHALLENGE = bytes([0x00, 0x84, 0x00, 0x00, 0x08])


def inner(sim):
    import gi
    gi.require_version('Scardbus', '1.0')
    from gi.repository import Gio, GLib, Scardbus

    n = 0
    failed = False

    def check(desc, cond, detail=''):
        nonlocal n, failed
        n += 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', n, desc), flush=True)
        if not cond:
            failed = True
            print('# %s' % (detail,), flush=True)

    def run_until(predicate, timeout_s=20):
        """Iterates the main context until predicate() holds, or timeout_s."""
        timed_out = []
        source = GLib.timeout_add_seconds(timeout_s, lambda: timed_out.append(True) and False)
        context = GLib.MainContext.default()
        while not predicate() and not timed_out:
            context.iteration(True)
        if not timed_out:
            GLib.source_remove(source)
        return predicate()

    # The client, asynchronously as an application would make it.
    made = []
    Scardbus.Client.new(None, lambda _src, res: made.append(Scardbus.Client.new_finish(res)))
    run_until(lambda: made)
    client = made[0] if made else None
    check('Scardbus.Client.new() (async)', client is not None)
    if client is None:
        return 1
    check('version and counter', client.props.version != '' and client.props.reader_events == 2
          and client.get_service_running(), (client.props.version, client.props.reader_events))

    readers = client.get_readers()
    check('one reader listed', len(readers) == 1, readers)
    reader = readers[0]
    check('reader properties', reader.props.name == 'Gemalto PC Twin Reader 00 00'
          and reader.props.exchange_level == 'tpdu' and reader.props.vendor_id == 0x08e6
          and reader.props.object_path.startswith('/org/scardbus/SmartCard1/reader/'),
          (reader.props.name, reader.props.exchange_level))
    check('empty reader: no card, EMPTY state', reader.get_card() is None and not reader.has_card()
          and reader.props.state & Scardbus.ReaderState.EMPTY, reader.props.state)
    check('lookup by index, name and path', client.lookup_reader('0') == reader
          and client.lookup_reader(reader.props.name) == reader
          and client.lookup_reader(reader.props.object_path) == reader)
    try:
        client.lookup_reader('42')
        check('unknown reader raises', False)
    except GLib.Error as e:
        check('unknown reader: Scardbus.Error.UNKNOWN_READER',
              e.domain == 'scb-error-quark' and e.code == Scardbus.Error.UNKNOWN_READER, e)

    # Wait for an insertion.
    inserted = []
    changed = []
    client.connect('card-inserted', lambda _c, r, card: inserted.append((r, card)))
    client.connect('changed', lambda _c: changed.append(reader.props.card_events))
    notified = []
    reader.connect('notify::card-events', lambda *a: notified.append(reader.props.card_events))
    before = reader.props.card_events
    subprocess.run([sim, 'ctl', 'insert', '0'], check=True, timeout=60)
    run_until(lambda: inserted)
    check('card-inserted signal', len(inserted) == 1 and inserted[0][0] == reader, inserted)
    if not inserted:
        return 1
    card = inserted[0][1]
    atr = bytes(card.get_atr().get_data())
    check('card ATR, protocols, inserted event', atr[:1] == b'\x3b' and atr == bytes(reader.props.atr.get_data())
          and list(card.get_protocols()) == ['t1'] and card.props.inserted_event == before + 1
          and reader.get_card() == card, (atr.hex(), list(card.get_protocols())))
    check('card-events notified', notified and notified[-1] == before + 1, notified)
    check('changed, with the insertion applied', changed and changed[-1] == before + 1, changed)

    # A connection made asynchronously, closed, then one made synchronously.
    opened = []
    reader.open_connection(Scardbus.ShareMode.EXCLUSIVE, Scardbus.Protocol.T1, None,
                           lambda r, res: opened.append(r.open_connection_finish(res)))
    run_until(lambda: opened)
    check('open_connection (async), exclusive', opened and opened[0].props.share_mode ==
          Scardbus.ShareMode.EXCLUSIVE and reader.props.state & Scardbus.ReaderState.EXCLUSIVE,
          (opened, reader.props.state))
    closed = []
    opened[0].close(Scardbus.Disposition.LEAVE, None,
                    lambda c, res: closed.append(c.close_finish(res)))
    run_until(lambda: closed)
    check('close (async)', closed == [True], closed)

    # Transmit, synchronously, over the channel.
    conn = reader.open_connection_sync(Scardbus.ShareMode.SHARED, Scardbus.Protocol.ANY, None)
    check('open_connection_sync: T=1', conn.get_protocol() == Scardbus.Protocol.T1, conn.get_protocol())
    answer = bytes(conn.transmit_sync(GLib.Bytes.new(GET_CHALLENGE), None).get_data())
    check('transmit_sync: 8 bytes + 90 00', len(answer) == 10 and answer[-2:] == b'\x90\x00', answer.hex())
    check('the fd channel carried it', conn.get_channel_open())

    # Asynchronously, then over D-Bus.
    results = []
    conn.transmit(GLib.Bytes.new(GET_CHALLENGE), None,
                  lambda c, res: results.append(bytes(c.transmit_finish(res).get_data())))
    run_until(lambda: results)
    check('transmit (async)', results and len(results[0]) == 10 and results[0][-2:] == b'\x90\x00', results)
    conn.props.use_channel = False
    answer = bytes(conn.transmit_sync(GLib.Bytes.new(GET_CHALLENGE), None).get_data())
    check('transmit over D-Bus (use-channel off)', len(answer) == 10 and answer[-2:] == b'\x90\x00', answer.hex())
    conn.props.use_channel = True

    try:
        conn.transmit_sync(GLib.Bytes.new(b''), None)
        check('empty APDU raises', False)
    except GLib.Error as e:
        check('empty APDU: Scardbus.Error.INVALID_PARAMETER',
              e.domain == 'scb-error-quark' and e.code == Scardbus.Error.INVALID_PARAMETER, e)

    ok, name, state, protocol, status_atr = conn.status_sync(None)
    check('status_sync', ok and name == reader.props.name and protocol == Scardbus.Protocol.T1
          and bytes(status_atr.get_data()) == atr, (ok, name, state, protocol))

    # A connection on a bus connection of its own, to the same daemon instance.
    owner = client.get_service_owner()
    check('service owner: a unique name', owner is not None and owner.startswith(':'), owner)
    bus = Gio.DBusConnection.new_for_address_sync(
        Gio.dbus_address_get_for_bus_sync(Gio.BusType.SYSTEM, None),
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)
    own = Scardbus.ClientConnection.new_sync(bus, owner, reader.props.object_path,
                                             Scardbus.ShareMode.SHARED, Scardbus.Protocol.ANY, None)
    answer = bytes(own.transmit_sync(GLib.Bytes.new(GET_CHALLENGE), None).get_data())
    check('ClientConnection.new_sync on another bus connection: transmit',
          own.get_protocol() == Scardbus.Protocol.T1 and answer[-2:] == b'\x90\x00', answer.hex())
    own.close_sync(Scardbus.Disposition.LEAVE, None)
    bus.close_sync(None)

    # Removal: the signal, then the connection's error.
    removed = []
    client.connect('card-removed', lambda _c, r, c: removed.append(c))
    subprocess.run([sim, 'ctl', 'remove', '0'], check=True, timeout=60)
    run_until(lambda: removed)
    check('card-removed signal with the same card', removed == [card] and reader.get_card() is None, removed)
    try:
        conn.transmit_sync(GLib.Bytes.new(GET_CHALLENGE), None)
        check('transmit after removal raises', False)
    except GLib.Error as e:
        check('transmit after removal: an SCB_ERROR', e.domain == 'scb-error-quark'
              and e.code in (Scardbus.Error.REMOVED_CARD, Scardbus.Error.INVALID_HANDLE,
                             Scardbus.Error.NO_SMARTCARD), e)

    # Reader removal.
    gone = []
    client.connect('reader-removed', lambda _c, r: gone.append(r))
    subprocess.run([sim, 'ctl', 'unplug', '0'], check=True, timeout=60)
    run_until(lambda: gone)
    check('reader-removed signal, counter up', gone == [reader] and client.get_readers() == []
          and client.props.reader_events == 3, (gone, client.props.reader_events))

    print('1..%d' % n)
    return 1 if failed else 0


def outer(sim, typelib_dir):
    env = dict(os.environ)
    for var in ('GI_TYPELIB_PATH', 'LD_LIBRARY_PATH'):
        env[var] = typelib_dir + (':' + env[var] if env.get(var) else '')
    p = subprocess.run([sim, '--reader', 'tpdu:none', '--', '/usr/bin/python3', __file__, '--inner', sim],
                       capture_output=True, text=True, timeout=300, env=env)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        for line in p.stderr.splitlines()[-40:]:
            print('# ' + line)
        if '1..' not in p.stdout:
            print('Bail out! the sim run failed (exit %d)' % p.returncode)
    return p.returncode


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--inner':
        sys.exit(inner(sys.argv[2]))
    if len(sys.argv) != 3:
        print('Bail out! usage: test-gir.py SCARDBUS-SIM TYPELIB-AND-LIBRARY-DIR')
        sys.exit(1)
    sys.exit(outer(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])))
