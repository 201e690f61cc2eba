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
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// Placeholders as kubectl prints them, so columns never collapse and scripts can split on
// whitespace.
const (
	none    = "<none>"
	unknown = "<unknown>"
)

// table writes aligned columns with kubectl's spacing (cli-runtime's printers use the same
// tabwriter settings).
type table struct {
	w      *tabwriter.Writer
	indent string
}

func newTable(out io.Writer, header ...string) *table {
	return newIndentedTable(out, "", header...)
}

// newIndentedTable is a table nested under a heading, every line starting with indent.
func newIndentedTable(out io.Writer, indent string, header ...string) *table {
	t := &table{w: tabwriter.NewWriter(out, 6, 4, 3, ' ', 0), indent: indent}
	t.row(header...)
	return t
}

func (t *table) row(cols ...string) {
	for i, c := range cols {
		if c == "" {
			cols[i] = none
		}
	}
	fmt.Fprintln(t.w, t.indent+strings.Join(cols, "\t"))
}

func (t *table) flush() { _ = t.w.Flush() }

// age is kubectl's AGE format: 5s, 3m, 2d4h.
func age(now time.Time, t metav1.Time) string {
	if t.IsZero() {
		return unknown
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// elapsed is the time since a wait began, to the second: 12s, 1m5s.
func elapsed(d time.Duration) string {
	return d.Round(time.Second).String()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// hostError is the host's last error on one line: the message says what happened, the type
// only which phase failed, so the message wins when there is one.
func hostError(h *v1alpha1.BareMetalHost) string {
	msg := h.Status.ErrorMessage
	if msg == "" {
		msg = string(h.Status.ErrorType)
	}
	return oneLine(msg)
}

// printInventory writes the inventory indented, with the NIC and disk rows aligned.
func printInventory(out io.Writer, hw *v1alpha1.HardwareDetails) {
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	for _, line := range inventory(hw) {
		fmt.Fprintf(w, "  %s\n", line)
	}
	_ = w.Flush()
	// Empty trailing cells (a NIC without PXE) would leave padding at the end of lines.
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		fmt.Fprintln(out, strings.TrimRight(line, " "))
	}
}

// inventory is the few lines `inspect --wait` ends with: enough to check the machine is the one
// expected (CPU, memory, NICs with MACs, disks), not a dump of everything inspection found. NIC
// and disk rows have a fixed set of tab-separated cells, for printInventory to align.
func inventory(hw *v1alpha1.HardwareDetails) []string {
	if hw == nil {
		return []string{"no inventory recorded"}
	}
	var lines []string
	if v := hw.SystemVendor; v.Manufacturer != "" || v.ProductName != "" {
		sys := strings.TrimSpace(v.Manufacturer + " " + v.ProductName)
		if v.SerialNumber != "" {
			sys += " (serial " + v.SerialNumber + ")"
		}
		lines = append(lines, "System: "+sys)
	}
	cpu := fmt.Sprintf("CPUs:   %d", hw.CPU.Count)
	if hw.CPU.Model != "" {
		cpu += " x " + hw.CPU.Model
	}
	var details []string
	if hw.CPU.Arch != "" {
		details = append(details, hw.CPU.Arch)
	}
	if hw.CPU.ClockMegahertz > 0 {
		details = append(details, fmt.Sprintf("%.0f MHz", hw.CPU.ClockMegahertz))
	}
	if len(details) > 0 {
		cpu += " (" + strings.Join(details, ", ") + ")"
	}
	lines = append(lines, cpu, "RAM:    "+mebibytes(hw.RAMMebibytes))

	lines = append(lines, fmt.Sprintf("NICs:   %d", len(hw.NICs)))
	for _, n := range hw.NICs {
		speed, pxe := "", ""
		if n.SpeedGbps > 0 {
			speed = fmt.Sprintf("%d Gbps", n.SpeedGbps)
		}
		if n.PXE {
			pxe = "PXE"
		}
		lines = append(lines, "  "+strings.Join([]string{orDefault(n.Name, "?"), orDefault(n.MAC, "no MAC"), speed, n.IP, pxe}, "\t"))
	}

	var total int64
	for _, d := range hw.Storage {
		total += d.SizeBytes
	}
	disks := fmt.Sprintf("Disks:  %d", len(hw.Storage))
	if total > 0 {
		disks += ", " + decimalBytes(total) + " total"
	}
	lines = append(lines, disks)
	for _, d := range hw.Storage {
		model := strings.TrimSpace(d.Vendor + " " + d.Model)
		lines = append(lines, "  "+strings.Join([]string{orDefault(d.Name, "?"), decimalBytes(d.SizeBytes), string(d.Type), model}, "\t"))
	}
	return lines
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// mebibytes prints memory in binary units, as firmware and operating systems report it.
func mebibytes(mib int32) string {
	if mib >= 1024 && mib%1024 == 0 {
		return fmt.Sprintf("%d GiB", mib/1024)
	}
	if mib >= 1024 {
		return fmt.Sprintf("%.1f GiB", float64(mib)/1024)
	}
	return fmt.Sprintf("%d MiB", mib)
}

// decimalBytes prints disk sizes in decimal units, as disk vendors label them (a "480 GB" SSD).
func decimalBytes(b int64) string {
	const unit = 1000
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := int64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	v := float64(b) / float64(div)
	format := "%.0f %cB"
	if v < 10 {
		format = "%.1f %cB"
	}
	return fmt.Sprintf(format, v, "kMGTPE"[exp])
}

// printStructured prints v as kubectl's -o json and -o yaml do.
func printStructured(out io.Writer, format string, v any) error {
	var (
		b   []byte
		err error
	)
	switch format {
	case "json":
		if b, err = json.MarshalIndent(v, "", "    "); err == nil {
			b = append(b, '\n')
		}
	case "yaml":
		b, err = yaml.Marshal(v)
	default:
		return fmt.Errorf("unknown output format %q", format)
	}
	if err != nil {
		return err
	}
	_, err = out.Write(b)
	return err
}

// field writes one "Label:  value" line of a describe-like header, values aligned.
func field(out io.Writer, label, value string) {
	fmt.Fprintf(out, "%-19s %s\n", label+":", value)
}

// printFirmware is the text output of `firmware`: a header with what is pending and when it is
// applied, then the components and the BIOS settings, each with its conditions.
func printFirmware(out io.Writer, v *firmwareView, now time.Time) {
	field(out, "Name", v.Name)
	field(out, "Namespace", v.Namespace)
	state := orDefault(string(v.State), none)
	if v.OperationalStatus != "" {
		state += " (" + string(v.OperationalStatus) + ")"
	}
	field(out, "State", state)
	if v.Error != "" {
		field(out, "Error", v.Error)
	}
	var pending []string
	if n := v.Changes.PendingSettings; n > 0 {
		pending = append(pending, plural(n, "BIOS setting"))
	}
	if n := v.Changes.PendingUpdates; n > 0 {
		pending = append(pending, plural(n, "firmware update"))
	}
	if len(pending) == 0 {
		pending = append(pending, "nothing")
	}
	field(out, "Pending", strings.Join(pending, ", "))
	if v.Changes.When != applyNothing {
		field(out, "Applied", v.Changes.Message)
	}
	if p := v.Changes.UpdatePolicy; p != nil {
		if p.Found {
			field(out, "HostUpdatePolicy", fmt.Sprintf("%s: firmwareSettings %s, firmwareUpdates %s",
				p.Name, orDefault(p.FirmwareSettings, none), orDefault(p.FirmwareUpdates, none)))
		} else {
			field(out, "HostUpdatePolicy", p.Message)
		}
	}

	fmt.Fprintln(out)
	switch c := v.Components; {
	case c == nil:
		fmt.Fprintf(out, "Firmware components: not read yet (no HostFirmwareComponents %s/%s)\n", v.Namespace, v.Name)
	default:
		if c.Read {
			fmt.Fprintf(out, "Firmware components: %s\n", readText(c.LastRead, now))
			tbl := newIndentedTable(out, "  ", "COMPONENT", "INITIAL", "CURRENT", "LAST FLASHED", "UPDATED AT")
			for _, fc := range c.Components {
				tbl.row(fc.Component, fc.InitialVersion, fc.CurrentVersion, fc.LastVersionFlashed, timestamp(fc.UpdatedAt))
			}
			tbl.flush()
		} else {
			fmt.Fprintln(out, "Firmware components: not read yet")
		}
		printConditions(out, c.Conditions)
		current := map[string]string{}
		for _, fc := range c.Components {
			current[fc.Component] = fc.CurrentVersion
		}
		if len(c.PendingUpdates) == 0 {
			fmt.Fprintln(out, "  Pending updates: none")
		} else {
			fmt.Fprintln(out, "  Pending updates:")
			tbl := newIndentedTable(out, "    ", "COMPONENT", "CURRENT", "URL")
			for _, u := range c.PendingUpdates {
				tbl.row(u.Component, current[u.Component], u.URL)
			}
			tbl.flush()
		}
		if len(c.LastAppliedUpdates) == 0 {
			fmt.Fprintln(out, "  Last applied updates: none")
		} else {
			fmt.Fprintln(out, "  Last applied updates:")
			tbl := newIndentedTable(out, "    ", "COMPONENT", "URL")
			for _, u := range c.LastAppliedUpdates {
				tbl.row(u.Component, u.URL)
			}
			tbl.flush()
		}
	}

	fmt.Fprintln(out)
	s := v.Settings
	if s == nil {
		fmt.Fprintf(out, "BIOS settings: not read yet (no HostFirmwareSettings %s/%s)\n", v.Namespace, v.Name)
		return
	}
	schema := "no schema"
	if ref := s.Schema; ref != nil {
		schema = "schema " + ref.Namespace + "/" + ref.Name
		if !ref.Found {
			schema += " (not found)"
		}
	}
	if !s.Read {
		fmt.Fprintln(out, "BIOS settings: not read yet")
	} else {
		fmt.Fprintf(out, "BIOS settings: %s, %s\n", readText(s.LastRead, now), schema)
	}
	printConditions(out, s.Conditions)
	limitsKnown := s.Schema != nil && s.Schema.Found
	printSettings := func(heading string, settings []settingView) {
		if len(settings) == 0 {
			fmt.Fprintf(out, "  %s: none\n", heading)
			return
		}
		fmt.Fprintf(out, "  %s:\n", heading)
		tbl := newIndentedTable(out, "    ", "NAME", "CURRENT", "WANTED", "ALLOWED")
		for _, sv := range settings {
			tbl.row(sv.Name, deref(sv.Current), deref(sv.Wanted), allowedText(sv.Limits, limitsKnown))
		}
		tbl.flush()
	}
	if s.Read {
		printSettings("Pending settings", s.Pending)
	}
	if s.All != nil {
		printSettings("All settings", s.All)
	}
}

// printConditions writes a firmware object's conditions as a nested table.
func printConditions(out io.Writer, conds []metav1.Condition) {
	if len(conds) == 0 {
		fmt.Fprintln(out, "  Conditions: none")
		return
	}
	fmt.Fprintln(out, "  Conditions:")
	tbl := newIndentedTable(out, "    ", "TYPE", "STATUS", "REASON", "MESSAGE")
	for _, c := range sortedConditions(conds) {
		tbl.row(c.Type, string(c.Status), c.Reason, oneLine(c.Message))
	}
	tbl.flush()
}

// readText says when firmware was read: "read 5m ago (2026-05-01T11:55:00Z)".
func readText(t *metav1.Time, now time.Time) string {
	if t == nil {
		return "read"
	}
	return fmt.Sprintf("read %s ago (%s)", age(now, *t), timestamp(t))
}

// timestamp is a time as kubectl prints one in yaml: RFC 3339, UTC.
func timestamp(t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// allowedText is what a FirmwareSchema allows for a setting, in one cell: "Enabled, Disabled",
// "1..128", "length <= 16", "read-only". known is false when no schema could be read.
func allowedText(l *v1alpha1.SettingSchema, known bool) string {
	switch {
	case !known:
		return unknown
	case l == nil:
		return "not in schema"
	case l.ReadOnly != nil && *l.ReadOnly:
		return "read-only"
	}
	switch l.AttributeType {
	case v1alpha1.SettingTypeEnumeration:
		if len(l.AllowableValues) > 0 {
			return strings.Join(l.AllowableValues, ", ")
		}
	case v1alpha1.SettingTypeInteger:
		if b := bounds(l.LowerBound, l.UpperBound); b != "" {
			return b
		}
		return "any integer"
	case v1alpha1.SettingTypeString:
		if b := bounds(l.MinLength, l.MaxLength); b != "" {
			return "length " + b
		}
		return "any string"
	case v1alpha1.SettingTypeBoolean:
		return "true, false"
	case v1alpha1.SettingTypePassword:
		return "password, cannot be set"
	}
	return "any"
}

func bounds(lo, hi *int64) string {
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("%d..%d", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf(">= %d", *lo)
	case hi != nil:
		return fmt.Sprintf("<= %d", *hi)
	}
	return ""
}
