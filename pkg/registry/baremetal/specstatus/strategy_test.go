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

package specstatus

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// The strategies are tested on two of the group's kinds: DataImage, with a status, and
// FirmwareSchema, without. The validation functions name what they were called with.

func imageKind() Kind[*baremetal.DataImage] {
	return Kind[*baremetal.DataImage]{
		Name:   "DataImage",
		Spec:   FieldOf(func(img *baremetal.DataImage) *baremetal.DataImageSpec { return &img.Spec }),
		Status: FieldOf(func(img *baremetal.DataImage) *baremetal.DataImageStatus { return &img.Status }),
		Validate: func(*baremetal.DataImage) field.ErrorList {
			return field.ErrorList{field.Invalid(field.NewPath("create"), nil, "")}
		},
		ValidateUpdate: func(_, _ *baremetal.DataImage) field.ErrorList {
			return field.ErrorList{field.Invalid(field.NewPath("update"), nil, "")}
		},
		ValidateStatusUpdate: func(_, _ *baremetal.DataImage) field.ErrorList {
			return field.ErrorList{field.Invalid(field.NewPath("status"), nil, "")}
		},
	}
}

func schemaKind() Kind[*baremetal.FirmwareSchema] {
	return Kind[*baremetal.FirmwareSchema]{
		Name: "FirmwareSchema",
		Spec: FieldOf(func(s *baremetal.FirmwareSchema) *baremetal.FirmwareSchemaSpec { return &s.Spec }),
	}
}

func testImage() *baremetal.DataImage {
	return &baremetal.DataImage{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: "ns", Generation: 2, ResourceVersion: "7",
			Labels: map[string]string{"a": "b"}, Annotations: map[string]string{"c": "d"}},
		Spec:   baremetal.DataImageSpec{URL: "http://images.example.com/config.iso"},
		Status: baremetal.DataImageStatus{AttachedImage: baremetal.AttachedImageReference{URL: "http://images.example.com/config.iso"}},
	}
}

func TestPrepareForCreate(t *testing.T) {
	img := testImage()
	NewStrategy(imageKind()).PrepareForCreate(context.Background(), img)
	if img.Generation != 1 || img.Status != (baremetal.DataImageStatus{}) {
		t.Errorf("created %+v", img)
	}

	// A kind without a status: the generation starts, the spec stays.
	s := &baremetal.FirmwareSchema{ObjectMeta: metav1.ObjectMeta{Generation: 5}, Spec: baremetal.FirmwareSchemaSpec{HardwareModel: "R650"}}
	NewStrategy(schemaKind()).PrepareForCreate(context.Background(), s)
	if s.Generation != 1 || s.Spec.HardwareModel != "R650" {
		t.Errorf("created %+v", s)
	}
}

func TestPrepareForUpdate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mutate     func(*baremetal.DataImage)
		generation int64
	}{
		{name: "nothing", mutate: func(*baremetal.DataImage) {}, generation: 2},
		{name: "metadata", mutate: func(i *baremetal.DataImage) {
			i.Labels = map[string]string{"x": "y"}
			i.Finalizers = []string{"example.com/keep"}
		}, generation: 2},
		{name: "a generation sent along", mutate: func(i *baremetal.DataImage) { i.Generation = 9 }, generation: 2},
		{name: "status sent along", mutate: func(i *baremetal.DataImage) { i.Status.AttachedImage.URL = "" }, generation: 2},
		{name: "spec", mutate: func(i *baremetal.DataImage) { i.Spec.URL = "http://images.example.com/other.iso" }, generation: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := testImage()
			img := old.DeepCopy()
			tc.mutate(img)
			NewStrategy(imageKind()).PrepareForUpdate(context.Background(), img, old)
			if img.Generation != tc.generation {
				t.Errorf("generation %d, want %d", img.Generation, tc.generation)
			}
			if img.Status != old.Status {
				t.Errorf("status %+v, want the stored %+v", img.Status, old.Status)
			}
		})
	}

	// A kind without a status: the generation follows the spec.
	old := &baremetal.FirmwareSchema{ObjectMeta: metav1.ObjectMeta{Generation: 4}}
	s := old.DeepCopy()
	s.Spec.HardwareVendor = "Dell Inc."
	NewStrategy(schemaKind()).PrepareForUpdate(context.Background(), s, old)
	if s.Generation != 5 {
		t.Errorf("generation %d after a spec change, want 5", s.Generation)
	}
}

