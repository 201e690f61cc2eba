#!/usr/bin/env bash
# `make run`: starts the standalone server on an embedded etcd, applies the example hosts and
# prints what to type next. The server keeps running in the foreground; Ctrl-C stops it cleanly.
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN="${ROOT}/_output/bin"
DATA_DIR="${DATA_DIR:-${ROOT}/_output/run}"
PORT="${PORT:-6443}"
KUBECONFIG_OUT="${DATA_DIR}/kubeconfig"
KUBECTL="${BIN}/kubectl"

mkdir -p "${DATA_DIR}"
rm -f "${KUBECONFIG_OUT}"
"${BIN}/baremetal-apiserver" --standalone --data-dir "${DATA_DIR}" --secure-port "${PORT}" \
  --bind-address 127.0.0.1 >"${DATA_DIR}/server.log" 2>&1 &
SERVER_PID=$!
stop() { kill -TERM "${SERVER_PID}" 2>/dev/null || true; wait "${SERVER_PID}" 2>/dev/null || true; }
trap stop EXIT INT TERM

echo "starting baremetal-apiserver (pid ${SERVER_PID}, log ${DATA_DIR}/server.log) ..."
for _ in $(seq 1 300); do
  if ! kill -0 "${SERVER_PID}" 2>/dev/null; then
    echo "the server exited; its log:" >&2; cat "${DATA_DIR}/server.log" >&2; exit 1
  fi
  [[ -f "${KUBECONFIG_OUT}" ]] && "${KUBECTL}" --kubeconfig "${KUBECONFIG_OUT}" get --raw /readyz >/dev/null 2>&1 && break
  sleep 0.2
done
"${KUBECTL}" --kubeconfig "${KUBECONFIG_OUT}" apply --server-side -f "${ROOT}/artifacts/examples/"

cat <<MSG

baremetal-apiserver is serving on https://127.0.0.1:${PORT} (embedded etcd in ${DATA_DIR}/etcd).
Try, in another terminal:

  export KUBECONFIG=${KUBECONFIG_OUT}
  alias kubectl=${KUBECTL}
  kubectl get baremetalhosts            # or: kubectl get bmh -o wide
  kubectl explain baremetalhost.spec.bmc
  kubectl get bmh worker-0 -o yaml
  kubectl patch bmh worker-0 --type=merge -p '{"spec":{"online":false}}'
  kubectl get bmh --field-selector spec.online=false
  kubectl get bmh -w

Press Ctrl-C to stop the server (data is kept in ${DATA_DIR}; 'make clean' removes it).
MSG
wait "${SERVER_PID}"
