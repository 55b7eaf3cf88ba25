# shellcheck shell=bash
# Shared by the scripts in tests/vm: where the cache lives, how a kernel name
# maps to a Debian suite, and how to fail. Sourced, never run.

# Failures of the VM machinery itself exit with this code, so that a caller
# can tell them from a test that failed (1) or a command not found (127).
readonly VM_FAILURE=125

vm_cache=${NETTRACE_VM_CACHE:-/var/cache/nettrace-vm}

vm_die() {
  echo "${0##*/}: $*" >&2
  exit "$VM_FAILURE"
}

vm_note() {
  [ -n "${NETTRACE_VM_QUIET:-}" ] || echo "${0##*/}: $*" >&2
}

# The Debian suite that carries each supported kernel. All are the generic
# amd64 flavour: the cloud flavour lacks 9p, which the guest mounts its root with.
vm_kernel_suite() {
  case "$1" in
    5.10) echo bullseye ;;
    6.1) echo bookworm ;;
    6.12) echo bookworm-backports ;;
    *) vm_die "unknown kernel '$1' (known: 5.10, 6.1, 6.12)" ;;
  esac
}

vm_require_root() {
  # qemu exports the host's / with the caller's rights, and fetching kernels
  # writes to the system cache and may install packages.
  [ "$(id -u)" -eq 0 ] || vm_die "must run as root"
}

# Runs the rest of the caller under an exclusive lock on FILE, so that
# parallel runs build each cached artefact once.
vm_lock() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  flock 9 || vm_die "cannot lock $1"
}
