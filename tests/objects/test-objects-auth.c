/* test-objects-auth.c: every guarded method, allowed and denied
 *
 * Under scardbus-sim with one tpdu reader holding a t1 card. Clients run as
 * nobody (root is allowed without polkit); the polkit mock allows exactly
 * the actions of each case. A denial must name the action.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "objects-common.h"

#include <string.h>

#define NONE NULL
#define FEATURE "uint32 0x42000d48" /* CM_IOCTL_GET_FEATURE_REQUEST */
#define ESCAPE "uint32 0x42000001"  /* SCARD_CTL_CODE(1): reader escape */
#define MEP "uint32 0x42000e10"     /* SCARD_CTL_CODE(3600): MEP NAD */
/* The first step of most cases. */
#define SHARED "R", "Reader.Connect", "('shared', ['t1'])"
#define DIRECT "R", "Reader.Connect", "('direct', @as [])"

typedef struct
{
  const char *name;
  const char *allowed[3];
  const char *steps[10]; /* "R": the reader */
  const char *expect;    /* "ok", "!NAME" (that error), "=PREFIX" (of the answer),
                          * or an action denied */
} AuthCase;

static const AuthCase cases[] = {
  { "connect-shared-allowed",
    { OC_ACCESS },
    { "R", "Reader.Connect", "('shared', ['t1'])" },
    "ok" },
  { "connect-shared-denied", { NONE }, { "R", "Reader.Connect", "('shared', ['t1'])" }, OC_ACCESS },
  { "connect-exclusive-allowed",
    { OC_ACCESS },
    { "R", "Reader.Connect", "('exclusive', ['t1'])" },
    "ok" },
  { "connect-exclusive-denied",
    { OC_CONTROL },
    { "R", "Reader.Connect", "('exclusive', ['t1'])" },
    OC_ACCESS },
  { "connect-direct-allowed",
    { OC_CONTROL },
    { "R", "Reader.Connect", "('direct', @as [])" },
    "ok" },
  { "connect-direct-denied",
    { OC_ACCESS },
    { "R", "Reader.Connect", "('direct', @as [])" },
    OC_CONTROL },
  { "reader-setnad-allowed", { OC_SET_NAD }, { "R", "Reader.SetNad", "(byte 0x00,)" }, "ok" },
  { "reader-setnad-denied", { OC_ACCESS }, { "R", "Reader.SetNad", "(byte 0x00,)" }, OC_SET_NAD },
  { "connection-setnad-allowed",
    { OC_ACCESS, OC_SET_NAD },
    { SHARED, "@", "Connection.SetNad", "(byte 0x10,)" },
    "ok" },
  { "connection-setnad-denied",
    { OC_ACCESS },
    { SHARED, "@", "Connection.SetNad", "(byte 0x10,)" },
    OC_SET_NAD },
  { "control-feature-allowed",
    { OC_ACCESS },
    { SHARED, "@", "Connection.Control", "(" FEATURE ", @ay [])" },
    "ok" },
  { "control-feature-denied",
    { OC_CONTROL },
    { DIRECT, "@", "Connection.Control", "(" FEATURE ", @ay [])" },
    OC_ACCESS },
  { "control-escape-allowed",
    { OC_ACCESS, OC_CONTROL },
    { SHARED, "@", "Connection.Control", "(" ESCAPE ", [byte 0x00])" },
    "not-denied" },
  { "control-escape-denied",
    { OC_ACCESS },
    { SHARED, "@", "Connection.Control", "(" ESCAPE ", [byte 0x00])" },
    OC_CONTROL },
  { "control-mep-get-allowed",
    { OC_ACCESS },
    { SHARED, "@", "Connection.Control", "(" MEP ", [byte 0x3f, 0, 0])" },
    "ok" },
  { "control-mep-set-allowed",
    { OC_ACCESS, OC_SET_NAD },
    { SHARED, "@", "Connection.Control", "(" MEP ", [byte 0x3e, 0, 1, 0x10])" },
    "ok" },
  { "control-mep-set-denied",
    { OC_ACCESS },
    { SHARED, "@", "Connection.Control", "(" MEP ", [byte 0x3e, 0, 1, 0x10])" },
    OC_SET_NAD },
  { "setattrib-allowed",
    { OC_ACCESS, OC_CONTROL },
    { SHARED, "@", "Connection.SetAttrib", "(uint32 0x90303, [byte 1])" },
    "!NotSupported" },
  { "setattrib-denied",
    { OC_ACCESS },
    { SHARED, "@", "Connection.SetAttrib", "(uint32 0x90303, [byte 1])" },
    OC_CONTROL },
  { "reconnect-direct-allowed",
    { OC_ACCESS, OC_CONTROL },
    { SHARED, "@", "Connection.Reconnect", "('direct', ['t1'], 'leave')" },
    "ok" },
  { "reconnect-direct-denied",
    { OC_ACCESS },
    { SHARED, "@", "Connection.Reconnect", "('direct', ['t1'], 'leave')" },
    OC_CONTROL },
  { "reconnect-exclusive-allowed",
    { OC_ACCESS },
    { SHARED, "@", "Connection.Reconnect", "('exclusive', ['t1'], 'reset')" },
    "ok" },
  { "transmit-open",
    { OC_ACCESS },
    { SHARED, "@", "Connection.Transmit", "([byte 0x80, 0xec, 0, 0, 1, 0x42],)" },
    "ok" },
  { "status-open", { OC_ACCESS }, { SHARED, "@", "Connection.Status", "()" }, "ok" },
  /* access-card, as Control's PIN features; this reader has no pad */
  { "verifypin-allowed",
    { OC_ACCESS },
    { SHARED, "@", "Connection.VerifyPin",
      "([byte 0, 0x20, 0, 0x81, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], @a{sv} {})" },
    "!NotTransacted" },
  { "modifypin-allowed",
    { OC_ACCESS },
    { SHARED, "@", "Connection.ModifyPin",
      "([byte 0, 0x24, 0, 0x81, 16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, "
      "0xff, 0xff, 0xff, 0xff, 0xff, 0xff], @a{sv} {})" },
    "!NotTransacted" },
  { "getreaders-open", { NONE }, { "/org/scardbus/SmartCard1", "Manager.GetReaders", "()" }, "ok" },
  /* The channel's control requests: the same per-code authorization. */
  { "channel-escape-allowed",
    { OC_ACCESS, OC_CONTROL },
    { SHARED, "@", "Channel.Control", "(" ESCAPE ", [byte 0x00])" },
    "=status 0x00000000" },
  { "channel-escape-denied",
    { OC_ACCESS },
    { SHARED, "@", "Channel.Control", "(" ESCAPE ", [byte 0x00])" },
    "=status 0x8010006a" },
  { "channel-mep-set-denied",
    { OC_ACCESS },
    { SHARED, "@", "Channel.Control", "(" MEP ", [byte 0x3e, 0, 1, 0x10])" },
    "=status 0x8010006a" },
  { "channel-mep-set-allowed",
    { OC_ACCESS, OC_SET_NAD },
    { SHARED, "@", "Channel.Control", "(" MEP ", [byte 0x3e, 0, 1, 0x10])" },
    "=status 0x00000000" },
  { "channel-feature-allowed",
    { OC_ACCESS },
    { SHARED, "@", "Channel.Control", "(" FEATURE ", @ay [])" },
    "=status 0x00000000" },
};

