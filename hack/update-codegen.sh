#!/usr/bin/env bash
# Regenerates everything under pkg/generated and the zz_generated files of pkg/apis with
# k8s.io/code-generator (the version pinned in go.mod) and k8s.io/kube-openapi.
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "${ROOT}"
MODULE=$(go list -m)
CODEGEN_PKG=$(go list -m -f '{{.Dir}}' k8s.io/code-generator)
# The generators are installed into the project's own bin directory, never over the user's.
export GOBIN="${ROOT}/_output/codegen-bin"
mkdir -p "${GOBIN}"
# shellcheck source=/dev/null
source "${CODEGEN_PKG}/kube_codegen.sh"

BOILERPLATE="${ROOT}/hack/boilerplate.go.txt"
# The report lists API-rule exceptions; each one is justified in hack/api-rules/README.md.
REPORT="${ROOT}/hack/api-rules/violation_exceptions.list"
UPDATE_REPORT=${UPDATE_API_KNOWN_VIOLATIONS:+--update-report}

kube::codegen::gen_helpers \
    --boilerplate "${BOILERPLATE}" \
    "${ROOT}/pkg/apis"

kube::codegen::gen_openapi \
    --output-dir "${ROOT}/pkg/generated/openapi" \
    --output-pkg "${MODULE}/pkg/generated/openapi" \
    --report-filename "${REPORT}" \
    --output-model-name-file "zz_generated.model_name.go" \
    ${UPDATE_REPORT} \
    --boilerplate "${BOILERPLATE}" \
    "${ROOT}/pkg/apis"

kube::codegen::gen_client \
    --with-watch \
    --with-applyconfig \
    --applyconfig-openapi-schema <(go run "${MODULE}/hack/openapi-models") \
    --output-dir "${ROOT}/pkg/generated" \
    --output-pkg "${MODULE}/pkg/generated" \
    --boilerplate "${BOILERPLATE}" \
    "${ROOT}/pkg/apis"
