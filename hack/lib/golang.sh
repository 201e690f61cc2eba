#!/usr/bin/env bash
# Copyright The baremetal-apiserver Authors.
# SPDX-License-Identifier: Apache-2.0
#
# Helpers shared by the hack/ scripts. Source it; it defines functions only.

# golang::module_dir MODULE prints the directory of MODULE, at the version the module in the
# current directory requires, downloading it first. `go list -m -f '{{.Dir}}'` alone prints an
# empty line for a module that is not in the module cache yet (a fresh machine, an emptied
# GOMODCACHE): nothing in the build graph downloads a module that only a script reads, so the
# script must. Fails, with a message naming the module, when the download does.
golang::module_dir() {
  local module="$1" out dir
  if ! out=$(go mod download -json "${module}" 2>&1); then
    echo "cannot download Go module ${module} (needed by ${BASH_SOURCE[1]##*/}):" >&2
    echo "${out}" >&2
    echo "check access to the Go module proxy (GOPROXY=$(go env GOPROXY))" >&2
    return 1
  fi
  dir=$(go list -m -f '{{.Dir}}' "${module}")
  if [[ -z "${dir}" || ! -d "${dir}" ]]; then
    echo "Go module ${module} was downloaded but go list does not know its directory" >&2
    return 1
  fi
  echo "${dir}"
}
