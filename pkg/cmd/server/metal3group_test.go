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

package server

import (
	"strings"
	"testing"
)

func TestRefuseMetal3CRDs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		crds    []string
		wantErr string
	}{
		{name: "no CRDs"},
		{name: "other groups only, including look-alikes", crds: []string{
			"machines.cluster.x-k8s.io", "baremetalhosts.baremetal.metal3.io", "metal3machines.infrastructure.cluster.x-k8s.io",
			"things.ipam.metal3.io",
		}},
		{name: "Metal3's CRDs", crds: []string{"machines.cluster.x-k8s.io", "hardwaredata.metal3.io", "baremetalhosts.metal3.io"},
			wantErr: "Metal3's CustomResourceDefinitions (baremetalhosts.metal3.io, hardwaredata.metal3.io)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := refuseMetal3CRDs(tc.crds)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
