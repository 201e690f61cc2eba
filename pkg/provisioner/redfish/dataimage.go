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

package redfish

import (
	"context"
	"fmt"
	"strings"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// DataImages: the image goes into a free virtual CD/DVD drive, as Ironic's virtual media API
// puts it (the first CD or DVD device with nothing inserted; a drive holding another image is
// skipped, never ejected), and the boot settings are left alone: the host finds the image at
// its next boot without booting it. Both steps read the drives first and are Done when the BMC
// already shows what they would do; they keep nothing between calls.

var _ provisioner.DataImageAttacher = &Provisioner{}

// AttachDataImage inserts url into a free virtual CD/DVD drive; Done once a drive shows it
// inserted. Without a free drive (the only one holds the live ISO the host runs, say) it fails,
// naming what the drives hold.
func (p *Provisioner) AttachDataImage(ctx context.Context, host provisioner.Host, url string) (provisioner.Result, error) {
	var res provisioner.Result
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		res, err = p.attachDataImage(ctx, c, sys, url)
		return err
	})
	return finish(host, res, err)
}

func (p *Provisioner) attachDataImage(ctx context.Context, c *gofish.APIClient, sys *schemas.ComputerSystem, url string) (provisioner.Result, error) {
	cds, err := cdDrives(sys)
	if err != nil {
		return provisioner.Result{}, err
	}
	if len(cds) == 0 {
		return provisioner.Result{}, refusedf("the BMC offers no virtual CD/DVD drive for %s to attach the DataImage to", sys.ODataID)
	}
	var free *schemas.VirtualMedia
	var held []string
	for _, d := range cds {
		switch {
		case holds(d, url):
			return provisioner.Done(), nil
		case d.Image == "" && !inserted(d):
			if free == nil {
				free = d
			}
		default:
			held = append(held, fmt.Sprintf("%s holds %s", driveName(d), loggable(d.Image)))
		}
	}
	if free == nil {
		return provisioner.Result{}, refusedf("no free virtual CD/DVD drive to attach the DataImage to (%s): "+
			"an image the host was given otherwise (a live ISO it runs) is not ejected for it", strings.Join(held, "; "))
	}
	klog.FromContext(ctx).Info("Inserting the DataImage into virtual media", "drive", free.ODataID, "image", loggable(url))
	task, err := free.InsertMedia(&schemas.VirtualMediaInsertMediaParameters{
		Image: url, Inserted: gofish.ToRef(true), WriteProtected: gofish.ToRef(true),
	})
	if err != nil {
		return provisioner.Result{}, err
	}
	// Read back at once (most BMCs insert before they answer; the others are waited for, as
	// an insert sent again meanwhile could be refused or doubled).
	if err := p.awaitTask(ctx, c, task, "inserting the DataImage"); err != nil {
		return provisioner.Result{}, err
	}
	if d, err := schemas.GetVirtualMedia(c, free.ODataID); err == nil && holds(d, url) {
		return provisioner.Done(), nil
	}
	return provisioner.InProgress(p.cfg.PollInterval), nil
}

// awaitTask follows the task monitor of an action the BMC answered asynchronously until the
// task ends, within the call's time; a task that ends in failure is the BMC's refusal.
func (p *Provisioner) awaitTask(ctx context.Context, c *gofish.APIClient, tm *schemas.TaskMonitorInfo, what string) error {
	if tm == nil || tm.TaskMonitor == "" {
		return nil
	}
	var last taskReport
	err := wait.PollUntilContextCancel(ctx, p.cfg.PollInterval, true, func(context.Context) (bool, error) {
		t, err := readTask(c, tm.TaskMonitor)
		if err != nil {
			return false, err
		}
		last = t
		return t.gone || taskFinished(t.state), nil
	})
	switch {
	case err != nil && ctx.Err() != nil:
		// Out of time: the next call reads the drive again.
		return nil
	case err != nil:
		return err
	case last.failed():
		return refusedf("%s failed on the BMC: %s", what, last.why())
	}
	return nil
}

// DetachDataImage ejects url from the drives holding it; Done once none does. Other images
// stay where they are.
func (p *Provisioner) DetachDataImage(ctx context.Context, host provisioner.Host, url string) (provisioner.Result, error) {
	var res provisioner.Result
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		res, err = p.detachDataImage(ctx, c, sys, url)
		return err
	})
	return finish(host, res, err)
}

func (p *Provisioner) detachDataImage(ctx context.Context, c *gofish.APIClient, sys *schemas.ComputerSystem, url string) (provisioner.Result, error) {
	if url == "" {
		return provisioner.Done(), nil
	}
	cds, err := cdDrives(sys)
	if err != nil {
		return provisioner.Result{}, err
	}
	pending := false
	for _, d := range cds {
		if d.Image != url {
			continue
		}
		klog.FromContext(ctx).Info("Ejecting the DataImage from virtual media", "drive", d.ODataID, "image", loggable(url))
		task, err := d.EjectMedia()
		if err != nil {
			return provisioner.Result{}, err
		}
		if err := p.awaitTask(ctx, c, task, "ejecting the DataImage"); err != nil {
			return provisioner.Result{}, err
		}
		if now, err := schemas.GetVirtualMedia(c, d.ODataID); err == nil && now.Image == "" && !inserted(now) {
			continue
		}
		pending = true
	}
	if pending {
		return provisioner.InProgress(p.cfg.PollInterval), nil
	}
	return provisioner.Done(), nil
}

// driveName names a drive in a message.
func driveName(d *schemas.VirtualMedia) string {
	if d.ID != "" {
		return "drive " + d.ID
	}
	return d.ODataID
}
