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
	storagetest.Run(t, func(t *testing.T) specstatus.Storage { return storagetest.Start(t, NewStorage) }, storagetest.Case[*baremetal.BMCEventSubscription]{
		Valid: func(name string) *baremetal.BMCEventSubscription {
			return &baremetal.BMCEventSubscription{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
				Spec: baremetal.BMCEventSubscriptionSpec{
					HostName:    "worker-0",
					Destination: "https://events.example.com/bmc",
				},
			}
		},
		Invalid:      func(s *baremetal.BMCEventSubscription) { s.Spec.Destination = "https://events.example.com" },
		InvalidField: "spec.destination",
		// A status write must not be able to redirect a host's events, nor may anyone else: the
		// spec cannot change after create.
		SpecChange:    func(s *baremetal.BMCEventSubscription) { s.Spec.Destination = "https://attacker.example.com/" },
		SpecImmutable: true,
		Singular:      "bmceventsubscription",
		ShortNames:    []string{"bes", "bmcevent"},
		SetStatus: func(s *baremetal.BMCEventSubscription) {
			s.Status = baremetal.BMCEventSubscriptionStatus{SubscriptionID: "7"}
		},
		Spec:   func(s *baremetal.BMCEventSubscription) any { return s.Spec },
		Status: func(s *baremetal.BMCEventSubscription) any { return s.Status },
	})
}
