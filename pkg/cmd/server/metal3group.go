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

package server

import (
	"context"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// checkNoMetal3CRDs refuses to serve Metal3's group while the cluster serves it from Metal3's
// own CustomResourceDefinitions. kube-apiserver routes a group version to one backend: the
// APIService for v1alpha1.metal3.io would hide every object in those CRDs (or fight the local
// APIService kube-apiserver keeps for them), which must never happen silently. A CRD's name is
// "<plural>.<group>" (apiextensions validates it), so the objects' metadata is enough.
func checkNoMetal3CRDs(ctx context.Context, client metadata.Interface) error {
	list, err := client.Resource(crdResource).List(ctx, metav1.ListOptions{})
	if err != nil {
		if apierrors.IsForbidden(err) {
			return fmt.Errorf("--serve-metal3-io: cannot check that the cluster has no CustomResourceDefinitions of group %s "+
				"(list customresourcedefinitions.apiextensions.k8s.io is forbidden; the server's ClusterRole in artifacts/deploy grants it): %w",
				baremetal.Metal3GroupName, err)
		}
		return fmt.Errorf("--serve-metal3-io: listing the cluster's CustomResourceDefinitions: %w", err)
	}
	names := make([]string, 0, len(list.Items))
	for _, crd := range list.Items {
		names = append(names, crd.Name)
	}
	return refuseMetal3CRDs(names)
}

// refuseMetal3CRDs says why the group cannot be served when the CRDs named include some of it.
func refuseMetal3CRDs(crds []string) error {
	var found []string
	for _, name := range crds {
		if _, group, ok := strings.Cut(name, "."); ok && group == baremetal.Metal3GroupName {
			found = append(found, name)
		}
	}
	if len(found) == 0 {
		return nil
	}
	sort.Strings(found)
	return fmt.Errorf("refusing to serve %s/v1alpha1 (--serve-metal3-io): the cluster serves that group from Metal3's "+
		"CustomResourceDefinitions (%s), and kube-apiserver routes a group version to one server, so serving it here would "+
		"hide those objects. Move the hosts first (kubectl baremetal migrate, see the README's \"Migrating from Metal3\"), "+
		"delete Metal3's CRDs, then start with --serve-metal3-io; until then use the %s group",
		baremetal.Metal3GroupName, strings.Join(found, ", "), baremetal.GroupName)
}
