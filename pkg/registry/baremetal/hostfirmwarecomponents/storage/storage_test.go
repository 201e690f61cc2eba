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

package storage

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus/storagetest"
)

func TestStorage(t *testing.T) {
	flashed := metav1.NewTime(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	storagetest.Run(t, func(t *testing.T) specstatus.Storage { return storagetest.Start(t, NewStorage) }, storagetest.Case[*baremetal.HostFirmwareComponents]{
		Valid: func(name string) *baremetal.HostFirmwareComponents {
			return &baremetal.HostFirmwareComponents{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
				Spec: baremetal.HostFirmwareComponentsSpec{Updates: []baremetal.FirmwareUpdate{
					{Component: "bios", URL: "https://fw.example.com/bios-2.1.bin"},
				}},
			}
		},
		Invalid:      func(hfc *baremetal.HostFirmwareComponents) { hfc.Spec.Updates[0].Component = "gpu" },
		InvalidField: "spec.updates[0].component",
		SpecChange: func(hfc *baremetal.HostFirmwareComponents) {
			hfc.Spec.Updates = append(hfc.Spec.Updates, baremetal.FirmwareUpdate{Component: "nic:NIC.Slot.1-1", URL: "http://fw.example.com/nic.bin"})
		},
		Singular: "hostfirmwarecomponents",
		SetStatus: func(hfc *baremetal.HostFirmwareComponents) {
			hfc.Status = baremetal.HostFirmwareComponentsStatus{
				Updates:    []baremetal.FirmwareUpdate{{Component: "bios", URL: "https://fw.example.com/bios-2.1.bin"}},
				Components: []baremetal.FirmwareComponentStatus{{Component: "bios", InitialVersion: "2.0", CurrentVersion: "2.1", LastVersionFlashed: "2.1", UpdatedAt: &flashed}},
				Conditions: []metav1.Condition{{Type: v1alpha1.HostFirmwareComponentsValid, Status: metav1.ConditionTrue,
					Reason: v1alpha1.ReasonFirmwareComponentsOK, LastTransitionTime: flashed}},
			}
		},
		// What the reconciler reports must have Metal3's required fields.
		BadStatus: func(hfc *baremetal.HostFirmwareComponents) { hfc.Status.Components[0].InitialVersion = "" },
		Spec:      func(hfc *baremetal.HostFirmwareComponents) any { return hfc.Spec },
		Status:    func(hfc *baremetal.HostFirmwareComponents) any { return hfc.Status },
	})
}
