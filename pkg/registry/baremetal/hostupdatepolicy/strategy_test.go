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

package hostupdatepolicy

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func testHUP() *baremetal.HostUpdatePolicy {
	return &baremetal.HostUpdatePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: "ns", Generation: 2, ResourceVersion: "7"},
		Spec:       baremetal.HostUpdatePolicySpec{FirmwareSettings: baremetal.HostUpdatePolicyOnReboot},
	}
}

func TestPrepareForCreate(t *testing.T) {
	hup := testHUP()
	Strategy.PrepareForCreate(context.Background(), hup)
	if hup.Generation != 1 || hup.Spec.FirmwareSettings != baremetal.HostUpdatePolicyOnReboot {
		t.Errorf("created %+v", hup)
	}
}

func TestPrepareForUpdate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mutate     func(*baremetal.HostUpdatePolicy)
		generation int64
	}{
		{name: "nothing", mutate: func(*baremetal.HostUpdatePolicy) {}, generation: 2},
		{name: "a label", mutate: func(h *baremetal.HostUpdatePolicy) { h.Labels = map[string]string{"a": "b"} }, generation: 2},
		{name: "a policy", mutate: func(h *baremetal.HostUpdatePolicy) {
			h.Spec.FirmwareUpdates = baremetal.HostUpdatePolicyOnReboot
		}, generation: 3},
		{name: "a policy removed", mutate: func(h *baremetal.HostUpdatePolicy) { h.Spec.FirmwareSettings = "" }, generation: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := testHUP()
			h := old.DeepCopy()
			tc.mutate(h)
			Strategy.PrepareForUpdate(context.Background(), h, old)
			if h.Generation != tc.generation {
				t.Errorf("generation %d, want %d", h.Generation, tc.generation)
			}
		})
	}
}

func TestStrategy(t *testing.T) {
	if !Strategy.NamespaceScoped() || Strategy.AllowCreateOnUpdate(context.Background()) || !Strategy.AllowUnconditionalUpdate(context.Background()) {
		t.Error("HostUpdatePolicies are namespaced, never created by an update, and may be replaced without a resourceVersion")
	}
	bad := testHUP()
	bad.Spec.FirmwareUpdates = "now"
	if errs := Strategy.Validate(context.Background(), bad); len(errs) != 1 || errs[0].Field != "spec.firmwareUpdates" {
		t.Errorf("Validate: %v", errs)
	}
	if errs := Strategy.ValidateUpdate(context.Background(), bad, testHUP()); len(errs) != 1 || errs[0].Field != "spec.firmwareUpdates" {
		t.Errorf("ValidateUpdate: %v", errs)
	}
	labels, fields, err := Strategy.GetAttrs(testHUP())
	if err != nil || fields["metadata.name"] != "worker-0" || fields["metadata.namespace"] != "ns" || len(labels) != 0 {
		t.Errorf("GetAttrs: %v %v %v", labels, fields, err)
	}
	if _, _, err := Strategy.GetAttrs(&baremetal.FirmwareSchema{}); err == nil {
		t.Error("GetAttrs of another kind: no error")
	}
}

func TestTable(t *testing.T) {
	table, err := TableConvertor.ConvertToTable(context.Background(), testHUP(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(table.ColumnDefinitions); n != 4 || table.ColumnDefinitions[1].Name != "Age" ||
		table.ColumnDefinitions[1].Priority != 0 || table.ColumnDefinitions[2].Priority != 1 {
		t.Errorf("columns %+v", table.ColumnDefinitions)
	}
	want := []any{"worker-0", "<unknown>", "onReboot", ""}
	if len(table.Rows[0].Cells) != len(want) {
		t.Fatalf("cells %v", table.Rows[0].Cells)
	}
	for i, c := range table.Rows[0].Cells {
		if c != want[i] {
			t.Errorf("cell %s = %v, want %v", table.ColumnDefinitions[i].Name, c, want[i])
		}
	}
}
