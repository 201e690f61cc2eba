#!/usr/bin/env bash
# Fails when the checked-in generated code differs from what hack/update-codegen.sh produces:
# it regenerates into a copy of the tree and diffs, so the work tree is never touched.
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TMP=$(mktemp -d -t verify-codegen.XXXXXX)
trap 'rm -rf "${TMP}"' EXIT

# Copy the sources (not build output) and regenerate there.
tar -C "${ROOT}" --exclude=./_output --exclude=./.git -cf - . | tar -C "${TMP}" -xf -
GOBIN_CACHE="${ROOT}/_output/codegen-bin"
mkdir -p "${TMP}/_output" "${GOBIN_CACHE}"
ln -s "${GOBIN_CACHE}" "${TMP}/_output/codegen-bin"
"${TMP}/hack/update-codegen.sh"

ret=0
for dir in pkg hack/api-rules; do
  diff -Naupr "${ROOT}/${dir}" "${TMP}/${dir}" || ret=1
done
if [[ ${ret} -ne 0 ]]; then
  echo "generated code is stale: run hack/update-codegen.sh (or make generate) and commit the result" >&2
  exit 1
fi
echo "generated code is up to date"
