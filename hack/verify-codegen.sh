#!/usr/bin/env bash
# Fails when the checked-in generated code differs from what hack/update-codegen.sh produces:
# it regenerates into a copy of the tree and diffs, so the work tree is never touched.
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TMP=$(mktemp -d -t verify-codegen.XXXXXX)
trap 'rm -rf "${TMP}"' EXIT

# Snapshot the sources (not build output) twice from one archive: a/ is the tree as it was,
# b/ is regenerated. Comparing the two snapshots, not the live tree, keeps edits made elsewhere
# in the tree while this runs from showing up as stale generated code.
tar -C "${ROOT}" --exclude=./_output --exclude=./.git -cf "${TMP}/src.tar" .
mkdir -p "${TMP}/a" "${TMP}/b"
tar -C "${TMP}/a" -xf "${TMP}/src.tar"
tar -C "${TMP}/b" -xf "${TMP}/src.tar"
GOBIN_CACHE="${ROOT}/_output/codegen-bin"
mkdir -p "${TMP}/b/_output" "${GOBIN_CACHE}"
ln -s "${GOBIN_CACHE}" "${TMP}/b/_output/codegen-bin"
# Everything is regenerated in b/, the protobuf code (generated.proto, generated.pb.go and the
# protobuf tags of the types) included.
"${TMP}/b/hack/update-codegen.sh"

ret=0
for dir in pkg hack/api-rules; do
  (cd "${TMP}" && diff -Naupr "a/${dir}" "b/${dir}") || ret=1
done
if [[ ${ret} -ne 0 ]]; then
  echo "generated code is stale: run hack/update-codegen.sh (or make generate) and commit the result" >&2
  exit 1
fi
echo "generated code is up to date"
