/*
Copyright The baremetal-apiserver Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package ironic

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// jitterFactor spreads requeues over [d, 1.2d] so that hosts started together do not hit
// Ironic in lockstep.
const jitterFactor = 0.2

// poll is the Result of a transition Ironic completes by itself, soon.
func (p *Provisioner) poll() provisioner.Result {
	return provisioner.InProgress(wait.Jitter(p.cfg.PollInterval, jitterFactor))
}

// waitPoll is the Result of a node waiting for the agent ramdisk, which takes minutes.
func (p *Provisioner) waitPoll() provisioner.Result {
	return provisioner.InProgress(wait.Jitter(p.cfg.WaitPollInterval, jitterFactor))
}

// finish is the boundary of every public method: what it returns goes through
// provisioner.Scrub with the host's BMC password and Ironic's own, which scrubs and then
// bounds the message (in that order, so that a cut cannot hide half a secret from the
// rules).
func (p *Provisioner) finish(host provisioner.Host, res provisioner.Result, err error) (provisioner.Result, error) {
	return provisioner.Scrub(res, err, host.Credentials.Password, p.cfg.Password)
}

// scrubError is finish for methods that return no Result.
func (p *Provisioner) scrubError(bmcPassword string, err error) error {
	return provisioner.ScrubError(err, bmcPassword, p.cfg.Password)
}

// logger is the caller's contextual logger with the host.
func logger(ctx context.Context, host provisioner.Host) klog.Logger {
	return klog.FromContext(ctx).WithValues("host", klog.KRef(host.Namespace, host.Name))
}

// failureLog remembers, per node, the failure last reported to the reconciler.
//
// A failed Ironic operation leaves the node in a failed state (enroll with last_error,
// inspect failed, clean failed, deploy failed, ...) until something acts on it. The
// reconciler records a Failed result and calls the step again after a backoff, and that
// call must retry rather than report the same failure again. Ironic cannot tell the two
// calls apart, so this log does: the first call reports, the next one retries. Losing the
// log (a restart) only means one more report before the retry.
type failureLog struct {
	mu sync.Mutex
	m  map[string]string // node UUID -> signature of the failure reported
}

// report returns true when failure sig of node has not been reported yet, and records it.
// Otherwise it forgets it and returns false: the caller retries the operation.
func (f *failureLog) report(node, sig string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]string{}
	}
	if f.m[node] == sig {
		delete(f.m, node)
		return false
	}
	f.m[node] = sig
	return true
}

// forget drops what is known about node, e.g. once it is deleted.
func (f *failureLog) forget(node string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, node)
}
