#!/usr/bin/env bash
# Generates Metal3's CustomResourceDefinitions (group metal3.io) from Metal3's published Go API
# types with controller-gen, the way Metal3 generates its own (crd:allowDangerousTypes=true), into
# OUTDIR. The migration test (test/e2e) installs them to stand in for a running Metal3. They are
# generated, never copied into this tree: the module versions are pinned in
# hack/tools/metal3-crds/go.mod (github.com/metal3-io/baremetal-operator/apis, controller-tools).
#
#   hack/metal3-crds.sh OUTDIR
set -o errexit -o nounset -o pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$(mkdir -p "$1" && cd "$1" && pwd -P)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "${ROOT}/hack/tools/metal3-crds"
# The module proxy here serves metal3-io's modules, but the checksum database refuses them.
export GONOSUMDB="${GONOSUMDB:+${GONOSUMDB},}github.com/metal3-io"
exec "${GO:-go}" tool controller-gen crd:allowDangerousTypes=true \
  paths=github.com/metal3-io/baremetal-operator/apis/metal3.io/v1alpha1 output:crd:dir="${OUT}"
