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
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// TestFinishScrubs: every way a step fails comes out of finish scrubbed by the shared rules,
// for short and common passwords too, without mangling the words of the message, and still
// answering errors.Is without unwrapping to the BMC's unscrubbed answer.
func TestFinishScrubs(t *testing.T) {
	h := simHost(t, "redfish://10.0.0.1/redfish/v1/Systems/1", "scrub")
	// The BMC quotes the session request it refused, as some do.
	echo := func(status int, pw string) error {
		return schemas.ConstructError(status, []byte(`{"error": {"code": "Base.1.8.GeneralError", "message": "Invalid request {\"UserName\": \"admin\", \"Password\": \"`+pw+`\"}"}}`))
	}
	for _, pw := range []string{"x", "e", "root", "admin", "password", "calvin", "0penBmc", "Reg1ster-S3cret"} {
		h.Credentials.Password = pw
		cases := []struct {
			name    string
			err     error
			wantMsg string // Result.ErrorMessage
			wantErr string // error
			is      error
		}{
			{
				name:    "refused, quoting the request",
				err:     fmt.Errorf("logging in: %w", echo(400, pw)),
				wantMsg: `the BMC refused the request: HTTP 400: Invalid request {"UserName": "admin", "Password": "<redacted>"}`,
			},
			{
				name:    "failed, quoting the request",
				err:     fmt.Errorf("logging in: %w", echo(500, pw)),
				wantErr: `BMC https://10.0.0.1: HTTP 500: Invalid request {"UserName": "admin", "Password": "<redacted>"}`,
			},
			{
				name:    "timed out reading the service root",
				err:     fmt.Errorf("reading the service root: %w", context.DeadlineExceeded),
				wantErr: "BMC https://10.0.0.1: reading the service root: context deadline exceeded",
				is:      context.DeadlineExceeded,
			},
			{
				name:    "credentials refused",
				err:     &credentialsError{endpoint: "https://10.0.0.1", username: "admin", status: 401},
				wantMsg: `the BMC at https://10.0.0.1 rejected the credentials of user "admin" (HTTP 401); check the credentials secret`,
			},
			{
				name:    "system gone",
				err:     provisioner.ErrNeedsRegistration,
				wantErr: provisioner.ErrNeedsRegistration.Error(),
				is:      provisioner.ErrNeedsRegistration,
			},
		}
		for _, tc := range cases {
			res, err := outcome(h, tc.err)
			if res.ErrorMessage != tc.wantMsg {
				t.Errorf("%s, password %q: ErrorMessage\n got %s\nwant %s", tc.name, pw, res.ErrorMessage, tc.wantMsg)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("%s, password %q: error\n got %s\nwant %s", tc.name, pw, gotErr, tc.wantErr)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%s, password %q: errors.Is(%v, %v) = false", tc.name, pw, err, tc.is)
			}
			var re *schemas.Error
			if errors.As(err, &re) {
				t.Errorf("%s, password %q: errors.As reaches the BMC's unscrubbed answer: %s", tc.name, pw, re.Error())
			}
		}
	}
}

// TestFinishKeepsResults: a step that did not fail returns its Result, scrubbed like any.
func TestFinishKeepsResults(t *testing.T) {
	h := simHost(t, "redfish://10.0.0.1/redfish/v1/Systems/1", "scrub")
	h.Credentials.Password = "Reg1ster-S3cret"
	for _, res := range []provisioner.Result{provisioner.Done(), provisioner.InProgress(5), provisioner.Failed(`power state "Off"`)} {
		got, err := finish(h, res, nil)
		if err != nil || !reflect.DeepEqual(got, res) {
			t.Errorf("finish(%+v) = %+v, %v", res, got, err)
		}
	}
	got, _ := finish(h, provisioner.Failed("the BMC says Reg1ster-S3cret is wrong"), nil)
	if strings.Contains(got.ErrorMessage, h.Credentials.Password) {
		t.Errorf("finish kept the password: %s", got.ErrorMessage)
	}
}
