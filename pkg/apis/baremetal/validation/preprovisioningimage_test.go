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

package validation

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func testPreprovisioningImage(spec baremetal.PreprovisioningImageSpec) *baremetal.PreprovisioningImage {
	return &baremetal.PreprovisioningImage{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: testNamespace, ResourceVersion: "1"},
		Spec:       spec,
	}
}

func TestValidatePreprovisioningImage(t *testing.T) {
	cases := []struct {
		name string
		spec baremetal.PreprovisioningImageSpec
		want []wantErr
	}{
		{name: "empty"},
		{name: "as Metal3 writes it", spec: baremetal.PreprovisioningImageSpec{
			NetworkDataName: "worker-0-network-data", Architecture: "x86_64",
			AcceptFormats: []baremetal.ImageFormat{baremetal.ImageFormatISO, baremetal.ImageFormatInitRD}}},
		{name: "initrd only, aarch64", spec: baremetal.PreprovisioningImageSpec{
			Architecture: "aarch64", AcceptFormats: []baremetal.ImageFormat{baremetal.ImageFormatInitRD}}},
		{name: "a format not in Metal3's enum", spec: baremetal.PreprovisioningImageSpec{
			AcceptFormats: []baremetal.ImageFormat{baremetal.ImageFormatISO, "qcow2"}},
			want: []wantErr{notSupported("spec.acceptFormats[1]").saying(`"iso", "initrd"`)}},
		{name: "formats are case sensitive", spec: baremetal.PreprovisioningImageSpec{
			AcceptFormats: []baremetal.ImageFormat{"ISO", ""}},
			want: []wantErr{notSupported("spec.acceptFormats[0]"), notSupported("spec.acceptFormats[1]")}},
		{name: "a network data name no Secret can have", spec: baremetal.PreprovisioningImageSpec{NetworkDataName: "Network_Data"},
			want: []wantErr{invalid("spec.networkDataName")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := testPreprovisioningImage(tc.spec)
			checkErrors(t, ValidatePreprovisioningImage(img), tc.want)
			old := testPreprovisioningImage(baremetal.PreprovisioningImageSpec{Architecture: "x86_64"})
			checkErrors(t, ValidatePreprovisioningImageUpdate(img, old), tc.want)
		})
	}
}

func TestValidatePreprovisioningImageStatusUpdate(t *testing.T) {
	now := metav1.Now()
	ready := metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "ImageSuccess", Message: "Generated image", LastTransitionTime: now}
	cases := []struct {
		name   string
		status baremetal.PreprovisioningImageStatus
		want   []wantErr
	}{
		{name: "empty"},
		{name: "an initrd built", status: baremetal.PreprovisioningImageStatus{
			ImageURL: "http://images.example.com/worker-0.initramfs", KernelURL: "http://images.example.com/vmlinuz",
			ExtraKernelParams: "console=ttyS0", Format: baremetal.ImageFormatInitRD, Architecture: "x86_64",
			NetworkData: baremetal.SecretStatus{Name: "worker-0-network-data", Version: "1234"},
			Conditions: []metav1.Condition{ready,
				{Type: "Error", Status: metav1.ConditionFalse, Reason: "ImageSuccess", LastTransitionTime: now}},
		}},
		{name: "a format not in Metal3's enum", status: baremetal.PreprovisioningImageStatus{Format: "qcow2"},
			want: []wantErr{notSupported("status.format")}},
		{name: "a condition twice", status: baremetal.PreprovisioningImageStatus{Conditions: []metav1.Condition{ready, ready}},
			want: []wantErr{duplicate("status.conditions[1]")}},
		{name: "a condition without reason or status", status: baremetal.PreprovisioningImageStatus{Conditions: []metav1.Condition{
			{Type: "Ready", LastTransitionTime: now}}},
			want: []wantErr{required("status.conditions[0].status"), required("status.conditions[0].reason")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The spec is the status strategy's to keep; it is not judged here.
			old := testPreprovisioningImage(baremetal.PreprovisioningImageSpec{AcceptFormats: []baremetal.ImageFormat{"nonsense"}})
			img := old.DeepCopy()
			img.Status = tc.status
			checkErrors(t, ValidatePreprovisioningImageStatusUpdate(img, old), tc.want)
		})
	}
}

func TestNilPreprovisioningImages(t *testing.T) {
	img := testPreprovisioningImage(baremetal.PreprovisioningImageSpec{})
	for name, errs := range map[string]field.ErrorList{
		"create": ValidatePreprovisioningImage(nil),
		"update": ValidatePreprovisioningImageUpdate(img, nil),
		"status": ValidatePreprovisioningImageStatusUpdate(nil, img),
	} {
		if len(errs) != 1 || errs[0].Type != field.ErrorTypeInternal {
			t.Errorf("%s: got %v, want one internal error", name, errs)
		}
	}
}
