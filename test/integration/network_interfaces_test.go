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
	"encoding/json"
	"maps"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
)

// testNetworkInterfaces checks spec.networkInterfaces end to end: Metal3's rules reach the
// client as a 422 whose causes name each bad entry's field, on create and on update, and a list
// written the way Metal3 writes it is stored and read back the same in JSON and in protobuf.
func testNetworkInterfaces(t *testing.T, ctx context.Context, cs *clientset.Clientset) {
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)

	wantCauses := func(t *testing.T, err error, want map[string]metav1.CauseType) {
		t.Helper()
		if !apierrors.IsInvalid(err) {
			t.Fatalf("got %v, want 422 Invalid", err)
		}
		got := map[string]metav1.CauseType{}
		if d := err.(apierrors.APIStatus).Status().Details; d != nil {
			for _, c := range d.Causes {
				got[c.Field] = c.Type
			}
		}
		if !maps.Equal(got, want) {
			t.Fatalf("causes %v, want %v (%v)", got, want, err)
		}
	}

	bad := newHost("h-netif-bad")
	bad.Spec.NetworkInterfaces = []v1alpha1.NetworkInterface{
		{Name: "eth0"},
		{MACAddress: "00-11-22-33-44-55"},
		{Name: "ETH0", SwitchPort: &v1alpha1.SwitchPort{SwitchID: "0c:42:a1:00:00:01"}},
	}
	_, err := hosts.Create(ctx, bad, metav1.CreateOptions{})
	wantCauses(t, err, map[string]metav1.CauseType{
		"spec.networkInterfaces[1].macAddress":        metav1.CauseTypeFieldValueInvalid,
		"spec.networkInterfaces[2].name":              metav1.CauseTypeFieldValueDuplicate,
		"spec.networkInterfaces[2].switchPort.portID": metav1.CauseTypeFieldValueRequired,
	})
	if _, err := hosts.Get(ctx, bad.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("invalid host was stored: %v", err)
	}

	// A Metal3 manifest's list in JSON, including the empty hostNetworkAttachment Metal3 writes
	// for an interface without one.
	body := hostJSON("h-netif", "", `,"networkInterfaces":[`+
		`{"name":"ens1f0","hostNetworkAttachment":{"name":"provisioning"}},`+
		`{"macAddress":"AA:BB:CC:DD:EE:01","hostNetworkAttachment":{},"switchPort":{"switchID":"0c:42:a1:00:00:01","portID":"Ethernet1/7"}},`+
		`{"name":"ens1f1","hostNetworkAttachment":{"name":"storage","namespace":"net-config"}}]`)
	want := []v1alpha1.NetworkInterface{
		{Name: "ens1f0", HostNetworkAttachment: &v1alpha1.HostNetworkAttachmentRef{Name: "provisioning"}},
		{MACAddress: "AA:BB:CC:DD:EE:01", HostNetworkAttachment: &v1alpha1.HostNetworkAttachmentRef{},
			SwitchPort: &v1alpha1.SwitchPort{SwitchID: "0c:42:a1:00:00:01", PortID: "Ethernet1/7"}},
		{Name: "ens1f1", HostNetworkAttachment: &v1alpha1.HostNetworkAttachmentRef{Name: "storage", Namespace: "net-config"}},
	}
	raw, err := cs.BaremetalV1alpha1().RESTClient().Post().Namespace(ns).Resource("baremetalhosts").
		SetHeader("Content-Type", jsonType).SetHeader("Accept", jsonType).Body([]byte(body)).DoRaw(ctx)
	if err != nil {
		t.Fatalf("create in JSON: %v", err)
	}
	var created v1alpha1.BareMetalHost
	if err := json.Unmarshal(raw, &created); err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(created.Spec.NetworkInterfaces, want) {
		t.Fatalf("JSON create answered networkInterfaces %s", raw)
	}
	// The generated clientset reads in protobuf.
	got, err := hosts.Get(ctx, "h-netif", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(got.Spec.NetworkInterfaces, want) {
		t.Fatalf("protobuf get returned networkInterfaces %+v, want %+v", got.Spec.NetworkInterfaces, want)
	}

	// An update is judged by the same rules: the same NIC by MAC, in another case.
	got.Spec.NetworkInterfaces = append(got.Spec.NetworkInterfaces, v1alpha1.NetworkInterface{MACAddress: "aa:bb:cc:dd:ee:01"})
	_, err = hosts.Update(ctx, got, metav1.UpdateOptions{})
	wantCauses(t, err, map[string]metav1.CauseType{
		"spec.networkInterfaces[3].macAddress": metav1.CauseTypeFieldValueDuplicate,
	})
}
