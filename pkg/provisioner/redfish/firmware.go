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
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// ReadBIOS reads the host's BIOS: the attributes in effect, the ones staged for the next
// reset, and the attribute registry's rules when the BMC serves the registry it names.
func (p *Provisioner) ReadBIOS(ctx context.Context, host provisioner.Host) (provisioner.BIOS, error) {
	var out provisioner.BIOS
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		out, err = readBIOS(c, sys)
		return err
	})
	return out, readErr(host, err)
}

// readBIOS is ReadBIOS on a system already read, for any client (a BMC, or a mockup in tests).
func readBIOS(c schemas.Client, sys *schemas.ComputerSystem) (provisioner.BIOS, error) {
	b, err := readBIOSResource(c, sys, true)
	return b.BIOS, err
}

// biosResource is a system's BIOS as read for staging settings: what ReadBIOS reports, and
// what a PATCH of settings needs.
type biosResource struct {
	provisioner.BIOS
	// Attributes are the values in effect as the BMC serves them (numbers, booleans, strings).
	Attributes map[string]any
	// SettingsURI is where staged values are written: @Redfish.Settings' SettingsObject,
	// else the BIOS resource itself.
	SettingsURI string
	// ApplyTimes are @Redfish.Settings' SupportedApplyTimes; none when the BMC says nothing.
	ApplyTimes []string
}

// readBIOSResource reads the BIOS, with the registry's rules when withSchema.
func readBIOSResource(c schemas.Client, sys *schemas.ComputerSystem, withSchema bool) (biosResource, error) {
	bios, settings, settingsErr, err := biosOf(c, sys)
	if err != nil {
		return biosResource{}, fmt.Errorf("reading the BIOS resource of %s: %w", sys.ODataID, err)
	}
	if bios == nil {
		return biosResource{}, refusedf("the BMC offers no BIOS resource for %s", sys.ODataID)
	}
	out := biosResource{
		BIOS:        provisioner.BIOS{Settings: attributeStrings(bios.Attributes), RegistryID: bios.AttributeRegistry},
		Attributes:  bios.Attributes,
		SettingsURI: bios.ODataID,
	}
	// Staged values: the settings object of @Redfish.Settings. A BMC without one stages
	// nothing; one that lists every attribute there stages only those that differ.
	if settingsErr == nil {
		out.ApplyTimes = settings.SupportedApplyTimes
		if uri := settings.SettingsObject.ODataID; uri != "" && uri != bios.ODataID {
			out.SettingsURI = uri
			if staged, err := schemas.GetObject[schemas.Bios](c, uri); err == nil {
				for k, v := range attributeStrings(staged.Attributes) {
					if cur, ok := out.Settings[k]; !ok || cur != v {
						if out.Pending == nil {
							out.Pending = map[string]string{}
						}
						out.Pending[k] = v
					}
				}
			}
		}
	}
	if withSchema && out.RegistryID != "" {
		out.Schema = attributeRegistry(c, out.RegistryID)
	}
	return out, nil
}

// maxResourceBytes bounds a resource read here by hand: a BIOS resource is a few KiB, and a BMC
// that answers without end must not fill memory.
const maxResourceBytes = 4 << 20

// redfishSettings is the @Redfish.Settings annotation of a resource with settings.
type redfishSettings struct {
	SettingsObject struct {
		ODataID string `json:"@odata.id"`
	}
	SupportedApplyTimes []string
}

