/* scb-control.c: SCardControl codes and their classes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-control.h"
#include "scb-error.h"

/* The part 10 features a card user needs: PIN entry on the reader's pad and
 * the properties describing it, so that OpenSC and gpg never raise admin
 * prompts. FEATURE_CCID_ESC_COMMAND and FEATURE_MCT_* reach the reader. */
static const guint8 card_features[] = {
  SCB_FEATURE_VERIFY_PIN_START,  SCB_FEATURE_VERIFY_PIN_FINISH,  SCB_FEATURE_MODIFY_PIN_START,
  SCB_FEATURE_MODIFY_PIN_FINISH, SCB_FEATURE_GET_KEY_PRESSED,    SCB_FEATURE_VERIFY_PIN_DIRECT,
  SCB_FEATURE_MODIFY_PIN_DIRECT, SCB_FEATURE_IFD_PIN_PROPERTIES, SCB_FEATURE_GET_TLV_PROPERTIES,
};

ScbControlClass
scb_control_classify (guint32 code, const guint8 *data, gsize len)
{
  ScbMepNadCommand command;
  guint8 nad;

  if (code == SCB_CTL_GET_FEATURE_REQUEST)
    return SCB_CONTROL_CARD;
  if (code == SCB_CTL_MEP_NAD)
    {
      /* Reading the NAD is harmless; any other command of this code may
       * change it for the connection. */
      if (scb_mep_nad_parse (data, len, &command, &nad, NULL) && command == SCB_MEP_NAD_GET)
        return SCB_CONTROL_CARD;
      return SCB_CONTROL_NAD;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (card_features); i++)
    {
      if (code == SCB_CTL_FEATURE (card_features[i]))
        return SCB_CONTROL_CARD;
    }
  return SCB_CONTROL_READER;
}

gboolean
scb_mep_nad_parse (const guint8 *data, gsize len, ScbMepNadCommand *command, guint8 *nad,
                   GError **error)
{
  if (len == 3 && data[0] == 0x3f && data[1] == 0 && data[2] == 0)
    {
      *command = SCB_MEP_NAD_GET;
      return TRUE;
    }
  if (len == 4 && data[0] == 0x3e && data[1] == 0 && data[2] == 1)
    {
      *command = SCB_MEP_NAD_SET;
      *nad = data[3];
      return TRUE;
    }
  g_set_error_literal (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                       "Unknown MEP NAD command (3F 00 00 reads, 3E 00 01 NAD sets)");
  return FALSE;
}
