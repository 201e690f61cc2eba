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

package provisioner

import "context"

// DataImageAttacher is implemented by backends that attach a host's DataImage (Metal3's kind:
// an ISO such as a configuration image) as virtual media, as Metal3 does through Ironic's
// virtual media API (a "cdrom" device). The reconciler calls it while a provisioned host is
// off on its way back on, so that the host finds the image at that power-on.
//
// Both calls are idempotent and report what the BMC shows, like every step: a repeated call
// with the image already in place (or already gone) is Done without touching anything.
type DataImageAttacher interface {
	// AttachDataImage inserts the image at url into a virtual CD/DVD drive of the host,
	// leaving the boot order and overrides as they are: the image is exposed to the host, not
	// booted (it boots from it only if its own boot order says so). Done once the BMC shows
	// the image inserted. An image in a drive that the backend did not put there for this
	// DataImage (a live ISO the host runs, say) is never ejected: without a free drive the
	// call fails, naming what the drives hold.
	AttachDataImage(ctx context.Context, host Host, url string) (Result, error)
	// DetachDataImage ejects the image at url (the DataImage status says it is attached);
	// Done once no drive holds it. A backend that cannot tell images apart (Ironic's API
	// shows its own copy of the image) ejects every virtual CD, as Metal3 does.
	DetachDataImage(ctx context.Context, host Host, url string) (Result, error)
}
