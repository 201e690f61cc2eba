#!/usr/bin/env bash
# Regenerates everything under pkg/generated, the zz_generated files of pkg/apis and the protobuf
# code of the versioned API (generated.proto, generated.pb.go) with k8s.io/code-generator (the
# version pinned in go.mod), k8s.io/kube-openapi and protoc (Debian's protobuf-compiler).
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "${ROOT}"
# shellcheck source=hack/lib/golang.sh
source "${ROOT}/hack/lib/golang.sh"
MODULE=$(go list -m)
# Every module whose files this script reads is downloaded first (golang::module_dir): on a
# fresh machine nothing else puts them into the module cache.
CODEGEN_PKG=$(golang::module_dir k8s.io/code-generator)
# The generators are installed into the project's own bin directory, never over the user's.
export GOBIN="${ROOT}/_output/codegen-bin"
mkdir -p "${GOBIN}"
# shellcheck source=/dev/null
source "${CODEGEN_PKG}/kube_codegen.sh"

BOILERPLATE="${ROOT}/hack/boilerplate.go.txt"
# The report lists API-rule exceptions; each one is justified in hack/api-rules/README.md.
REPORT="${ROOT}/hack/api-rules/violation_exceptions.list"
UPDATE_REPORT=${UPDATE_API_KNOWN_VIOLATIONS:+--update-report}
# The protoc the checked-in protobuf code was generated with (Debian bookworm's protobuf-compiler).
PROTOC_WANT=3.21.12
PROTO_GOPATH=""
trap '[[ -z "${PROTO_GOPATH}" ]] || rm -rf "${PROTO_GOPATH}"' EXIT

# ensure_protoc makes Debian's protoc (package protobuf-compiler, 3.21.12 on bookworm)
# available: installed when running as root, otherwise a clear failure.
ensure_protoc() {
    if ! command -v protoc >/dev/null 2>&1; then
        if [[ $(id -u) -ne 0 ]]; then
            echo "update-codegen: protoc not found. Install Debian's protobuf-compiler" \
                "(sudo apt-get install --no-install-recommends protobuf-compiler) or run this as root." >&2
            exit 1
        fi
        if ! command -v apt-get >/dev/null 2>&1; then
            echo "update-codegen: protoc not found and apt-get unavailable: install protoc ${PROTOC_WANT}." >&2
            exit 1
        fi
        echo "update-codegen: installing protobuf-compiler with apt-get" >&2
        # Only refresh the package lists when they do not know the package yet.
        local candidate
        candidate=$(apt-cache policy protobuf-compiler 2>/dev/null | awk '/Candidate:/ {print $2}')
        if [[ -z "${candidate}" || "${candidate}" == "(none)" ]]; then
            apt-get update
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends protobuf-compiler
    fi
    local have
    have=$(protoc --version)
    if [[ "${have}" != "libprotoc ${PROTOC_WANT}" ]]; then
        echo "update-codegen: warning: ${have} found, the checked-in protobuf code was made with libprotoc ${PROTOC_WANT}" >&2
    fi
}

