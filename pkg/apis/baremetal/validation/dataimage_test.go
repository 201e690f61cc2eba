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

package validation

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func testDataImage(url string) *baremetal.DataImage {
	return &baremetal.DataImage{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: testNamespace, ResourceVersion: "1"},
		Spec:       baremetal.DataImageSpec{URL: url},
	}
}

func TestValidateDataImage(t *testing.T) {
	cases := []struct {
		name string
		url  string
		want []wantErr
	}{
		{name: "http", url: "http://images.example.com/config.iso"},
		{name: "https with a port and a query", url: "https://images.example.com:8443/config.iso?token=abc"},
		{name: "ftp", url: "ftp://images.example.com/config.iso"},
		{name: "oci", url: "oci://registry.example.com/images/config:1.0"},
		// Metal3's CRD requires the field; its webhook refuses an empty URL as unparsable.
		{name: "no URL", url: "", want: []wantErr{required("spec.url")}},
		{name: "not a URL", url: "config.iso", want: []wantErr{invalid("spec.url").saying("must be an absolute URL")}},
		{name: "scheme Metal3 refuses", url: "file:///var/lib/config.iso",
			want: []wantErr{invalid("spec.url").saying(`scheme "file" is not supported`)}},
		{name: "no host", url: "http:///config.iso", want: []wantErr{invalid("spec.url").saying("must name a host")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := testDataImage(tc.url)
			checkErrors(t, ValidateDataImage(img), tc.want)
			// Updates are judged by the same rules (Metal3's webhook runs them on both), and the
			// URL may change.
			old := testDataImage("https://images.example.com/old.iso")
			checkErrors(t, ValidateDataImageUpdate(img, old), tc.want)
		})
	}
}

func TestValidateDataImageStatusUpdate(t *testing.T) {
	now := metav1.Now()
	cases := []struct {
		name   string
		status baremetal.DataImageStatus
		want   []wantErr
	}{
		{name: "empty"},
		{name: "attached", status: baremetal.DataImageStatus{LastReconciled: &now,
			AttachedImage: baremetal.AttachedImageReference{URL: "http://images.example.com/config.iso"}}},
		{name: "failing", status: baremetal.DataImageStatus{LastReconciled: &now,
			Error: baremetal.DataImageError{Count: 3, Message: "virtual media busy"}}},
		{name: "negative count", status: baremetal.DataImageStatus{Error: baremetal.DataImageError{Count: -1}},
			want: []wantErr{invalid("status.error.count")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The spec is the status strategy's to keep; it is not judged here.
			old := testDataImage("not a URL")
			img := old.DeepCopy()
			img.Status = tc.status
			checkErrors(t, ValidateDataImageStatusUpdate(img, old), tc.want)
		})
	}
}

func TestNilDataImages(t *testing.T) {
	for name, errs := range map[string]field.ErrorList{
		"create": ValidateDataImage(nil),
		"update": ValidateDataImageUpdate(testDataImage(""), nil),
		"status": ValidateDataImageStatusUpdate(nil, testDataImage("")),
	} {
		if len(errs) != 1 || errs[0].Type != field.ErrorTypeInternal {
			t.Errorf("%s: got %v, want one internal error", name, errs)
		}
	}
}
