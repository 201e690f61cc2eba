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

package ironic

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
)

// apiError is an error answer from Ironic, reduced to what Ironic said. gophercloud's own
// message carries the whole body and the expected codes; this one reads like a sentence
// and is what ends up in a host's status.
type apiError struct {
	Method string
	Path   string
	Status int
	Fault  string
	cause  error
}

func (e *apiError) Error() string {
	return fmt.Sprintf("Ironic answered %s %s with %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Fault)
}

// Unwrap keeps gophercloud.ResponseCodeIs working on described errors.
func (e *apiError) Unwrap() error { return e.cause }

// describe turns gophercloud's unexpected-response errors into apiErrors and leaves
// others (connection refused, timeouts, context ends) alone.
func describe(err error) error {
	var ue gophercloud.ErrUnexpectedResponseCode
	if err == nil || !errors.As(err, &ue) {
		return err
	}
	path := ue.URL
	if u, perr := url.Parse(ue.URL); perr == nil {
		path = u.Path
	}
	return &apiError{Method: ue.Method, Path: path, Status: ue.Actual, Fault: faultString(ue.Body), cause: err}
}

// faultString extracts Ironic's message from an error body. Ironic wraps a JSON document
// in a JSON string: {"error_message": "{\"faultstring\": \"...\", ...}"}; the API
// gateway's own errors (e.g. 406) use {"error_message": {"description": ...}}.
func faultString(body []byte) string {
	var outer struct {
		ErrorMessage json.RawMessage `json:"error_message"`
	}
	if err := json.Unmarshal(body, &outer); err == nil && len(outer.ErrorMessage) > 0 {
		inner := []byte(outer.ErrorMessage)
		var s string
		if json.Unmarshal(inner, &s) == nil {
			inner = []byte(s)
		}
		var fault struct {
			FaultString string `json:"faultstring"`
			Description string `json:"description"`
		}
		if json.Unmarshal(inner, &fault) == nil {
			switch {
			case fault.FaultString != "":
				return fault.FaultString
			case fault.Description != "":
				return fault.Description
			}
		}
		if s != "" {
			return s
		}
	}
	// Not truncated here: a secret cut in half would escape scrubbing. finish bounds the
	// message after scrubbing (provisioner.Scrub).
	return strings.TrimSpace(string(body))
}

// statusIs reports whether err is an Ironic answer with the given HTTP status.
func statusIs(err error, status int) bool { return gophercloud.ResponseCodeIs(err, status) }

// fault is what Ironic said in an error answer, or the error's message.
func fault(err error) string {
	var ae *apiError
	if errors.As(describe(err), &ae) {
		return ae.Fault
	}
	return err.Error()
}
