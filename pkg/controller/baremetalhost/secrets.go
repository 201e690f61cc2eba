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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
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

// countedSecrets counts the reads of the host reconciler's Secrets (baremetal_secret_reads_total):
// a pass that reads none is what a host waiting for a slot should cost.
type countedSecrets struct {
	SecretSource
}

func (s countedSecrets) Get(ctx context.Context, namespace, name string) (map[string][]byte, string, error) {
	secretReads.Inc()
	return s.SecretSource.Get(ctx, namespace, name)
}

// passSecrets reads each Secret at most once in a reconcile pass: a pass checks the version of
// the credentials and then uses them (each power poll of a host at rest read its Secret twice),
// and one reading makes the version checked the version used. Not safe for concurrent use: a
// pass runs on one worker.
type passSecrets struct {
	src  SecretSource
	read map[types.NamespacedName]secretReading
}

type secretReading struct {
	data    map[string][]byte
	version string
	err     error
}

func (s *passSecrets) Get(ctx context.Context, namespace, name string) (map[string][]byte, string, error) {
	key := types.NamespacedName{Namespace: namespace, Name: name}
	if r, ok := s.read[key]; ok {
		return r.data, r.version, r.err
	}
	data, version, err := s.src.Get(ctx, namespace, name)
	if s.read == nil {
		s.read = map[types.NamespacedName]secretReading{}
	}
	s.read[key] = secretReading{data: data, version: version, err: err}
	return data, version, err
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

// SecretLabel and SecretLabelValue mark the Secrets the delegated server caches and watches.
// They are Metal3's: the baremetal-operator caches only Secrets so labelled and labels those
// its hosts use. Sharing them means a Secret a Metal3 installation labelled is watched here as
// it is, and one labelled here is one Metal3 would watch too.
const (
	SecretLabel      = "environment.metal3.io"
	SecretLabelValue = "baremetal"
)

// SecretSelector is the label selector of the delegated server's Secret informer.
const SecretSelector = SecretLabel + "=" + SecretLabelValue

// ClusterSecrets reads Secrets from a cluster (delegated mode). Lister is an informer's,
// filtered by SecretSelector: an informer over every Secret would hold all of them in memory
// and receive every change of each, for the handful hosts use. A Secret missing from it is
// read from the API through Client and labelled, so that its later changes reach the
// informer, and with them the hosts (SecretChanged).
type ClusterSecrets struct {
	Lister corev1listers.SecretLister
	Client corev1client.SecretsGetter
}

func (s ClusterSecrets) Get(ctx context.Context, namespace, name string) (map[string][]byte, string, error) {
	cached, err := s.Lister.Secrets(namespace).Get(name)
	if err == nil {
		return cached.Data, cached.ResourceVersion, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, "", fmt.Errorf("reading Secret %s/%s from the cache: %w", namespace, name, err)
	}
	// Not labelled yet, or the informer has not seen it yet (not synced, or just labelled).
	secret, err := s.Client.Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, "", fmt.Errorf("%w: %s/%s", ErrSecretNotFound, namespace, name)
	}
	if err != nil {
		// API errors name the object and the request, never the Secret's data.
		return nil, "", fmt.Errorf("reading Secret %s/%s: %w", namespace, name, err)
	}
	// A Secret that carries the label key with another value belongs to another environment:
	// as in Metal3, it is left alone and read from the API each time.
	if _, ok := secret.Labels[SecretLabel]; !ok {
		if secret, err = s.label(ctx, namespace, name); err != nil {
			return nil, "", err
		}
	}
	// The version is that of the labelled Secret, the one the informer will hold: the label
	// alone must not look like new credentials the next time the Secret is read.
	return secret.Data, secret.ResourceVersion, nil
}

// labelPatch adds SecretLabel and changes nothing else: a merge patch with no resourceVersion,
// so it neither conflicts with nor undoes a concurrent change of the Secret.
var labelPatch = []byte(fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, SecretLabel, SecretLabelValue))

func (s ClusterSecrets) label(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	secret, err := s.Client.Secrets(namespace).Patch(ctx, name, types.MergePatchType, labelPatch, metav1.PatchOptions{FieldManager: fieldManager})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s/%s", ErrSecretNotFound, namespace, name)
	}
	if err != nil {
		// Fail rather than go on unlabelled: the host would miss every later change of its
		// credentials, and the Secret would be read from the API on each reconcile.
		return nil, fmt.Errorf("labelling Secret %s/%s with %s so that its changes are watched: %w", namespace, name, SecretSelector, err)
	}
	klog.FromContext(ctx).Info("Labelled a Secret hosts use, so that its changes are watched", "secret", klog.KRef(namespace, name), "label", SecretSelector)
	return secret, nil
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
