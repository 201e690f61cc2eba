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

package preprovisioningimage

import (
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints PreprovisioningImages for kubectl get with the columns of Metal3's CRD
// (Ready and Reason, of the Ready condition; no Age); -o wide adds the formats accepted, the
// format and URL of the image built, and the age.
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.PreprovisioningImage]{
	Resource: baremetal.Resource("preprovisioningimages"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the PreprovisioningImage, Metal3 names it after its host."},
		{Name: "Ready", Type: "string", Description: "Whether the image is ready."},
		{Name: "Reason", Type: "string", Description: "The reason for the image readiness status."},
		{Name: "Accept", Type: "string", Priority: 1, Description: "Formats that will do (spec.acceptFormats)."},
		{Name: "Format", Type: "string", Priority: 1, Description: "Format of the image built (status.format)."},
		{Name: "URL", Type: "string", Priority: 1, Description: "Where the image built is (status.imageUrl)."},
		{Name: "Age", Type: "string", Priority: 1, Description: "Time since the object was created."},
	},
	Cells: func(img *baremetal.PreprovisioningImage, now time.Time) []any {
		var ready, reason string
		if c := meta.FindStatusCondition(img.Status.Conditions, string(v1alpha1.ConditionImageReady)); c != nil {
			ready, reason = string(c.Status), c.Reason
		}
		formats := make([]string, len(img.Spec.AcceptFormats))
		for i, f := range img.Spec.AcceptFormats {
			formats[i] = string(f)
		}
		return []any{
			img.Name,
			ready,
			reason,
			strings.Join(formats, ","),
			string(img.Status.Format),
			img.Status.ImageURL,
			table.Age(img.CreationTimestamp, now),
		}
	},
}
