#!/usr/bin/env bash
# Fails when the checked-in generated code differs from what hack/update-codegen.sh produces:
# it regenerates into a copy of the tree and diffs, so the work tree is never touched.
#
#   hack/verify-codegen.sh                       with the module cache as it is
#   hack/verify-codegen.sh --empty-module-cache  against a new, empty, temporary GOMODCACHE
#
# The second form is what `make test` runs: a step that works only because an earlier run (or
# another project) left a module in the cache fails here, on every machine, and not first on a
# new one. It costs the download of the modules the generators read (~1 minute).
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TMP=$(mktemp -d -t verify-codegen.XXXXXX)
trap 'rm -rf "${TMP}"' EXIT

case "${1:-}" in
  "") ;;
  --empty-module-cache)
    export GOMODCACHE="${TMP}/gomodcache"
    # Module files are read-only by default; -modcacherw lets the trap remove them.
    export GOFLAGS="${GOFLAGS:+${GOFLAGS} }-modcacherw"
    echo "verify-codegen: using an empty module cache (${GOMODCACHE})"
    ;;
  *) echo "usage: $0 [--empty-module-cache]" >&2; exit 2 ;;
esac

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
