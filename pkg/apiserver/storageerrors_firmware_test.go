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
)

// The FirmwareSchema wrapper keeps the interfaces the API installer reads verbs and discovery
// from (names, table printing), and adds none.
func TestFirmwareWrappersKeepInterfaces(t *testing.T) {
	store := &genericregistry.Store{NewFunc: func() runtime.Object { return &baremetal.FirmwareSchema{} }}
	var st rest.Storage = &firmwareSchemaREST{&schemastorage.REST{Store: store}}
	for what, ok := range map[string]bool{
		"StandardStorage":      func() bool { _, ok := st.(rest.StandardStorage); return ok }(),
		"SingularNameProvider": func() bool { _, ok := st.(rest.SingularNameProvider); return ok }(),
		"TableConvertor":       func() bool { _, ok := st.(rest.TableConvertor); return ok }(),
		"Scoper":               func() bool { _, ok := st.(rest.Scoper); return ok }(),
	} {
		if !ok {
			t.Errorf("firmwareschemas is not a %s", what)
		}
	}
	// Metal3 gives FirmwareSchema no short name.
	if _, ok := st.(rest.ShortNamesProvider); ok {
		t.Error("firmwareschemas has short names")
	}
}
