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
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// SelectableFields are the field selectors BareMetalHosts support beyond metadata.name and
// metadata.namespace. The registry computes their values; the list lives here because field
// label conversion is per version. The hardware facts (hardware.cpu.arch, ...) follow.
var SelectableFields = append([]string{
	"status.provisioning.state",
	"status.operationalStatus",
	"status.poweredOn",
	"spec.online",
	"spec.consumerRef.name",
}, baremetal.HardwareFactFields()...)

// HostClaimSelectableFields are the field selectors HostClaims support beyond metadata.name
// and metadata.namespace: the host held (empty while the claim waits).
var HostClaimSelectableFields = []string{"status.bareMetalHost.name", "status.bareMetalHost.namespace"}

func addConversionFuncs(scheme *runtime.Scheme) error {
	return addFieldLabelConversions(scheme, SchemeGroupVersion)
}

// addFieldLabelConversions registers the field selectors of the kinds of gv (field label
// conversion is per group version kind).
func addFieldLabelConversions(scheme *runtime.Scheme, gv schema.GroupVersion) error {
	if err := addFieldLabels(scheme, gv, "BareMetalHost", SelectableFields); err != nil {
		return err
	}
	return addFieldLabels(scheme, gv, "HostClaim", HostClaimSelectableFields)
}

func addFieldLabels(scheme *runtime.Scheme, gv schema.GroupVersion, kind string, selectable []string) error {
	return scheme.AddFieldLabelConversionFunc(gv.WithKind(kind),
		func(label, value string) (string, string, error) {
			switch label {
			case "metadata.name", "metadata.namespace":
				return label, value, nil
			}
			for _, f := range selectable {
				if label == f {
					return label, value, nil
				}
			}
			return "", "", fmt.Errorf("field label %q is not supported for %s; supported: metadata.name, metadata.namespace, %v", label, kind, selectable)
		})
}
