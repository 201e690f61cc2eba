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
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

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

// powerWord is the Power subresource's spelling of a boolean power state.
func powerWord(on bool) string {
	if on {
		return string(v1alpha1.PowerOn)
	}
	return string(v1alpha1.PowerOff)
}

// observedPower is the host's power as last read from the BMC, or <unknown> while nothing has
// read it. It follows the power subresource's rule (status.poweredOn means something only once
// the host is registered and not detached) so that `list` agrees with `power status` without a
// GET of baremetalhosts/power per host.
func observedPower(h *v1alpha1.BareMetalHost) string {
	switch h.Status.Provisioning.State {
	case v1alpha1.StateNone, v1alpha1.StateUnmanaged, v1alpha1.StateRegistering:
		return unknown
	}
	if h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached {
		return unknown
	}
	return powerWord(h.Status.PoweredOn)
}

// hostError is the host's last error, for the ERROR column: the message says what happened,
// the type only which phase failed, so the message wins when there is one.
func hostError(h *v1alpha1.BareMetalHost, width int) string {
	msg := h.Status.ErrorMessage
	if msg == "" {
		msg = string(h.Status.ErrorType)
	}
	msg = oneLine(msg)
	if width > 0 && len([]rune(msg)) > width {
		msg = string([]rune(msg)[:width-1]) + "…"
	}
	return msg
}

// hardwareSummary is one cell's worth of inventory: "32 CPUs, 256 GiB RAM, 2 NICs, 2 disks".
func hardwareSummary(hw *v1alpha1.HardwareDetails) string {
	if hw == nil {
		return none
	}
	return fmt.Sprintf("%d CPUs, %s RAM, %s, %s", hw.CPU.Count, mebibytes(hw.RAMMebibytes),
		plural(len(hw.NICs), "NIC"), plural(len(hw.Storage), "disk"))
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
