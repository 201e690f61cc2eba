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
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// mediaDevice is one virtual drive of the BMC. The same devices appear under
// Managers/{id}/VirtualMedia (where Ironic of this era looks) and
// Systems/{id}/VirtualMedia (where newer clients look).
type mediaDevice struct {
	id               string
	name             string
	types            []string
	image            string
	inserted         bool
	writeProtected   bool
	transferMethod   string
	transferProtocol string
	userName         string
	password         string
	doc              obj // the captured device, in mockup mode
}

func newMediaDevices() []*mediaDevice {
	return []*mediaDevice{
		{id: "Cd", name: "Virtual CD", types: []string{"CD", "DVD"}, writeProtected: true},
		{id: "Floppy", name: "Virtual Removable Media", types: []string{"Floppy", "USBStick"}, writeProtected: true},
	}
}

func (m *mediaDevice) public() Media {
	return Media{
		ID: m.id, MediaTypes: slices.Clone(m.types), Image: m.image, ImageName: imageName(m.image),
		Inserted: m.inserted, WriteProtected: m.writeProtected, ConnectedVia: m.connectedVia(),
		TransferMethod: m.transferMethod, TransferProtocolType: m.transferProtocol, UserName: m.userName,
	}
}

func (m *mediaDevice) connectedVia() string {
	if m.image != "" {
		return "URI"
	}
	return "NotConnected"
}

func imageName(image string) string {
	if image == "" {
		return ""
	}
	if u, err := url.Parse(image); err == nil && u.Path != "" {
		return path.Base(u.Path)
	}
	return path.Base(image)
}

// mediaForBootSource is the device a boot from source reads.
func (s *System) mediaForBootSource(source string) *mediaDevice {
	var want []string
	switch source {
	case "Cd":
		want = []string{"CD", "DVD"}
	case "Usb", "Floppy":
		want = []string{"USBStick", "Floppy"}
	}
	for _, m := range s.media {
		for _, t := range m.types {
			if slices.Contains(want, t) {
				return m
			}
		}
	}
	return nil
}

func (s *System) mediaRoute(base string, segs []string) (route, bool) {
	n := len(segs)
	if n == 0 {
		return route{sys: s, get: func(c *call) {
			members := make([]string, len(s.media))
			for i, m := range s.media {
				members[i] = base + "/" + m.id
			}
			c.resource(collection(base, "VirtualMediaCollection", "Virtual Media Services", members))
		}}, true
	}
	i := slices.IndexFunc(s.media, func(m *mediaDevice) bool { return m.id == segs[0] })
	if i < 0 {
		return route{}, false
	}
	dev := s.media[i]
	p := base + "/" + dev.id
	switch {
	case n == 1:
		return route{sys: s,
			get:   func(c *call) { c.resource(s.locked(func() obj { return mediaObject(p, dev) })) },
			patch: func(c *call) { s.patchMedia(c, p, dev) },
		}, true
	case n == 3 && segs[1] == "Actions" && segs[2] == "VirtualMedia.InsertMedia":
		return route{sys: s, post: func(c *call) { s.postInsertMedia(c, dev) }}, true
	case n == 3 && segs[1] == "Actions" && segs[2] == "VirtualMedia.EjectMedia":
		return route{sys: s, post: func(c *call) { s.postEjectMedia(c, dev) }}, true
	}
	return route{}, false
}

