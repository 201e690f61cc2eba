#!/usr/bin/env bash
# `make run`: the demo on real (simulated) hardware. Starts the BMC simulator with a few
# servers, the standalone server on an embedded etcd with the Redfish backend driving them,
# applies the example hosts, waits until they are inspected and available, and prints what to
# type next. Both processes keep running in the foreground; Ctrl-C stops them.
#
# Environment: DATA_DIR (default _output/run), PORT (the API server, default 6443), BMC_PORT
# (the simulator, default 8000), BMC_SYSTEMS (default 4, one per example host), BMC_POWER_DELAY
# (how long a simulated power change takes, default 2s), WAIT_TIMEOUT (seconds to wait for the
# hosts, default 120).
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN="${ROOT}/_output/bin"
DATA_DIR="${DATA_DIR:-${ROOT}/_output/run}"
PORT="${PORT:-6443}"
BMC_PORT="${BMC_PORT:-8000}"
BMC_SYSTEMS="${BMC_SYSTEMS:-4}"
BMC_POWER_DELAY="${BMC_POWER_DELAY:-2s}"
WAIT_TIMEOUT="${WAIT_TIMEOUT:-120}"
# The seed fixes the simulated inventories, so the MACs in artifacts/examples stay right.
BMC_SEED=42
BMC_USER=admin
KUBECONFIG_OUT="${DATA_DIR}/kubeconfig"
KUBECTL=("${BIN}/kubectl" --kubeconfig "${KUBECONFIG_OUT}")

mkdir -p "${DATA_DIR}"
chmod 700 "${DATA_DIR}"
rm -f "${KUBECONFIG_OUT}"

SERVER_PID=""
SIM_PID=""
# stop ends what this script started, by PID: the server first, so that it logs out of the
# BMC sessions while the simulator still answers.
stop() {
  trap - EXIT INT TERM
  if [[ -n "${SERVER_PID}" ]]; then
    kill -TERM "${SERVER_PID}" 2>/dev/null || true
    wait "${SERVER_PID}" 2>/dev/null || true
  fi
  if [[ -n "${SIM_PID}" ]]; then
    kill -TERM "${SIM_PID}" 2>/dev/null || true
    wait "${SIM_PID}" 2>/dev/null || true
  fi
}
trap stop EXIT
# Ctrl-C is how the demo is meant to end: a clean stop, exit status 0.
trap 'echo; echo "stopping ..."; exit 0' INT TERM

die() { echo "$*" >&2; exit 1; }

# A fresh random BMC password per run, kept out of process listings: the simulator reads it
# from a file, the server from the Secret files below.
BMC_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
umask 077
printf 'username: %s\npassword: %s\n' "${BMC_USER}" "${BMC_PASSWORD}" >"${DATA_DIR}/bmc-credentials.yaml"

# The simulator prints one BMC address per system once it listens.
"${BIN}/bmc-simulator" --listen "127.0.0.1:${BMC_PORT}" --systems "${BMC_SYSTEMS}" --seed "${BMC_SEED}" \
  --power-delay "${BMC_POWER_DELAY}" --credentials-file "${DATA_DIR}/bmc-credentials.yaml" \
  >"${DATA_DIR}/bmc-simulator.addresses" 2>"${DATA_DIR}/bmc-simulator.log" &
SIM_PID=$!
echo "starting bmc-simulator (pid ${SIM_PID}, ${BMC_SYSTEMS} systems on 127.0.0.1:${BMC_PORT}, log ${DATA_DIR}/bmc-simulator.log) ..."
for _ in $(seq 1 100); do
  kill -0 "${SIM_PID}" 2>/dev/null ||
    die "the simulator exited (is port ${BMC_PORT} taken? set BMC_PORT); its log:
$(cat "${DATA_DIR}/bmc-simulator.log")"
  [[ $(wc -l <"${DATA_DIR}/bmc-simulator.addresses") -ge ${BMC_SYSTEMS} ]] && break
  sleep 0.1
done
[[ $(wc -l <"${DATA_DIR}/bmc-simulator.addresses") -ge ${BMC_SYSTEMS} ]] || die "the simulator did not start"

