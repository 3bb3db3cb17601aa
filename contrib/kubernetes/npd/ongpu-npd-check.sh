#!/bin/sh
# node-problem-detector (NPD) custom plugin: can CUDA use a GPU on this node?
# Runs `ongpu doctor --no-python` and turns its exit code into NPD's.
#
# NPD's plugin protocol (kubernetes/node-problem-detector,
# pkg/custompluginmonitor/plugin/plugin.go): exit 0 is OK (the condition is
# False), 1 is NonOK (the condition is True), anything else is Unknown; stdout,
# trimmed and cut at max_output_length, is the message. At its own timeout NPD
# sends SIGKILL to the plugin's process group (pkg/util/exec_unix.go). That
# would leave ongpu's vendor probes running, since each runs in a process group
# of its own (docs/guarantees.md). So this script's deadline comes first and
# stops ongpu with SIGTERM, on which ongpu ends its probes.
#
# ongpu doctor exits 0 (a GPU is usable), 1 (usable, with warnings),
# 2 (not usable), 64 (usage error) or 70 (internal error). The mapping:
#   0, 1 -> 0 OK: a GPU is usable. Warnings go into the message; they are
#     not a reason to take the node out of service.
#   2 -> 1 NonOK: no GPU is usable on this node.
#   2 whose root cause is gpu.exclusive_process_busy -> 0 OK: a job holds an
#     Exclusive_Process GPU, so the GPU is busy, not broken.
#   deadline passed, binary missing, 64, 70, a signal -> 2 Unknown: ongpu
#     gave no verdict, and a check that failed says nothing about the GPU.
#
# Settings (environment variables):
#   ONGPU: the binary. Default /ongpu/ongpu, where the DaemonSet's
#     install-ongpu init container puts it.
#   ONGPU_NPD_DEADLINE: seconds the whole check may take. Default 45. It must
#     stay below the NPD timeout ("timeout" in ongpu-monitor.json) minus the
#     5 s grace before SIGKILL.
#   ONGPU_NPD_PROBE_TIMEOUT: ongpu's own deadline for each vendor probe
#     (doctor --timeout). Default 10.

ongpu=${ONGPU:-/ongpu/ongpu}
deadline=${ONGPU_NPD_DEADLINE:-45}
probe_timeout=${ONGPU_NPD_PROBE_TIMEOUT:-10}

if [ ! -x "$ongpu" ]; then
  echo "ongpu could not check: no executable at $ongpu (the install-ongpu init container copies it there)"
  exit 2
fi
if ! command -v timeout >/dev/null 2>&1; then
  echo "ongpu could not check: timeout(1) is not in this image"
  exit 2
fi

# The doctor's JSON report (docs/json-schema.md), printed with one
# "key": value per line. stderr comes along for the failure message, and
# so does the shell's own word on a command ended by a signal.
out=$({ timeout -k 5 "$deadline" "$ongpu" doctor --no-python --json --timeout "$probe_timeout"; } 2>&1)
rc=$?

# The first "summary" is the verdict's, because the verdict comes before the
# findings. Only \" is unescaped; the message is for people to read.
summary=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"summary": "\(.*\)",\{0,1\}[[:space:]]*$/\1/p' | head -n 1 | sed 's/\\"/"/g')
root_cause=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"root_cause": "\([a-z0-9_.]*\)".*/\1/p' | head -n 1)
# Finding ids are domain.name. The links' ids have no dot.
findings=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"id": "\([a-z0-9_]*\.[a-z0-9_.]*\)".*/\1/p' | tr '\n' ' ' | sed 's/ $//')

case $rc in
  0 | 1)
    echo "GPU usable: ${summary:-ongpu doctor exited $rc}${findings:+ [$findings]}"
    exit 0
    ;;
  2)
    if [ "$root_cause" = gpu.exclusive_process_busy ]; then
      echo "GPU busy, not broken: $summary [$root_cause]"
      exit 0
    fi
    echo "GPU not usable: ${summary:-ongpu doctor exited 2}${root_cause:+ [$root_cause]}"
    exit 1
    ;;
  124)
    echo "ongpu could not check: doctor did not finish within ${deadline}s (vendor probe deadline ${probe_timeout}s) and was stopped"
    exit 2
    ;;
  12[5-9] | 1[3-9][0-9] | 2[0-9][0-9])
    # timeout(1) passes on a signal that ended ongpu as 128 + its number:
    # SIGKILL (9) from the out-of-memory killer, or at the deadline's end
    # when SIGTERM was not enough. 125 to 127: it could not run ongpu.
    if [ "$rc" -gt 128 ]; then
      echo "ongpu could not check: doctor was killed by signal $((rc - 128))"
    else
      echo "ongpu could not check: timeout(1) could not run $ongpu (exit $rc)"
    fi
    exit 2
    ;;
  *)
    last=$(printf '%s\n' "$out" | sed -n '/[^[:space:]]/p' | tail -n 1 | cut -c 1-200)
    echo "ongpu could not check: doctor exited $rc${last:+: $last}"
    exit 2
    ;;
esac
