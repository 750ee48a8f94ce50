/* winscard-attrib.c: SCardGetAttrib() and SCardSetAttrib()
 *
 * The values come from Connection.GetAttrib, encoded as pcsc-lite returns
 * them; the buffer rules are pcsc-lite's client's, quirks included (a
 * caller's buffer larger than MAX_BUFFER_SIZE is "insufficient"). The
 * friendly name is answered here when the daemon does not know the
 * attribute, as pcscd does itself for drivers that do not.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include "scb-names.h"

#include <stdlib.h>
#include <string.h>

static LONG
get_value (WscCard *card, DWORD id, GBytes **value)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) bytes = NULL;
  LONG rv;

  if (id > G_MAXUINT32)
    return SCARD_E_UNSUPPORTED_FEATURE;
  rv = wsc_bus_call (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION, "GetAttrib",
                     g_variant_new ("(u)", (guint32) id), G_VARIANT_TYPE ("(ay)"), 0, &reply, NULL);
  if (rv == SCARD_E_UNSUPPORTED_FEATURE && id == SCARD_ATTR_DEVICE_FRIENDLY_NAME)
    {
      *value = g_bytes_new (card->reader_name, strlen (card->reader_name) + 1);
      return SCARD_S_SUCCESS;
    }
  if (rv != SCARD_S_SUCCESS)
    return rv;
  bytes = g_variant_get_child_value (reply, 0);
  *value = g_variant_get_data_as_bytes (bytes);
  return SCARD_S_SUCCESS;
}

LONG
SCardGetAttrib (SCARDHANDLE hCard, DWORD dwAttrId, LPBYTE pbAttr, LPDWORD pcbAttrLen)
{
  g_autoptr (WscCard) card = NULL;
  g_autoptr (GBytes) value = NULL;
  const guint8 *data;
  gsize length = 0;
  guint8 *buffer;
  gboolean allocated = FALSE;
  LONG rv;

  if (pcbAttrLen == NULL)
    return SCARD_E_INVALID_PARAMETER;
  if (*pcbAttrLen == SCARD_AUTOALLOCATE)
    {
      if (pbAttr == NULL)
        return SCARD_E_INVALID_PARAMETER;
      *pcbAttrLen = MAX_BUFFER_SIZE;
      buffer = malloc (MAX_BUFFER_SIZE);
      if (buffer == NULL)
        return SCARD_E_NO_MEMORY;
      *(guint8 **) pbAttr = buffer;
      allocated = TRUE;
    }
  else
    {
      buffer = pbAttr;
      /* Only the length: pcsc-lite asks with its largest buffer. */
      if (buffer == NULL)
        *pcbAttrLen = MAX_BUFFER_SIZE;
    }

  rv = wsc_card_get (hCard, &card);
  if (rv == SCARD_S_SUCCESS && *pcbAttrLen > MAX_BUFFER_SIZE)
    rv = SCARD_E_INSUFFICIENT_BUFFER;
  if (rv == SCARD_S_SUCCESS)
    rv = get_value (card, dwAttrId, &value);
  if (rv != SCARD_S_SUCCESS)
    {
      if (allocated)
        {
          free (buffer);
          *(guint8 **) pbAttr = NULL;
        }
      return rv;
    }

  data = g_bytes_get_data (value, &length);
  if (length > *pcbAttrLen)
    {
      /* The part that fits is copied, the needed length returned; a buffer
       * of our own is not handed out with an error. */
      if (allocated)
        {
          free (buffer);
          *(guint8 **) pbAttr = NULL;
        }
      else if (buffer != NULL)
        memcpy (buffer, data, *pcbAttrLen);
      *pcbAttrLen = length;
      return SCARD_E_INSUFFICIENT_BUFFER;
    }
  *pcbAttrLen = length;
  if (buffer != NULL && length > 0)
    memcpy (buffer, data, length);
  return SCARD_S_SUCCESS;
}

LONG
SCardSetAttrib (SCARDHANDLE hCard, DWORD dwAttrId, LPCBYTE pbAttr, DWORD cbAttrLen)
{
  g_autoptr (WscCard) card = NULL;
  LONG rv;

  if (pbAttr == NULL || cbAttrLen == 0)
    return SCARD_E_INVALID_PARAMETER;
  rv = wsc_card_get (hCard, &card);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  if (cbAttrLen > MAX_BUFFER_SIZE)
    return SCARD_E_INSUFFICIENT_BUFFER;
  if (dwAttrId > G_MAXUINT32)
    return SCARD_E_UNSUPPORTED_FEATURE;
  return wsc_bus_call (
      card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION, "SetAttrib",
      g_variant_new ("(u@ay)", (guint32) dwAttrId,
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, pbAttr, cbAttrLen, 1)),
      NULL, 0, NULL, NULL);
}
