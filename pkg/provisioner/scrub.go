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
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What a backend returns ends up in a host's status, which anyone who may read hosts can
// read, and in logs. BMC passwords must not. Backends keep them out of messages by
// construction (request bodies are never quoted, addresses carry no userinfo, Ironic's and
// the BMC's answers are reduced to what they said), and every backend passes what it
// returns through Scrub: one safety net, with one set of rules, for a BMC, an Ironic or a
// proxy that echoes what it was sent.
//
// Scrubbing must not become an oracle itself. Replacing every occurrence of the password
// with <redacted> did: with password "root", "reading the service root" read "reading the
// service <redacted>", which tells anyone the password; with "x", "context deadline
// exceeded" read "conte<redacted>t deadline e<redacted>ceeded". Whatever a rule replaces
// because it matched the password shows where the password was, and the words around it
// often tell what it was. Hence two kinds of rules:
//
//  1. Structure, not value. The value of a credential-named key (password, Password,
//     redfish_password, ipmi_password, passwd, token, ...) in JSON, escaped JSON, Python
//     reprs and key=value text, the value of a JSON-patch operation on such a path, the
//     value of a Redfish "The value ... for the property Password" message or its
//     MessageArgs, and the password of a URL's userinfo are replaced whatever they hold.
//     These rules never look at the password: their output depends on the shape of the
//     message only, so it tells nothing about the password, however short or common.
//  2. Value, only where the replacement cannot point at anything. A password that leaked
//     outside such a structure is replaced only where it stands as a whole token (never
//     inside a word: no "conte<redacted>t"), and only when it is at least minValueLength
//     characters long and mixes at least two of letters, digits and other symbols
//     (0penBmc, bmc-Pa55word-7f3a, a generated one). Such a token is not a word of English
//     nor of Redfish's or Ironic's vocabulary, so the text around a <redacted> cannot tell
//     the reader what stood there, and a long password that leaks verbatim is still
//     removed. Passwords of letters only or of digits only (root, admin, password, calvin,
//     123456) are words a message can hold by itself ("the service root", "invalid
//     username or password"), and short passwords turn up by chance (a "v1" password is a
//     segment of every Redfish path): replacing those would point at them, so they are
//     never replaced by value and rely on construction and rule 1 alone.
//
// What remains: a password equal to an identifier that a message holds by itself (x86_64,
// sha256) is pointed at where that identifier appears. No rule that looks for the password
// can avoid this, which is why rule 2 is the last resort and not the protection.

// Redacted stands in for a removed secret.
const Redacted = "<redacted>"

// MaxMessageLength bounds the messages a backend returns, after scrubbing (bounding first
// could cut a secret in half and hide it from the rules): they end up in a host's status,
// and Ironic's errors can quote whole tracebacks.
const MaxMessageLength = 2000

// minValueLength is the shortest password replaced by value (rule 2).
const minValueLength = 6

// Scrub is the last step of every backend method that returns a Result: the error message
// and the error go through ScrubMessage and ScrubError with the secrets the backend holds
// (the host's BMC password, the backend's own), and are bounded to MaxMessageLength; so are
// the warnings.
func Scrub(res Result, err error, secrets ...string) (Result, error) {
	res.ErrorMessage = bound(ScrubMessage(res.ErrorMessage, secrets...))
	if res.Warnings != nil {
		ws := make([]string, len(res.Warnings))
		for i, w := range res.Warnings {
			ws[i] = bound(ScrubMessage(w, secrets...))
		}
		res.Warnings = ws
	}
	return res, ScrubError(err, secrets...)
}

// ScrubError returns err with its message scrubbed and bounded like Scrub's. An error whose
// message needed no change and that wraps nothing is returned as is; any other comes back
// wrapped in an error that answers errors.Is like err (ErrNeedsRegistration, context
// errors) but does not unwrap: the errors inside may still hold the secret (gophercloud's
// and gofish's errors carry whole bodies), and errors.As or a %+v would reach them.
func ScrubError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := bound(ScrubMessage(msg, secrets...))
	if clean == msg && !wraps(err) {
		return err
	}
	return &scrubbedError{msg: clean, cause: err}
}

