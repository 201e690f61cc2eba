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

package dataimage

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func testDataImage() *baremetal.DataImage {
	return &baremetal.DataImage{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: "ns", Generation: 2, ResourceVersion: "7"},
		Spec:       baremetal.DataImageSpec{URL: "http://images.example.com/config.iso"},
		Status: baremetal.DataImageStatus{
			AttachedImage: baremetal.AttachedImageReference{URL: "http://images.example.com/config.iso"},
		},
	}
}

func TestValidate(t *testing.T) {
	img := testDataImage()
	img.Spec.URL = "file:///config.iso"
	if errs := Strategy.Validate(context.Background(), img); len(errs) != 1 || errs[0].Field != "spec.url" {
		t.Errorf("Validate: %v", errs)
	}
	if errs := Strategy.ValidateUpdate(context.Background(), img, testDataImage()); len(errs) != 1 || errs[0].Field != "spec.url" {
		t.Errorf("ValidateUpdate: %v", errs)
	}
	bad := testDataImage()
	bad.Status.Error.Count = -1
	if errs := StatusStrategy.ValidateUpdate(context.Background(), bad, testDataImage()); len(errs) != 1 || errs[0].Field != "status.error.count" {
		t.Errorf("status ValidateUpdate: %v", errs)
	}
}

func TestTable(t *testing.T) {
	img := testDataImage()
	img.Status.Error = baremetal.DataImageError{Count: 2, Message: "virtual media busy"}
	table, err := TableConvertor.ConvertToTable(context.Background(), img, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"worker-0", "<unknown>", "http://images.example.com/config.iso", "http://images.example.com/config.iso", "2: virtual media busy"}
	if len(table.Rows[0].Cells) != len(want) {
		t.Fatalf("cells %v", table.Rows[0].Cells)
	}
	for i, c := range table.Rows[0].Cells {
		if c != want[i] {
			t.Errorf("cell %s = %v, want %v", table.ColumnDefinitions[i].Name, c, want[i])
		}
	}
	for i, col := range table.ColumnDefinitions {
		if (i < 2) != (col.Priority == 0) {
			t.Errorf("column %s has priority %d", col.Name, col.Priority)
		}
	}
}
