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

package v1alpha1

import (
	"encoding/json"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
)

// metal3Manifests are objects of Metal3's kinds with every field set, in Metal3's JSON (the
// names of its CRDs in config/base/crds/bases), as they would be read from a Metal3 cluster
// with only the apiVersion changed.
var metal3Manifests = map[string]string{
	"HostUpdatePolicy": `{
		"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "HostUpdatePolicy",
		"metadata": {"name": "worker-0", "namespace": "metal3"},
		"spec": {"firmwareSettings": "onReboot", "firmwareUpdates": "onPreparing"},
		"status": {}
	}`,
	"DataImage": `{
		"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "DataImage",
		"metadata": {"name": "worker-0", "namespace": "metal3", "finalizers": ["dataimage.metal3.io"]},
		"spec": {"url": "http://images.example.com/config.iso"},
		"status": {
			"lastReconciled": "2026-11-29T10:00:00Z",
			"attachedImage": {"url": "http://images.example.com/config.iso"},
			"error": {"count": 2, "message": "virtual media busy"}
		}
	}`,
	"BMCEventSubscription": `{
		"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "BMCEventSubscription",
		"metadata": {"name": "worker-0-events", "namespace": "metal3", "finalizers": ["bmceventsubscription.metal3.io"]},
		"spec": {
			"hostName": "worker-0",
			"destination": "https://events.example.com/bmc",
			"context": "rack 4",
			"httpHeadersRef": {"name": "event-headers", "namespace": "metal3"}
		},
		"status": {"subscriptionID": "3", "error": "BMC unreachable"}
	}`,
	"PreprovisioningImage": `{
		"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "PreprovisioningImage",
		"metadata": {"name": "worker-0", "namespace": "metal3", "finalizers": ["preprovisioningimage.metal3.io"]},
		"spec": {"networkDataName": "worker-0-network-data", "architecture": "x86_64", "acceptFormats": ["iso", "initrd"]},
		"status": {
			"imageUrl": "http://images.example.com/worker-0.initramfs",
			"kernelUrl": "http://images.example.com/vmlinuz",
			"extraKernelParams": "console=ttyS0",
			"format": "initrd",
			"networkData": {"name": "worker-0-network-data", "version": "1234"},
			"architecture": "x86_64",
			"conditions": [
				{"type": "Ready", "status": "True", "reason": "ImageSuccess", "message": "Generated image", "lastTransitionTime": "2026-11-29T10:00:00Z", "observedGeneration": 1},
				{"type": "Error", "status": "False", "reason": "ImageSuccess", "message": "", "lastTransitionTime": "2026-11-29T10:00:00Z"}
			]
		}
	}`,
}

// TestMetal3ManifestsRoundTrip decodes each manifest strictly (an unknown or misspelt field is
// an error) and encodes it again: the JSON must come back as it was, so every JSON name is
// Metal3's and none is lost.
func TestMetal3ManifestsRoundTrip(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	strict := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, s, s, kjson.SerializerOptions{Strict: true})
	codecs := serializer.NewCodecFactory(s)
	for kind, manifest := range metal3Manifests {
		t.Run(kind, func(t *testing.T) {
			obj, gvk, err := strict.Decode([]byte(manifest), nil, nil)
			if err != nil {
				t.Fatalf("strict decode: %v", err)
			}
			if gvk.Kind != kind {
				t.Fatalf("decoded a %s", gvk.Kind)
			}
			out, err := runtime.Encode(codecs.LegacyCodec(SchemeGroupVersion), obj)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			if err := json.Unmarshal([]byte(manifest), &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("encoded again as\n%s\nwant\n%s", out, manifest)
			}
		})
	}
}
