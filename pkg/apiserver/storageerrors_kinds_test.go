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
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// The wrappers keep the interfaces the API installer reads verbs and discovery from (names,
// table printing, reset fields), and add none: which short names and categories a kind has is
// its storage's (pkg/registry/baremetal/<kind>/storage tests them).
func TestKindWrappersKeepInterfaces(t *testing.T) {
	store := &genericregistry.Store{NewFunc: func() runtime.Object { return &baremetal.DataImage{} }}
	var st rest.Storage = &kindREST{&specstatus.REST{Store: store}}
	for what, ok := range map[string]bool{
		"StandardStorage":      func() bool { _, ok := st.(rest.StandardStorage); return ok }(),
		"SingularNameProvider": func() bool { _, ok := st.(rest.SingularNameProvider); return ok }(),
		"ShortNamesProvider":   func() bool { _, ok := st.(rest.ShortNamesProvider); return ok }(),
		"CategoriesProvider":   func() bool { _, ok := st.(rest.CategoriesProvider); return ok }(),
		"TableConvertor":       func() bool { _, ok := st.(rest.TableConvertor); return ok }(),
		"Scoper":               func() bool { _, ok := st.(rest.Scoper); return ok }(),
		"ResetFieldsStrategy":  func() bool { _, ok := st.(rest.ResetFieldsStrategy); return ok }(),
	} {
		if !ok {
			t.Errorf("kindREST is not a %s", what)
		}
	}

	var status rest.Storage = &kindStatusREST{&specstatus.StatusREST{}}
	if _, ok := status.(rest.Patcher); !ok {
		t.Error("kindStatusREST is not a Patcher")
	}
	if _, ok := status.(rest.ResetFieldsStrategy); !ok {
		t.Error("kindStatusREST is not a ResetFieldsStrategy")
	}
	if _, ok := status.(rest.Creater); ok {
		t.Error("kindStatusREST became a Creater")
	}
}
