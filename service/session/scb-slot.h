/* scb-slot.h: what the PC/SC session needs of one reader slot
 *
 * The session core (scb-session.c) reaches the card only through this
 * interface: power, transmit, control (escape), the protocol switch, what
 * the slot knows (state, ATR, protocols, card generation) and what the
 * reader is (names, serial, release). ScbCcidSlot implements it over the
 * CCID driver; the session tests implement it with a fake.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SCB_SLOT_ABSENT,  /* no card (also once the reader is gone) */
  SCB_SLOT_PRESENT, /* a card, not powered */
  SCB_SLOT_POWERED, /* ATR read, protocol set: ready */
  SCB_SLOT_MUTE,    /* a card that gives no usable ATR */
} ScbSlotState;

typedef enum
{
  SCB_SLOT_POWER_ON,
  SCB_SLOT_POWER_OFF,
  SCB_SLOT_RESET, /* cold reset: off, then on */
} ScbSlotPower;

/* What SCardGetAttrib reports about the reader; fixed for its life. */
typedef struct
{
  const char *manufacturer;   /* NULL without one */
  const char *serial;         /* NULL without one */
  guint16 bcd_device;         /* the USB device's release number */
  guint32 channel_id;         /* PC/SC part 3 SCARD_ATTR_CHANNEL_ID */
  guint32 max_input;          /* the longest message body the reader takes */
  const char *exchange_level; /* "character", "tpdu", "short-apdu", "extended-apdu" */
  guint index;                /* the slot's number in its reader */
} ScbSlotInfo;

/* The answer to scb_slot_transmit(): @response is NULL exactly when @error
 * is set; both are only borrowed for the call. */
typedef void (*ScbSlotTransmitFunc) (GBytes *response, const GError *error, gpointer user_data);

#define SCB_TYPE_SLOT (scb_slot_get_type ())
G_DECLARE_INTERFACE (ScbSlot, scb_slot, SCB, SLOT, GObject)

struct _ScbSlotInterface
{
  GTypeInterface parent_iface;

  ScbSlotState (*get_state) (ScbSlot *self);
  GBytes *(*get_atr) (ScbSlot *self);
  guint (*get_protocols) (ScbSlot *self);
  int (*get_active_protocol) (ScbSlot *self);
  guint (*get_card_generation) (ScbSlot *self);
  const char *(*get_name) (ScbSlot *self);
  gboolean (*supports_nad) (ScbSlot *self);
  const ScbSlotInfo *(*get_info) (ScbSlot *self);
  void (*power_async) (ScbSlot *self, ScbSlotPower action, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data);
  GBytes *(*power_finish) (ScbSlot *self, GAsyncResult *result, GError **error);
  void (*set_protocol_async) (ScbSlot *self, guint protocols, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
  int (*set_protocol_finish) (ScbSlot *self, GAsyncResult *result, GError **error);
  void (*transmit) (ScbSlot *self, guint8 nad, GBytes *apdu, ScbSlotTransmitFunc func,
                    gpointer user_data);
  void (*escape_async) (ScbSlot *self, GBytes *data, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
  GBytes *(*escape_finish) (ScbSlot *self, GAsyncResult *result, GError **error);
  /* NULL: no part 10 (scb_slot_part10_async() answers NotSupported) */
  void (*part10_async) (ScbSlot *self, guint8 nad, guint32 code, GBytes *data,
                        GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data);
  GBytes *(*part10_finish) (ScbSlot *self, GAsyncResult *result, GError **error);
};

/* Bits of scb_slot_get_protocols() and scb_slot_set_protocol_async(). */
#define SCB_SLOT_PROTOCOL_T0 0x1
#define SCB_SLOT_PROTOCOL_T1 0x2

/* The ::changed signal: the card came, went, was powered or reset. */
ScbSlotState scb_slot_get_state (ScbSlot *self);
/* The last ATR read (kept while unpowered); NULL before the first. */
GBytes *scb_slot_get_atr (ScbSlot *self);
/* Protocols the card offers and the reader speaks (SCB_SLOT_PROTOCOL_*). */
guint scb_slot_get_protocols (ScbSlot *self);
/* While powered: 0 (T=0), 1 (T=1); -1 otherwise. */
int scb_slot_get_active_protocol (ScbSlot *self);
/* Goes up at every insertion and removal. */
guint scb_slot_get_card_generation (ScbSlot *self);
/* The PC/SC reader name. */
const char *scb_slot_get_name (ScbSlot *self);
gboolean scb_slot_supports_nad (ScbSlot *self);
const ScbSlotInfo *scb_slot_get_info (ScbSlot *self);

/* Power on, off or cold reset; on and reset return the ATR, off an empty
 * GBytes. */
void scb_slot_power_async (ScbSlot *self, ScbSlotPower action, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
GBytes *scb_slot_power_finish (ScbSlot *self, GAsyncResult *result, GError **error);
/* Makes one of @protocols the protocol in force (a cold reset and PPS
 * when it is not); returns 0 or 1. */
void scb_slot_set_protocol_async (ScbSlot *self, guint protocols, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
int scb_slot_set_protocol_finish (ScbSlot *self, GAsyncResult *result, GError **error);
/* One APDU on the per-APDU path: a callback, not a GTask; @func may run
 * before this returns. */
void scb_slot_transmit (ScbSlot *self, guint8 nad, GBytes *apdu, ScbSlotTransmitFunc func,
                        gpointer user_data);
/* PC_to_RDR_Escape: the reader's answer. */
void scb_slot_escape_async (ScbSlot *self, GBytes *data, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
GBytes *scb_slot_escape_finish (ScbSlot *self, GAsyncResult *result, GError **error);
/* A PC/SC part 10 control code (scb_part10_handles()) with @data, a PIN
 * entry on the T=1 @nad: the reader's answer, NotSupported from a slot
 * without part 10. */
void scb_slot_part10_async (ScbSlot *self, guint8 nad, guint32 code, GBytes *data,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data);
GBytes *scb_slot_part10_finish (ScbSlot *self, GAsyncResult *result, GError **error);

G_END_DECLS
