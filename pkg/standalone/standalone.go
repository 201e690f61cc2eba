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

// Package standalone gives the server what kube-apiserver would otherwise provide when it runs
// on its own: an admin credential, authentication and authorization for it, and a kubeconfig
// that lets kubectl talk to the server directly.
package standalone

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/request/anonymous"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	"k8s.io/apiserver/pkg/authentication/request/union"
	"k8s.io/apiserver/pkg/authentication/token/tokenfile"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/apiserver/pkg/authorization/path"
	authzunion "k8s.io/apiserver/pkg/authorization/union"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// AdminUser is the user the admin token authenticates as.
const AdminUser = "baremetal-admin"

// publicPaths are served to anyone, so probes and load balancers need no credential.
var publicPaths = []string{"/healthz", "/healthz/*", "/livez", "/livez/*", "/readyz", "/readyz/*", "/version"}

// LoadOrCreateToken returns the admin token stored in file, creating a new random one the first
// time. Keeping it across restarts keeps written kubeconfigs valid.
func LoadOrCreateToken(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err == nil {
		if tok := strings.TrimSpace(string(data)); tok != "" {
			return tok, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading admin token: %w", err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("generating admin token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(buf)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(file, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing admin token: %w", err)
	}
	return tok, nil
}

// Authenticator authenticates the admin token. A request without a bearer token is
// anonymous, and the authorizer lets it reach only the public health and version paths; a
// request whose token is not the admin's fails authentication, 401, as on kube-apiserver, where
// the anonymous authenticator only runs when the others found no credential, not when they
// refused one (union.NewFailOnError). Going on as anonymous would answer 403, which tells a
// client that its credential is good but lacks rights.
func Authenticator(adminToken string) authenticator.Request {
	tokens := tokenfile.New(map[string]*user.DefaultInfo{
		adminToken: {Name: AdminUser, Groups: []string{user.SystemPrivilegedGroup, user.AllAuthenticated}},
	})
	return union.NewFailOnError(bearertoken.New(tokens), anonymous.NewAuthenticator(nil))
}

// Authorizer allows everything to system:masters (the admin and the server's own loopback
// client) and only the public health and version paths to everyone else.
func Authorizer() (authorizer.Authorizer, error) {
	public, err := path.NewAuthorizer(publicPaths)
	if err != nil {
		return nil, err
	}
	return authzunion.New(
		authzunion.NamedAuthorizer{AuthorizerName: "admin", Authorizer: authorizerfactory.NewPrivilegedGroups(user.SystemPrivilegedGroup)},
		authzunion.NamedAuthorizer{AuthorizerName: "public-paths", Authorizer: public},
	)
}

// WriteKubeconfig writes a kubeconfig for the admin to reach server (https://host:port),
// trusting caPEM, with file mode 0600 since it holds a credential.
func WriteKubeconfig(file, server string, caPEM []byte, token string) error {
	const name = "baremetal-apiserver"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[AdminUser] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: AdminUser, Namespace: "default"}
	cfg.CurrentContext = name
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	// Write then rename, so a reader never sees half a file.
	tmp := file + ".tmp"
	if err := clientcmd.WriteToFile(*cfg, tmp); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
