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

// Package firmwarestatus turns what a backend read of a host's firmware into the status of the
// host's HostFirmwareSettings, HostFirmwareComponents and FirmwareSchema. Two controllers
// write those: the firmware reader (periodic readings of hosts at rest) and the host
// reconciler (the reading that proves a change it applied while preparing or servicing). One
// package keeps them writing the same thing.
package firmwarestatus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Writer writes firmware readings through the API.
type Writer struct {
	Client clientset.Interface
}

// Reading is one reading of a host's firmware; a part the backend could not read is left nil
// with its error, and not written.
type Reading = provisioner.FirmwareReading

// Read reads a host's BIOS and firmware versions, in one go when the backend can.
func Read(ctx context.Context, reader provisioner.FirmwareReader, ph provisioner.Host) Reading {
	if snap, ok := reader.(provisioner.FirmwareSnapshotReader); ok {
		return snap.ReadFirmware(ctx, ph)
	}
	var r Reading
	if bios, err := reader.ReadBIOS(ctx, ph); err == nil {
		r.BIOS = &bios
	} else {
		r.BIOSErr = err
	}
	r.Components, r.ComponentsErr = reader.FirmwareComponents(ctx, ph)
	return r
}

// Write records a reading: the BIOS in the host's HostFirmwareSettings and its registry in a
// FirmwareSchema, the versions in its HostFirmwareComponents (each created when missing, owned
// by the host). applied are the updates a change just installed: they become
// status.updates, and their components' lastVersionFlashed and updatedAt.
func (w Writer) Write(ctx context.Context, h *v1alpha1.BareMetalHost, r Reading, applied []v1alpha1.FirmwareUpdate, now metav1.Time) error {
	if r.BIOS != nil {
		if err := w.settings(ctx, h, *r.BIOS, now); err != nil {
			return err
		}
	}
	if r.ComponentsErr == nil || applied != nil {
		// Updates carried out are recorded even when the versions cannot be read (Ironic
		// without its firmware interface): otherwise they would be asked for again.
		return w.components(ctx, h, r, applied, now)
	}
	return nil
}

// owner makes the host the controller of an object named after it, as Metal3 does.
func owner(h *v1alpha1.BareMetalHost) []metav1.OwnerReference {
	return []metav1.OwnerReference{*metav1.NewControllerRef(h, v1alpha1.BareMetalHostKind)}
}

// SchemaName names a FirmwareSchema by its content, so hosts with the same registry share one.
func SchemaName(registry string, schema map[string]v1alpha1.SettingSchema) string {
	names := make([]string, 0, len(schema))
	for k := range schema {
		names = append(names, k)
	}
	sort.Strings(names)
	h := sha256.New()
	h.Write([]byte(registry))
	for _, k := range names {
		b, _ := json.Marshal(schema[k])
		h.Write([]byte(k))
		h.Write(b)
	}
	return "schema-" + hex.EncodeToString(h.Sum(nil))[:8]
}

func settingSchemas(in map[string]provisioner.SettingSchema) map[string]v1alpha1.SettingSchema {
	out := make(map[string]v1alpha1.SettingSchema, len(in))
	for k, s := range in {
		out[k] = v1alpha1.SettingSchema{
			AttributeType: v1alpha1.SettingAttributeType(s.AttributeType), AllowableValues: s.AllowableValues,
			LowerBound: s.LowerBound, UpperBound: s.UpperBound, MinLength: s.MinLength, MaxLength: s.MaxLength,
			ReadOnly: ptr.To(s.ReadOnly), Unique: ptr.To(s.Unique),
		}
	}
	return out
}

