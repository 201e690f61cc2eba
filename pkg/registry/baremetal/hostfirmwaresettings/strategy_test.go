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

package hostfirmwaresettings

import (
	"context"
	"errors"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// fakeSchemas is a SchemaGetter over a fixed set of schemas, recording what it was asked.
type fakeSchemas struct {
	schemas map[string]*baremetal.FirmwareSchema // by namespace/name
	err     error
	asked   []string
}

func (f *fakeSchemas) GetFirmwareSchema(ctx context.Context, namespace, name string) (*baremetal.FirmwareSchema, error) {
	f.asked = append(f.asked, namespace+"/"+name)
	if f.err != nil {
		return nil, f.err
	}
	if s, ok := f.schemas[namespace+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(baremetal.Resource("firmwareschemas"), name)
}

func turboSchema() *baremetal.FirmwareSchema {
	return &baremetal.FirmwareSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "schema-1", Namespace: "ns"},
		Spec: baremetal.FirmwareSchemaSpec{Schema: map[string]baremetal.SettingSchema{
			"ProcTurboMode": {AttributeType: baremetal.SettingTypeEnumeration, AllowableValues: []string{"Enabled", "Disabled"}},
		}},
	}
}

func hfsNaming(namespace, name string, turbo string) *baremetal.HostFirmwareSettings {
	hfs := &baremetal.HostFirmwareSettings{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: "ns", ResourceVersion: "3", Generation: 2},
		Spec:       baremetal.HostFirmwareSettingsSpec{Settings: baremetal.DesiredSettingsMap{"ProcTurboMode": intstr.FromString(turbo)}},
	}
	if name != "" {
		hfs.Status.Schema = &baremetal.SchemaReference{Namespace: namespace, Name: name}
	}
	return hfs
}

// TestSchemaLookup pins which schema the strategy judges a write by, and what it does when it
// cannot read one.
func TestSchemaLookup(t *testing.T) {
	cases := []struct {
		name    string
		obj     *baremetal.HostFirmwareSettings
		err     error
		asked   []string
		wantErr field.ErrorType // empty: accepted
	}{
		{name: "no schema named: accepted unread", obj: hfsNaming("", "", "Maybe")},
		{name: "named schema judges", obj: hfsNaming("ns", "schema-1", "Maybe"), asked: []string{"ns/schema-1"}, wantErr: field.ErrorTypeNotSupported},
		{name: "named schema allows", obj: hfsNaming("ns", "schema-1", "Enabled"), asked: []string{"ns/schema-1"}},
		{name: "named schema missing: accepted", obj: hfsNaming("ns", "schema-2", "Maybe"), asked: []string{"ns/schema-2"}},
		{name: "schema of another namespace is never read", obj: hfsNaming("other", "schema-1", "Maybe")},
		{name: "schema unreadable: refused", obj: hfsNaming("ns", "schema-1", "Enabled"), err: errors.New("etcd is down"),
			asked: []string{"ns/schema-1"}, wantErr: field.ErrorTypeInternal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeSchemas{schemas: map[string]*baremetal.FirmwareSchema{"ns/schema-1": turboSchema()}, err: tc.err}
			s := NewStrategy(f)
			old := tc.obj.DeepCopy()
			old.Spec.Settings = nil
			errs := s.ValidateUpdate(context.Background(), tc.obj, old)
			if tc.wantErr == "" && len(errs) > 0 || tc.wantErr != "" && (len(errs) != 1 || errs[0].Type != tc.wantErr) {
				t.Errorf("errors %v, want %q", errs, tc.wantErr)
			}
			if len(f.asked) != len(tc.asked) || len(tc.asked) > 0 && f.asked[0] != tc.asked[0] {
				t.Errorf("read %v, want %v", f.asked, tc.asked)
			}
		})
	}
}

// TestCreateIsNeverJudgedBySchema: status, and so the schema reference, is dropped on create.
func TestCreateIsNeverJudgedBySchema(t *testing.T) {
	f := &fakeSchemas{schemas: map[string]*baremetal.FirmwareSchema{"ns/schema-1": turboSchema()}}
	s := NewStrategy(f)
	hfs := hfsNaming("ns", "schema-1", "Maybe")
	s.PrepareForCreate(context.Background(), hfs)
	if errs := s.Validate(context.Background(), hfs); len(errs) > 0 {
		t.Errorf("create: %v", errs)
	}
	if hfs.Generation != 1 || hfs.Status.Schema != nil || len(f.asked) > 0 {
		t.Errorf("generation %d, status %+v, schemas read %v", hfs.Generation, hfs.Status, f.asked)
	}
	if w := s.WarningsOnCreate(context.Background(), hfs); len(w) != 1 {
		t.Errorf("warnings %q, want one saying no schema judged the settings", w)
	}
}

// TestStatusStrategy: a status write keeps spec, labels and annotations, and a new schema is not
// held against the stored settings.
func TestStatusStrategy(t *testing.T) {
	f := &fakeSchemas{schemas: map[string]*baremetal.FirmwareSchema{"ns/schema-1": turboSchema()}}
	s := NewStatusStrategy(NewStrategy(f))
	old := hfsNaming("", "", "Maybe")
	h := hfsNaming("ns", "schema-1", "Enabled")
	h.Labels = map[string]string{"sneaky": "label"}
	s.PrepareForUpdate(context.Background(), h, old)
	if h.Spec.Settings["ProcTurboMode"].StrVal != "Maybe" || h.Labels != nil {
		t.Errorf("status write changed spec or labels: %v %v", h.Spec, h.Labels)
	}
	if errs := s.ValidateUpdate(context.Background(), h, old); len(errs) > 0 || len(f.asked) > 0 {
		t.Errorf("errors %v, schemas read %v", errs, f.asked)
	}
}

func TestTable(t *testing.T) {
	hfs := hfsNaming("ns", "schema-1", "Enabled")
	hfs.CreationTimestamp = metav1.NewTime(time.Now().Add(-time.Hour))
	hfs.Status.Conditions = []metav1.Condition{{Type: "Valid", Status: metav1.ConditionTrue}, {Type: "ChangeDetected", Status: metav1.ConditionFalse}}
	table, err := TableConvertor.ConvertToTable(context.Background(), &baremetal.HostFirmwareSettingsList{Items: []baremetal.HostFirmwareSettings{*hfs, {}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			names = append(names, c.Name)
		}
	}
	if len(names) != 2 || names[0] != "Name" || names[1] != "Age" {
		t.Errorf("default columns %v, want Metal3's Name and Age", names)
	}
	want := [][]any{{"worker-0", "60m", int64(1), "schema-1", "True", "False"}, {"", "<unknown>", int64(0), "", "", ""}}
	for i, row := range table.Rows {
		if len(row.Cells) != len(table.ColumnDefinitions) {
			t.Fatalf("row %d has %d cells for %d columns", i, len(row.Cells), len(table.ColumnDefinitions))
		}
		for j := range want[i] {
			if row.Cells[j] != want[i][j] {
				t.Errorf("row %d cell %s = %v, want %v", i, table.ColumnDefinitions[j].Name, row.Cells[j], want[i][j])
			}
		}
	}
}
