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

package bmceventsubscription

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func testSubscription() *baremetal.BMCEventSubscription {
	return &baremetal.BMCEventSubscription{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0-events", Namespace: "ns", Generation: 1, ResourceVersion: "7"},
		Spec: baremetal.BMCEventSubscriptionSpec{
			HostName:       "worker-0",
			Destination:    "https://events.example.com/bmc",
			HTTPHeadersRef: &baremetal.SecretReference{Name: "headers", Namespace: "ns"},
		},
		Status: baremetal.BMCEventSubscriptionStatus{SubscriptionID: "3"},
	}
}

func TestPrepareForCreate(t *testing.T) {
	s := testSubscription()
	Strategy.PrepareForCreate(context.Background(), s)
	if s.Generation != 1 || s.Status != (baremetal.BMCEventSubscriptionStatus{}) {
		t.Errorf("created %+v", s)
	}
}

func TestPrepareForUpdate(t *testing.T) {
	old := testSubscription()
	s := old.DeepCopy()
	s.Labels = map[string]string{"a": "b"}
	s.Status = baremetal.BMCEventSubscriptionStatus{Error: "sent along"}
	Strategy.PrepareForUpdate(context.Background(), s, old)
	if s.Generation != 1 || s.Status != old.Status {
		t.Errorf("after a label: generation %d, status %+v", s.Generation, s.Status)
	}
	if errs := Strategy.ValidateUpdate(context.Background(), s, old); len(errs) != 0 {
		t.Errorf("a label refused: %v", errs)
	}
	// A changed spec gets a new generation, and is refused: subscriptions are immutable.
	s.Spec.HTTPHeadersRef.Name = "other"
	Strategy.PrepareForUpdate(context.Background(), s, old)
	if s.Generation != 2 {
		t.Errorf("after a spec change: generation %d", s.Generation)
	}
	if errs := Strategy.ValidateUpdate(context.Background(), s, old); len(errs) != 1 || errs[0].Field != "spec.httpHeadersRef" {
		t.Errorf("a spec change: %v", errs)
	}
}

func TestStatusStrategyKeepsSpec(t *testing.T) {
	old := testSubscription()
	s := old.DeepCopy()
	s.Spec.Destination = "https://attacker.example.com/"
	s.Labels = map[string]string{"sneaky": "label"}
	s.Status = baremetal.BMCEventSubscriptionStatus{Error: "BMC unreachable"}
	StatusStrategy.PrepareForUpdate(context.Background(), s, old)
	if s.Spec.Destination != old.Spec.Destination || s.Labels != nil {
		t.Errorf("status write changed spec or labels: %+v %v", s.Spec, s.Labels)
	}
	if s.Status.Error != "BMC unreachable" {
		t.Errorf("status not kept: %+v", s.Status)
	}
	if errs := StatusStrategy.ValidateUpdate(context.Background(), s, old); len(errs) != 0 {
		t.Errorf("status write refused: %v", errs)
	}
}

func TestResetFields(t *testing.T) {
	main := Strategy.GetResetFields()["baremetal.metal3.io/v1alpha1"]
	if main == nil || !main.Has(fieldpath.MakePathOrDie("status")) || main.Has(fieldpath.MakePathOrDie("spec")) {
		t.Errorf("main resource reset fields: %v", main)
	}
	status := StatusStrategy.GetResetFields()["baremetal.metal3.io/v1alpha1"]
	if status == nil || !status.Has(fieldpath.MakePathOrDie("spec")) || status.Has(fieldpath.MakePathOrDie("status")) {
		t.Errorf("status reset fields: %v", status)
	}
}

func TestValidate(t *testing.T) {
	s := testSubscription()
	s.Spec.HostName = ""
	if errs := Strategy.Validate(context.Background(), s); len(errs) != 1 || errs[0].Field != "spec.hostName" {
		t.Errorf("Validate: %v", errs)
	}
}

func TestTable(t *testing.T) {
	s := testSubscription()
	s.Status.Error = "BMC unreachable"
	table, err := TableConvertor.ConvertToTable(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"worker-0-events", "BMC unreachable", "<unknown>", "worker-0", "https://events.example.com/bmc", "3"}
	if len(table.Rows[0].Cells) != len(want) {
		t.Fatalf("cells %v", table.Rows[0].Cells)
	}
	for i, c := range table.Rows[0].Cells {
		if c != want[i] {
			t.Errorf("cell %s = %v, want %v", table.ColumnDefinitions[i].Name, c, want[i])
		}
	}
	for i, col := range table.ColumnDefinitions {
		if (i < 3) != (col.Priority == 0) {
			t.Errorf("column %s has priority %d", col.Name, col.Priority)
		}
	}
}