func (w Writer) settings(ctx context.Context, h *v1alpha1.BareMetalHost, bios provisioner.BIOS, now metav1.Time) error {
	api := w.Client.BaremetalV1alpha1()
	var ref *v1alpha1.SchemaReference
	if bios.Schema != nil {
		schema := settingSchemas(bios.Schema)
		fs := &v1alpha1.FirmwareSchema{
			ObjectMeta: metav1.ObjectMeta{Name: SchemaName(bios.RegistryID, schema), Namespace: h.Namespace},
			Spec:       v1alpha1.FirmwareSchemaSpec{Schema: schema},
		}
		if h.Status.Hardware != nil {
			fs.Spec.HardwareVendor = h.Status.Hardware.SystemVendor.Manufacturer
			fs.Spec.HardwareModel = h.Status.Hardware.SystemVendor.ProductName
		}
		if _, err := api.FirmwareSchemas(h.Namespace).Create(ctx, fs, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("FirmwareSchema %s: %w", fs.Name, err)
		}
		ref = &v1alpha1.SchemaReference{Namespace: h.Namespace, Name: fs.Name}
	}
	hfs, err := api.HostFirmwareSettings(h.Namespace).Get(ctx, h.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		hfs, err = api.HostFirmwareSettings(h.Namespace).Create(ctx, &v1alpha1.HostFirmwareSettings{
			ObjectMeta: metav1.ObjectMeta{Name: h.Name, Namespace: h.Namespace, OwnerReferences: owner(h)},
		}, metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	hfs.Status.Settings = maps.Clone(bios.Settings)
	hfs.Status.Schema = ref
	hfs.Status.LastUpdated = &now
	SettingsConditions(hfs, now)
	_, err = api.HostFirmwareSettings(h.Namespace).UpdateStatus(ctx, hfs, metav1.UpdateOptions{})
	return err
}

// SettingsConditions sets Metal3's Valid (the API server refuses invalid desired settings, so
// a stored spec is valid) and ChangeDetected (a desired setting differs from the BIOS's); it
// says whether anything changed.
func SettingsConditions(hfs *v1alpha1.HostFirmwareSettings, now metav1.Time) bool {
	before := hfs.Status.DeepCopy()
	set(&hfs.Status.Conditions, hfs.Generation, now, v1alpha1.FirmwareSettingsValid, true, v1alpha1.ReasonFirmwareSettingsSuccess, "")
	if pending := hfs.PendingSettings(); len(pending) > 0 {
		set(&hfs.Status.Conditions, hfs.Generation, now, v1alpha1.FirmwareSettingsChangeDetected, true, v1alpha1.ReasonFirmwareSettingsSuccess,
			"the desired settings differ from the BIOS's: "+strings.Join(sortedKeys(pending), ", "))
	} else {
		set(&hfs.Status.Conditions, hfs.Generation, now, v1alpha1.FirmwareSettingsChangeDetected, false, v1alpha1.ReasonFirmwareSettingsSuccess, "")
	}
	return !apiequality.Semantic.DeepEqual(before, &hfs.Status)
}

// ComponentsConditions sets Metal3's Valid and ChangeDetected (an update not applied yet) on
// HostFirmwareComponents; it says whether anything changed.
func ComponentsConditions(hfc *v1alpha1.HostFirmwareComponents, now metav1.Time) bool {
	before := hfc.Status.DeepCopy()
	set(&hfc.Status.Conditions, hfc.Generation, now, v1alpha1.HostFirmwareComponentsValid, true, v1alpha1.ReasonFirmwareComponentsOK, "")
	if pending := hfc.PendingUpdates(); len(pending) > 0 {
		names := make([]string, 0, len(pending))
		for _, u := range pending {
			names = append(names, u.Component)
		}
		set(&hfc.Status.Conditions, hfc.Generation, now, v1alpha1.HostFirmwareComponentsChangeDetected, true, v1alpha1.ReasonFirmwareComponentsOK,
			"updates not applied yet: "+strings.Join(names, ", "))
	} else {
		set(&hfc.Status.Conditions, hfc.Generation, now, v1alpha1.HostFirmwareComponentsChangeDetected, false, v1alpha1.ReasonFirmwareComponentsOK, "")
	}
	return !apiequality.Semantic.DeepEqual(before, &hfc.Status)
}

func (w Writer) components(ctx context.Context, h *v1alpha1.BareMetalHost, r Reading, applied []v1alpha1.FirmwareUpdate, now metav1.Time) error {
	api := w.Client.BaremetalV1alpha1()
	hfc, err := api.HostFirmwareComponents(h.Namespace).Get(ctx, h.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		hfc, err = api.HostFirmwareComponents(h.Namespace).Create(ctx, &v1alpha1.HostFirmwareComponents{
			ObjectMeta: metav1.ObjectMeta{Name: h.Name, Namespace: h.Namespace, OwnerReferences: owner(h)},
		}, metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	if applied != nil {
		// Metal3 records the updates carried out as status.updates: what spec.updates asked
		// for and the host went through.
		hfc.Status.Updates = applied
	}
	if r.ComponentsErr == nil {
		hfc.Status.Components = componentStatus(hfc.Status.Components, r.Components, applied, now)
		hfc.Status.LastUpdated = &now
	}
	ComponentsConditions(hfc, now)
	_, err = api.HostFirmwareComponents(h.Namespace).UpdateStatus(ctx, hfc, metav1.UpdateOptions{})
	return err
}

// componentStatus is the versions read, each keeping the first version seen as its initial
// one; the components of applied updates get the version flashed and when.
func componentStatus(before []v1alpha1.FirmwareComponentStatus, comps []provisioner.FirmwareComponent, applied []v1alpha1.FirmwareUpdate, now metav1.Time) []v1alpha1.FirmwareComponentStatus {
	previous := map[string]v1alpha1.FirmwareComponentStatus{}
	for _, s := range before {
		previous[s.Component] = s
	}
	flashed := map[string]bool{}
	for _, u := range applied {
		flashed[u.Component] = true
	}
	var out []v1alpha1.FirmwareComponentStatus
	for _, comp := range comps {
		s := previous[comp.Component]
		s.Component = comp.Component
		if s.InitialVersion == "" {
			s.InitialVersion = comp.Version
		}
		s.CurrentVersion = comp.Version
		if flashed[comp.Component] {
			s.LastVersionFlashed = comp.Version
			s.UpdatedAt = &now
		}
		out = append(out, s)
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func set(conds *[]metav1.Condition, gen int64, now metav1.Time, typ string, ok bool, reason, msg string) {
	status := metav1.ConditionFalse
	if ok {
		status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(conds, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg,
		ObservedGeneration: gen, LastTransitionTime: now})
}
