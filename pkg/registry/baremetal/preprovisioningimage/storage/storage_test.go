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
	built := metav1.NewTime(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	storagetest.Run(t, func(t *testing.T) specstatus.Storage { return storagetest.Start(t, NewStorage) }, storagetest.Case[*baremetal.PreprovisioningImage]{
		Valid: func(name string) *baremetal.PreprovisioningImage {
			return &baremetal.PreprovisioningImage{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
				Spec: baremetal.PreprovisioningImageSpec{Architecture: "x86_64",
					AcceptFormats: []baremetal.ImageFormat{baremetal.ImageFormatISO}},
			}
		},
		Invalid: func(img *baremetal.PreprovisioningImage) {
			img.Spec.AcceptFormats = []baremetal.ImageFormat{"vmdk"}
		},
		InvalidField: "spec.acceptFormats[0]",
		SpecChange:   func(img *baremetal.PreprovisioningImage) { img.Spec.Architecture = "aarch64" },
		Singular:     "preprovisioningimage",
		ShortNames:   []string{"ppimg"},
		SetStatus: func(img *baremetal.PreprovisioningImage) {
			img.Status = baremetal.PreprovisioningImageStatus{
				ImageURL: "http://images.example.com/foo.iso", Format: baremetal.ImageFormatISO, Architecture: "x86_64",
				Conditions: []metav1.Condition{{Type: string(v1alpha1.ConditionImageReady), Status: metav1.ConditionTrue,
					Reason: "ImageSuccess", Message: "Generated image", LastTransitionTime: built}},
			}
		},
		BadStatus: func(img *baremetal.PreprovisioningImage) {
			img.Status.Conditions = append(img.Status.Conditions, img.Status.Conditions[0])
		},
		Spec:   func(img *baremetal.PreprovisioningImage) any { return img.Spec },
		Status: func(img *baremetal.PreprovisioningImage) any { return img.Status },
	})
}
