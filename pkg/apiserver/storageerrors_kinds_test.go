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

package apiserver

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	besstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/bmceventsubscription/storage"
	distorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/dataimage/storage"
	hupstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostupdatepolicy/storage"
	ppistorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/preprovisioningimage/storage"
)

// The wrappers of Metal3's other kinds keep the interfaces the API installer reads verbs and
// discovery from (short names, table printing, reset fields), and add none.
func TestKindWrappersKeepInterfaces(t *testing.T) {
	store := &genericregistry.Store{NewFunc: func() runtime.Object { return &baremetal.HostUpdatePolicy{} }}
	cases := []struct {
		path       string
		storage    rest.Storage
		shortNames bool
		status     rest.Storage
	}{
		// Metal3 declares no short name and no status subresource for HostUpdatePolicy.
		{path: "hostupdatepolicies", storage: &hostUpdatePolicyREST{&hupstorage.REST{Store: store}}},
		{path: "dataimages", storage: &dataImageREST{&distorage.REST{Store: store}},
			status: &dataImageStatusREST{&distorage.StatusREST{}}},
		// Metal3's short names: bes, bmcevent.
		{path: "bmceventsubscriptions", storage: &subscriptionREST{&besstorage.REST{Store: store}}, shortNames: true,
			status: &subscriptionStatusREST{&besstorage.StatusREST{}}},
		// Metal3's short name: ppimg.
		{path: "preprovisioningimages", storage: &preprovisioningImageREST{&ppistorage.REST{Store: store}}, shortNames: true,
			status: &preprovisioningImageStatusREST{&ppistorage.StatusREST{}}},
	}
	for _, tc := range cases {
		st := tc.storage
		for what, ok := range map[string]bool{
			"StandardStorage":      func() bool { _, ok := st.(rest.StandardStorage); return ok }(),
			"SingularNameProvider": func() bool { _, ok := st.(rest.SingularNameProvider); return ok }(),
			"TableConvertor":       func() bool { _, ok := st.(rest.TableConvertor); return ok }(),
			"Scoper":               func() bool { _, ok := st.(rest.Scoper); return ok }(),
		} {
			if !ok {
				t.Errorf("%s is not a %s", tc.path, what)
			}
		}
		if _, ok := st.(rest.ShortNamesProvider); ok != tc.shortNames {
			t.Errorf("%s short names provider: %v, want %v", tc.path, ok, tc.shortNames)
		}
		if _, ok := st.(rest.CategoriesProvider); ok {
			t.Errorf("%s has categories; Metal3 declares none", tc.path)
		}
		if tc.status == nil {
			continue
		}
		if _, ok := st.(rest.ResetFieldsStrategy); !ok {
			t.Errorf("%s is not a ResetFieldsStrategy", tc.path)
		}
		if _, ok := tc.status.(rest.Patcher); !ok {
			t.Errorf("%s/status is not a Patcher", tc.path)
		}
		if _, ok := tc.status.(rest.ResetFieldsStrategy); !ok {
			t.Errorf("%s/status is not a ResetFieldsStrategy", tc.path)
		}
		if _, ok := tc.status.(rest.Creater); ok {
			t.Errorf("%s/status became a Creater", tc.path)
		}
	}
}
