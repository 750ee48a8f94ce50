/* scb-pinpad.c: PC/SC part 10 control codes on a reader slot
 *
 * The byte-level work is sans-I/O (scb-part10.c for what a reader
 * announces, ccid-secure.c for the PIN structures); this file only asks
 * the slot: the firmware-id escape of Gemalto readers, PC_to_RDR_Secure.
 * Nothing here logs the data: a PIN never reaches the host, but the
 * template and the answer are the client's business.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-pinpad.h"
#include "scb-control.h"
#include "scb-error.h"

static gboolean escape_feature;

void
scb_pinpad_set_escape_feature (gboolean on)
{
  escape_feature = on;
}

void
scb_pinpad_reader_info (CcidDevice *device, ScbPart10Reader *info)
{
  const CcidDescriptor *d = ccid_device_get_descriptor (device);

  info->vendor_id = ccid_device_get_vendor_id (device);
  info->product_id = ccid_device_get_product_id (device);
  info->bcd_device = ccid_device_get_bcd_device (device);
  info->features = d->features;
  info->lcd_layout = d->lcd_layout;
  info->pin_support = d->pin_support;
}

GVariant *
scb_pinpad_property (CcidDevice *device)
{
  g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  ScbPart10Reader info;
  guint8 pin;
  guint8 min = 0, max = 0;

  scb_pinpad_reader_info (device, &info);
  pin = scb_part10_pin_support (&info);
  if (pin != 0)
    {
      g_variant_builder_add (&b, "{sv}", "verify",
                             g_variant_new_boolean (pin & SCB_PIN_SUPPORT_VERIFY));
      g_variant_builder_add (&b, "{sv}", "modify",
                             g_variant_new_boolean (pin & SCB_PIN_SUPPORT_MODIFY));
      if (info.lcd_layout != 0)
        {
          g_variant_builder_add (&b, "{sv}", "display-lines",
                                 g_variant_new_byte (info.lcd_layout >> 8));
          g_variant_builder_add (&b, "{sv}", "display-characters",
                                 g_variant_new_byte (info.lcd_layout & 0xFF));
        }
      if (scb_part10_pin_sizes (&info, &min, &max))
        {
          g_variant_builder_add (&b, "{sv}", "min-digits", g_variant_new_byte (min));
          g_variant_builder_add (&b, "{sv}", "max-digits", g_variant_new_byte (max));
        }
    }
  return g_variant_builder_end (&b);
}

static gboolean
reader_info (CcidSlot *slot, ScbPart10Reader *info, GError **error)
{
  CcidDevice *device = ccid_slot_get_device (slot);

  if (device == NULL)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "%s was removed",
                   ccid_slot_get_name (slot));
      return FALSE;
    }
  scb_pinpad_reader_info (device, info);
  return TRUE;
}

static void
on_firmware_id (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GBytes) firmware = ccid_slot_escape_finish (CCID_SLOT (source), result, NULL);
  g_autoptr (GError) error = NULL;
  ScbPart10Reader info;

  /* A reader that refuses the escape has no sFirmwareID, as in libccid. */
  if (!reader_info (CCID_SLOT (source), &info, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, scb_part10_tlv_properties (&info, escape_feature, firmware),
                         (GDestroyNotify) g_bytes_unref);
}

static void
on_secure (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GBytes *answer = ccid_slot_secure_finish (CCID_SLOT (source), result, &error);

  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) g_bytes_unref);
}

static void
start_secure (GTask *task, CcidSlot *slot, guint8 nad, CcidPinOperation operation, GBytes *data,
              const ScbPart10Reader *info)
{
  gsize len = 0;
  const guint8 *in = g_bytes_get_data (data, &len);
  gsize out_size = CCID_SECURE_DATA_SIZE (len);
  g_autofree guint8 *out = g_malloc (out_size);
  CcidSecureMessage msg;
  const char *reason = NULL;

  if (!ccid_secure_convert (operation, in, len, CCID_READER_ID (info->vendor_id, info->product_id),
                            out, out_size, &msg, &reason))
    {
      /* libccid: IFD_NOT_SUPPORTED */
      g_task_return_new_error (task, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED, "%s", reason);
      g_object_unref (task);
      return;
    }
  ccid_slot_secure_async (slot, nad, out, &msg, g_task_get_cancellable (task), on_secure, task);
}

void
scb_pinpad_control_async (CcidSlot *slot, guint8 nad, guint32 code, GBytes *data,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  GTask *task = g_task_new (slot, cancellable, callback, user_data);
  GError *error = NULL;
  ScbPart10Reader info;
  GBytes *answer = NULL;

  g_task_set_source_tag (task, scb_pinpad_control_async);
  if (!reader_info (slot, &info, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (code == SCB_CTL_GET_FEATURE_REQUEST || code == SCB_CTL_GET_FEATURE_REQUEST_WINDOWS)
    answer = scb_part10_features (&info, escape_feature);
  else if (code == SCB_CTL_FEATURE (SCB_FEATURE_IFD_PIN_PROPERTIES))
    answer = scb_part10_pin_properties (&info);
  else if (code == SCB_CTL_FEATURE (SCB_FEATURE_GET_TLV_PROPERTIES))
    {
      if (scb_part10_wants_firmware_id (&info))
        {
          static const guint8 cmd[] = { SCB_PART10_FIRMWARE_ID_ESCAPE };
          g_autoptr (GBytes) escape = g_bytes_new_static (cmd, sizeof cmd);

          ccid_slot_escape_async (slot, escape, cancellable, on_firmware_id, task);
          return;
        }
      answer = scb_part10_tlv_properties (&info, escape_feature, NULL);
    }
  else if (code == SCB_CTL_FEATURE (SCB_FEATURE_VERIFY_PIN_DIRECT))
    {
      start_secure (task, slot, nad, CCID_PIN_OPERATION_VERIFY, data, &info);
      return;
    }
  else if (code == SCB_CTL_FEATURE (SCB_FEATURE_MODIFY_PIN_DIRECT))
    {
      start_secure (task, slot, nad, CCID_PIN_OPERATION_MODIFY, data, &info);
      return;
    }
  else
    g_return_if_reached ();
  g_task_return_pointer (task, answer, (GDestroyNotify) g_bytes_unref);
  g_object_unref (task);
}

GBytes *
scb_pinpad_control_finish (CcidSlot *slot, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, slot), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
