/* scardctl.h: what the scardctl commands share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <scardbus.h>

G_BEGIN_DECLS

/* Exit codes, documented in scardctl(1). */
enum
{
  SCARDCTL_EXIT_OK = 0,
  SCARDCTL_EXIT_FAILED = 1,         /* the operation failed (card, reader, channel) */
  SCARDCTL_EXIT_USAGE = 2,          /* bad command line, unreadable script, bad hex */
  SCARDCTL_EXIT_NO_SERVICE = 3,     /* scardbusd is not running, no system bus */
  SCARDCTL_EXIT_UNKNOWN_READER = 4, /* no such reader */
  SCARDCTL_EXIT_DENIED = 5,         /* polkit or the bus policy said no */
  SCARDCTL_EXIT_NO_CARD = 6,        /* the command needs a card and there is none */
};

typedef struct
{
  gboolean json;
  gboolean color;
  ScbClient *client;
} Scardctl;

typedef int (*ScardctlCommand) (Scardctl *ctl, int argc, char **argv);

/* scardctl.c */
ScbClient *scardctl_client (Scardctl *ctl, int *status);
ScbClientReader *scardctl_reader (Scardctl *ctl, const char *spec, int *status);
int scardctl_fail (Scardctl *ctl, const GError *error);
int scardctl_usage (Scardctl *ctl, const char *command, const char *message);
/* Parses a command's options; on failure reports and returns FALSE with
 * *status set. argv[0] is the command name. */
gboolean scardctl_parse (Scardctl *ctl, GOptionEntry *entries, const char *parameters,
                         const char *summary, int *argc, char ***argv, int *status);

/* scardctl-output.c */
char *scardctl_json (GVariant *value);
void scardctl_print_json (GVariant *value);
const char *scardctl_sgr (Scardctl *ctl, const char *code);
char *scardctl_hex (GBytes *bytes, const char *separator);
GBytes *scardctl_parse_hex (const char *text, GError **error);
GVariant *scardctl_state_variant (guint32 state);
char *scardctl_state_string (guint32 state);
GVariant *scardctl_reader_variant (ScbClientReader *reader, gint index);
void scardctl_print_reader (Scardctl *ctl, ScbClientReader *reader, gint index, gboolean details);
gint scardctl_reader_index (Scardctl *ctl, ScbClientReader *reader);
const char *scardctl_sw_meaning (guint8 sw1, guint8 sw2);

/* the commands */
int scardctl_cmd_list (Scardctl *ctl, int argc, char **argv);
int scardctl_cmd_status (Scardctl *ctl, int argc, char **argv);
int scardctl_cmd_watch (Scardctl *ctl, int argc, char **argv);
int scardctl_cmd_send (Scardctl *ctl, int argc, char **argv);
int scardctl_cmd_script (Scardctl *ctl, int argc, char **argv);
int scardctl_cmd_verify_pin (Scardctl *ctl, int argc, char **argv);
int scardctl_cmd_change_pin (Scardctl *ctl, int argc, char **argv);
int scardctl_cmd_atr (Scardctl *ctl, int argc, char **argv);
int scardctl_cmd_nad (Scardctl *ctl, int argc, char **argv);

G_END_DECLS
