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

package redfish

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// The interface separates a BMC that cannot be reached or answered garbage (an error, retried
// with backoff) from a BMC that understood and refused (a Failed result naming the problem).
// These types carry the second kind up to where results are made.

// credentialsError is a BMC refusing the credentials, on login or after a fresh login.
type credentialsError struct {
	endpoint, username string
	status             int
}

func (e *credentialsError) Error() string {
	if e.status == http.StatusForbidden {
		return fmt.Sprintf("the BMC at %s does not allow user %q to do this (HTTP 403); check the account's role", e.endpoint, e.username)
	}
	return fmt.Sprintf("the BMC at %s rejected the credentials of user %q (HTTP %d); check the credentials secret", e.endpoint, e.username, e.status)
}

// refusedError is a request the BMC understood and refused, or a host this backend cannot
// drive: retrying at once would not help, the user has to change something.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

func refusedf(format string, args ...any) error {
	return &refusedError{msg: fmt.Sprintf(format, args...)}
}

// errClosed is returned once the provisioner was closed (the server is stopping).
var errClosed = errors.New("redfish provisioner is shut down")

// statusOf is the HTTP status of a BMC error, 0 when there was no HTTP answer. Collection
// reads fail with a CollectionError holding one error per member, which errors.As cannot
// see into.
func statusOf(err error) int {
	var re *schemas.Error
	if errors.As(err, &re) {
		return re.HTTPReturnedStatusCode
	}
	var ce *schemas.CollectionError
	if errors.As(err, &ce) {
		for _, e := range ce.Failures {
			if s := statusOf(e); s != 0 {
				return s
			}
		}
	}
	return 0
}

func isStatus(err error, status int) bool { return statusOf(err) == status }

// describe shortens a BMC error for a status message: the status and the first Redfish
// message instead of the whole JSON body gofish puts in Error(). Not truncated here: a
// password cut in half would escape scrubbing; provisioner.Scrub bounds the message after
// scrubbing it.
func describe(err error) string {
	var re *schemas.Error
	if errors.As(err, &re) && re.HTTPReturnedStatusCode != 0 {
		msg := re.Message
		for _, info := range re.ExtendedInfos {
			if info.Message != "" {
				msg = info.Message
				break
			}
		}
		msg = strings.TrimSpace(msg)
		if msg == "" {
			return fmt.Sprintf("HTTP %d", re.HTTPReturnedStatusCode)
		}
		return fmt.Sprintf("HTTP %d: %s", re.HTTPReturnedStatusCode, msg)
	}
	var ce *schemas.CollectionError
	if errors.As(err, &ce) {
		for link, e := range ce.Failures {
			return link + ": " + describe(e)
		}
	}
	return err.Error()
}

// bmcError is an error talking to a BMC, described for a status message. It unwraps, for
// errors.Is; provisioner.Scrub, which every such error goes through, keeps that and hides
// the unwrapped BMC answer.
type bmcError struct {
	endpoint string
	err      error
}

func (e *bmcError) Error() string { return fmt.Sprintf("BMC %s: %s", e.endpoint, describe(e.err)) }
func (e *bmcError) Unwrap() error { return e.err }

// finish is the boundary of every step: a failed step becomes what the interface returns
// (see classify), and whatever is returned goes through provisioner.Scrub with the host's
// password, BMCs echoing request bodies in their errors now and then.
func finish(host provisioner.Host, res provisioner.Result, err error) (provisioner.Result, error) {
	if err != nil {
		res, err = classify(host, err)
	}
	return provisioner.Scrub(res, err, host.Credentials.Password)
}

// outcome is finish for a step that failed.
func outcome(host provisioner.Host, err error) (provisioner.Result, error) {
	return finish(host, provisioner.Result{}, err)
}

// classify turns the error of a step into what the interface returns: a Failed result for a
// refusal, ErrNeedsRegistration as is, any other error wrapped with the BMC's address.
func classify(host provisioner.Host, err error) (provisioner.Result, error) {
	var ce *credentialsError
	var re *refusedError
	switch {
	case errors.Is(err, provisioner.ErrNeedsRegistration):
		return provisioner.Result{}, err
	case errors.As(err, &ce), errors.As(err, &re):
		return provisioner.Failed(err.Error()), nil
	}
	if s := statusOf(err); s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests {
		// Refused: the next attempt would be refused alike.
		return provisioner.Failed("the BMC refused the request: " + describe(err)), nil
	}
	endpoint := ""
	if host.BMC != nil {
		endpoint = host.BMC.Endpoint()
	}
	return provisioner.Result{}, &bmcError{endpoint: endpoint, err: err}
}
