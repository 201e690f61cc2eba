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
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// DataImages go through Ironic's virtual media API, as Metal3 sends them: POST
// /v1/nodes/{node}/vmedia with device_type "cdrom" to attach (API 1.89), DELETE with
// device_types=cdrom to detach, GET to see whether anything is inserted (1.93). Metal3 reads
// the state before every action, so it needs 1.93; an older Ironic (Debian 12's 21.4 offers
// 1.82) cannot attach a DataImage, and the Result says which version is needed, the node
// untouched. The GET shows Ironic's own copy of the image (its URL names the node, not the
// image), so "attached" is "a virtual CD is inserted", as in Metal3.

// vmediaGetMinor is the API version of GET /v1/nodes/{node}/vmedia; attach and detach came
// with 1.89.
const vmediaGetMinor = 93

// What a DataImage needs, for the message of an Ironic without it.
const dataImageWhat, dataImageWhy = "a DataImage", "virtual media: attached and detached from 1.89, read back from 1.93, which Metal3 needs both of"

var _ provisioner.DataImageAttacher = &Provisioner{}

// virtualMedia is one device in the answer to GET /v1/nodes/{node}/vmedia.
type virtualMedia struct {
	Image      string   `json:"image"`
	Inserted   bool     `json:"inserted"`
	MediaTypes []string `json:"media_types"`
}

// AttachDataImage asks Ironic to attach url as the node's virtual CD; Done once Ironic shows a
// CD inserted.
func (p *Provisioner) AttachDataImage(ctx context.Context, host provisioner.Host, url string) (provisioner.Result, error) {
	res, err := p.dataImage(ctx, host, url)
	return p.finish(host, res, err)
}

// DetachDataImage asks Ironic to eject the node's virtual CDs; Done once none is inserted.
func (p *Provisioner) DetachDataImage(ctx context.Context, host provisioner.Host, _ string) (provisioner.Result, error) {
	res, err := p.dataImage(ctx, host, "")
	return p.finish(host, res, err)
}

// dataImage attaches url, or detaches when url is "".
func (p *Provisioner) dataImage(ctx context.Context, host provisioner.Host, url string) (provisioner.Result, error) {
	c, err := p.client(ctx)
	if err != nil {
		return provisioner.Result{}, err
	}
	if c.max < vmediaGetMinor {
		return provisioner.Failed(c.needs(dataImageWhat, vmediaGetMinor, dataImageWhy)), nil
	}
	node, err := p.lookupNode(ctx, c, host)
	if err != nil {
		return provisioner.Result{}, err
	}
	if node == nil {
		return provisioner.Result{}, provisioner.ErrNeedsRegistration
	}
	if node.Reservation != "" {
		// A conductor holds the node (Metal3 waits too): the GET would be refused.
		return p.poll(), nil
	}
	// The calls are pinned to 1.93 whatever was negotiated for the rest.
	sc := *c.sc
	sc.Microversion = "1." + strconv.Itoa(vmediaGetMinor)
	var media []virtualMedia
	if err := nodes.GetVirtualMedia(ctx, &sc, node.UUID).ExtractInto(&media); err != nil {
		return provisioner.Result{}, fmt.Errorf("reading the virtual media of Ironic node %s: %w", node.UUID, describe(err))
	}
	inserted := slices.ContainsFunc(media, func(m virtualMedia) bool { return m.Inserted })
	logger := logger(ctx, host)
	switch {
	case url != "" && inserted, url == "" && !inserted:
		return provisioner.Done(), nil
	case url != "":
		logger.Info("Attaching the DataImage as virtual media", "node", node.UUID)
		err = nodes.AttachVirtualMedia(ctx, &sc, node.UUID, nodes.AttachVirtualMediaOpts{DeviceType: nodes.VirtualMediaCD, ImageURL: url}).ExtractErr()
	default:
		logger.Info("Detaching the DataImage", "node", node.UUID)
		err = nodes.DetachVirtualMedia(ctx, &sc, node.UUID, nodes.DetachVirtualMediaOpts{
			DeviceTypes: []nodes.VirtualMediaDeviceType{nodes.VirtualMediaCD}}).ExtractErr()
	}
	switch {
	case statusIs(err, http.StatusConflict):
		// Locked meanwhile: asked again at the next poll.
		return p.poll(), nil
	case statusIs(err, http.StatusBadRequest):
		return provisioner.Failed(fault(err)), nil
	case err != nil:
		return provisioner.Result{}, describe(err)
	}
	// Ironic carries it out in the background: the next call reads the outcome.
	return p.poll(), nil
}
