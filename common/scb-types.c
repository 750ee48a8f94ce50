/* scb-types.c: the D-Bus words of the PC/SC vocabulary
 *
 * The words are the nicks of the enums' GTypes (scb-types.h), so each is
 * written once, next to its value.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-types.h"
#include "scb-error.h"
#include "scb-types-enums.h"

static const char *
enum_word (GType type, gint value)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  /* The nicks live as long as the type, which is static. */
  return v != NULL ? v->value_nick : NULL;
}

/* "a, b or c", for error messages. */
static char *
word_list (const char *const *words, guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (s, i + 1 == n ? " or " : ", ");
      g_string_append (s, words[i]);
    }
  return g_string_free (s, FALSE);
}

static char *
enum_word_list (GEnumClass *klass)
{
  g_autofree const char **words = g_new (const char *, klass->n_values);

  for (guint i = 0; i < klass->n_values; i++)
    words[i] = klass->values[i].value_nick;
  return word_list (words, klass->n_values);
}

static gboolean
enum_from_word (GType type, const char *what, ScbError code, const char *word, gint *value,
                GError **error)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = word != NULL ? g_enum_get_value_by_nick (klass, word) : NULL;
  g_autofree char *list = NULL;

  if (v != NULL)
    {
      *value = v->value;
      return TRUE;
    }
  list = enum_word_list (klass);
  g_set_error (error, SCB_ERROR, code, "Unknown %s \"%s\": %s", what, word != NULL ? word : "",
               list);
  return FALSE;
}

/**
 * scb_share_mode_to_word:
 * @mode: a share mode
 *
 * Returns: the D-Bus word of @mode (`shared`, `exclusive`, `direct`)
 */
const char *
scb_share_mode_to_word (ScbShareMode mode)
{
  const char *word = enum_word (SCB_TYPE_SHARE_MODE, mode);

  return word != NULL ? word : "shared";
}

/**
 * scb_share_mode_from_word:
 * @word: a D-Bus word
 * @mode: (out): the share mode it names
 * @error: %SCB_ERROR_INVALID_PARAMETER, naming the words there are
 *
 * Returns: %TRUE when @word names a share mode
 */
gboolean
scb_share_mode_from_word (const char *word, ScbShareMode *mode, GError **error)
{
  gint value;

  if (!enum_from_word (SCB_TYPE_SHARE_MODE, "share mode", SCB_ERROR_INVALID_PARAMETER, word, &value,
                       error))
    return FALSE;
  *mode = (ScbShareMode) value;
  return TRUE;
}

/**
 * scb_disposition_to_word:
 * @disposition: a disposition
 *
 * Returns: the D-Bus word of @disposition (`leave`, `reset`, `unpower`, `eject`)
 */
const char *
scb_disposition_to_word (ScbDisposition disposition)
{
  const char *word = enum_word (SCB_TYPE_DISPOSITION, disposition);

  return word != NULL ? word : "leave";
}

/**
 * scb_disposition_from_word:
 * @word: a D-Bus word
 * @disposition: (out): the disposition it names
 * @error: %SCB_ERROR_INVALID_VALUE (as pcscd), naming the words there are
 *
 * Returns: %TRUE when @word names a disposition
 */
gboolean
scb_disposition_from_word (const char *word, ScbDisposition *disposition, GError **error)
{
  gint value;

  /* pcscd answers an unknown disposition with SCARD_E_INVALID_VALUE. */
  if (!enum_from_word (SCB_TYPE_DISPOSITION, "disposition", SCB_ERROR_INVALID_VALUE, word, &value,
                       error))
    return FALSE;
  *disposition = (ScbDisposition) value;
  return TRUE;
}

/**
 * scb_share_mode_is_valid:
 * @value: a PC/SC `SCARD_SHARE_*` value from a caller
 *
 * Returns: %TRUE when @value is a member of #ScbShareMode
 */
gboolean
scb_share_mode_is_valid (guint32 value)
{
  return value <= G_MAXINT && enum_word (SCB_TYPE_SHARE_MODE, (gint) value) != NULL;
}

