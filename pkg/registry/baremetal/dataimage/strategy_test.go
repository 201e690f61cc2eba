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
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

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

func TestPrepareForCreate(t *testing.T) {
	img := testDataImage()
	Strategy.PrepareForCreate(context.Background(), img)
	if img.Generation != 1 || img.Status != (baremetal.DataImageStatus{}) {
		t.Errorf("created %+v", img)
	}
}

func TestPrepareForUpdate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mutate     func(*baremetal.DataImage)
		generation int64
	}{
		{name: "nothing", mutate: func(*baremetal.DataImage) {}, generation: 2},
		{name: "status sent along", mutate: func(i *baremetal.DataImage) { i.Status.AttachedImage.URL = "" }, generation: 2},
		{name: "another image", mutate: func(i *baremetal.DataImage) { i.Spec.URL = "http://images.example.com/other.iso" }, generation: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := testDataImage()
			img := old.DeepCopy()
			tc.mutate(img)
			Strategy.PrepareForUpdate(context.Background(), img, old)
			if img.Generation != tc.generation {
				t.Errorf("generation %d, want %d", img.Generation, tc.generation)
			}
			if img.Status.AttachedImage.URL == "" {
				t.Error("status sent with an update was kept")
			}
		})
	}
}

func TestStatusStrategyKeepsSpec(t *testing.T) {
	old := testDataImage()
	img := old.DeepCopy()
	img.Spec.URL = "http://attacker.example.com/evil.iso"
	img.Labels = map[string]string{"sneaky": "label"}
	img.Annotations = map[string]string{"sneaky": "annotation"}
	img.Status.Error = baremetal.DataImageError{Count: 1, Message: "virtual media busy"}
	StatusStrategy.PrepareForUpdate(context.Background(), img, old)
	if img.Spec != old.Spec || img.Labels != nil || img.Annotations != nil {
		t.Errorf("status write changed spec, labels or annotations: %+v %v %v", img.Spec, img.Labels, img.Annotations)
	}
	if img.Status.Error.Count != 1 {
		t.Errorf("status not kept: %+v", img.Status)
	}
	bad := img.DeepCopy()
	bad.Status.Error.Count = -1
	if errs := StatusStrategy.ValidateUpdate(context.Background(), bad, old); len(errs) != 1 || errs[0].Field != "status.error.count" {
		t.Errorf("negative count: %v", errs)
	}
}

func TestResetFields(t *testing.T) {
	main := Strategy.GetResetFields()["baremetal.metal3.io/v1alpha1"]
	if main == nil || !main.Has(pathOf("status")) || main.Has(pathOf("spec")) {
		t.Errorf("main resource reset fields: %v", main)
	}
	status := StatusStrategy.GetResetFields()["baremetal.metal3.io/v1alpha1"]
	if status == nil || !status.Has(pathOf("spec")) || status.Has(pathOf("status")) {
		t.Errorf("status reset fields: %v", status)
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

func pathOf(parts ...any) fieldpath.Path { return fieldpath.MakePathOrDie(parts...) }