// biosOf reads the system's BIOS resource (nil when the system links none) and its
// @Redfish.Settings, which gofish keeps to itself, from one GET: reading the resource again
// for the annotation was one request in six of a firmware reading.
func biosOf(c schemas.Client, sys *schemas.ComputerSystem) (bios *schemas.Bios, settings redfishSettings, settingsErr, err error) {
	var link struct {
		Bios struct {
			ODataID string `json:"@odata.id"`
		}
	}
	if err := json.Unmarshal(sys.RawData, &link); err != nil || link.Bios.ODataID == "" {
		return nil, settings, nil, nil
	}
	body, err := getRaw(c, link.Bios.ODataID)
	if err != nil {
		return nil, settings, nil, err
	}
	bios = new(schemas.Bios)
	if err := json.Unmarshal(body, bios); err != nil {
		return nil, settings, nil, err
	}
	bios.SetClient(c)
	var raw struct {
		Settings redfishSettings `json:"@Redfish.Settings"`
	}
	settingsErr = json.Unmarshal(body, &raw)
	return bios, raw.Settings, settingsErr, nil
}

// getJSON reads a resource by hand, bounded by maxResourceBytes.
func getJSON(c schemas.Client, uri string, v any) error {
	body, err := getRaw(c, uri)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

// getRaw reads a resource's body, bounded by maxResourceBytes.
func getRaw(c schemas.Client, uri string) ([]byte, error) {
	resp, err := c.Get(uri)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, maxResourceBytes))
}

// attributeStrings renders attribute values as Metal3 stores them: strings as they are,
// integers without a decimal point, booleans as true/false, null as empty.
func attributeStrings(attrs map[string]any) map[string]string {
	out := make(map[string]string, len(attrs))
	for k, v := range attrs {
		switch v := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				out[k] = strconv.FormatInt(int64(v), 10)
			} else {
				out[k] = strconv.FormatFloat(v, 'g', -1, 64)
			}
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// attributeRegistry finds the registry id among the BMC's registry files and reads the
// registry at the file's (English, else first) location. nil when any of that is missing:
// many BMCs name a registry they keep only in an offline store, and settings without rules
// are still worth reporting.
func attributeRegistry(c schemas.Client, id string) map[string]provisioner.SettingSchema {
	f := registryFile(c, id)
	if f == nil {
		return nil
	}
	uri := ""
	for _, loc := range f.Location {
		if loc.URI == "" {
			continue
		}
		if uri == "" || strings.EqualFold(loc.Language, "en") {
			uri = loc.URI
		}
	}
	if uri == "" {
		return nil
	}
	reg, err := schemas.GetAttributeRegistry(c, uri)
	if err != nil || len(reg.RegistryEntries.Attributes) == 0 {
		return nil
	}
	return settingSchemas(reg.RegistryEntries.Attributes)
}

// registriesPath is the collection of a Redfish service's registry files.
const registriesPath = "/redfish/v1/Registries"

// registryFile finds the registry file of id among the BMC's. BMCs name each file's URI after
// its registry (.../Registries/BiosAttributeRegistryA43.v1_2_52, some with a trailing slash),
// so that one is read first: an iLO lists 9 to 15 registry files, and reading each on every
// firmware reading of every host was most of the reading's requests. The others are read, in
// the collection's order, only when that guess fails.
func registryFile(c schemas.Client, id string) *schemas.MessageRegistryFile {
	var collection struct {
		Members []struct {
			ODataID string `json:"@odata.id"`
		}
	}
	if err := getJSON(c, registriesPath, &collection); err != nil {
		return nil
	}
	uris := make([]string, 0, len(collection.Members))
	for _, m := range collection.Members {
		if path.Base(strings.TrimSuffix(m.ODataID, "/")) == id {
			uris = append([]string{m.ODataID}, uris...)
		} else if m.ODataID != "" {
			uris = append(uris, m.ODataID)
		}
	}
	for _, uri := range uris {
		if f, err := schemas.GetObject[schemas.MessageRegistryFile](c, uri); err == nil && (f.ID == id || f.Registry == id) {
			return f
		}
	}
	return nil
}

func settingSchemas(attrs []schemas.Attributes) map[string]provisioner.SettingSchema {
	out := make(map[string]provisioner.SettingSchema, len(attrs))
	for _, a := range attrs {
		if a.AttributeName == "" {
			continue
		}
		s := provisioner.SettingSchema{
			AttributeType: string(a.Type), ReadOnly: a.ReadOnly || a.Immutable,
			ResetRequired: a.ResetRequired, Unique: a.IsSystemUniqueProperty,
		}
		for _, v := range a.Value {
			s.AllowableValues = append(s.AllowableValues, v.ValueName)
		}
		s.LowerBound, s.UpperBound = bound(a.LowerBound), bound(a.UpperBound)
		s.MinLength, s.MaxLength = length(a.MinLength), length(a.MaxLength)
		out[a.AttributeName] = s
	}
	return out
}

func bound(v *uint64) *int64 {
	if v == nil || *v > math.MaxInt64 {
		return nil
	}
	n := int64(*v)
	return &n
}

func length(v *int) *int64 {
	if v == nil || *v < 0 {
		return nil
	}
	n := int64(*v)
	return &n
}

// FirmwareComponents reads the firmware versions Metal3's HostFirmwareComponents report: the
// BIOS (the system's BiosVersion), the BMC (its manager's FirmwareVersion) and each network
// adapter (nic:<id>, its first controller's FirmwarePackageVersion), the way Ironic's Redfish
// firmware interface reads them.
func (p *Provisioner) FirmwareComponents(ctx context.Context, host provisioner.Host) ([]provisioner.FirmwareComponent, error) {
	var out []provisioner.FirmwareComponent
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		out = firmwareComponents(sys)
		return nil
	})
	return out, readErr(host, err)
}

