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

package baremetalhost

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// TestRebootRecord: the record written into a reboot annotation keeps the request's own fields,
// reads back exactly, and a set of annotations carries one record only when each carries it.
func TestRebootRecord(t *testing.T) {
	started := time.Date(2026, 11, 29, 12, 0, 0, 123456789, time.UTC)
	rec := rebootRecord{Started: started, LastReset: "2026-11-29T11:00:00+00:00"}
	for _, tc := range []struct {
		name, value, want string
	}{
		{"empty (Metal3's plain request)", "", `{"lastReset":"2026-11-29T11:00:00+00:00","started":"2026-11-29T12:00:00.123456789Z"}`},
		{"the subresource's", `{"mode":"hard"}`, `{"lastReset":"2026-11-29T11:00:00+00:00","mode":"hard","started":"2026-11-29T12:00:00.123456789Z"}`},
		{"a tool's fields kept", `{"mode":"soft","force":true,"by":"me"}`, `{"by":"me","force":true,"lastReset":"2026-11-29T11:00:00+00:00","mode":"soft","started":"2026-11-29T12:00:00.123456789Z"}`},
		{"an older record replaced", `{"mode":"hard","started":"2026-11-28T00:00:00Z","lastReset":"x"}`, `{"lastReset":"2026-11-29T11:00:00+00:00","mode":"hard","started":"2026-11-29T12:00:00.123456789Z"}`},
		{"not JSON: the record alone", `reboot please`, `{"lastReset":"2026-11-29T11:00:00+00:00","started":"2026-11-29T12:00:00.123456789Z"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := withRebootRecord(tc.value, rec)
			if got != tc.want {
				t.Errorf("withRebootRecord = %s, want %s", got, tc.want)
			}
			if back := parseRebootRecord(got); !back.Started.Equal(rec.Started) || back.LastReset != rec.LastReset {
				t.Errorf("read back %+v, want %+v", back, rec)
			}
			if mode, _, err := v1alpha1.ParseRebootAnnotation(got); err != nil || (tc.value == `{"mode":"hard"}` && mode != "hard") {
				t.Errorf("the request reads as mode %q, %v", mode, err)
			}
		})
	}
	if r := parseRebootRecord(`{"mode":"hard"}`); !r.Started.IsZero() {
		t.Errorf("a request without a record reads as %+v", r)
	}

	with := withRebootRecord("", rec)
	host := func(annotations map[string]string) *v1alpha1.BareMetalHost {
		return &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Annotations: annotations}}
	}
	for _, tc := range []struct {
		name        string
		annotations map[string]string
		keys        []string
		want        bool
	}{
		{"one, recorded", map[string]string{"a": with}, []string{"a"}, true},
		{"one, not recorded", map[string]string{"a": `{"mode":"hard"}`}, []string{"a"}, false},
		{"two, both recorded together", map[string]string{"a": with, "b": with}, []string{"a", "b"}, true},
		{"two, one added since", map[string]string{"a": with, "b": ""}, []string{"a", "b"}, false},
		{"two, recorded apart", map[string]string{"a": with, "b": withRebootRecord("", rebootRecord{Started: started.Add(time.Second)})}, []string{"a", "b"}, false},
		{"none", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := recordedReboot(host(tc.annotations), tc.keys)
			if ok != tc.want || ok && !got.Started.Equal(started) {
				t.Errorf("recordedReboot = %+v, %v; want %v", got, ok, tc.want)
			}
		})
	}
}
