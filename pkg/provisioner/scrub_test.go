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

package provisioner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// testPasswords are short, common (vendor defaults: calvin for iDRAC, 0penBmc for
// OpenBMC) and generated passwords, and one with the characters escaping changes.
var testPasswords = []struct {
	pw string
	// byValue: rule 2 applies (long enough, mixing classes of characters).
	byValue bool
}{
	{"x", false},
	{"e", false},
	{"root", false},
	{"admin", false},
	{"password", false},
	{"calvin", false},
	{"123456", false},
	{"0penBmc", true},
	{"q7Vd2LxR9mTe4WbZ8kPn3HsY", true}, // 24 random characters
	{`s3cr"et'\x`, true},
}

// naturalMessages are messages the backends produce without any secret in them; several
// hold the test passwords as words ("root", "password", "e.g."), or as parts of words.
var naturalMessages = []string{
	"context deadline exceeded",
	`reading the service root: Get "https://10.0.0.1/redfish/v1/": context deadline exceeded`,
	`the BMC at https://10.0.0.1:8443 rejected the credentials of user "admin" (HTTP 401); check the credentials secret`,
	"the BMC refused the request: HTTP 400: The request body submitted was malformed JSON and could not be parsed by the receiving service.",
	"Ironic could not verify the BMC: Failed to get power state for node 1be26c0b-03f2-4d2e-ae87-c02d7f33c123. " +
		"Error: HTTP GET https://10.0.0.1/redfish/v1/Systems/1 returned code 401. Base.1.0.GeneralError: Invalid username or password",
	"invalid password: the account is locked",
	"Missing the following Redfish properties in node 1be26c0b driver_info: redfish_password, redfish_address",
	`the host did not come back on within 2m0s of the reboot; the BMC reports power state "Off"`,
	"Ironic answered PATCH /v1/nodes/1be26c0b with 409 Conflict: Node 1be26c0b is locked by host conductor-0, please retry after the current operation is completed.",
	"the BMC does not offer reset type GracefulRestart for /redfish/v1/Systems/1 (it offers [On ForceOff]); e.g. set the admin role",
	"cpu_arch x86_64, boot mode UEFI, 0x1f sessions of 0x20 in use",
	"insufficient authorization: the role Operator cannot change the password; token: none",
}

