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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus/storagetest"
)

func TestStorage(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) specstatus.Storage { return storagetest.Start(t, storagetest.MainOnly(NewREST)) }, storagetest.Case[*baremetal.HardwareData]{
		Valid: func(name string) *baremetal.HardwareData {
			return &baremetal.HardwareData{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
				Spec: baremetal.HardwareDataSpec{Hardware: &baremetal.HardwareDetails{
					RAMMebibytes: 4096,
					CPU:          baremetal.CPU{Arch: "x86_64", Count: 4},
					NICs:         []baremetal.NIC{{Name: "eth0", MAC: "52:54:00:00:00:01"}},
					Storage:      []baremetal.Storage{{Name: "/dev/sda", Type: baremetal.DiskTypeSSD, SizeBytes: 1 << 37}},
				}},
			}
		},
		// The CRD's rules are a 422 naming the field.
		Invalid:      func(hd *baremetal.HardwareData) { hd.Spec.Hardware.NICs[0].MAC = "not-a-mac" },
		InvalidField: "spec.hardware.nics[0].mac",
		// A new inventory (a new inspection).
		SpecChange: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.RAMMebibytes = 8192 },
		// Metal3's CRD: plural and singular are both "hardwaredata".
		Singular:   "hardwaredata",
		ShortNames: []string{"hd"},
		Categories: []string{"baremetal"},
		Spec:       func(hd *baremetal.HardwareData) any { return hd.Spec },
	})
}
