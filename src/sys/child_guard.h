// Nothing ongpu starts outlives it. Every child runs in its own process group
// (run_children); ongpu is also the child subreaper of its descendants
// (PR_SET_CHILD_SUBREAPER), so a grandchild that leaves its group with
// setsid() is reparented to ongpu, not to PID 1, and is ended too:
//   - when a batch of children is done (run_children calls end_orphans());
//   - on SIGINT, SIGTERM or SIGHUP: every registered group and every direct
//     child get SIGTERM, then SIGKILL after a grace period; all are reaped,
//     and ongpu exits 128 + the signal's number.
// A signal that was ignored when ongpu started (nohup, a background job)
// stays ignored.
#pragma once

#include <sys/types.h>

namespace ongpu::sys {

// Once, at start-up: the subreaper and the signal handlers. Safe to call again.
void install_child_guard();

// run_children's bookkeeping: a batch is running (its groups are ended on a
// signal), and each group leader it started.
void batch_started();
void batch_ended();
void register_group(pid_t pgid);
void unregister_group(pid_t pgid);

// Ends (SIGTERM, SIGKILL after `grace_ms`) and reaps every direct child that
// is not a registered group leader: descendants that escaped their group and
// were reparented to ongpu. Does nothing while a batch is running, so it never
// ends a child another thread has just started. Returns how many it ended.
int end_orphans(int grace_ms = 300);

// `ongpu run`: the direct children that are not registered groups are the
// watched command's daemons, reparented to ongpu; they are the user's, and
// are left running from now on (end_orphans and end_all_descendants pass
// them by), as they would be without ongpu.
void leave_orphans();

// Ends every registered group and every direct child, as the signal handler
// does (async-signal-safe). Returns how many processes and groups it signalled.
int end_all_descendants(int grace_ms);

}  // namespace ongpu::sys
