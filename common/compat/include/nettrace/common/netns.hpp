// SPDX-License-Identifier: MIT
// Moved to <nettrace/common/cli/netns.hpp>; this path stays for plugins written
// before common/ had rooms, and goes with the next SDK major.
#pragma once

#include <nettrace/common/cli/netns.hpp>
