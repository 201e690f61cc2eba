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
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
)

// Ironic API microversions this package knows, newest first. A version is requested only
// when the server offers it; the request pins it so that answers keep the shape this code
// was written against even when Ironic is upgraded.
const (
	// baselineMinor (1.69, Wallaby) gives JSON config drives (1.56), automated_clean
	// (1.47), reset_interfaces (1.45) and deploy steps in provisioning requests (1.69).
	baselineMinor = 69
	// biosDetailMinor adds the attribute registry's rules to GET /v1/nodes/{node}/bios
	// (?detail=true: attribute_type, allowable_values, bounds, lengths, read_only, ...).
	biosDetailMinor = 74
	// inventoryMinor adds GET /v1/nodes/{node}/inventory.
	inventoryMinor = 81
	// firmwareInterfaceMinor adds the node's firmware_interface field, its firmware
	// components (GET /v1/nodes/{node}/firmware) and the firmware interface's update step.
	firmwareInterfaceMinor = 86
	// serviceStepsMinor adds servicing: the "service" provision state target with
	// service_steps, run on an active node (Ironic 2024.1).
	serviceStepsMinor = 87
	// disablePowerOffMinor adds the node's disable_power_off field.
	disablePowerOffMinor = 95
)

var knownMinors = []int{disablePowerOffMinor, serviceStepsMinor, firmwareInterfaceMinor, inventoryMinor, biosDetailMinor, baselineMinor}

// features is a negotiated microversion and what it allows.
type features struct {
	minor int
	// max is the newest minor version the server offers, for messages naming what a
	// missing feature needs ("this Ironic offers up to 1.82").
	max int
}

func (f features) String() string             { return "1." + strconv.Itoa(f.minor) }
func (f features) hasBIOSDetail() bool        { return f.minor >= biosDetailMinor }
func (f features) hasInventory() bool         { return f.minor >= inventoryMinor }
func (f features) hasFirmwareInterface() bool { return f.minor >= firmwareInterfaceMinor }
func (f features) hasServiceSteps() bool      { return f.minor >= serviceStepsMinor }
func (f features) hasDisablePowerOff() bool   { return f.minor >= disablePowerOffMinor }

// offers is the newest API version the server offers, "1.NN".
func (f features) offers() string {
	if f.max < f.minor {
		return "1." + strconv.Itoa(f.minor)
	}
	return "1." + strconv.Itoa(f.max)
}

// needs is the message of a feature this Ironic is too old for: what needs which API
// version, and what the server offers.
func (f features) needs(what string, minor int, why string) string {
	return fmt.Sprintf("%s needs Ironic API 1.%d (%s); this Ironic offers up to %s", what, minor, why, f.offers())
}

// parseMicroversion parses "1.82".
func parseMicroversion(s string) (major, minor int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), ".")
	if ok {
		major, err = strconv.Atoi(a)
		if err == nil {
			minor, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || major < 0 || minor < 0 {
		return 0, 0, fmt.Errorf("malformed API version %q", s)
	}
	return major, minor, nil
}

// chooseMicroversion picks the newest known version within the server's [minVersion,
// maxVersion]; minVersion may be empty.
func chooseMicroversion(minVersion, maxVersion string) (features, error) {
	maxMajor, maxMinor, err := parseMicroversion(maxVersion)
	if err != nil {
		return features{}, err
	}
	minMajor, minMinor := 1, 1
	if minVersion != "" {
		if minMajor, minMinor, err = parseMicroversion(minVersion); err != nil {
			return features{}, err
		}
	}
	if maxMajor != 1 || minMajor != 1 {
		return features{}, fmt.Errorf("Ironic offers API versions %s to %s; this client speaks 1.x", minVersion, maxVersion)
	}
	for _, m := range knownMinors {
		if m <= maxMinor && m >= minMinor {
			return features{minor: m, max: maxMinor}, nil
		}
	}
	return features{}, fmt.Errorf("Ironic API 1.%d or newer is required, the server offers up to %s", baselineMinor, maxVersion)
}

// versionDocument is the body of GET /v1 (and the "default_version" of GET /).
type versionDocument struct {
	Version *struct {
		Version    string `json:"version"`
		MinVersion string `json:"min_version"`
	} `json:"version"`
	DefaultVersion *struct {
		Version    string `json:"version"`
		MinVersion string `json:"min_version"`
	} `json:"default_version"`
}

// discoverVersions asks Ironic which microversions it serves. It reads the
// X-OpenStack-Ironic-API-{Minimum,Maximum}-Version headers every Ironic sends, and the
// version document as a fallback for proxies that drop headers. GET /v1 needs no
// authentication in Ironic, but the basic-auth header does no harm.
func discoverVersions(ctx context.Context, sc *gophercloud.ServiceClient) (minVersion, maxVersion string, err error) {
	var doc versionDocument
	resp, err := sc.Get(ctx, sc.Endpoint, &doc, &gophercloud.RequestOpts{OkCodes: []int{http.StatusOK}})
	if err != nil {
		return "", "", err
	}
	minVersion = resp.Header.Get("X-OpenStack-Ironic-API-Minimum-Version")
	maxVersion = resp.Header.Get("X-OpenStack-Ironic-API-Maximum-Version")
	if maxVersion == "" {
		switch {
		case doc.Version != nil:
			minVersion, maxVersion = doc.Version.MinVersion, doc.Version.Version
		case doc.DefaultVersion != nil:
			minVersion, maxVersion = doc.DefaultVersion.MinVersion, doc.DefaultVersion.Version
		}
	}
	if maxVersion == "" {
		return "", "", errors.New("the answer to GET " + sc.Endpoint + " names no API version; is this Ironic?")
	}
	return minVersion, maxVersion, nil
}