var _ provisioner.FirmwareSnapshotReader = (*Provisioner)(nil)

// ReadFirmware is ReadBIOS and FirmwareComponents in one BMC session, with the system read
// once: what the firmware reader asks of every host, once an hour and once after each new host
// is inspected.
func (p *Provisioner) ReadFirmware(ctx context.Context, host provisioner.Host) provisioner.FirmwareReading {
	var out provisioner.FirmwareReading
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		out = provisioner.FirmwareReading{}
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		bios, err := readBIOS(c, sys)
		if isStatus(err, http.StatusUnauthorized) {
			return err // the session ended: with logs in again and reads it all again
		}
		if err == nil {
			out.BIOS = &bios
		} else {
			out.BIOSErr = readErr(host, err)
		}
		out.Components = firmwareComponents(sys)
		return nil
	})
	if err != nil {
		err = readErr(host, err)
		return provisioner.FirmwareReading{BIOSErr: err, ComponentsErr: err}
	}
	return out
}

func firmwareComponents(sys *schemas.ComputerSystem) []provisioner.FirmwareComponent {
	var out []provisioner.FirmwareComponent
	if sys.BiosVersion != "" {
		out = append(out, provisioner.FirmwareComponent{Component: provisioner.FirmwareComponentBIOS, Version: sys.BiosVersion})
	}
	if managers, err := sys.ManagedBy(); err == nil {
		for _, m := range managers {
			if m.FirmwareVersion != "" {
				out = append(out, provisioner.FirmwareComponent{Component: provisioner.FirmwareComponentBMC, Version: m.FirmwareVersion})
				break
			}
		}
	}
	var nics []provisioner.FirmwareComponent
	if chassis, err := sys.Chassis(); err == nil {
		for _, ch := range chassis {
			adapters, err := ch.NetworkAdapters()
			if err != nil {
				continue
			}
			for _, a := range adapters {
				for _, ctl := range a.Controllers {
					if ctl.FirmwarePackageVersion != "" {
						nics = append(nics, provisioner.FirmwareComponent{
							Component: provisioner.FirmwareComponentNICPrefix + a.ID, Version: ctl.FirmwarePackageVersion})
						break
					}
				}
			}
		}
	}
	sort.Slice(nics, func(i, j int) bool { return nics[i].Component < nics[j].Component })
	return append(out, nics...)
}
