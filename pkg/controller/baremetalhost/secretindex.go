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

package baremetalhost

import (
	"fmt"
	"slices"

	"k8s.io/client-go/tools/cache"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// secretIndex indexes hosts by the Secrets they read, as "namespace/name": a changed Secret
// wakes its hosts through one index look-up, not a scan of every host of its namespace.
const secretIndex = "secret"

// hostSecrets is the index function of secretIndex: the BMC credentials, the config-drive
// Secrets, the image pull Secret and the preprovisioning network data of a host. They are read in the host's own namespace, whatever a reference's
// namespace field says (validation refuses any other).
func hostSecrets(obj interface{}) ([]string, error) {
	h, ok := obj.(*v1alpha1.BareMetalHost)
	if !ok {
		return nil, nil
	}
	var keys []string
	add := func(name string) {
		if k := h.Namespace + "/" + name; name != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	add(h.Spec.BMC.CredentialsName)
	for _, ref := range []*v1alpha1.SecretReference{h.Spec.UserData, h.Spec.NetworkData, h.Spec.MetaData} {
		if ref != nil {
			add(ref.Name)
		}
	}
	if img := h.Spec.Image; img != nil && img.OCIAuthSecretName != nil {
		add(*img.OCIAuthSecretName)
	}
	// The preprovisioning network data: a new version makes the host's image stale until it
	// is built again.
	add(h.Spec.PreprovisioningNetworkDataName)
	return keys, nil
}

// indexBySecret adds secretIndex to a host informer. An informer already running indexes the
// hosts it holds at once; one that already has the index (another controller on the same
// informer) is used as it is; only a stopped informer cannot take it.
func indexBySecret(informer cache.SharedIndexInformer) (cache.Indexer, error) {
	indexer := informer.GetIndexer()
	if _, ok := indexer.GetIndexers()[secretIndex]; ok {
		return indexer, nil
	}
	if err := informer.AddIndexers(cache.Indexers{secretIndex: hostSecrets}); err != nil {
		return nil, fmt.Errorf("indexing hosts by Secret: %w", err)
	}
	return indexer, nil
}
