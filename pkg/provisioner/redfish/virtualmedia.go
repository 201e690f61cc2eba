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
	"net/http"
	"slices"

	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// cdDrives lists the virtual media devices that take CD/DVD images: the system's own
// (where newer BMCs put them), else those of the managers that manage it (older BMCs).
func cdDrives(sys *schemas.ComputerSystem) ([]*schemas.VirtualMedia, error) {
	all, err := sys.VirtualMedia()
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return nil, err
	}
	if len(all) == 0 {
		managers, err := sys.ManagedBy()
		if err != nil {
			return nil, err
		}
		for _, m := range managers {
			vms, err := m.VirtualMedia()
			if err != nil && !isStatus(err, http.StatusNotFound) {
				return nil, err
			}
			all = append(all, vms...)
		}
	}
	var cds []*schemas.VirtualMedia
	for _, vm := range all {
		if slices.Contains(vm.MediaTypes, schemas.CDVirtualMediaType) || slices.Contains(vm.MediaTypes, schemas.DVDVirtualMediaType) ||
			vm.MediaType == schemas.CDVirtualMediaType || vm.MediaType == schemas.DVDVirtualMediaType {
			cds = append(cds, vm)
		}
	}
	return cds, nil
}

// pickDrive chooses the drive to boot image from: the one holding it already, else the first
// empty one, else the first (whose image is ejected first).
func pickDrive(cds []*schemas.VirtualMedia, image string) *schemas.VirtualMedia {
	for _, d := range cds {
		if d.Image == image {
			return d
		}
	}
	for _, d := range cds {
		if d.Image == "" && !inserted(d) {
			return d
		}
	}
	return cds[0]
}

// inserted reads Inserted, which BMCs omit when nothing is inserted.
func inserted(d *schemas.VirtualMedia) bool { return d.Inserted != nil && *d.Inserted }

// holds reports a drive with image attached and inserted.
func holds(d *schemas.VirtualMedia, image string) bool {
	return d.Image == image && (d.Inserted == nil || *d.Inserted)
}

// overrideMode is the Redfish boot mode of a host's boot mode. Secure boot is left as the
// firmware has it: UEFISecureBoot boots in UEFI mode.
func overrideMode(m v1alpha1.BootMode) schemas.BootSourceOverrideMode {
	if m == v1alpha1.BootModeLegacy {
		return schemas.LegacyBootSourceOverrideMode
	}
	return schemas.UEFIBootSourceOverrideMode
}

// bootFromCDOnce sets a one-time boot override to the virtual CD. A BMC that rejects the
// mode (no UEFI/Legacy choice) gets the override without it.
func bootFromCDOnce(ctx context.Context, sys *schemas.ComputerSystem, mode v1alpha1.BootMode) error {
	klog.FromContext(ctx).V(1).Info("Setting one-time boot from virtual CD", "system", sys.ODataID, "mode", overrideMode(mode))
	boot := &schemas.Boot{
		BootSourceOverrideTarget:  schemas.CdBootSource,
		BootSourceOverrideEnabled: schemas.OnceBootSourceOverrideEnabled,
		BootSourceOverrideMode:    overrideMode(mode),
	}
	err := sys.SetBoot(boot)
	if isStatus(err, http.StatusBadRequest) {
		boot.BootSourceOverrideMode = ""
		err = sys.SetBoot(boot)
	}
	return err
}

// overridesToCD reports a boot override to the CD still pending.
func overridesToCD(sys *schemas.ComputerSystem) bool {
	return sys.Boot.BootSourceOverrideTarget == schemas.CdBootSource &&
		sys.Boot.BootSourceOverrideEnabled != schemas.DisabledBootSourceOverrideEnabled &&
		sys.Boot.BootSourceOverrideEnabled != ""
}

// armLiveISO makes the next boot of a host running a live ISO boot it again. Provisioning
// sets a one-time override (a persistent one would outlive the image if an eject failed),
// so every power-on and reboot this backend causes re-arms it while the host's live ISO
// (host.LiveISO) is inserted. Other hosts, and other images (a DataImage, which is exposed to
// the host, not booted), are left alone.
func (p *Provisioner) armLiveISO(ctx context.Context, host provisioner.Host, sys *schemas.ComputerSystem) error {
	if host.LiveISO == "" || overridesToCD(sys) {
		return nil
	}
	cds, err := cdDrives(sys)
	if err != nil {
		// Reading virtual media must not stop a power action.
		klog.FromContext(ctx).V(1).Info("Could not read virtual media before a power action", "system", sys.ODataID,
			"err", provisioner.ScrubMessage(describe(err), host.Credentials.Password))
		return nil
	}
	for _, d := range cds {
		if d.Image != host.LiveISO || !inserted(d) {
			continue
		}
		err := bootFromCDOnce(ctx, sys, host.BootMode)
		if refused(err) {
			klog.FromContext(ctx).Info("BMC refused the boot override to the live ISO; the host boots from its boot order",
				"system", sys.ODataID, "err", provisioner.ScrubMessage(describe(err), host.Credentials.Password))
			return nil
		}
		return err
	}
	return nil
}