// scrubbedError is an error whose message went through ScrubMessage.
type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }

// Is reports what errors.Is reports of the cause. It replaces Unwrap, which would hand
// the unscrubbed cause to anyone who asks.
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.cause, target) }

// GoString keeps %#v from printing the cause, which a value-typed error would show in full.
func (e *scrubbedError) GoString() string {
	return "&provisioner.scrubbedError{msg:" + strconv.Quote(e.msg) + "}"
}

func wraps(err error) bool {
	switch err.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error }:
		return true
	}
	return false
}

// ScrubMessage removes credentials from msg by the rules described above. secrets are the
// passwords the caller holds; empty ones are ignored. Messages that go to logs rather than
// to a status use it directly.
func ScrubMessage(msg string, secrets ...string) string {
	if msg == "" {
		return msg
	}
	msg = userinfoRE.ReplaceAllString(msg, "${1}:"+Redacted+"@")
	// Rule 2 before rule 1: a password whose characters end a structure early (a quote
	// in a value printed unquoted) is then still removed whole where rule 2 applies, and
	// where it does not, it changes nothing.
	for _, s := range secrets {
		msg = scrubValue(msg, s)
	}
	msg = scrubPropertyValues(msg)
	msg = scrubMessageArgs(msg)
	return scrubKeys(msg)
}

// bound cuts s to MaxMessageLength bytes, at a character boundary.
func bound(s string) string {
	if len(s) <= MaxMessageLength {
		return s
	}
	n := MaxMessageLength
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// Rule 1: structure.

// userinfoRE matches the password of a URL's userinfo (scheme://user:password@host). Go's
// HTTP client already hides it ("***"), other code may not. The password ends at the last
// "@" before the path, so that an unescaped "@" in it does not leave its tail behind.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^/?#@\s"'<>:\\]*):[^/?#\s"'<>\\]*@`)

// credentialWords make a key a credential's when they occur in its name, in any case:
// password covers Redfish's Password and Ironic's redfish_password, ipmi_password,
// fake_password, ...; the others cover Ironic's SNMP and other drivers' secrets, session
// tokens and Authorization headers.
var credentialWords = []string{
	"password", "passwd", "passphrase", "pwd", "secret", "token",
	"auth_key", "priv_key", "private_key", "api_key", "apikey", "authorization",
}

// credentialKey reports whether a key, property or path names a credential.
func credentialKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range credentialWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	// "pass" alone or as a suffix (admin_pass), not as a part of a word (bypass).
	return k == "pass" || strings.HasSuffix(k, "_pass") || strings.HasSuffix(k, "-pass")
}

// headerRE matches the start of an HTTP header whose whole value, up to the end of the
// line, is a credential. Authorization must be followed by its scheme, so that prose
// ("insufficient authorization: ...") is left alone.
var headerRE = regexp.MustCompile(`(?i)^(?:(?:proxy-)?authorization:\s*(?:basic|bearer|digest|negotiate|ntlm)\s|x-auth-token:)`)

// keyRE finds a key and what separates it from its value: "key": in JSON and Python reprs
// (quotes escaped any number of times, as in a JSON body quoted in a JSON string),
// key=value, and the path of a JSON-patch operation followed by its value
// ("path": "/driver_info/redfish_password", "value": ...), which is how gophercloud
// writes them. It stops before the value: values are found by scanning, because a value
// can hold quotes, and a match must not swallow the pairs inside a value.
var keyRE = regexp.MustCompile(`(\\*["'])?([\w.\-]+)(\\*["'])?\s*(?:([:=])|,\s*\\*["']value\\*["']\s*:)\s*`)

