#!/usr/bin/python3
# pyscard over the WinSCard library, under scardbus-sim (reader 0: tpdu:t1):
# readers, transmit, CardRequest and CardMonitor events. Prints one line per
# check; exits non-zero on the first failure.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import sys
import threading

from smartcard.CardMonitoring import CardMonitor, CardObserver
from smartcard.CardRequest import CardRequest
from smartcard.Exceptions import CardRequestTimeoutException
from smartcard.System import readers

SIM = sys.argv[1]
READER = "Gemalto PC Twin Reader 00 00"
EVENT_TIMEOUT = 10


def ctl(*args):
    subprocess.run([SIM, "ctl", *args], check=True, stdout=subprocess.DEVNULL)


class Observer(CardObserver):
    def __init__(self):
        self.added = []
        self.removed = []
        self.changed = threading.Condition()

    def update(self, observable, actions):
        added, removed = actions
        with self.changed:
            self.added += added
            self.removed += removed
            self.changed.notify_all()

    def wait(self, predicate):
        with self.changed:
            return self.changed.wait_for(predicate, EVENT_TIMEOUT)


names = [str(r) for r in readers()]
assert names == [READER], names
print("readers:", names)

connection = readers()[0].createConnection()
connection.connect()
atr = connection.getATR()
assert atr[0] == 0x3B, atr
data, sw1, sw2 = connection.transmit([0x00, 0xA4, 0x04, 0x00, 0x00])
print("transmit: %02X %02X" % (sw1, sw2))
connection.disconnect()

service = CardRequest(timeout=EVENT_TIMEOUT, readers=[READER]).waitforcard()
service.connection.connect()
assert service.connection.getATR() == atr
service.connection.disconnect()
print("card request: present card found")

observer = Observer()
monitor = CardMonitor()
monitor.addObserver(observer)
assert observer.wait(lambda: len(observer.added) == 1), "no initial card"
ctl("remove", "0")
assert observer.wait(lambda: len(observer.removed) == 1), "removal not seen"
try:
    CardRequest(timeout=1, readers=[READER]).waitforcard()
    raise AssertionError("a card request without a card succeeded")
except CardRequestTimeoutException:
    print("card request: timeout without a card")
ctl("insert", "0", "t1")
assert observer.wait(lambda: len(observer.added) == 2), "insertion not seen"
monitor.deleteObserver(observer)
print("card monitor: inserted, removed, inserted")
print("ok")
os._exit(0)
