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

package dockerconfig

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestCredentials(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, image string
		data        map[string]string
		want, err   string
	}{
		{name: "dockerconfigjson auth", image: "oci://registry.example.com/os/rhel:9",
			data: map[string]string{".dockerconfigjson": `{"auths":{"registry.example.com":{"auth":"` + b64("robot:s3cret") + `"}}}`},
			want: "robot:s3cret"},
		{name: "username and password fields, host with port", image: "oci://reg.local:5000/os:1",
			data: map[string]string{".dockerconfigjson": `{"auths":{"reg.local:5000":{"username":"u","password":"p:with:colons"}}}`},
			want: "u:p:with:colons"},
		{name: "key as a URL", image: "oci://quay.io/org/img:tag",
			data: map[string]string{".dockerconfigjson": `{"auths":{"https://quay.io/v2/":{"auth":"` + b64("a:b") + `"}}}`},
			want: "a:b"},
		{name: "Docker Hub names", image: "oci://docker.io/library/os:1",
			data: map[string]string{".dockerconfigjson": `{"auths":{"https://index.docker.io/v1/":{"auth":"` + b64("hub:pw") + `"}}}`},
			want: "hub:pw"},
		{name: "legacy dockercfg", image: "oci://registry.example.com/os:1",
			data: map[string]string{".dockercfg": `{"registry.example.com":{"auth":"` + b64("old:fmt") + `"}}`},
			want: "old:fmt"},
		{name: "other registry only", image: "oci://registry.example.com/os:1",
			data: map[string]string{".dockerconfigjson": `{"auths":{"quay.io":{"auth":"` + b64("a:hidden-pw") + `"}}}`},
			err:  "registry registry.example.com not found"},
		{name: "not a docker config", image: "oci://registry.example.com/os:1",
			data: map[string]string{"username": "u", "password": "hidden-pw"}, err: "neither"},
		{name: "bad JSON is not quoted", image: "oci://r/os:1",
			data: map[string]string{".dockerconfigjson": `{"auths":hidden-pw`}, err: "not valid JSON"},
		{name: "not an oci image", image: "http://r/os.qcow2",
			data: map[string]string{".dockerconfigjson": `{}`}, err: "not oci://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string][]byte{}
			for k, v := range tc.data {
				data[k] = []byte(v)
			}
			got, err := Credentials(data, tc.image)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one containing %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "hidden-pw") {
					t.Errorf("the error quotes the Secret: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
