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

package storage

import (
	"bytes"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// fieldMapping moves the ownership of one field between a host and a subresource that shows
// it under another path (spec.online on the host is spec.state on baremetalhosts/power), so
// that server-side apply keeps working across both: a manager that set the power through the
// subresource owns spec.online on the host, and conflicts are reported either way. This is
// what managedfields.ScaleHandler does for spec.replicas, for an arbitrary field.
type fieldMapping struct {
	parentPath, subPath             fieldpath.Path
	parentAPIVersion, subAPIVersion string
}

func fieldSet(e metav1.ManagedFieldsEntry) (*fieldpath.Set, error) {
	s := &fieldpath.Set{}
	if e.FieldsV1 == nil || len(e.FieldsV1.Raw) == 0 {
		return s, nil
	}
	err := s.FromJSON(bytes.NewReader(e.FieldsV1.Raw))
	return s, err
}

func withFields(e metav1.ManagedFieldsEntry, s *fieldpath.Set, apiVersion string) (metav1.ManagedFieldsEntry, error) {
	raw, err := s.ToJSON()
	if err != nil {
		return e, err
	}
	e.APIVersion = apiVersion
	e.FieldsType = "FieldsV1"
	e.FieldsV1 = &metav1.FieldsV1{Raw: raw}
	return e, nil
}

// owner identifies a managed-fields entry as the field manager does.
func owner(e metav1.ManagedFieldsEntry) string {
	return e.Manager + "\x00" + string(e.Operation) + "\x00" + e.Subresource
}

// toSubresource returns the subresource's managed fields: one entry for each manager of the
// parent field, owning the subresource's field.
func (m fieldMapping) toSubresource(parent []metav1.ManagedFieldsEntry) ([]metav1.ManagedFieldsEntry, error) {
	var out []metav1.ManagedFieldsEntry
	for _, e := range parent {
		if e.APIVersion != m.parentAPIVersion {
			continue
		}
		s, err := fieldSet(e)
		if err != nil {
			return nil, err
		}
		if !s.Has(m.parentPath) {
			continue
		}
		sub, err := withFields(e, fieldpath.NewSet(m.subPath), m.subAPIVersion)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, nil
}

// toParent merges the subresource's managed fields after a write back into the parent's:
// managers that no longer own the subresource field lose the parent field, and new owners gain
// it; everything else of the parent is kept as it was.
func (m fieldMapping) toParent(parent, sub []metav1.ManagedFieldsEntry) ([]metav1.ManagedFieldsEntry, error) {
	owners := map[string]metav1.ManagedFieldsEntry{}
	for _, e := range sub {
		s, err := fieldSet(e)
		if err != nil {
			return nil, err
		}
		if s.Has(m.subPath) {
			owners[owner(e)] = e
		}
	}
	var out []metav1.ManagedFieldsEntry
	for _, e := range parent {
		s, err := fieldSet(e)
		if err != nil {
			return nil, err
		}
		if e.APIVersion != m.parentAPIVersion || !s.Has(m.parentPath) {
			out = append(out, e)
			continue
		}
		if _, still := owners[owner(e)]; still {
			out = append(out, e)
			delete(owners, owner(e))
			continue
		}
		rest := s.Difference(fieldpath.NewSet(m.parentPath))
		if rest.Empty() {
			continue
		}
		kept, err := withFields(e, rest, e.APIVersion)
		if err != nil {
			return nil, err
		}
		out = append(out, kept)
	}
	for _, e := range sub {
		if _, ok := owners[owner(e)]; !ok {
			continue
		}
		added, err := withFields(e, fieldpath.NewSet(m.parentPath), m.parentAPIVersion)
		if err != nil {
			return nil, err
		}
		out = append(out, added)
	}
	return out, nil
}
