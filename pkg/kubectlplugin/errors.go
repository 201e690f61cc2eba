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

package kubectlplugin

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// errReported means the failures were already printed, one line per host, and the command
// only has to exit non-zero: a run over several hosts reports each one, then fails as a whole.
var errReported = errors.New("one or more hosts failed")

// usageError is a mistake in the command line, reported with a pointer to --help.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// action says what was attempted on a host, for error messages.
type action struct {
	// what completes "you may not ...": "reboot", "power off", "read the power of".
	what string
}

// describe turns an API error about one host into the one line a person needs: the server's
// own reason where it has one (a 409 says which state forbids the action), without the
// "Operation cannot be fulfilled on baremetalhosts.baremetal.metal3.io" preamble.
func describe(err error, a action, t target) error {
	host := t.namespace + "/" + t.name
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		if !namesObject(err, t.name) {
			return errNotServed
		}
		return fmt.Errorf("host %s not found", host)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("forbidden: you may not %s host %s: %s", a.what, host, serverReason(err, t.name))
	case apierrors.IsConflict(err):
		return fmt.Errorf("host %s: %s", host, serverReason(err, t.name))
	case apierrors.IsUnauthorized(err):
		return errUnauthorized
	}
	return fmt.Errorf("host %s: %s", host, serverReason(err, t.name))
}

// describeListError is describe for lists and watches, which name no host.
func describeListError(err error, namespace string) error {
	switch {
	case apierrors.IsNotFound(err):
		return errNotServed
	case apierrors.IsForbidden(err):
		return fmt.Errorf("forbidden: you may not list hosts %s: %s", scope(namespace), serverReason(err, ""))
	case apierrors.IsUnauthorized(err):
		return errUnauthorized
	}
	return errors.New(oneLine(err.Error()))
}

var (
	// errNotServed is a 404 that names no object: the API group itself is missing, which
	// behind kube-apiserver usually means the APIService is absent or unavailable.
	errNotServed = errors.New("the server does not serve baremetalhosts.baremetal.metal3.io/v1alpha1: " +
		"is the baremetal API server installed (kubectl get apiservice v1alpha1.baremetal.metal3.io)?")
	errUnauthorized = errors.New("unauthorized: the server did not accept the credentials of the current kubeconfig context")
)

// namesObject says whether a 404 is about the named object rather than the whole resource.
func namesObject(err error, name string) bool {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return false
	}
	d := st.Status().Details
	return d != nil && d.Name == name && name != ""
}

// serverReason is the server's message without the part naming the resource and object, which
// the plugin's own line already says.
func serverReason(err error, name string) string {
	msg := err.Error()
	var st apierrors.APIStatus
	if errors.As(err, &st) && st.Status().Message != "" {
		msg = st.Status().Message
	}
	if name != "" {
		q := strconv.Quote(name)
		if i := strings.Index(msg, q); i >= 0 {
			rest := msg[i+len(q):]
			for _, sep := range []string{" is forbidden: ", ": "} {
				if strings.HasPrefix(rest, sep) {
					return oneLine(rest[len(sep):])
				}
			}
		}
	} else if _, rest, ok := strings.Cut(msg, " is forbidden: "); ok {
		return oneLine(rest)
	}
	return oneLine(msg)
}

// oneLine keeps a message on one line: multi-cause errors come with newlines.
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}
