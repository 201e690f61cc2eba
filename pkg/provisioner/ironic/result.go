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
