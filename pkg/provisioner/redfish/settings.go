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
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// BIOS settings arrive as strings (HostFirmwareSettings keeps "4" and "true"); BMCs want them
// in a PATCH typed as their attribute registry says, and refuse a number sent as a string.

// Attribute types of a BIOS attribute registry.
const (
	attrEnumeration = "Enumeration"
	attrString      = "String"
	attrInteger     = "Integer"
	attrBoolean     = "Boolean"
	attrPassword    = "Password"
)

// attributeType is the type of a BIOS attribute: the registry's when it has the attribute,
// else what the value in effect is (a BMC that serves no registry still serves typed values),
// else String.
func attributeType(rule provisioner.SettingSchema, hasRule bool, current any) string {
	if hasRule && rule.AttributeType != "" {
		return rule.AttributeType
	}
	switch current.(type) {
	case float64, int, int64:
		return attrInteger
	case bool:
		return attrBoolean
	}
	return attrString
}

// settingValue converts the wanted value of one attribute to what a PATCH carries: Integer a
// JSON number, Boolean a JSON boolean, anything else a string.
func settingValue(name, value string, rule provisioner.SettingSchema, hasRule bool, current any) (any, error) {
	switch attributeType(rule, hasRule, current) {
	case attrInteger:
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("BIOS setting %s is an integer, not %q", name, value)
		}
		return n, nil
	case attrBoolean:
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return nil, fmt.Errorf("BIOS setting %s is a boolean (true or false), not %q", name, value)
		}
		return b, nil
	}
	return value, nil
}

// checkSetting finds what the BMC would refuse in a converted value, by the registry's rules.
func checkSetting(name string, v any, rule provisioner.SettingSchema) error {
	switch {
	case rule.ReadOnly:
		return fmt.Errorf("BIOS setting %s is read-only", name)
	case rule.AttributeType == attrPassword:
		return fmt.Errorf("BIOS setting %s is a password, which is not set through firmware settings", name)
	}
	switch v := v.(type) {
	case int64:
		if (rule.LowerBound != nil && v < *rule.LowerBound) || (rule.UpperBound != nil && v > *rule.UpperBound) {
			return fmt.Errorf("BIOS setting %s must be within %s, not %d", name, bounds(rule.LowerBound, rule.UpperBound), v)
		}
	case string:
		if rule.AttributeType == attrEnumeration && len(rule.AllowableValues) > 0 && !slices.Contains(rule.AllowableValues, v) {
			return fmt.Errorf("BIOS setting %s must be one of %s, not %q", name, strings.Join(rule.AllowableValues, ", "), v)
		}
		if n := int64(len(v)); (rule.MinLength != nil && n < *rule.MinLength) || (rule.MaxLength != nil && n > *rule.MaxLength) {
			return fmt.Errorf("BIOS setting %s must be %s characters long, not %d", name, bounds(rule.MinLength, rule.MaxLength), n)
		}
	}
	return nil
}

func bounds(lo, hi *int64) string {
	l, h := "", ""
	if lo != nil {
		l = strconv.FormatInt(*lo, 10)
	}
	if hi != nil {
		h = strconv.FormatInt(*hi, 10)
	}
	return "[" + l + ", " + h + "]"
}

// settingsBody converts the wanted settings into the Attributes of a PATCH of the BIOS
// settings, checked against the registry (schema, nil when the BMC serves none) and the
// attributes in effect (current, typed as the BMC serves them). Everything the BMC would
// refuse is refused here, before anything changes on the host, in one message.
func settingsBody(wanted map[string]string, schema map[string]provisioner.SettingSchema, current map[string]any) (map[string]any, error) {
	body := make(map[string]any, len(wanted))
	var problems []string
	names := make([]string, 0, len(wanted))
	for k := range wanted {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		rule, hasRule := schema[name]
		cur, hasCur := current[name]
		if !hasRule && !hasCur {
			problems = append(problems, fmt.Sprintf("the BMC knows no BIOS setting %s", name))
			continue
		}
		v, err := settingValue(name, wanted[name], rule, hasRule, cur)
		if err == nil {
			err = checkSetting(name, v, rule)
		}
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		body[name] = v
	}
	if len(problems) > 0 {
		return nil, refusedf("%s", strings.Join(problems, "; "))
	}
	return body, nil
}
