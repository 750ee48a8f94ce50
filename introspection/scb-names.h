/* scb-names.h: every bus name, object path and interface name of scardbus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define SCB_DBUS_NAME "org.scardbus.SmartCard1"
#define SCB_DBUS_PATH "/org/scardbus/SmartCard1"
#define SCB_DBUS_READER_PATH_PREFIX SCB_DBUS_PATH "/reader/"
#define SCB_DBUS_CARD_PATH_PREFIX SCB_DBUS_PATH "/card/"
#define SCB_DBUS_CONNECTION_PATH_PREFIX SCB_DBUS_PATH "/connection/"

#define SCB_DBUS_INTERFACE_MANAGER SCB_DBUS_NAME ".Manager"
#define SCB_DBUS_INTERFACE_READER SCB_DBUS_NAME ".Reader"
#define SCB_DBUS_INTERFACE_CARD SCB_DBUS_NAME ".Card"
#define SCB_DBUS_INTERFACE_CONNECTION SCB_DBUS_NAME ".Connection"
#define SCB_DBUS_ERROR_PREFIX SCB_DBUS_NAME ".Error."

/* polkit actions (policy/org.scardbus.SmartCard1.policy) */
#define SCB_ACTION_ACCESS_CARD SCB_DBUS_NAME ".access-card"
#define SCB_ACTION_CONTROL SCB_DBUS_NAME ".control"
#define SCB_ACTION_SET_NAD SCB_DBUS_NAME ".set-nad"