// scrubKeys replaces the values of credential-named keys.
func scrubKeys(s string) string {
	out := splice{s: s}
	for _, m := range keyRE.FindAllStringSubmatchIndex(s, -1) {
		if m[0] < out.done {
			continue // inside a value already replaced
		}
		key := s[m[4]:m[5]]
		quotedKey := m[6] >= 0
		sep := "patch"
		if m[8] >= 0 {
			sep = s[m[8]:m[9]]
		}
		if sep == "patch" && !quotedKey {
			continue
		}
		header := !quotedKey && sep == ":" && headerRE.MatchString(s[m[4]:])
		if !header && !credentialKey(key) {
			continue
		}
		// After a bare word, a colon and a space comes prose ("invalid password: the
		// account is locked"); without the space, a field of Go's %+v (Password:root).
		prose := !quotedKey && sep == ":" && m[1] > m[9]
		start, end := valueAt(s, m[1], header, prose)
		if start == end {
			continue
		}
		out.replace(start, end, Redacted)
	}
	return out.String()
}

// valueAt returns the extent of the value that starts at s[i:], without its quotes; an
// empty extent when there is nothing to replace. A quoted value ends at a quote escaped as
// many times as the opening one; one cut off by the end of the text (a truncated body) runs
// to the end. A header's value runs to the end of the line. An unquoted value ends at
// whitespace or punctuation, and is not taken in prose. Objects and arrays are left to the
// pairs inside them.
func valueAt(s string, i int, header, prose bool) (start, end int) {
	if header {
		end = i
		for end < len(s) && s[end] != '\n' && s[end] != '\r' {
			end++
		}
		return i, end
	}
	j := i
	for j < len(s) && s[j] == '\\' {
		j++
	}
	if j < len(s) && (s[j] == '"' || s[j] == '\'') {
		escapes, quote := j-i, s[j]
		start = j + 1
		for k := start; k < len(s); k++ {
			if s[k] != quote {
				continue
			}
			b := k
			for b > start && s[b-1] == '\\' {
				b--
			}
			if k-b == escapes {
				return start, b
			}
		}
		return start, len(s)
	}
	if prose || i >= len(s) || s[i] == '{' || s[i] == '[' {
		return i, i
	}
	end = i
	for end < len(s) && s[end] > ' ' && !strings.ContainsRune(",;&)}]\"'<>\\", rune(s[end])) {
		end++
	}
	return i, end
}

// propertyValueRE matches the Redfish Base registry's messages about a value given for a
// property or an action parameter (PropertyValueTypeError, PropertyValueFormatError,
// ActionParameterValueFormatError, ...): "The value '%1' for the property %2 is ...", with
// or without quotes around the value depending on the registry's version. The value runs to
// the quote (or the space) before "for the property", so that quotes or spaces inside it do
// not end it.
var propertyValueRE = regexp.MustCompile(`(?i)\bvalue\s+(?:'(.*?)'|"(.*?)"|\\"(.*?)\\"|(.*?))\s+for\s+(?:the\s+)?(?:property|parameter)\s+\\*["']?([\w.\-/#@]+)`)

// scrubPropertyValues replaces the value in such messages when the property names a
// credential.
func scrubPropertyValues(s string) string {
	return replaceGroups(s, propertyValueRE, func(sub []string) bool { return credentialKey(sub[5]) }, 1, 2, 3, 4)
}

// messageArgsRE matches a Redfish message's MessageArgs, which repeat the arguments of the
// message ("MessageArgs": ["root", "Password"]).
var messageArgsRE = regexp.MustCompile(`"MessageArgs"\s*:\s*(\[[^\[\]]*\])`)

// propertyNameRE is what a property name in MessageArgs looks like.
var propertyNameRE = regexp.MustCompile(`^[\w.\-/#@]+$`)

// scrubMessageArgs replaces every argument of a message one of whose arguments names a
// credential: the value given for it is among them. All of them, the name too: which one is
// the name depends on the message, and keeping those that look like one would keep a
// password that looks like one ("password").
func scrubMessageArgs(s string) string {
	result := splice{s: s}
	for _, m := range messageArgsRE.FindAllStringSubmatchIndex(s, -1) {
		var args []any
		if json.Unmarshal([]byte(s[m[2]:m[3]]), &args) != nil {
			continue
		}
		names := false
		for _, a := range args {
			if name, ok := a.(string); ok && propertyNameRE.MatchString(name) && credentialKey(name) {
				names = true
			}
		}
		if !names {
			continue
		}
		out := make([]string, len(args))
		for i := range out {
			out[i] = strconv.Quote(Redacted)
		}
		result.replace(m[2], m[3], "["+strings.Join(out, ", ")+"]")
	}
	return result.String()
}