func mediaObject(p string, m *mediaDevice) obj {
	if m.doc != nil {
		return mockupMediaObject(m)
	}
	o := obj{
		"@odata.id":      p,
		"@odata.type":    "#VirtualMedia.v1_5_0.VirtualMedia",
		"Id":             m.id,
		"Name":           m.name,
		"MediaTypes":     m.types,
		"Image":          nilIfEmpty(m.image),
		"ImageName":      nilIfEmpty(imageName(m.image)),
		"Inserted":       m.inserted,
		"WriteProtected": m.writeProtected,
		"ConnectedVia":   m.connectedVia(),
		"TransferMethod": nilIfEmpty(m.transferMethod),
		"UserName":       nilIfEmpty(m.userName),
		"Password":       nil,
		"Status":         statusOK(),
		"Actions": obj{
			"#VirtualMedia.InsertMedia": obj{"target": p + "/Actions/VirtualMedia.InsertMedia"},
			"#VirtualMedia.EjectMedia":  obj{"target": p + "/Actions/VirtualMedia.EjectMedia"},
		},
	}
	if m.transferProtocol != "" {
		o["TransferProtocolType"] = m.transferProtocol
	}
	return o
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var (
	transferMethods   = []string{"Stream", "Upload"}
	transferProtocols = []string{"CIFS", "FTP", "SFTP", "HTTP", "HTTPS", "NFS", "SCP", "TFTP", "OEM"}
	imageSchemes      = []string{"http", "https", "nfs", "cifs", "smb", "ftp", "sftp", "tftp", "scp"}
)

// insertParams are InsertMedia's parameters, also accepted by PATCH.
type insertParams struct {
	Image                *string
	Inserted             *bool
	WriteProtected       *bool
	UserName             *string
	Password             *string
	TransferMethod       *string
	TransferProtocolType *string
	MediaType            *string
}

func (ip insertParams) validate(action string, dev *mediaDevice) []message {
	var problems []message
	if ip.Image != nil && *ip.Image != "" {
		u, err := url.Parse(*ip.Image)
		if err != nil || u.Host == "" || !slices.Contains(imageSchemes, strings.ToLower(u.Scheme)) {
			problems = append(problems, msgActionParameterValueFormatError(*ip.Image, "Image", action))
		}
	}
	if ip.TransferMethod != nil && !slices.Contains(transferMethods, *ip.TransferMethod) {
		problems = append(problems, msgActionParameterValueNotInList(*ip.TransferMethod, "TransferMethod", action))
	}
	if ip.TransferProtocolType != nil && !slices.Contains(transferProtocols, *ip.TransferProtocolType) {
		problems = append(problems, msgActionParameterValueNotInList(*ip.TransferProtocolType, "TransferProtocolType", action))
	}
	if ip.MediaType != nil && !slices.Contains(dev.types, *ip.MediaType) {
		problems = append(problems, msgActionParameterValueNotInList(*ip.MediaType, "MediaType", action))
	}
	return problems
}

// insert attaches the image. Callers have validated the parameters.
func (s *System) insert(dev *mediaDevice, ip insertParams) {
	dev.image = *ip.Image
	dev.inserted = ip.Inserted == nil || *ip.Inserted
	dev.writeProtected = ip.WriteProtected == nil || *ip.WriteProtected
	dev.userName, dev.password, dev.transferMethod, dev.transferProtocol = "", "", "", ""
	if ip.UserName != nil {
		dev.userName = *ip.UserName
	}
	if ip.Password != nil {
		dev.password = *ip.Password
	}
	if ip.TransferMethod != nil {
		dev.transferMethod = *ip.TransferMethod
	}
	if ip.TransferProtocolType != nil {
		dev.transferProtocol = *ip.TransferProtocolType
	}
	s.counters.MediaInserts++
}

func (s *System) eject(dev *mediaDevice) {
	if dev.image != "" || dev.inserted {
		s.counters.MediaEjects++
	}
	dev.image, dev.inserted, dev.userName, dev.password = "", false, "", ""
	dev.transferMethod, dev.transferProtocol = "", ""
}

// postInsertMedia refuses a device that already holds an image, like real
// BMCs: clients are expected to eject first.
func (s *System) postInsertMedia(c *call, dev *mediaDevice) {
	const action = "VirtualMedia.InsertMedia"
	var ip insertParams
	if !c.decode(&ip) {
		return
	}
	if ip.Image == nil || *ip.Image == "" {
		c.fail(http.StatusBadRequest, msgActionParameterMissing(action, "Image"))
		return
	}
	if problems := ip.validate(action, dev); len(problems) > 0 {
		c.fail(http.StatusBadRequest, problems...)
		return
	}
	now := s.lock()
	if dev.image != "" {
		s.mu.Unlock()
		c.fail(http.StatusConflict, msgResourceInUse())
		return
	}
	s.mediaAction(c, "Insert media "+*ip.Image, now, func(time.Time) { s.insert(dev, ip) })
}

func (s *System) postEjectMedia(c *call, dev *mediaDevice) {
	now := s.lock()
	s.mediaAction(c, "Eject media", now, func(time.Time) { s.eject(dev) })
}

// mediaAction runs effect now, or after TaskDuration behind a task monitor
// when actions are asynchronous. It releases the lock taken by the caller.
func (s *System) mediaAction(c *call, name string, now time.Time, effect func(time.Time)) {
	if !c.sim.cfg.AsyncActions {
		effect(now)
		s.mu.Unlock()
		c.noContent()
		return
	}
	t := c.sim.tasks.start(s, name, c, now, now.Add(c.sim.cfg.TaskDuration), effect)
	s.mu.Unlock()
	c.accepted(t)
}

// patchMedia is the older way of attaching media, which sushy falls back to
// and gofish uses when a device lacks the actions.
func (s *System) patchMedia(c *call, p string, dev *mediaDevice) {
	const action = "VirtualMedia PATCH"
	var raw map[string]any
	if !c.decode(&raw) {
		return
	}
	var ip insertParams
	if !c.decode(&ip) {
		return
	}
	for k := range raw {
		switch k {
		case "Image", "Inserted", "WriteProtected", "UserName", "Password", "TransferMethod", "TransferProtocolType", "MediaType":
		default:
			if !strings.Contains(k, "@") {
				c.fail(http.StatusBadRequest, msgPropertyUnknown(k))
				return
			}
		}
	}
	if problems := ip.validate(action, dev); len(problems) > 0 {
		c.fail(http.StatusBadRequest, problems...)
		return
	}
	s.lock()
	defer s.mu.Unlock()
	if !c.checkIfMatch(mediaObject(p, dev)) {
		return
	}
	clearImage := hasKey(raw, "Image") && (ip.Image == nil || *ip.Image == "")
	switch {
	case ip.Image != nil && *ip.Image != "" && (ip.Inserted == nil || *ip.Inserted):
		if dev.image != "" && dev.image != *ip.Image {
			c.fail(http.StatusConflict, msgResourceInUse())
			return
		}
		s.insert(dev, ip)
	case clearImage || (ip.Inserted != nil && !*ip.Inserted):
		s.eject(dev)
	case ip.WriteProtected != nil:
		dev.writeProtected = *ip.WriteProtected
	default:
		c.fail(http.StatusBadRequest, msgActionParameterMissing(action, "Image or Inserted"))
		return
	}
	c.resource(mediaObject(p, dev))
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
