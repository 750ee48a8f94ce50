/* test-t1.c: the T=1 scenarios of ISO/IEC 7816-3 Annex A, as block sequences
 *
 * Numbers follow Annex A of ISO/IEC 7816-3:2006 (A.2 exchange of I-blocks,
 * A.3 chaining, A.4 error handling, A.5 resynchronisation, abortion), only
 * those where the interface device has something to do.  "-x->" marks a
 * block the card receives damaged: it shows only as the card's answer.
 * Blocks: NAD PCB LEN INF, the EDC (LRC here) is appended by the runner.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "t1-script.h"

typedef struct
{
  const char *path;
  bool chaining; /* IFSC 2 instead of 32 */
  const char *const *script;
} scenario;

static const scenario scenarios[] = {
  /* ---- A.2: exchange of I-blocks ---- */
  { "/proto/t1/annex-a/1-i-blocks", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02",               /* I(0,0) */
            "< 00 00 02 F1 F2",                          /* I(0,0) */
            "DONE F1 F2", "A 03 04", "> 00 40 02 03 04", /* I(1,0) */
            "< 00 40 02 F3 F4",                          /* I(1,0) */
            "DONE F3 F4") },
  { "/proto/t1/annex-a/2-wtx", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 C3 01 10", /* S(WTX request) x16 */
            "W 16", "> 00 E3 01 10",                        /* S(WTX response) */
            "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/3-ifs-by-card", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 C1 01 79", /* S(IFS request) IFSC 121 */
            "> 00 E1 01 79",                                /* S(IFS response) */
            "< 00 00 02 F1 F2", "DONE F1 F2") },
  /* Not Annex A (found by fuzz-t1-receive): the card lowers the IFSC
   * under a block it then asks for again; the block is cut to the new
   * IFSC and the rest chained. */
  { "/proto/t1/ifsc-lowered-before-retransmit", false,
    SCRIPT ("A 01 02 03 04", "> 00 00 04 01 02 03 04", /* I(0,0) */
            "< 00 C1 01 02",                           /* S(IFS request) IFSC 2 */
            "> 00 E1 01 02",                           /* S(IFS response) */
            "< 00 80 00",                              /* R(0): I(0) again */
            "> 00 20 02 01 02",                        /* I(0,1), what fits */
            "< 00 90 00",                              /* R(1) */
            "> 00 40 02 03 04",                        /* I(1,0) */
            "< 00 00 02 90 00", "DONE 90 00") },
  { "/proto/t1/annex-a/4-ifs-by-host", false,
    SCRIPT ("IFS FE", "> 00 C1 01 FE", /* S(IFS request) IFSD 254 */
            "< 00 E1 01 FE", "DONE", "A 01 02", "> 00 00 02 01 02", "< 00 00 02 F1 F2",
            "DONE F1 F2") },

  /* ---- A.3: chaining ---- */
  { "/proto/t1/annex-a/5-host-chaining", true,
    SCRIPT ("A 01 02 03 04 05 06", "> 00 20 02 01 02", /* I(0,1) */
            "< 00 90 00",                              /* R(1) */
            "> 00 60 02 03 04",                        /* I(1,1) */
            "< 00 80 00",                              /* R(0) */
            "> 00 00 02 05 06",                        /* I(0,0) */
            "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/6-card-chaining", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 20 02 F1 F2", /* I(0,1) */
            "> 00 90 00",                                      /* R(1) */
            "< 00 40 02 F3 F4",                                /* I(1,0) */
            "DONE F1 F2 F3 F4", "A 03 04", "> 00 40 02 03 04", /* I(1,0) */
            "< 00 00 02 F5 F6",                                /* I(0,0) */
            "DONE F5 F6") },
  { "/proto/t1/annex-a/7-card-chain-ends-empty", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 20 02 F1 F2", "> 00 90 00",
            "< 00 40 00", /* I(1,0) with LEN 0 */
            "DONE F1 F2") },
  { "/proto/t1/annex-a/chaining-both-ways", true,
    SCRIPT ("A 01 02 03", "> 00 20 02 01 02", "< 00 90 00", "> 00 40 01 03", /* I(1,0) */
            "< 00 20 02 F1 F2",                                              /* I(0,1) */
            "> 00 90 00", "< 00 60 02 F3 F4",                                /* I(1,1) */
            "> 00 80 00",                                                    /* R(0) */
            "< 00 00 01 F5",                                                 /* I(0,0) */
            "DONE F1 F2 F3 F4 F5") },

  /* ---- A.4: error handling ---- */
  { "/proto/t1/annex-a/8-i-block-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", /* -x-> */
            "< 00 81 00",                  /* R(0) EDC error */
            "> 00 00 02 01 02",            /* I(0,0) again */
            "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/9-answer-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "<! 00 00 02 F1 F2", "> 00 81 00", /* R(0) EDC error */
            "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/10-both-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02",             /* -x-> */
            "<! 00 81 00", "> 00 81 00", "< 00 81 00", /* the card still wants I(0) */
            "> 00 00 02 01 02", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/11-r-block-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "<! 00 00 02 F1 F2", "> 00 81 00", /* -x-> */
            "< 00 91 00", /* R(1) EDC error: the card expects I(1) */
            "> 00 81 00", /* our R-block again */
            "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/12-r-blocks-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "<! 00 00 02 F1 F2", "> 00 81 00", /* -x-> */
            "<! 00 91 00", "> 00 81 00", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/13-third-attempt", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "<! 00 00 02 F1 F2", "> 00 81 00", /* -x-> */
            "<! 00 91 00", "> 00 81 00",                                      /* -x-> */
            "< 00 91 00", "> 00 81 00", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/14-wtx-request-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "<! 00 C3 01 10", "> 00 81 00", "< 00 C3 01 10", "W 16",
            "> 00 E3 01 10", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/15-wtx-response-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 C3 01 10", "W 16", "> 00 E3 01 10", /* -x-> */
            "< 00 C3 01 10", /* the card asks again */
            "W 16", "> 00 E3 01 10", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/16-ifs-request-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "<! 00 C1 01 79", "> 00 81 00", "< 00 C1 01 79",
            "> 00 E1 01 79", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/17-ifs-request-and-r-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "<! 00 C1 01 79", "> 00 81 00", /* -x-> */
            "< 00 C1 01 79", /* the card repeats its request */
            "> 00 E1 01 79", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/18-ifs-response-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 C1 01 79", "> 00 E1 01 79", /* -x-> */
            "< 00 C1 01 79", "> 00 E1 01 79", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/19-ifs-then-answer-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 C1 01 79", "> 00 E1 01 79", "<! 00 00 02 F1 F2",
            "> 00 81 00", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/20-ifs-then-answer-and-r-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 C1 01 79", "> 00 E1 01 79", "<! 00 00 02 F1 F2",
            "> 00 81 00", /* -x-> */
            "< 00 91 00", "> 00 81 00", "< 00 00 02 F1 F2", "DONE F1 F2") },
  { "/proto/t1/annex-a/21-chain-ack-damaged", true,
    SCRIPT ("A 01 02 03 04 05 06", "> 00 20 02 01 02", "<! 00 90 00", "> 00 81 00",
            "< 00 90 00", /* the card acknowledges again */
            "> 00 60 02 03 04", "< 00 80 00", "> 00 00 02 05 06", "< 00 00 02 F1 F2",
            "DONE F1 F2") },
  { "/proto/t1/annex-a/22-chain-ack-and-r-damaged", true,
    SCRIPT ("A 01 02 03 04 05 06", "> 00 20 02 01 02", "<! 00 90 00", "> 00 81 00", /* -x-> */
            "< 00 91 00", /* R(1) EDC error: still acknowledges I(0) */
            "> 00 60 02 03 04", "< 00 80 00", "> 00 00 02 05 06", "< 00 00 02 F1 F2",
            "DONE F1 F2") },
  { "/proto/t1/annex-a/chained-i-block-damaged", true,
    SCRIPT ("A 01 02 03 04 05 06", "> 00 20 02 01 02", "< 00 90 00", "> 00 60 02 03 04", /* -x-> */
            "< 00 91 00", /* R(1): send I(1) again */
            "> 00 60 02 03 04", "< 00 80 00", "> 00 00 02 05 06", "< 00 00 02 F1 F2",
            "DONE F1 F2") },
  { "/proto/t1/annex-a/23-card-chain-ack-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 20 02 F1 F2", "> 00 90 00", /* -x-> */
            "< 00 91 00", "> 00 90 00", /* our acknowledgement again */
            "< 00 40 02 F3 F4", "DONE F1 F2 F3 F4") },
  { "/proto/t1/annex-a/24-card-chain-ack-and-r-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 20 02 F1 F2", "> 00 90 00", /* -x-> */
            "<! 00 91 00", "> 00 91 00",                                     /* R(1) EDC error */
            "< 00 40 02 F3 F4", "DONE F1 F2 F3 F4") },
  { "/proto/t1/annex-a/25-card-chained-block-damaged", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 20 02 F1 F2", "> 00 90 00", "<! 00 40 02 F3 F4",
            "> 00 91 00", "< 00 40 02 F3 F4", "DONE F1 F2 F3 F4") },
  { "/proto/t1/annex-a/26-card-aborts-its-chain", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 20 02 F1 F2", "> 00 90 00",
            "< 00 C2 00", /* S(ABORT request) */
            "> 00 E2 00", /* S(ABORT response) */
            "< 00 90 00", /* R(1): the turn is ours again */
            "ERR ABORTED", "A 03 04", "> 00 40 02 03 04", "< 00 40 02 F3 F4", "DONE F3 F4") },
  { "/proto/t1/annex-a/27-card-aborts-our-chain", true,
    SCRIPT ("A 01 02 03 04 05 06", "> 00 20 02 01 02", "< 00 90 00", "> 00 60 02 03 04",
            "< 00 C2 00", "> 00 E2 00", "< 00 80 00", "ERR ABORTED", "A 07 08", "> 00 00 02 07 08",
            "< 00 00 02 F1 F2", "DONE F1 F2") },

  /* ---- A.5: resynchronisation ---- */
  { "/proto/t1/annex-a/29-resynch", false,
    SCRIPT ("RESYNCH", "> 00 C0 00", /* S(RESYNCH request) */
            "< 00 E0 00",            /* S(RESYNCH response) */
            "DONE") },
  { "/proto/t1/annex-a/30-resynch-response-damaged", false,
    SCRIPT ("RESYNCH", "> 00 C0 00", "<! 00 E0 00", "> 00 C0 00", "< 00 E0 00", "DONE") },
  { "/proto/t1/annex-a/31-resynch-request-damaged", false,
    SCRIPT ("RESYNCH", "> 00 C0 00", /* -x-> */
            "< 00 81 00", "> 00 C0 00", "< 00 E0 00", "DONE") },
  { "/proto/t1/annex-a/32-resynch-after-three-failures", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "<! 00 00 02 F1 F2", "> 00 81 00", "<! 00 00 02 F1 F2",
            "> 00 81 00", "<! 00 00 02 F1 F2", "> 00 81 00", "<! 00 00 02 F1 F2",
            "> 00 C0 00", /* fourth failure: S(RESYNCH request) */
            "< 00 E0 00", "ERR NOT_TRANSACTED", "A 03 04", "> 00 00 02 03 04", /* N(S) back to 0 */
            "< 00 00 02 F3 F4", "DONE F3 F4") },
  { "/proto/t1/annex-a/33-card-mute", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "<T", "> 00 82 00", /* R(0) other error */
            "<T", "> 00 82 00", "<T", "> 00 82 00", "<T", "> 00 C0 00", "<T", "> 00 C0 00", "<T",
            "> 00 C0 00", "<T", "ERR RESYNCH_FAILED",
            /* the next exchange starts with S(RESYNCH) */
            "A 03 04", "> 00 C0 00", "< 00 E0 00", "> 00 00 02 03 04", "< 00 00 02 F3 F4",
            "DONE F3 F4") },
  { "/proto/t1/annex-a/resynch-resets-sequence", false,
    SCRIPT ("A 01 02", "> 00 00 02 01 02", "< 00 00 02 F1 F2", "DONE F1 F2", "RESYNCH",
            "> 00 C0 00", "<P", /* reader saw a parity error */
            "> 00 C0 00", "< 00 E0 00", "DONE", "A 03 04", "> 00 00 02 03 04", "< 00 00 02 F3 F4",
            "DONE F3 F4") },
  { "/proto/t1/annex-a/drop-then-next-apdu", false,
    SCRIPT (
        /* the card does not answer, then answers the resynchronisation */
        "A 01 02", "> 00 00 02 01 02", "<T", "> 00 82 00", "<T", "> 00 82 00", "<T", "> 00 82 00",
        "<T", "> 00 C0 00", "< 00 E0 00", "ERR NOT_TRANSACTED", "A 01 02", "> 00 00 02 01 02",
        "< 00 00 02 90 00", "DONE 90 00") },
  { "/proto/t1/annex-a/timeout-then-retransmit", false,
    SCRIPT (
        /* our I-block lost: the card asks for it with R(0) */
        "A 01 02", "> 00 00 02 01 02", "<T", "> 00 82 00", "< 00 82 00", "> 00 00 02 01 02",
        "< 00 00 02 F1 F2", "DONE F1 F2") },
};

static void
run_scenario (gconstpointer data)
{
  const scenario *s = data;

  if (s->chaining)
    run_ifsc2 (s->script);
  else
    run (s->script);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (scenarios); i++)
    g_test_add_data_func (scenarios[i].path, &scenarios[i], run_scenario);
  return g_test_run ();
}
