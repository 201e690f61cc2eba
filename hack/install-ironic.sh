#!/usr/bin/env bash
# Copyright The baremetal-apiserver Authors.
# SPDX-License-Identifier: Apache-2.0
#
# Installs Debian's OpenStack Ironic (API + conductor) so that the integration tests can run
# a real, single-process Ironic on loopback. See ../shared/notes/ironic-standalone.md.
#
# Idempotent: does nothing when the `ironic` command already exists. Needs root (apt).
# Serialized with a lock file because parallel test binaries (and make targets) may call it
# at once and dpkg would fail on its own lock instead of waiting.
#
# Environment:
#   IRONIC_INSTALL_TIMEOUT   seconds to allow for the whole install (default 900)
#   IRONIC_INSTALL_LOCK      lock file (default /tmp/baremetal-apiserver-ironic-install.lock)
set -euo pipefail

timeout_s="${IRONIC_INSTALL_TIMEOUT:-900}"
lock="${IRONIC_INSTALL_LOCK:-/tmp/baremetal-apiserver-ironic-install.lock}"

if command -v ironic >/dev/null 2>&1; then
	echo "install-ironic: ironic already installed at $(command -v ironic)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-ironic: the 'ironic' command is missing and installing it needs root;" >&2
	echo "  run as root: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ironic-api ironic-conductor" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-ironic: apt-get not found; install OpenStack Ironic (ironic-api, ironic-conductor) by hand" >&2
	exit 1
fi

exec 9>"$lock"
if ! flock -w "$timeout_s" 9; then
	echo "install-ironic: timed out after ${timeout_s}s waiting for $lock" >&2
	exit 1
fi
# Another process may have finished the install while we waited for the lock.
if command -v ironic >/dev/null 2>&1; then
	echo "install-ironic: ironic installed by a concurrent run"
	exit 0
fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
timeout "$timeout_s" apt-get update -q
# The package scripts try to start the services through invoke-rc.d; a policy-rc.d that
# refuses (exit 101) is what container images ship and is what we want: the tests start
# their own Ironic with their own config.
timeout "$timeout_s" apt-get install -y -q --no-install-recommends ironic-api ironic-conductor
echo "install-ironic: installed $(ironic --version 2>/dev/null || echo ironic) in $(( $(date +%s) - start ))s"
