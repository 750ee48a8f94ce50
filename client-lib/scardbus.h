/* scardbus.h: libscardbus, the GObject client library of scardbus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-error.h"
#include "scb-error-enums.h"
#include "scb-types.h"
#include "scb-types-enums.h"
#include "scb-control.h"
#include "scb-client-card.h"
#include "scb-client-connection.h"
#include "scb-client-reader.h"
#include "scb-client.h"
