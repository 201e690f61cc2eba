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

func TestValidate(t *testing.T) {
	s := testSubscription()
	s.Spec.HostName = ""
	if errs := Strategy.Validate(context.Background(), s); len(errs) != 1 || errs[0].Field != "spec.hostName" {
		t.Errorf("Validate: %v", errs)
	}
	// Subscriptions are immutable: a label is accepted, a changed spec refused.
	labelled := testSubscription()
	labelled.Labels = map[string]string{"a": "b"}
	if errs := Strategy.ValidateUpdate(context.Background(), labelled, testSubscription()); len(errs) != 0 {
		t.Errorf("a label refused: %v", errs)
	}
	changed := testSubscription()
	changed.Spec.HTTPHeadersRef.Name = "other"
	if errs := Strategy.ValidateUpdate(context.Background(), changed, testSubscription()); len(errs) != 1 || errs[0].Field != "spec.httpHeadersRef" {
		t.Errorf("a spec change: %v", errs)
	}
	if errs := StatusStrategy.ValidateUpdate(context.Background(), changed, testSubscription()); len(errs) != 0 {
		t.Errorf("status write refused: %v", errs)
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