# Standalone, the server reads Secrets from <data-dir>/secrets/<namespace>/<name>/<key>.
EXAMPLES=("${ROOT}"/artifacts/examples/*.yaml)
for f in "${EXAMPLES[@]}"; do
  secret=$(sed -n 's/^ *credentialsName: *//p' "${f}")
  mkdir -p "${DATA_DIR}/secrets/default/${secret}"
  printf '%s' "${BMC_USER}" >"${DATA_DIR}/secrets/default/${secret}/username"
  printf '%s' "${BMC_PASSWORD}" >"${DATA_DIR}/secrets/default/${secret}/password"
done
umask 022

"${BIN}/baremetal-apiserver" --standalone --data-dir "${DATA_DIR}" --secure-port "${PORT}" \
  --bind-address 127.0.0.1 --provisioner=redfish --power-poll-interval=10s \
  >"${DATA_DIR}/server.log" 2>&1 &
SERVER_PID=$!
echo "starting baremetal-apiserver (pid ${SERVER_PID}, --provisioner=redfish, log ${DATA_DIR}/server.log) ..."
for _ in $(seq 1 300); do
  kill -0 "${SERVER_PID}" 2>/dev/null || die "the server exited; its log:
$(cat "${DATA_DIR}/server.log")"
  [[ -f "${KUBECONFIG_OUT}" ]] && "${KUBECTL[@]}" get --raw /readyz >/dev/null 2>&1 && break
  sleep 0.2
done

# The examples name the simulator's default address. They stay plain Metal3 manifests in the
# repository, so they are applied as they are; only when BMC_PORT moves the simulator are they
# rewritten into the data dir with its port.
MANIFESTS="${ROOT}/artifacts/examples/"
if [[ "${BMC_PORT}" != 8000 ]]; then
  MANIFESTS="${DATA_DIR}/examples/"
  rm -rf "${MANIFESTS}" && mkdir -p "${MANIFESTS}"
  for f in "${EXAMPLES[@]}"; do
    sed "s#//127\.0\.0\.1:8000/#//127.0.0.1:${BMC_PORT}/#" "${f}" >"${MANIFESTS}/$(basename "${f}")"
  done
fi
"${KUBECTL[@]}" apply --server-side -f "${MANIFESTS}"

# Wait until every host was registered, inspected and prepared: available with hardware.
echo "waiting for the hosts to be inspected and available (up to ${WAIT_TIMEOUT}s) ..."
want=${#EXAMPLES[@]}
start=${SECONDS}
while :; do
  ready=$("${KUBECTL[@]}" get bmh -o jsonpath='{range .items[*]}{.status.provisioning.state}/{.status.hardware.cpu.count}{"\n"}{end}' 2>/dev/null |
    grep -c '^available/[0-9]' || true)
  [[ ${ready} -ge ${want} ]] && break
  kill -0 "${SERVER_PID}" 2>/dev/null || die "the server exited; see ${DATA_DIR}/server.log"
  ((SECONDS - start < WAIT_TIMEOUT)) || {
    "${KUBECTL[@]}" get bmh -o wide >&2 || true
    die "the hosts did not all become available within ${WAIT_TIMEOUT}s; see ${DATA_DIR}/server.log"
  }
  sleep 0.5
done
echo "all ${want} hosts available in $((SECONDS - start))s:"
"${KUBECTL[@]}" get bmh -o wide

BMC="http://127.0.0.1:${BMC_PORT}"
cat <<MSG

baremetal-apiserver is serving on https://127.0.0.1:${PORT} (embedded etcd in ${DATA_DIR}/etcd),
driving ${BMC_SYSTEMS} simulated Redfish BMCs on ${BMC} directly (--provisioner=redfish, no Ironic).
Try, in another terminal:

  export KUBECONFIG=${KUBECONFIG_OUT}
  alias kubectl=${BIN}/kubectl
  kubectl get bmh -o wide -w                      # watch the states change (leave it running)
  kubectl get bmh worker-0 -o jsonpath='{.status.hardware}' | jq .   # what inspection found

  # power off through the power subresource; the simulated BMC takes ${BMC_POWER_DELAY}
  kubectl patch bmh worker-0 --subresource=power --type=merge -p '{"spec":{"state":"Off"}}'
  kubectl get bmh worker-0 --subresource=power -o yaml
  kubectl patch bmh worker-0 --subresource=power --type=merge -p '{"spec":{"state":"On"}}'

  # reboot (soft by default, or {"mode":"hard"})
  echo '{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"RebootRequest","spec":{"mode":"hard"}}' |
    kubectl create --raw /apis/baremetal.metal3.io/v1alpha1/namespaces/default/baremetalhosts/worker-1/reboot -f -

  # provision a live ISO: inserted as virtual media, booted once from the virtual CD
  # (the simulator does not download it)
  kubectl patch bmh worker-2 --type=merge -p '{"spec":{"image":{"url":"http://192.0.2.1/images/live.iso","format":"live-iso"}}}'
  kubectl patch bmh worker-2 --type=merge -p '{"spec":{"image":null,"online":false}}'   # deprovision: ejected, off

  # the BMC's side of things, from the simulator's admin endpoint
  curl -s ${BMC}/simulator/systems/3 | jq '{powerState, boot, virtualMedia, boots: [.boots[] | {source, image}]}'
  # power worker-3 off behind the server's back: within --power-poll-interval (10s) it is on again
  curl -s -X POST -d '{"powerState":"Off"}' ${BMC}/simulator/systems/4/power | jq .powerState

Press Ctrl-C to stop the server and the simulator (data is kept in ${DATA_DIR}; 'make clean' removes it).
MSG
# Runs until Ctrl-C or until either process exits; the EXIT trap stops the other.
wait -n "${SERVER_PID}" "${SIM_PID}" || true
echo "a process exited; stopping" >&2