func TestStatusStrategyKeepsAllButStatus(t *testing.T) {
	old := testImage()
	img := old.DeepCopy()
	img.Spec.URL = "http://attacker.example.com/evil.iso"
	img.Labels = map[string]string{"sneaky": "label"}
	img.Annotations = nil
	img.Finalizers = []string{"example.com/keep"}
	img.Status.Error = baremetal.DataImageError{Count: 1, Message: "virtual media busy"}
	NewStatusStrategy(NewStrategy(imageKind())).PrepareForUpdate(context.Background(), img, old)
	if img.Spec != old.Spec || img.Labels["a"] != "b" || len(img.Labels) != 1 || img.Annotations["c"] != "d" {
		t.Errorf("status write changed spec, labels or annotations: %+v %v %v", img.Spec, img.Labels, img.Annotations)
	}
	if img.Status.Error.Count != 1 || len(img.Finalizers) != 1 {
		t.Errorf("status or metadata not taken: %+v %v", img.Status, img.Finalizers)
	}
}

func TestValidationIsTheKinds(t *testing.T) {
	ctx := context.Background()
	s := NewStrategy(imageKind())
	for what, errs := range map[string]field.ErrorList{
		"create": s.Validate(ctx, testImage()),
		"update": s.ValidateUpdate(ctx, testImage(), testImage()),
		"status": NewStatusStrategy(s).ValidateUpdate(ctx, testImage(), testImage()),
	} {
		if len(errs) != 1 || errs[0].Field != what {
			t.Errorf("%s validated by %v", what, errs)
		}
	}
	if w := s.WarningsOnCreate(ctx, testImage()); w != nil {
		t.Errorf("warnings on create: %v", w)
	}
	if w := s.WarningsOnUpdate(ctx, testImage(), testImage()); w != nil {
		t.Errorf("warnings on update: %v", w)
	}
	if !s.NamespaceScoped() || s.AllowCreateOnUpdate(ctx) || !s.AllowUnconditionalUpdate(ctx) {
		t.Error("scope or update rules")
	}
}

func TestResetFields(t *testing.T) {
	path := func(parts ...any) fieldpath.Path { return fieldpath.MakePathOrDie(parts...) }
	s := NewStrategy(imageKind())
	main := s.GetResetFields()["baremetal.metal3.io/v1alpha1"]
	if main == nil || !main.Has(path("status")) || main.Has(path("spec")) {
		t.Errorf("main resource reset fields: %v", main)
	}
	status := NewStatusStrategy(s).GetResetFields()["baremetal.metal3.io/v1alpha1"]
	if status == nil || !status.Has(path("spec")) || !status.Has(path("metadata", "labels")) ||
		!status.Has(path("metadata", "annotations")) || status.Has(path("status")) {
		t.Errorf("status reset fields: %v", status)
	}
	if got := NewStrategy(schemaKind()).GetResetFields(); got != nil {
		t.Errorf("reset fields of a kind without status: %v", got)
	}
}

func TestGetAttrs(t *testing.T) {
	l, f, err := NewStrategy(imageKind()).GetAttrs(testImage())
	wantFields := fields.Set{"metadata.name": "worker-0", "metadata.namespace": "ns"}
	if err != nil || !labels.Equals(l, labels.Set{"a": "b"}) || !wantFields.AsSelector().Matches(f) || len(f) != len(wantFields) {
		t.Errorf("GetAttrs: %v %v %v", l, f, err)
	}
	_, _, err = NewStrategy(imageKind()).GetAttrs(&baremetal.FirmwareSchema{})
	if err == nil || err.Error() != "not a DataImage: *baremetal.FirmwareSchema" {
		t.Errorf("GetAttrs of another kind: %v", err)
	}
}
