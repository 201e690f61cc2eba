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

package preprovisioningimage

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func testImage() *baremetal.PreprovisioningImage {
	return &baremetal.PreprovisioningImage{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: "ns", Generation: 2, ResourceVersion: "7"},
		Spec: baremetal.PreprovisioningImageSpec{Architecture: "x86_64",
			AcceptFormats: []baremetal.ImageFormat{baremetal.ImageFormatISO, baremetal.ImageFormatInitRD}},
		Status: baremetal.PreprovisioningImageStatus{
			ImageURL: "http://images.example.com/worker-0.iso", Format: baremetal.ImageFormatISO,
			Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "ImageSuccess", LastTransitionTime: metav1.Now()}},
		},
	}
}

func TestValidate(t *testing.T) {
	img := testImage()
	img.Spec.AcceptFormats = append(img.Spec.AcceptFormats, "pxe")
	if errs := Strategy.Validate(context.Background(), img); len(errs) != 1 || errs[0].Field != "spec.acceptFormats[2]" {
		t.Errorf("Validate: %v", errs)
	}
	if errs := Strategy.ValidateUpdate(context.Background(), img, testImage()); len(errs) != 1 || errs[0].Field != "spec.acceptFormats[2]" {
		t.Errorf("ValidateUpdate: %v", errs)
	}
	bad := testImage()
	bad.Status.Format = "qcow2"
	if errs := StatusStrategy.ValidateUpdate(context.Background(), bad, testImage()); len(errs) != 1 || errs[0].Field != "status.format" {
		t.Errorf("status ValidateUpdate: %v", errs)
	}
}

func TestTable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*baremetal.PreprovisioningImage)
		want   []any
	}{
		{name: "ready", mutate: func(*baremetal.PreprovisioningImage) {},
			want: []any{"worker-0", "True", "ImageSuccess", "iso,initrd", "iso", "http://images.example.com/worker-0.iso", "<unknown>"}},
		{name: "not built yet", mutate: func(i *baremetal.PreprovisioningImage) { i.Status = baremetal.PreprovisioningImageStatus{} },
			want: []any{"worker-0", "", "", "iso,initrd", "", "", "<unknown>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := testImage()
			tc.mutate(img)
			table, err := TableConvertor.ConvertToTable(context.Background(), img, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(table.Rows[0].Cells) != len(tc.want) {
				t.Fatalf("cells %v", table.Rows[0].Cells)
			}
			for i, c := range table.Rows[0].Cells {
				if c != tc.want[i] {
					t.Errorf("cell %s = %v, want %v", table.ColumnDefinitions[i].Name, c, tc.want[i])
				}
			}
			for i, col := range table.ColumnDefinitions {
				if (i < 3) != (col.Priority == 0) {
					t.Errorf("column %s has priority %d", col.Name, col.Priority)
				}
			}
		})
	}
}