// replaceGroups replaces, in each match of re that ok accepts, the listed submatches that
// matched with Redacted.
func replaceGroups(s string, re *regexp.Regexp, ok func(sub []string) bool, groups ...int) string {
	out := splice{s: s}
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		sub := make([]string, len(m)/2)
		for g := range sub {
			if m[2*g] >= 0 {
				sub[g] = s[m[2*g]:m[2*g+1]]
			}
		}
		if !ok(sub) {
			continue
		}
		for _, g := range groups {
			if start, end := m[2*g], m[2*g+1]; start >= out.done && end > start {
				out.replace(start, end, Redacted)
			}
		}
	}
	return out.String()
}

// Rule 2: value.

// replaceableByValue reports whether a password may be replaced where it occurs (rule 2):
// long enough, and mixing classes of characters so that it is no word a message holds by
// itself. Spaces and the separators of identifiers and addresses (driver_info,
// X-Auth-Token, 10.0.0.1:623) make no class: phrases and identifiers are built with them.
func replaceableByValue(secret string) bool {
	if utf8.RuneCountInString(secret) < minValueLength {
		return false
	}
	var letter, digit, symbol bool
	for _, r := range secret {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsSpace(r) || strings.ContainsRune("_-./:", r):
		default:
			symbol = true
		}
	}
	classes := 0
	for _, has := range []bool{letter, digit, symbol} {
		if has {
			classes++
		}
	}
	return classes >= 2
}

// scrubValue replaces whole-token occurrences of secret, as written and as escaped in JSON,
// Go strings and URLs, when rule 2 allows it.
func scrubValue(s, secret string) string {
	if secret == "" || !replaceableByValue(secret) {
		return s
	}
	forms := []string{secret}
	if j, err := json.Marshal(secret); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	q := strconv.Quote(secret)
	forms = append(forms, q[1:len(q)-1], url.QueryEscape(secret), url.PathEscape(secret))
	seen := map[string]bool{}
	for _, f := range forms {
		if !seen[f] {
			seen[f] = true
			s = replaceTokens(s, f)
		}
	}
	return s
}

// replaceTokens replaces the occurrences of tok in s that are not part of a longer word.
func replaceTokens(s, tok string) string {
	out := splice{s: s}
	from := 0
	for {
		j := strings.Index(s[from:], tok)
		if j < 0 {
			break
		}
		j += from
		end := j + len(tok)
		if wholeToken(s, j, end) {
			out.replace(j, end, Redacted)
			from = end
			continue
		}
		_, size := utf8.DecodeRuneInString(s[j:])
		from = j + size
	}
	return out.String()
}

// splice rebuilds s with spans replaced, from left to right; s itself when none was.
type splice struct {
	s    string
	b    strings.Builder
	done int // s[:done] is in b
}

// replace puts with in place of s[start:end]; start is at or after the previous span's end.
func (p *splice) replace(start, end int, with string) {
	p.b.WriteString(p.s[p.done:start])
	p.b.WriteString(with)
	p.done = end
}

func (p *splice) String() string {
	if p.done == 0 {
		return p.s
	}
	p.b.WriteString(p.s[p.done:])
	return p.b.String()
}

// wholeToken reports whether s[start:end] is not glued to word characters on either side.
// An edge of the token that is not a word character is a boundary by itself.
func wholeToken(s string, start, end int) bool {
	if start > 0 {
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		first, _ := utf8.DecodeRuneInString(s[start:end])
		if isWord(before) && isWord(first) {
			return false
		}
	}
	if end < len(s) {
		after, _ := utf8.DecodeRuneInString(s[end:])
		last, _ := utf8.DecodeLastRuneInString(s[start:end])
		if isWord(after) && isWord(last) {
			return false
		}
	}
	return true
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
