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
	schemastorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/firmwareschema/storage"
	hfsstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostfirmwaresettings/storage"
)

// The firmware kinds' wrappers keep the interfaces the API installer reads verbs and
// discovery from (short names, table printing, reset fields), and add none.
func TestFirmwareWrappersKeepInterfaces(t *testing.T) {
	store := &genericregistry.Store{NewFunc: func() runtime.Object { return &baremetal.HostFirmwareSettings{} }}
	storages := map[string]rest.Storage{
		"firmwareschemas":             &firmwareSchemaREST{&schemastorage.REST{Store: store}},
		"hostfirmwaresettings":        &firmwareSettingsREST{&hfsstorage.REST{Store: store}},
		"hostfirmwaresettings/status": &firmwareSettingsStatusREST{&hfsstorage.StatusREST{}},
	}
	for _, path := range []string{"firmwareschemas", "hostfirmwaresettings"} {
		st := storages[path]
		for what, ok := range map[string]bool{
			"StandardStorage":      func() bool { _, ok := st.(rest.StandardStorage); return ok }(),
			"SingularNameProvider": func() bool { _, ok := st.(rest.SingularNameProvider); return ok }(),
			"TableConvertor":       func() bool { _, ok := st.(rest.TableConvertor); return ok }(),
			"Scoper":               func() bool { _, ok := st.(rest.Scoper); return ok }(),
		} {
			if !ok {
				t.Errorf("%s is not a %s", path, what)
			}
		}
	}
	// Metal3 gives hfs as the only short name of the firmware kinds.
	for path, want := range map[string]bool{"firmwareschemas": false, "hostfirmwaresettings": true} {
		if _, ok := storages[path].(rest.ShortNamesProvider); ok != want {
			t.Errorf("%s short names provider: %v, want %v", path, ok, want)
		}
	}
	for _, path := range []string{"hostfirmwaresettings"} {
		if _, ok := storages[path].(rest.ResetFieldsStrategy); !ok {
			t.Errorf("%s is not a ResetFieldsStrategy", path)
		}
		status := storages[path+"/status"]
		if _, ok := status.(rest.Patcher); !ok {
			t.Errorf("%s/status is not a Patcher", path)
		}
		if _, ok := status.(rest.ResetFieldsStrategy); !ok {
			t.Errorf("%s/status is not a ResetFieldsStrategy", path)
		}
		if _, ok := status.(rest.Creater); ok {
			t.Errorf("%s/status became a Creater", path)
		}
	}
}
