/* winscard-status-change.c: SCardGetStatusChange() over the readers' view
 *
 * The state bits follow pcsc-lite's client (winscard_clnt.c) rule by rule;
 * the difference is where the states come from: the view of the library's
 * ScbClient, which D-Bus signals keep current (winscard-readers.c), waited
 * on with a condition variable and the monotonic clock, instead of a round
 * trip to pcscd per wake-up.
 *
 * The high 16 bits of dwEventState carry the reader's CardEvents; for
 * "\\?PnP?\Notification" they carry Manager.ReaderEvents, with pcsc-lite 2.3's
 * semantics: a non-zero count in dwCurrentState that differs from the
 * current one makes the call return at once with SCARD_STATE_CHANGED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include <string.h>

#define HIGH_WORD(x) (((x) >> 16) & 0xFFFF)

static gboolean
is_pnp_name (const char *name)
{
  return g_ascii_strcasecmp (name, SCB_PNP_READER_NAME) == 0;
}

/* The pcsc-lite rules for one known reader. Returns TRUE when the caller's
 * view differs (the call must return). */
static gboolean
evaluate_reader (SCARD_READERSTATE *entry, const WscReader *reader)
{
  DWORD current = entry->dwCurrentState;
  DWORD event = 0;
  guint32 state = reader->state;
  guint32 counter = reader->card_events & 0xFFFF;
  gboolean present = (state & SCARD_STATE_PRESENT) != 0;
  gboolean empty = (state & SCARD_STATE_EMPTY) != 0;
  gboolean changed = FALSE;

  /* The reader came back after being away. */
  if (current & SCARD_STATE_UNKNOWN)
    {
      event |= SCARD_STATE_CHANGED;
      changed = TRUE;
    }

  /* Only when the caller passed a counter. */
  if ((current & 0xFFFF0000) != 0 && HIGH_WORD (current) != counter)
    {
      event |= SCARD_STATE_CHANGED;
      changed = TRUE;
    }
  event = (event & 0xFFFF) | ((DWORD) counter << 16);

  if (!present && !empty)
    {
      /* The reader is not in a usable state (pcsc-lite's SCARD_UNKNOWN). */
      event = SCARD_STATE_UNAVAILABLE;
      if (!(current & SCARD_STATE_UNAVAILABLE))
        {
          event |= SCARD_STATE_CHANGED;
          changed = TRUE;
        }
    }
  else if (current & SCARD_STATE_UNAVAILABLE)
    {
      event |= SCARD_STATE_CHANGED;
      changed = TRUE;
    }

  if (present)
    {
      entry->cbAtr = reader->atr_len;
      memcpy (entry->rgbAtr, reader->atr, reader->atr_len);
    }
  else
    entry->cbAtr = 0;

  if (empty)
    {
      event |= SCARD_STATE_EMPTY;
      if (current & SCARD_STATE_PRESENT)
        {
          event |= SCARD_STATE_CHANGED;
          changed = TRUE;
        }
    }
  else if (present)
    {
      event |= SCARD_STATE_PRESENT;
      if (current & SCARD_STATE_EMPTY)
        {
          event |= SCARD_STATE_CHANGED;
          changed = TRUE;
        }
      if (state & SCARD_STATE_MUTE)
        {
          event |= SCARD_STATE_MUTE;
          if (!(current & SCARD_STATE_MUTE))
            {
              event |= SCARD_STATE_CHANGED;
              changed = TRUE;
            }
        }
      else if (current & SCARD_STATE_MUTE)
        {
          event |= SCARD_STATE_CHANGED;
          changed = TRUE;
        }
    }

  if (state & SCARD_STATE_EXCLUSIVE)
    {
      event |= SCARD_STATE_EXCLUSIVE;
      if (current & SCARD_STATE_INUSE)
        {
          event |= SCARD_STATE_CHANGED;
          changed = TRUE;
        }
    }
  else if (state & SCARD_STATE_INUSE)
    {
      if (present)
        {
          event |= SCARD_STATE_INUSE;
          if (current & SCARD_STATE_EXCLUSIVE)
            {
              event |= SCARD_STATE_CHANGED;
              changed = TRUE;
            }
        }
    }
  else if (current & (SCARD_STATE_INUSE | SCARD_STATE_EXCLUSIVE))
    {
      event |= SCARD_STATE_CHANGED;
      changed = TRUE;
    }

  if (current == SCARD_STATE_UNAWARE)
    {
      event |= SCARD_STATE_CHANGED;
      changed = TRUE;
    }

  entry->dwEventState = event;
  return changed;
}

/* A reader that went away while we waited. */
static gboolean
evaluate_gone (SCARD_READERSTATE *entry)
{
  entry->dwEventState = SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE;
  if (entry->dwCurrentState & SCARD_STATE_UNKNOWN)
    return FALSE;
  entry->dwEventState |= SCARD_STATE_CHANGED;
  return TRUE;
}