static void
test_case (gconstpointer data)
{
  const AuthCase *c = data;
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_auto (GStrv) readers = oc_readers (bus, NULL);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  const char *last;
  guint n;

  g_assert_cmpuint (g_strv_length (readers), >=, 1);
  oc_set_allowed (c->allowed[0], c->allowed[1], c->allowed[2], NULL);
  for (guint i = 0; i < G_N_ELEMENTS (c->steps) && c->steps[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) (g_str_equal (c->steps[i], "R") ? readers[0] : c->steps[i]));
  g_ptr_array_add (args, NULL);
  out = oc_run_client (TRUE, (const char *const *) args->pdata);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, ==, (args->len - 1) / 3);
  /* Every step before the last succeeded. */
  for (guint i = 0; i + 1 < n; i++)
    g_assert_true (g_str_has_prefix (lines[i], "ok ")
                   || g_str_has_prefix (lines[i], "status 0x00000000"));
  last = lines[n - 1];
  g_test_message ("%s: %s", c->name, last);
  if (g_str_equal (c->expect, "ok"))
    g_assert_true (g_str_has_prefix (last, "ok "));
  else if (c->expect[0] == '=')
    g_assert_true (g_str_has_prefix (last, c->expect + 1));
  else if (g_str_equal (c->expect, "not-denied"))
    g_assert_null (strstr (last, "PermissionDenied"));
  else if (c->expect[0] == '!')
    {
      g_autofree char *prefix = g_strconcat ("error " OC_ERROR, c->expect + 1, " ", NULL);

      g_assert_true (g_str_has_prefix (last, prefix));
    }
  else
    {
      g_assert_true (g_str_has_prefix (last, "error " OC_ERROR "PermissionDenied "));
      g_assert_nonnull (strstr (last, c->expect));
    }
}

/* Only the bus name that made a connection may call it, whoever it is. */
static void
test_owner_only (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_auto (GStrv) readers = oc_readers (bus, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = oc_connect (bus, readers[0], "shared", "t1", &error);
  g_autoptr (GDBusConnection) other = oc_bus_new ();
  g_autoptr (GVariant) reply = NULL;
  static const char *const methods[] = { "Transmit", "Status", "Disconnect" };
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  oc_set_allowed (OC_ACCESS, OC_CONTROL, OC_SET_NAD, NULL);
  /* Another root client: not the owner, so refused however privileged. */
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr (GError) call_error = NULL;
      GVariant *args = i == 0   ? g_variant_new_parsed ("([byte 0x80, 0xec, 0, 0],)")
                       : i == 1 ? NULL
                                : g_variant_new ("(s)", "leave");

      reply = oc_call (other, path, OC_CONNECTION, methods[i], args, NULL, &call_error);
      oc_assert_error (call_error, "PermissionDenied");
      g_assert_nonnull (strstr (call_error->message, "Only"));
    }
  /* And nobody, as well. */
  {
    const char *const args[] = { path, "Connection.Status", "()", NULL };

    out = oc_run_client (TRUE, args);
    g_assert_true (g_str_has_prefix (out, "error " OC_ERROR "PermissionDenied"));
  }
  /* The owner still can. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = oc_call (bus, path, OC_CONNECTION, "Disconnect", g_variant_new ("(s)", "leave"), NULL,
                   &error);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/objects/auth/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/objects/auth/owner-only", test_owner_only);
  return g_test_run ();
}
