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
	"crypto/sha1" //nolint:gosec // the checksum Ironic 21.4's update_firmware verifies is SHA-1
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// pendingFirmware reads what of changes the node still needs. atRest says that the node is
// manageable, available or active, where the updates marker tells whether updates ran;
// elsewhere (a failed clean or service being retried) the updates are pending. A marker
// seen to have run is confirmed in the node on the way.
func (p *Provisioner) pendingFirmware(ctx context.Context, c *apiClient, node *nodes.Node, changes provisioner.FirmwareChanges, atRest bool) (*nodes.Node, firmwareWork, provisioner.Result, bool, error) {
	var w firmwareWork
	if len(changes.Settings) > 0 {
		list, err := p.biosSettings(ctx, c, node)
		if err != nil {
			return node, w, provisioner.Result{}, false, err
		}
		step, msg := biosStep(list, changes.Settings)
		if msg != "" {
			return node, w, provisioner.Failed(msg), false, nil
		}
		w.bios = step
	}
	if len(changes.Updates) > 0 {
		w.kind = updateStepFor(node, c.features)
		installed, confirm := false, false
		if atRest {
			installed, confirm = updatesInstalled(node, changes.Updates)
		}
		if confirm {
			m := markerOf(node)
			m.Applied = true
			b := &patch{}
			b.key("extra", requestMarkerKey, markerValue(*m), node.Extra)
			updated, res, ok, err := p.updateNode(ctx, c, node, b, "")
			if !ok {
				return node, w, res, false, err
			}
			node = updated
		}
		if !installed {
			w.updates = changes.Updates
		}
	}
	return node, w, provisioner.Result{}, true, nil
}

// firmwareSteps builds the steps of w, reading each image for the checksum the management
// interface's update_firmware step requires. A message says why they cannot be built.
func (p *Provisioner) firmwareSteps(ctx context.Context, w firmwareWork) ([]nodes.CleanStep, string, error) {
	var steps []nodes.CleanStep
	if w.bios != nil {
		steps = append(steps, *w.bios)
	}
	if len(w.updates) > 0 {
		var sums map[string]string
		if w.kind == managementUpdateFirmware {
			sums = map[string]string{}
			for _, u := range w.updates {
				if _, done := sums[u.URL]; done {
					continue
				}
				sum, err := imageSHA1(ctx, u.URL)
				if err != nil {
					if ctx.Err() != nil {
						return nil, "", err
					}
					return nil, fmt.Sprintf("the firmware image for %s cannot be read to compute the SHA-1 checksum Ironic's update_firmware step requires: %v", u.Component, err), nil
				}
				sums[u.URL] = sum
			}
		}
		steps = append(steps, updatesStepFor(w.kind, w.updates, sums))
	}
	return steps, "", nil
}

// markRequest records in the node the updates and RAID about to be requested (see
// requestMarker); nothing when neither is.
func (p *Provisioner) markRequest(ctx context.Context, c *apiClient, node *nodes.Node, w firmwareWork, raid bool) (*nodes.Node, provisioner.Result, bool, error) {
	if len(w.updates) == 0 && !raid {
		return node, provisioner.Result{}, true, nil
	}
	b := &patch{}
	b.key("extra", requestMarkerKey, markerValue(newMarker(node, w.updates, raid)), node.Extra)
	return p.updateNode(ctx, c, node, b, "")
}

// dropUnconfirmedMarker removes a marker of steps that failed, so that the retry applies them
// again. A confirmed marker stays: its updates were installed.
func (p *Provisioner) dropUnconfirmedMarker(ctx context.Context, c *apiClient, node *nodes.Node) (*nodes.Node, provisioner.Result, bool, error) {
	if m := markerOf(node); m == nil || m.Applied {
		return node, provisioner.Result{}, true, nil
	}
	b := &patch{}
	b.key("extra", requestMarkerKey, nil, node.Extra)
	return p.updateNode(ctx, c, node, b, "")
}

// Bounds of reading a firmware image for its checksum.
const (
	maxFirmwareImageBytes = 4 << 30
	firmwareImageTimeout  = 30 * time.Minute
)

// imageClient reads firmware images; one for the process, keeping connections.
var imageClient = &http.Client{Timeout: firmwareImageTimeout, Transport: http.DefaultTransport.(*http.Transport).Clone()}

// imageSHA1 reads the image at rawURL and returns its SHA-1, hex encoded: the checksum
// Ironic 21.4's update_firmware step requires for every image (the JSON schema of its
// arguments). Ironic verifies it only when it stages the image itself (firmware_source
// local or swift); with the default (http) the BMC fetches the URL. Errors name the URL
// without its user information.
func imageSHA1(ctx context.Context, rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", errors.New("malformed URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%s: only http and https images can be read", u.Redacted())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("%s: %w", u.Redacted(), err)
	}
	resp, err := imageClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	h := sha1.New() //nolint:gosec // see above
	n, err := io.Copy(h, io.LimitReader(resp.Body, maxFirmwareImageBytes+1))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	if n > maxFirmwareImageBytes {
		return "", fmt.Errorf("GET %s: larger than %d bytes", u.Redacted(), int64(maxFirmwareImageBytes))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