// jsonText marshals v as a BMC or Ironic would, without escaping <, > and &.
func jsonText(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// pyRepr quotes s like Python's repr of a str.
func pyRepr(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// patchOp is a JSON-patch operation as gophercloud writes it.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// structuredLeaks build messages that quote a password where its place says it is one:
// what rule 1 removes. Each scrubs to the message built with Redacted as the password
// (or to want), whatever the password: the output does not depend on it.
func structuredLeaks(t *testing.T) []struct {
	name  string
	build func(pw string) string
	want  string
} {
	sessionBody := func(pw string) string {
		return jsonText(t, map[string]string{"UserName": "admin", "Password": pw})
	}
	driverInfo := func(pw string) map[string]any {
		return map[string]any{"driver_info": map[string]any{
			"redfish_address": "https://10.0.0.1", "redfish_username": "admin", "redfish_password": pw,
		}}
	}
	return []struct {
		name  string
		build func(pw string) string
		want  string
	}{
		{
			name: "URL userinfo in a net/url error",
			build: func(pw string) string {
				u := url.URL{Scheme: "https", User: url.UserPassword("admin", pw), Host: "10.0.0.1", Path: "/redfish/v1/SessionService/Sessions"}
				return fmt.Sprintf("Post %q: dial tcp 10.0.0.1:443: connect: connection refused", u.String())
			},
			want: `Post "https://admin:<redacted>@10.0.0.1/redfish/v1/SessionService/Sessions": dial tcp 10.0.0.1:443: connect: connection refused`,
		},
		{
			name:  "session request body echoed by a BMC",
			build: func(pw string) string { return "HTTP 400: could not parse " + sessionBody(pw) },
		},
		{
			name: "session request body echoed by a BMC, cut off",
			build: func(pw string) string {
				return `HTTP 400: could not parse {"UserName":"admin","Password":` + strings.TrimSuffix(jsonText(t, pw), `"`)
			},
			want: `HTTP 400: could not parse {"UserName":"admin","Password":"<redacted>`,
		},
		{
			name: "Ironic fault quoting driver_info as JSON in JSON",
			build: func(pw string) string {
				return jsonText(t, map[string]string{"faultstring": "Invalid: " + jsonText(t, driverInfo(pw))})
			},
		},
		{
			name: "Ironic error_message: JSON in JSON in JSON",
			build: func(pw string) string {
				inner := jsonText(t, map[string]string{"faultstring": "Invalid: " + jsonText(t, driverInfo(pw))})
				return jsonText(t, map[string]string{"error_message": inner})
			},
		},
		{
			name: "Ironic last_error with a Python repr of driver_info",
			build: func(pw string) string {
				return "Failed to validate power driver interface for node 1be26c0b: {'redfish_address': 'https://10.0.0.1', " +
					"'redfish_password': " + pyRepr(pw) + ", 'redfish_username': 'admin'}"
			},
		},
		{
			name: "JSON patch of driver_info echoed by a proxy",
			build: func(pw string) string {
				return "500: " + jsonText(t, []patchOp{
					{Op: "add", Path: "/driver_info/redfish_username", Value: "admin"},
					{Op: "add", Path: "/driver_info/ipmi_password", Value: pw},
				})
			},
		},
		{
			name: "Redfish registry message and its MessageArgs",
			build: func(pw string) string {
				return "400: " + jsonText(t, map[string]any{"error": map[string]any{
					"code": "Base.1.8.GeneralError", "message": "A general error has occurred.",
					"@Message.ExtendedInfo": []map[string]any{{
						"MessageId":   "Base.1.8.PropertyValueFormatError",
						"Message":     "The value '" + pw + "' for the property Password is of a different format than the property can accept.",
						"MessageArgs": []string{pw, "Password"},
					}},
				}})
			},
			want: `400: {"error":{"@Message.ExtendedInfo":[{"Message":"The value '<redacted>' for the property Password is of a different format than the property can accept.",` +
				`"MessageArgs":["<redacted>", "<redacted>"],"MessageId":"Base.1.8.PropertyValueFormatError"}],"code":"Base.1.8.GeneralError","message":"A general error has occurred."}}`,
		},
		{
			name: "Redfish registry message of an older registry, unquoted",
			build: func(pw string) string {
				return "HTTP 400: The value " + pw + " for the property Password is of a different type than the property can accept."
			},
			want: "HTTP 400: The value <redacted> for the property Password is of a different type than the property can accept.",
		},
		{
			name: "key=value",
			build: func(pw string) string {
				return "login failed: username=admin password=" + url.QueryEscape(pw) + " role=Administrator"
			},
			want: "login failed: username=admin password=<redacted> role=Administrator",
		},
		{
			name: "Go's %+v and %#v of a struct, and %v of a map",
			build: func(pw string) string {
				type clientConfig struct{ Endpoint, Username, Password string }
				c := clientConfig{Endpoint: "https://10.0.0.1", Username: "admin", Password: pw}
				return fmt.Sprintf("connecting with %+v: %v", c, map[string]string{"password": pw, "user": "admin"})
			},
			want: "connecting with {Endpoint:https://10.0.0.1 Username:admin Password:<redacted>}: map[password:<redacted> user:admin]",
		},
		{
			name:  "Authorization header",
			build: func(pw string) string { return "request: Authorization: Basic " + pw + "\r\nHost: 10.0.0.1" },
			want:  "request: Authorization: <redacted>\r\nHost: 10.0.0.1",
		},
	}
}

// TestScrubMessageRemovesCredentialsByStructure: rule 1 removes a password quoted as a
// credential, whatever the password, and the result is the same for every password.
func TestScrubMessageRemovesCredentialsByStructure(t *testing.T) {
	for _, tc := range structuredLeaks(t) {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == "" {
				want = tc.build(Redacted)
			}
			for _, p := range testPasswords {
				msg := tc.build(p.pw)
				if msg == tc.build(Redacted) {
					t.Fatalf("the message does not quote %q, the test proves nothing: %s", p.pw, msg)
				}
				if got := ScrubMessage(msg, p.pw); got != want {
					t.Errorf("password %q:\n got %s\nwant %s", p.pw, got, want)
				}
			}
		})
	}
}

// TestScrubMessageLeavesWordsAlone: messages without a secret come out as they went in,
// whatever the password: no "conte<redacted>t", no "the service <redacted>".
func TestScrubMessageLeavesWordsAlone(t *testing.T) {
	for _, msg := range naturalMessages {
		for _, p := range append(testPasswords, struct {
			pw      string
			byValue bool
		}{"", false}) {
			if got := ScrubMessage(msg, p.pw); got != msg {
				t.Errorf("password %q changed a message without secrets:\n got %s\nwant %s", p.pw, got, msg)
			}
		}
	}
}

// TestScrubMessageByValue: a password quoted outside any structure is replaced where it
// stands as a whole token, if rule 2 allows; never inside a word.
func TestScrubMessageByValue(t *testing.T) {
	for _, p := range testPasswords {
		if got := replaceableByValue(p.pw); got != p.byValue {
			t.Errorf("replaceableByValue(%q) = %t, want %t", p.pw, got, p.byValue)
		}
		cases := []struct{ msg, want string }{
			{"the BMC said: user admin with " + p.pw + " rejected", "the BMC said: user admin with <redacted> rejected"},
			{p.pw, Redacted},
			{fmt.Sprintf("invalid value %q", p.pw), `invalid value "<redacted>"`},
			{"in a word: x" + p.pw + "x, y" + p.pw, ""}, // never replaced
		}
		for _, tc := range cases {
			want := tc.want
			if !p.byValue || want == "" {
				// Replacing it would point at it: it stays, and only construction and
				// rule 1 protect it.
				want = tc.msg
			}
			if got := ScrubMessage(tc.msg, p.pw); got != want {
				t.Errorf("password %q:\n got %s\nwant %s", p.pw, got, want)
			}
		}
	}
}

