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
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus/storagetest"
)

func TestStorage(t *testing.T) {
	reconciled := metav1.NewTime(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	storagetest.Run(t, func(t *testing.T) specstatus.Storage { return storagetest.Start(t, NewStorage) }, storagetest.Case[*baremetal.DataImage]{
		Valid: func(name string) *baremetal.DataImage {
			return &baremetal.DataImage{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
				Spec:       baremetal.DataImageSpec{URL: "http://images.example.com/config.iso"},
			}
		},
		Invalid:      func(img *baremetal.DataImage) { img.Spec.URL = "config.iso" },
		InvalidField: "spec.url",
		SpecChange:   func(img *baremetal.DataImage) { img.Spec.URL = "https://images.example.com/other.iso" },
		Singular:     "dataimage",
		SetStatus: func(img *baremetal.DataImage) {
			img.Status = baremetal.DataImageStatus{
				LastReconciled: &reconciled,
				AttachedImage:  baremetal.AttachedImageReference{URL: "http://images.example.com/config.iso"},
			}
		},
		BadStatus: func(img *baremetal.DataImage) { img.Status.Error.Count = -1 },
		Spec:      func(img *baremetal.DataImage) any { return img.Spec },
		Status:    func(img *baremetal.DataImage) any { return img.Status },
	})
}
