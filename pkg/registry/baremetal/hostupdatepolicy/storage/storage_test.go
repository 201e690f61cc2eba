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
	storagetest.Run(t, func(t *testing.T) specstatus.Storage { return storagetest.Start(t, storagetest.MainOnly(NewREST)) }, storagetest.Case[*baremetal.HostUpdatePolicy]{
		Valid: func(name string) *baremetal.HostUpdatePolicy {
			return &baremetal.HostUpdatePolicy{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
				Spec:       baremetal.HostUpdatePolicySpec{FirmwareSettings: baremetal.HostUpdatePolicyOnReboot},
			}
		},
		Invalid:      func(hup *baremetal.HostUpdatePolicy) { hup.Spec.FirmwareSettings = "OnReboot" },
		InvalidField: "spec.firmwareSettings",
		// What a reconciler reads to know whether the policy changed since it last acted.
		SpecChange: func(hup *baremetal.HostUpdatePolicy) { hup.Spec.FirmwareUpdates = baremetal.HostUpdatePolicyOnReboot },
		Singular:   "hostupdatepolicy",
		Spec:       func(hup *baremetal.HostUpdatePolicy) any { return hup.Spec },
		Status:     func(hup *baremetal.HostUpdatePolicy) any { return hup.Status },
	})
}