// TestScrubMessageIsNoOracle: for a password rule 2 does not apply to, the output is what
// it would be if the password were not known at all, so neither whether nor where
// <redacted> appears can tell anything about it.
func TestScrubMessageIsNoOracle(t *testing.T) {
	for _, p := range testPasswords {
		if p.byValue {
			continue
		}
		messages := append([]string{}, naturalMessages...)
		for _, tc := range structuredLeaks(t) {
			messages = append(messages, tc.build(p.pw))
		}
		messages = append(messages, "the BMC said "+p.pw, p.pw+" "+p.pw, "conte"+p.pw+"t")
		for _, msg := range messages {
			if got, blind := ScrubMessage(msg, p.pw), ScrubMessage(msg); got != blind {
				t.Errorf("password %q changed the output:\n with %s\n without %s", p.pw, got, blind)
			}
		}
	}
}

// valueError is a value-typed error carrying the body it failed on, as gophercloud's do.
type valueError struct{ Body string }

func (e valueError) Error() string { return "unexpected answer: " + e.Body }

func TestScrubError(t *testing.T) {
	const pw = "bmc-Pa55word-7f3a"
	leaky := fmt.Errorf("registering: %w", valueError{Body: `{"redfish_password": "` + pw + `"}`})

	if ScrubError(nil, pw) != nil {
		t.Error("ScrubError(nil) is not nil")
	}
	// An error that wraps nothing and holds no secret passes unchanged.
	if got := ScrubError(context.Canceled, pw); got != context.Canceled {
		t.Errorf("ScrubError(context.Canceled) = %#v", got)
	}

	cases := []struct {
		name string
		err  error
		is   error
		want string
	}{
		{"sentinel, clean", fmt.Errorf("node gone: %w", ErrNeedsRegistration), ErrNeedsRegistration, "node gone: " + ErrNeedsRegistration.Error()},
		{"sentinel, with the password", fmt.Errorf("node with %s: %w", pw, ErrNeedsRegistration), ErrNeedsRegistration,
			"node with <redacted>: " + ErrNeedsRegistration.Error()},
		{"context error, body with the password", fmt.Errorf("%w: %w", leaky, context.DeadlineExceeded), context.DeadlineExceeded,
			`registering: unexpected answer: {"redfish_password": "<redacted>"}: context deadline exceeded`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ScrubError(tc.err, pw)
			if got.Error() != tc.want {
				t.Errorf("Error() = %s, want %s", got.Error(), tc.want)
			}
			if !errors.Is(got, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", got, tc.is)
			}
			if errors.Unwrap(got) != nil {
				t.Error("the scrubbed error unwraps to its unscrubbed cause")
			}
			var ve valueError
			if errors.As(got, &ve) {
				t.Error("errors.As reaches the unscrubbed cause")
			}
			if all := fmt.Sprintf("%v %+v %#v %s %q", got, got, got, got, got); strings.Contains(all, pw) {
				t.Errorf("formatting the error shows the password: %s", all)
			}
		})
	}
	// Scrubbing twice changes nothing and wraps no further.
	once := ScrubError(leaky, pw)
	if twice := ScrubError(once, pw); twice != once {
		t.Errorf("scrubbing again wrapped again: %#v", twice)
	}
}

// TestScrubBoundsAfterScrubbing: Scrub bounds messages to MaxMessageLength at a character
// boundary, after scrubbing, so that the cut cannot leave part of a password behind.
func TestScrubBoundsAfterScrubbing(t *testing.T) {
	const pw = "q7Vd2LxR9mTe4WbZ8kPn3HsY"
	// The password straddles the cut: bounding first would keep its first half.
	prefix := strings.Repeat("é", (MaxMessageLength-10)/2)
	long := prefix + "; fault: " + pw + " and " + `{"password": "` + pw + `"}`
	res, err := Scrub(Failed(long), errors.New(long), pw)
	for what, msg := range map[string]string{"ErrorMessage": res.ErrorMessage, "error": err.Error()} {
		if len(msg) > MaxMessageLength+len("...") || !utf8.ValidString(msg) || !strings.HasSuffix(msg, "...") {
			t.Errorf("%s is not bounded to %d bytes at a character boundary: %d bytes, valid %t", what, MaxMessageLength, len(msg), utf8.ValidString(msg))
		}
		if strings.Contains(msg, pw[:4]) {
			t.Errorf("%s keeps part of the password: ...%s", what, msg[len(prefix):])
		}
	}
	if short, _ := Scrub(Failed("refused"), nil, pw); short.ErrorMessage != "refused" {
		t.Errorf("a short message changed: %q", short.ErrorMessage)
	}
}
