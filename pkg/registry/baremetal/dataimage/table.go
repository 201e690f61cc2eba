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

package dataimage

import (
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints DataImages for kubectl get. By default the columns are Metal3's (its
// CRD declares none: NAME and AGE); -o wide adds the image wanted, the image attached and the
// failures.
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.DataImage]{
	Resource: baremetal.Resource("dataimages"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the DataImage, Metal3 reads the one named after its host."},
		{Name: "Age", Type: "string", Description: "Time since the object was created."},
		{Name: "URL", Type: "string", Priority: 1, Description: "Image to attach (spec.url)."},
		{Name: "Attached", Type: "string", Priority: 1, Description: "Image attached (status.attachedImage.url)."},
		{Name: "Errors", Type: "string", Priority: 1, Description: "Failed attempts to attach or detach, and the last message (status.error)."},
	},
	Cells: func(img *baremetal.DataImage, now time.Time) []any {
		errors := ""
		if e := img.Status.Error; e.Count > 0 || e.Message != "" {
			errors = strconv.Itoa(int(e.Count))
			if e.Message != "" {
				errors += ": " + e.Message
			}
		}
		return []any{
			img.Name,
			table.Age(img.CreationTimestamp, now),
			img.Spec.URL,
			img.Status.AttachedImage.URL,
			errors,
		}
	},
}
