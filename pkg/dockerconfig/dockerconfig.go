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

// Package dockerconfig reads registry credentials for an oci:// image from the data of a
// Docker-config Secret (kubernetes.io/dockerconfigjson or the legacy kubernetes.io/dockercfg),
// in the "username:password" form Ironic takes as instance_info image_pull_secret, as Metal3
// does for spec.image.ociAuthSecretName.
package dockerconfig

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// entry is one registry's credentials: either auth (base64 of "user:password") or the two
// fields.
type entry struct {
	Auth     string `json:"auth"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// ErrNotDockerConfig is returned for a Secret with neither Docker-config key.
var ErrNotDockerConfig = fmt.Errorf("the Secret has neither a %s nor a %s key (a kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg Secret)",
	corev1.DockerConfigJsonKey, corev1.DockerConfigKey)

// Credentials returns "username:password" for the registry of imageURL (oci://host/repo:tag).
// Errors never quote the Secret's content.
func Credentials(data map[string][]byte, imageURL string) (string, error) {
	host, err := registryHost(imageURL)
	if err != nil {
		return "", err
	}
	var auths map[string]entry
	switch {
	case data[corev1.DockerConfigJsonKey] != nil:
		var cfg struct {
			Auths map[string]entry `json:"auths"`
		}
		if json.Unmarshal(data[corev1.DockerConfigJsonKey], &cfg) != nil {
			return "", fmt.Errorf("%s is not valid JSON", corev1.DockerConfigJsonKey)
		}
		auths = cfg.Auths
	case data[corev1.DockerConfigKey] != nil:
		if json.Unmarshal(data[corev1.DockerConfigKey], &auths) != nil {
			return "", fmt.Errorf("%s is not valid JSON", corev1.DockerConfigKey)
		}
	default:
		return "", ErrNotDockerConfig
	}
	for key, e := range auths {
		if !sameRegistry(key, host) {
			continue
		}
		user, pass := e.Username, e.Password
		if e.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(e.Auth)
			if err != nil {
				return "", fmt.Errorf("the auth of registry %s is not base64", key)
			}
			var ok bool
			if user, pass, ok = strings.Cut(string(raw), ":"); !ok {
				return "", fmt.Errorf("the auth of registry %s is not user:password", key)
			}
		}
		if user == "" && pass == "" {
			return "", fmt.Errorf("registry %s has empty credentials", key)
		}
		return user + ":" + pass, nil
	}
	return "", fmt.Errorf("registry %s not found in the auth config", host)
}

// registryHost is the registry of an oci:// image URL.
func registryHost(imageURL string) (string, error) {
	u, err := url.Parse(imageURL)
	if err != nil || !strings.EqualFold(u.Scheme, "oci") || u.Host == "" {
		return "", errors.New("the image URL is not oci://<registry>/<repository>")
	}
	return u.Host, nil
}

// sameRegistry matches an auth config key (a host, host:port, or a URL such as
// https://index.docker.io/v1/) with an image's registry; Docker Hub goes by several names.
func sameRegistry(key, host string) bool {
	k := key
	if i := strings.Index(k, "://"); i >= 0 {
		k = k[i+3:]
	}
	k, _, _ = strings.Cut(k, "/")
	return strings.EqualFold(dockerHub(k), dockerHub(host))
}

func dockerHub(h string) string {
	switch strings.ToLower(h) {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return "index.docker.io"
	}
	return h
}
