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
	storagetest.Run(t, func(t *testing.T) specstatus.Storage { return storagetest.Start(t, storagetest.MainOnly(NewREST)) }, storagetest.Case[*baremetal.HostDeployPolicy]{
		Valid: func(name string) *baremetal.HostDeployPolicy {
			return &baremetal.HostDeployPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
				Spec:       baremetal.HostDeployPolicySpec{HostClaimNamespaces: &baremetal.HostClaimNamespaces{Names: []string{"tenant-a"}}},
			}
		},
		Invalid:      func(hdp *baremetal.HostDeployPolicy) { hdp.Spec.HostClaimNamespaces.NameMatches = "tenant-(" },
		InvalidField: "spec.hostClaimNamespaces.nameMatches",
		// What the claim binder reads to know which namespaces may claim the pool's hosts.
		SpecChange: func(hdp *baremetal.HostDeployPolicy) { hdp.Spec.HostClaimNamespaces.Names = []string{"tenant-b"} },
		Singular:   "hostdeploypolicy",
		Spec:       func(hdp *baremetal.HostDeployPolicy) any { return hdp.Spec },
		Status:     func(hdp *baremetal.HostDeployPolicy) any { return hdp.Status },
	})
}
