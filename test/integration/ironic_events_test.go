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

package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// BMC event subscriptions through a real Ironic (21.4): its redfish vendor passthru
// (create_subscription, delete_subscription; sushy underneath) on the simulator's
// EventService, as Metal3 makes them.
func TestIronicBMCEventSubscriptions(t *testing.T) {
	const headerValue = "Bearer irn-T0ken-8e2b44"
	sim := startRedfishSim(t, 1, 0, "")
	sink := newEventSink(t)
	ir := framework.StartIronic(t)
	p, ctx, logs := newIronicBackend(t, ir.Endpoint)
	access, err := bmc.Parse(sim.BMCAddress("1"))
	if err != nil {
		t.Fatal(err)
	}
	host := provisioner.Host{
		Namespace: "ironic-events", Name: "sim-1", UID: types.UID("00000000-0000-4000-8000-0000000000e1"),
		BMC: access, Credentials: provisioner.Credentials{Username: redfishUser, Password: redfishPassword},
		BootMACAddress: sim.System("1").Inventory().NICs[0].MAC, BootMode: v1alpha1.BootModeUEFI,
		InspectionMode: v1alpha1.InspectionModeFast, AutomatedCleaningMode: v1alpha1.CleaningModeDisabled,
	}
	if _, err := drive(ctx, time.Minute, func(ctx context.Context) (provisioner.Result, error) {
		id, res, err := p.Register(ctx, host)
		host.ID = id
		return res, err
	}); err != nil {
		t.Fatalf("register: %v\nIronic log (tail):\n%s", err, ir.LogTail(40))
	}

	req := provisioner.SubscriptionRequest{Destination: sink.URL + "/ironic", Context: "via-ironic",
		Headers: map[string]string{"Authorization": headerValue, "X-Cluster": "west"}}
	start := time.Now()
	id, err := p.CreateSubscription(ctx, host, req)
	if err != nil {
		t.Fatalf("CreateSubscription: %v\nIronic log (tail):\n%s", err, ir.LogTail(40))
	}
	t.Logf("created subscription %s through Ironic in %s", id, time.Since(start).Round(time.Millisecond))
	subs := sim.Subscriptions()
	if len(subs) != 1 || subs[0].ID != id || subs[0].Destination != req.Destination || subs[0].Context != "via-ironic" ||
		subs[0].Protocol != "Redfish" || fmt.Sprint(subs[0].EventTypes) != "[Alert]" ||
		subs[0].HTTPHeaders["Authorization"] != headerValue || subs[0].HTTPHeaders["X-Cluster"] != "west" {
		t.Fatalf("on the BMC: %+v", subs)
	}

	ds := sim.SubmitTestEvent(ctx, simredfish.TestEvent{Message: "PSU lost"})
	if len(ds) != 1 || ds[0].Err != nil {
		t.Fatalf("test event: %+v", ds)
	}
	if got := sink.received(); len(got) != 1 || got[0].header.Get("Authorization") != headerValue || got[0].doc["Context"] != "via-ironic" {
		t.Fatalf("the webhook received %+v", got)
	}

	start = time.Now()
	if err := p.DeleteSubscription(ctx, host, id); err != nil {
		t.Fatalf("DeleteSubscription: %v", err)
	}
	t.Logf("deleted it through Ironic in %s", time.Since(start).Round(time.Millisecond))
	if n := len(sim.Subscriptions()); n != 0 {
		t.Fatalf("%d subscriptions left on the BMC", n)
	}
	// Gone: Ironic answers 404 (as to any failure of delete_subscription); the BMC's list tells.
	if err := p.DeleteSubscription(ctx, host, id); err != nil {
		t.Errorf("DeleteSubscription of a deleted subscription: %v", err)
	}

	// A refusal of the BMC comes back without the payload Ironic quotes.
	bad := req
	bad.Destination = "ftp://127.0.0.1/x"
	_, err = p.CreateSubscription(ctx, host, bad)
	if err == nil || strings.Contains(err.Error(), "irn-T0ken") {
		t.Errorf("CreateSubscription with an ftp destination = %v", err)
	} else {
		t.Logf("refused: %v", err)
	}
	if strings.Contains(logs(), "irn-T0ken") || strings.Contains(logs(), redfishPassword) {
		t.Error("the Ironic backend logged a header value or the BMC password")
	}
}