/* "\\?PnP?\Notification": the reader counter in the high word; CHANGED when
 * the caller's counter (if any) differs, or when the list changed during
 * this call. An ignored entry only gets pcsc-lite's first look, at the
 * counter the call started with. */
static gboolean
evaluate_pnp (SCARD_READERSTATE *entry, guint32 events, guint32 events_at_start)
{
  DWORD previous = HIGH_WORD (entry->dwCurrentState);
  gboolean changed;

  if (entry->dwCurrentState & SCARD_STATE_IGNORE)
    events = events_at_start;
  changed = (previous != 0 && previous != events) || events != events_at_start;

  entry->dwEventState = ((DWORD) events << 16) | (changed ? SCARD_STATE_CHANGED : 0);
  return changed;
}

static gboolean
evaluate_all (SCARD_READERSTATE *states, DWORD count, guint32 events_at_start)
{
  guint32 events = wsc_readers_get_reader_events_locked () & 0xFFFF;
  gboolean changed = FALSE;

  for (DWORD i = 0; i < count; i++)
    {
      SCARD_READERSTATE *entry = &states[i];
      const WscReader *reader;

      if (is_pnp_name (entry->szReader))
        {
          /* pcsc-lite looks at the PnP entry even when ignored. */
          changed |= evaluate_pnp (entry, events, events_at_start);
          continue;
        }
      if (entry->dwCurrentState & SCARD_STATE_IGNORE)
        continue;
      reader = wsc_readers_find_locked (entry->szReader);
      if (reader != NULL)
        changed |= evaluate_reader (entry, reader);
      else
        changed |= evaluate_gone (entry);
    }
  return changed;
}

LONG
SCardGetStatusChange (SCARDCONTEXT hContext, DWORD dwTimeout, SCARD_READERSTATE *rgReaderStates,
                      DWORD cReaders)
{
  g_autoptr (WscContext) context = NULL;
  DWORD ignored = 0;
  guint32 events_at_start;
  guint cancel_seq;
  gint64 end_time;
  LONG rv;

  if ((rgReaderStates == NULL && cReaders > 0) || cReaders > PCSCLITE_MAX_READERS_CONTEXTS)
    return SCARD_E_INVALID_PARAMETER;
  for (DWORD i = 0; i < cReaders; i++)
    {
      if (rgReaderStates[i].szReader == NULL)
        return SCARD_E_INVALID_VALUE;
      if (rgReaderStates[i].dwCurrentState & SCARD_STATE_IGNORE)
        ignored++;
    }
  /* Nothing to watch: pcsc-lite answers before looking at the context. */
  if (cReaders == 0 || ignored == cReaders)
    return SCARD_S_SUCCESS;

  if (wsc_in_forked_child ())
    return SCARD_E_INVALID_HANDLE;
  context = wsc_context_lookup (hContext);
  if (context == NULL)
    return SCARD_E_INVALID_HANDLE;

  /* pcsc-lite maps (DWORD)-1 of a sign-extended 32-bit -1 to INFINITE. */
  if (dwTimeout == INFINITE || dwTimeout == (DWORD) -1)
    end_time = -1;
  else
    end_time = g_get_monotonic_time () + (gint64) MIN (dwTimeout, (DWORD) G_MAXINT32) * 1000;

  wsc_readers_lock ();
  if (wsc_readers_get_generation_locked () != context->generation)
    {
      wsc_readers_unlock ();
      return SCARD_E_NO_SERVICE;
    }
  /* Every name must be known (ignored ones too), or be the PnP reader. */
  for (DWORD i = 0; i < cReaders; i++)
    {
      const char *name = rgReaderStates[i].szReader;

      if (wsc_readers_find_locked (name) == NULL && !is_pnp_name (name))
        {
          wsc_readers_unlock ();
          return SCARD_E_UNKNOWN_READER;
        }
    }
  for (DWORD i = 0; i < cReaders; i++)
    rgReaderStates[i].dwEventState = 0;

  events_at_start = wsc_readers_get_reader_events_locked () & 0xFFFF;
  cancel_seq = context->cancel_seq;
  context->waiting++;
  for (;;)
    {
      /* The daemon went away: its readers did not. */
      if (wsc_readers_get_generation_locked () != context->generation)
        {
          rv = SCARD_E_NO_SERVICE;
          break;
        }
      if (context->released)
        {
          rv = SCARD_E_INVALID_HANDLE;
          break;
        }
      if (evaluate_all (rgReaderStates, cReaders, events_at_start))
        {
          rv = SCARD_S_SUCCESS;
          break;
        }
      if (context->cancel_seq != cancel_seq)
        {
          rv = SCARD_E_CANCELLED;
          break;
        }
      if (end_time >= 0 && g_get_monotonic_time () >= end_time)
        {
          rv = SCARD_E_TIMEOUT;
          break;
        }
      (void) wsc_readers_wait_locked (end_time);
    }
  context->waiting--;
  wsc_readers_unlock ();
  return rv;
}
