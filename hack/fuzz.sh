#!/usr/bin/env bash
# Copyright The baremetal-apiserver Authors.
# SPDX-License-Identifier: Apache-2.0
#
# Runs every Go native fuzz target (func FuzzXxx) of the product's packages for FUZZTIME each
# (default 10s): `make test` runs it briefly so the targets cannot rot, `make fuzz` for long.
# The seed corpora run anyway as ordinary tests in `go test`. A failure leaves the failing input
# under the package's testdata/fuzz/<target>/ and is then a regression test: commit it with the fix.
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "${ROOT}"
FUZZTIME="${FUZZTIME:-10s}"
# Targets whose seed corpus runs in `go test` but that the fuzzing engine is not run on (yet):
# FuzzInspect stalls on its first mutated input under -fuzz although the same input passes as a
# test and its client has no network (an open question, see the issue notes).
FUZZ_SKIP="${FUZZ_SKIP:-FuzzInspect}"

targets=0
while read -r pkg; do
  # go test -list prints the matching names, then "ok <pkg>"; only the names are wanted.
  for fn in $(go test -list '^Fuzz' "${pkg}" | grep '^Fuzz' || true); do
    if [[ " ${FUZZ_SKIP} " == *" ${fn} "* ]]; then
      echo "fuzz: ${pkg} ${fn}: seed corpus only (FUZZ_SKIP)"
      continue
    fi
    echo "fuzz: ${pkg} ${fn} for ${FUZZTIME}"
    go test -run '^$' -fuzz "^${fn}\$" -fuzztime "${FUZZTIME}" "${pkg}"
    targets=$((targets + 1))
  done
done < <(grep -rl --include='*_test.go' '^func Fuzz' pkg cmd | xargs -n1 dirname | sort -u | sed "s|^|./|")

if [[ ${targets} -eq 0 ]]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi
echo "fuzz: ${targets} targets, ${FUZZTIME} each: no failures"