/**
 * scb_disposition_is_valid:
 * @value: a PC/SC `SCARD_*_CARD` value from a caller
 *
 * Returns: %TRUE when @value is a member of #ScbDisposition
 */
gboolean
scb_disposition_is_valid (guint32 value)
{
  return value <= G_MAXINT && enum_word (SCB_TYPE_DISPOSITION, (gint) value) != NULL;
}

/* A protocol word names one protocol: a single bit of ScbProtocol. */
static gboolean
is_one_protocol (guint value)
{
  return value != 0 && (value & (value - 1)) == 0;
}

/**
 * scb_protocol_to_word:
 * @protocol: one protocol
 *
 * Returns: its D-Bus word (`t0`, `t1`, `raw`), or "" for none or a set
 */
const char *
scb_protocol_to_word (ScbProtocol protocol)
{
  g_autoptr (GFlagsClass) klass = g_type_class_ref (SCB_TYPE_PROTOCOL);
  GFlagsValue *v = g_flags_get_first_value (klass, protocol);

  if (!is_one_protocol (protocol) || v == NULL || v->value != protocol)
    return "";
  return v->value_nick;
}

/**
 * scb_protocol_from_word:
 * @word: a D-Bus word, as `Connection.Protocol` carries it
 *
 * Returns: the protocol @word names; %SCB_PROTOCOL_NONE for "" (a
 *   connection without one) or an unknown word
 */
ScbProtocol
scb_protocol_from_word (const char *word)
{
  g_autoptr (GFlagsClass) klass = g_type_class_ref (SCB_TYPE_PROTOCOL);
  GFlagsValue *v = word != NULL ? g_flags_get_value_by_nick (klass, word) : NULL;

  return v != NULL && is_one_protocol (v->value) ? (ScbProtocol) v->value : SCB_PROTOCOL_NONE;
}

/**
 * scb_protocols_to_words:
 * @protocols: a set of protocols
 *
 * Returns: (transfer full): the words of each protocol in @protocols, as
 *   `Reader.Connect()` takes them
 */
GStrv
scb_protocols_to_words (ScbProtocol protocols)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint bit = 1; bit <= SCB_PROTOCOL_RAW; bit <<= 1)
    {
      if (protocols & bit)
        g_strv_builder_add (builder, scb_protocol_to_word ((ScbProtocol) bit));
    }
  return g_strv_builder_end (builder);
}

/**
 * scb_protocols_from_words:
 * @words: (nullable) (array zero-terminated=1): D-Bus words
 * @protocols: (out): the set they name
 * @error: %SCB_ERROR_INVALID_PARAMETER for an unknown word
 *
 * Returns: %TRUE when every word names a protocol
 */
gboolean
scb_protocols_from_words (const char *const *words, ScbProtocol *protocols, GError **error)
{
  ScbProtocol result = SCB_PROTOCOL_NONE;

  for (gsize i = 0; words != NULL && words[i] != NULL; i++)
    {
      ScbProtocol one = scb_protocol_from_word (words[i]);

      if (one == SCB_PROTOCOL_NONE)
        {
          g_auto (GStrv) known = scb_protocols_to_words (SCB_PROTOCOL_ANY | SCB_PROTOCOL_RAW);
          g_autofree char *list = word_list ((const char *const *) known, g_strv_length (known));

          g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER, "Unknown protocol \"%s\": %s",
                       words[i], list);
          return FALSE;
        }
      result |= one;
    }
  *protocols = result;
  return TRUE;
}

/**
 * scb_protocol_from_iso:
 * @t: an ISO 7816-3 protocol number (T=0, T=1)
 *
 * Returns: its protocol; %SCB_PROTOCOL_NONE for anything else
 */
ScbProtocol
scb_protocol_from_iso (int t)
{
  switch (t)
    {
    case 0:
      return SCB_PROTOCOL_T0;
    case 1:
      return SCB_PROTOCOL_T1;
    default:
      return SCB_PROTOCOL_NONE;
    }
}