# gen_protobuf runs k8s.io/code-generator's go-to-protobuf on the given Go packages (import paths).
# go-to-protobuf expects a GOPATH: it runs protoc on <output-dir>/<import path>/generated.proto,
# resolves the proto imports (k8s.io/apimachinery/..., github.com/gogo/protobuf/...) under
# <output-dir>, and writes generated.pb.go and rewrites the types under <output-dir>/<import path>.
# In module mode, a temporary directory of symlinks stands in for it: this module, and
# k8s.io/apimachinery, k8s.io/api and github.com/gogo/protobuf from the module cache, at their
# import paths. The packages themselves are loaded in module mode from ${ROOT}.
gen_protobuf() {
    ensure_protoc

    # The generator and its protoc plugin, from code-generator's own module at the version
    # pinned in go.mod (as kube_codegen.sh installs the others), and goimports, which
    # go-to-protobuf runs on its output, at the golang.org/x/tools version of go.mod.
    (cd "${CODEGEN_PKG}" && GO111MODULE=on go install \
        k8s.io/code-generator/cmd/go-to-protobuf \
        k8s.io/code-generator/cmd/go-to-protobuf/protoc-gen-gogo)
    GO111MODULE=on go install "golang.org/x/tools/cmd/goimports@$(go list -m -f '{{.Version}}' golang.org/x/tools)"

    local gogo_dir apimachinery_dir api_dir
    gogo_dir=$(cd "${CODEGEN_PKG}" && golang::module_dir github.com/gogo/protobuf)
    apimachinery_dir=$(golang::module_dir k8s.io/apimachinery)
    api_dir=$(golang::module_dir k8s.io/api)
    if [[ -z "${gogo_dir}" || ! -d "${gogo_dir}/gogoproto" ]]; then
        echo "update-codegen: github.com/gogo/protobuf not found in the module cache" >&2
        exit 1
    fi

    PROTO_GOPATH=$(mktemp -d -t codegen-protobuf.XXXXXX)
    mkdir -p "${PROTO_GOPATH}/$(dirname "${MODULE}")" "${PROTO_GOPATH}/k8s.io" "${PROTO_GOPATH}/github.com/gogo"
    ln -s "${ROOT}" "${PROTO_GOPATH}/${MODULE}"
    ln -s "${apimachinery_dir}" "${PROTO_GOPATH}/k8s.io/apimachinery"
    ln -s "${api_dir}" "${PROTO_GOPATH}/k8s.io/api"
    ln -s "${gogo_dir}" "${PROTO_GOPATH}/github.com/gogo/protobuf"

    # Start from nothing, so a stale generated.pb.go cannot break loading the package.
    local pkg
    for pkg in "$@"; do
        rm -f "${ROOT}/${pkg#"${MODULE}"/}/generated.proto" "${ROOT}/${pkg#"${MODULE}"/}/generated.pb.go"
    done

    # The apimachinery packages are prefixed with "-": they are only read, for the messages
    # our types refer to, and never regenerated (go-to-protobuf would otherwise rewrite, and as
    # root even delete, files in the module cache). gogo.proto's own import,
    # google/protobuf/descriptor.proto, comes from gogo's protobuf directory.
    local apimachinery_pkgs=(
        -k8s.io/apimachinery/pkg/util/intstr
        -k8s.io/apimachinery/pkg/api/resource
        -k8s.io/apimachinery/pkg/runtime/schema
        -k8s.io/apimachinery/pkg/runtime
        -k8s.io/apimachinery/pkg/apis/meta/v1
    )
    PATH="${GOBIN}:${PATH}" "${GOBIN}/go-to-protobuf" \
        --go-header-file "${BOILERPLATE}" \
        --output-dir "${PROTO_GOPATH}" \
        --proto-import "${gogo_dir}/protobuf" \
        --apimachinery-packages "$(IFS=,; echo "${apimachinery_pkgs[*]}")" \
        --packages "$(IFS=,; echo "$*")"
}

kube::codegen::gen_helpers \
    --boilerplate "${BOILERPLATE}" \
    "${ROOT}/pkg/apis"

# Protobuf for the versioned types (internal types never go on the wire): generated.proto and
# generated.pb.go next to the types, plus protobuf struct tags that go-to-protobuf adds to them.
# Runs after the helpers (its parser type-checks the package) and before the generators that
# read the types again.
gen_protobuf "${MODULE}/pkg/apis/baremetal/v1alpha1"

# intstr is an extra input: kube_codegen.sh passes meta/v1, runtime, version and resource to
# openapi-gen, but HostFirmwareSettings' spec.settings holds IntOrString values, whose model the
# server's OpenAPI and applyconfiguration-gen need too.
kube::codegen::gen_openapi \
    --extra-pkgs k8s.io/apimachinery/pkg/util/intstr \
    --output-dir "${ROOT}/pkg/generated/openapi" \
    --output-pkg "${MODULE}/pkg/generated/openapi" \
    --report-filename "${REPORT}" \
    --output-model-name-file "zz_generated.model_name.go" \
    ${UPDATE_REPORT} \
    --boilerplate "${BOILERPLATE}" \
    "${ROOT}/pkg/apis"

# Plural exceptions: Metal3's resource names. HardwareData is singular and plural alike (its
# CRD's plural); the Go names of the firmware kinds are already plural, so the clients read
# HostFirmwareSettings(ns), not HostFirmwareSettingses(ns).
kube::codegen::gen_client \
    --plural-exceptions "Endpoints:Endpoints,HardwareData:HardwareData,HostFirmwareSettings:HostFirmwareSettings,HostFirmwareComponents:HostFirmwareComponents" \
    --with-watch \
    --with-applyconfig \
    --prefers-protobuf \
    --applyconfig-openapi-schema <(go run "${MODULE}/hack/openapi-models") \
    --output-dir "${ROOT}/pkg/generated" \
    --output-pkg "${MODULE}/pkg/generated" \
    --boilerplate "${BOILERPLATE}" \
    "${ROOT}/pkg/apis"
