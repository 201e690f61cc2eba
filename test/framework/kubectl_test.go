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

package framework

import (
	"testing"
	"time"
)

func TestKubectlTimeout(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want time.Duration
	}{
		{[]string{"get", "bmh"}, 0},
		{[]string{"delete", "-f", "x", "--wait=true", "--timeout=180s"}, 180 * time.Second},
		{[]string{"wait", "--for=condition=Established", "--timeout", "2m"}, 2 * time.Minute},
		{[]string{"wait", "--timeout=soon"}, 0},
		{[]string{"wait", "--timeout"}, 0},
	} {
		if got := kubectlTimeout(tc.args); got != tc.want {
			t.Errorf("kubectlTimeout(%q) = %s, want %s", tc.args, got, tc.want)
		}
	}
}
