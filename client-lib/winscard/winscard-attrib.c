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

#include <stdlib.h>
#include <string.h>

static LONG
get_value (WscCard *card, DWORD id, GBytes **value)
{
  GError *error = NULL;

  if (id > G_MAXUINT32)
    return SCARD_E_UNSUPPORTED_FEATURE;
  *value = scb_client_connection_get_attrib_sync (card->connection, (guint32) id, NULL, &error);
  if (*value != NULL)
    return SCARD_S_SUCCESS;
  if (g_error_matches (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED)
      && id == SCARD_ATTR_DEVICE_FRIENDLY_NAME)
    {
      g_error_free (error);
      *value = g_bytes_new (card->reader_name, strlen (card->reader_name) + 1);
      return SCARD_S_SUCCESS;
    }
  return wsc_error_take (error);
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
  g_autoptr (GBytes) value = NULL;
  GError *error = NULL;
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
  value = g_bytes_new_static (pbAttr, cbAttrLen);
  if (!scb_client_connection_set_attrib_sync (card->connection, (guint32) dwAttrId, value, NULL,
                                              &error))
    return wsc_error_take (error);
  return SCARD_S_SUCCESS;
}
