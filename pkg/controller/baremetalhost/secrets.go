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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// ErrSecretNotFound is returned by a SecretSource for a Secret that does not exist.
var ErrSecretNotFound = errors.New("secret not found")

// SecretSource reads Secrets: BMC credentials and config-drive data. The version changes
// whenever the content does, so the reconciler notices new credentials without a restart.
type SecretSource interface {
	Get(ctx context.Context, namespace, name string) (data map[string][]byte, version string, err error)
}

// credentials reads the username and password keys of a credentials Secret.
func credentials(ctx context.Context, src SecretSource, namespace, name string) (provisioner.Credentials, string, error) {
	data, version, err := src.Get(ctx, namespace, name)
	if err != nil {
		return provisioner.Credentials{}, "", err
	}
	user, pass := string(data["username"]), string(data["password"])
	if user == "" || pass == "" {
		return provisioner.Credentials{}, "", fmt.Errorf("%w: Secret %s/%s must have non-empty \"username\" and \"password\" keys", errInvalidCredentials, namespace, name)
	}
	return provisioner.Credentials{Username: user, Password: pass}, version, nil
}

// DirSecrets reads Secrets from a directory laid out as mounted Secrets are:
// <dir>/<namespace>/<name>/<key>. A standalone server has no Secrets API; this is its store.
type DirSecrets struct {
	Dir string
}

func (d DirSecrets) Get(ctx context.Context, namespace, name string) (map[string][]byte, string, error) {
	if d.Dir == "" {
		return nil, "", fmt.Errorf("%w: %s/%s (no --bmc-credentials-dir configured)", ErrSecretNotFound, namespace, name)
	}
	dir := filepath.Join(d.Dir, filepath.Base(namespace), filepath.Base(name))
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("%w: %s/%s (looked in %s)", ErrSecretNotFound, namespace, name, dir)
	}
	if err != nil {
		return nil, "", err
	}
	data := map[string][]byte{}
	keys := []string{}
	for _, e := range entries {
		// Mounted Secrets carry ..data symlinks and ..<timestamp> directories; a key may start
		// with one dot (.dockerconfigjson), never with two.
		if e.IsDir() || strings.HasPrefix(e.Name(), "..") {
			continue
		}
		file := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", err
		}
		warnIfExposed(ctx, file)
		data[e.Name()] = trimNewline(b)
		keys = append(keys, e.Name())
	}
	// The version is a digest of the content: it changes exactly when the content does.
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write(data[k])
		h.Write([]byte{0})
	}
	return data, hex.EncodeToString(h.Sum(nil))[:16], nil
}

// exposedWarned holds the files (with their mode) already warned about: the warning is for
// the operator, once per file and mode, not once per read.
var exposedWarned sync.Map

// warnIfExposed logs, once, that a Secret file (a BMC password, most likely) can be read by
// users other than the server's: it is still used, since refusing it would stop the hosts, but
// the operator should know. The mode is that of the file a mounted-Secret symlink points to.
func warnIfExposed(ctx context.Context, file string) {
	info, err := os.Stat(file)
	if err != nil || info.Mode().Perm()&0o077 == 0 {
		return
	}
	key := fmt.Sprintf("%s %o", file, info.Mode().Perm())
	if _, seen := exposedWarned.LoadOrStore(key, true); seen {
		return
	}
	klog.FromContext(ctx).Info("Warning: a Secret file is readable by other users of this machine; make it readable by the server only (chmod 600)",
		"file", file, "mode", fmt.Sprintf("%#o", info.Mode().Perm()))
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// ListerSecrets reads Secrets from a cluster through an informer's lister (delegated mode);
// the informer's watch keeps it current.
type ListerSecrets struct {
	Lister corev1listers.SecretLister
}

func (l ListerSecrets) Get(ctx context.Context, namespace, name string) (map[string][]byte, string, error) {
	s, err := l.Lister.Secrets(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, "", fmt.Errorf("%w: %s/%s", ErrSecretNotFound, namespace, name)
	}
	if err != nil {
		return nil, "", err
	}
	return s.Data, s.ResourceVersion, nil
}

// errInvalidCredentials is a credentials Secret without a username or password.
var errInvalidCredentials = errors.New("invalid BMC credentials")

// countCredentialsError counts a failure to read BMC credentials under Metal3's metric.
func countCredentialsError(err error) {
	switch {
	case errors.Is(err, ErrSecretNotFound):
		metal3CredsMissing.Inc()
	case errors.Is(err, errInvalidCredentials):
		metal3CredsInvalid.Inc()
	default:
		metal3CredsUnhandled.Inc()
	}
}
