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

// Package provisioner is the boundary between the host reconciler and the hardware. The
// reconciler owns the state machine and the object; a backend (Ironic through gophercloud,
// Redfish through gofish, a fake for unit tests) only carries out one step of it per call and
// says whether that step is done, still running, or failed.
//
// Backends are stateless about hosts: one backend value serves every host, receiving what it
// needs in a Host on each call. That lets a backend share connections and BMC sessions across
// hosts and survive server restarts without rebuilding per-host state.
package provisioner

import (
	"context"
	"errors"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
)

// Credentials are a BMC's username and password. They are never logged: String and GoString
// redact the password, so a %v or %#v of a Host cannot leak it.
type Credentials struct {
	Username string
	Password string
}

func (c Credentials) String() string   { return "{Username:" + c.Username + " Password:<redacted>}" }
func (c Credentials) GoString() string { return c.String() }

// Host is what a backend needs to know about one host for one call.
type Host struct {
	Namespace string
	Name      string
	UID       types.UID
	// ID is the backend's identifier of the host from an earlier Register
	// (status.provisioning.ID); empty before the first registration.
	ID string
	// Endpoint is the backend endpoint holding (or to hold) the host's record
	// (status.provisioning.endpoint), for a backend spread over several endpoints
	// (EndpointAssigner); empty when none is recorded.
	Endpoint string

	BMC                            *bmc.Access
	Credentials                    Credentials
	DisableCertificateVerification bool
	BootMACAddress                 string
	BootMode                       v1alpha1.BootMode
	Architecture                   string
	InspectionMode                 v1alpha1.InspectionMode
	AutomatedCleaningMode          v1alpha1.AutomatedCleaningMode
	DisablePowerOff                bool
	// LiveISO is the live ISO the host runs (status.provisioning.image when its format is
	// live-iso), which a backend booting it from virtual media boots again at every power-on
	// and reboot; empty for hosts running anything else, whose virtual media (a DataImage) is
	// only exposed to them.
	LiveISO string

	// PreprovisioningImage is the agent image built for the host (its PreprovisioningImage,
	// with the server's --build-preprov-image), when one is ready: a backend that boots an
	// agent boots this one. Nil leaves the backend's own configuration in effect.
	PreprovisioningImage *PreprovisioningImage

	// RestartOnFailure says that the host's status already records a failure of the step
	// being called (Metal3's restartOnFailure): a backend that finds its record of the host
	// failed retries the step instead of reporting the failure again. The first call after a
	// failure reports it; the reconciler records it with backoff and calls again with this set.
	// An input derived from the stored object, so a restart or another replica decides the same.
	RestartOnFailure bool

	// OperationStarted is when the host's current operation (provisioning, deprovisioning,
	// ...) began: status.operationHistory, written when the host entered the state, before any
	// backend call of the operation. A backend that keeps its progress in process memory (the
	// Redfish one) reads it to recognise, after a restart or on a new leader, what an earlier
	// process did for this operation, instead of doing it again. Zero when unknown.
	//
	// For Reboot it is when the reboot request was taken on, recorded in the request's
	// annotation before any reset was sent for it (see the baremetalhost controller's reboot
	// rule).
	OperationStarted time.Time
	// LastResetBefore is, for Reboot, the BMC's record of the host's last reset
	// (PowerState.LastReset) read just before the reboot was recorded: a backend without
	// memory of the reboot compares it with what the BMC reports now to tell whether the reset
	// went out. Empty when the BMC reported none.
	LastResetBefore string
	// OperationRecordedNow says that this very pass recorded the operation's start
	// (OperationStarted), so no process can have acted on it yet: a backend without memory of
	// it starts it without asking the BMC what was done.
	OperationRecordedNow bool
}

// PreprovisioningImage is the image a host boots before it is provisioned (the agent that
// inspects, cleans and deploys it), as an image builder made it for the host: Metal3's
// PreprovisioningImage status, which the reconciler passes on once Ready.
type PreprovisioningImage struct {
	// URL is where the ISO, or the initramfs of an initrd image, is downloaded from.
	URL string
	// KernelURL is the kernel of an initrd image; empty for the backend's default kernel.
	KernelURL string
	// ExtraKernelParams are kernel parameters to boot an initrd image with, added to the
	// backend's own.
	ExtraKernelParams string
	// Format is iso or initrd.
	Format v1alpha1.ImageFormat
}

// PreprovisioningImageBooter is a backend that boots an agent image on its hosts (Ironic's
// agent ramdisk). With the server's --build-preprov-image, the reconciler asks an image builder
// for one per host, through a PreprovisioningImage accepting these formats.
type PreprovisioningImageBooter interface {
	// PreprovisioningImageFormats lists the image formats the backend can boot on a host
	// behind access, the preferred first (Metal3's order); none when it boots no agent there.
	PreprovisioningImageFormats(access *bmc.Access) []v1alpha1.ImageFormat
}

// EndpointAssigner is a backend spread over several endpoints (Ironic instances), each host's
// record living in exactly one of them. The reconciler records the endpoint a host is assigned
// in its status before the host is first registered, and passes it back in Host.Endpoint on
// every call, so the assignment is in the object, not in the backend's memory.
type EndpointAssigner interface {
	// EndpointFor is the endpoint that holds, or is to hold, the host's record: Host.Endpoint
	// when set; for a host registered before endpoints were recorded (an ID, no endpoint) the
	// first endpoint; otherwise a choice derived from the host's UID alone, so that every
	// replica and every restart chooses the same.
	EndpointFor(host Host) string
	// HasEndpoint says whether endpoint is one of the backend's.
	HasEndpoint(endpoint string) bool
	// Endpoints lists the backend's endpoints, in order.
	Endpoints() []string
}

// PrepareData is what preparing (cleaning, RAID, BIOS settings, firmware) applies.
type PrepareData struct {
	RAID            *v1alpha1.RAIDConfig
	RootDeviceHints *v1alpha1.RootDeviceHints
	// Firmware is what the host's HostFirmwareSettings and HostFirmwareComponents ask for
	// and its BMC does not have yet (Metal3's Target/ActualFirmwareSettings and
	// TargetFirmwareComponents); empty when nothing is to change.
	Firmware FirmwareChanges
}

// ProvisionData is what provisioning writes or boots.
type ProvisionData struct {
	Image           *v1alpha1.Image
	CustomDeploy    *v1alpha1.CustomDeploy
	RootDeviceHints *v1alpha1.RootDeviceHints
	// Config drive contents, read from the userData/networkData/metaData Secrets.
	UserData    string
	NetworkData string
	MetaData    string
	// ImagePullSecret is "username:password" for the registry of an oci:// image, from
	// spec.image.ociAuthSecretName (Ironic's instance_info image_pull_secret). A secret: never
	// logged, scrubbed from errors like the BMC password.
	ImagePullSecret string
}

// PullPassword is the password part of an ImagePullSecret, for scrubbing.
func (d ProvisionData) PullPassword() string {
	_, pass, _ := strings.Cut(d.ImagePullSecret, ":")
	return pass
}

// RebootMode says how to power off or reboot.
type RebootMode string

const (
	// RebootModeSoft asks the operating system to shut down (ACPI).
	RebootModeSoft RebootMode = "soft"
	// RebootModeHard cuts power at once.
	RebootModeHard RebootMode = "hard"
)

// Result is the outcome of one step.
type Result struct {
	// Done means the step completed and the reconciler may move on.
	Done bool
	// RequeueAfter asks to be called again after this long: the step is running.
	RequeueAfter time.Duration
	// ErrorMessage reports that the hardware operation itself failed (bad credentials, a
	// failed deploy, ...). It is recorded in the host's status and retried with backoff.
	// Errors reaching the backend are returned as error instead.
	ErrorMessage string
	// Warnings are problems a completed step went past, e.g. a resource of the BMC that
	// could not be read during an inspection whose inventory lacks it. The reconciler
	// reports each as a Warning event on the host.
	Warnings []string
}

// Done is the Result of a completed step.
func Done() Result { return Result{Done: true} }

// InProgress is the Result of a step still running, to be polled after d.
func InProgress(d time.Duration) Result { return Result{RequeueAfter: d} }

// Failed is the Result of a step the hardware refused or failed.
func Failed(msg string) Result { return Result{ErrorMessage: msg} }

// PowerState is the power state a backend observed.
type PowerState struct {
	// Known is false when the backend cannot tell yet (e.g. before the first power action).
	Known     bool
	PoweredOn bool
	// Health is the host's health as its BMC reported it with the power state, HealthUnknown
	// when the backend does not report it.
	Health Health
	// LastReset is the BMC's own record of when the host was last reset (Redfish's
	// LastResetTime), verbatim, to be compared only with another reading of the same BMC; empty
	// when the backend cannot tell.
	LastReset string
}

// Health is a host's health as its BMC reports it (Redfish's Status.Health values).
type Health string

const (
	HealthUnknown  Health = ""
	HealthOK       Health = "OK"
	HealthWarning  Health = "Warning"
	HealthCritical Health = "Critical"
)

// ErrNeedsRegistration is returned by any step when the backend no longer knows the host
// (its record was lost, e.g. a database reset): the reconciler registers it again.
var ErrNeedsRegistration = errors.New("host is not registered with the provisioner")

// Provisioner carries out one lifecycle step per call. Every method is idempotent: called
// again with the same Host, it reports on the step already under way instead of starting a
// second one. Methods return an error only when the backend or BMC could not be reached or
// answered unexpectedly; the reconciler retries those with backoff.
type Provisioner interface {
	// Name names the backend, for logs and metrics.
	Name() string

	// Register makes the backend know the host and checks that the BMC answers with the
	// credentials. It returns the backend's ID of the host.
	Register(ctx context.Context, host Host) (id string, res Result, err error)
	// Inspect inspects the hardware; details is set once res.Done. restart starts a new
	// inspection even if one completed before.
	Inspect(ctx context.Context, host Host, restart bool) (details *v1alpha1.HardwareDetails, res Result, err error)
	// Prepare cleans the disks (unless cleaning is disabled) and applies RAID and settings.
	Prepare(ctx context.Context, host Host, data PrepareData) (Result, error)
	// Provision writes (or boots) the image and powers the host on.
	Provision(ctx context.Context, host Host, data ProvisionData) (Result, error)
	// Deprovision removes the image, cleans (unless disabled) and powers the host off.
	Deprovision(ctx context.Context, host Host) (Result, error)
	// Adopt takes over a host provisioned by something else, without touching its disks.
	Adopt(ctx context.Context, host Host) (Result, error)
	// Service applies firmware changes to a provisioned host (Metal3's servicing), keeping
	// its disks and image: Done once the BMC reports the changes in effect and the host is
	// as it was before (the reconciler powers it on afterwards, as spec.online says). A
	// backend that cannot service says so in a failed Result, never pretending it did.
	Service(ctx context.Context, host Host, changes FirmwareChanges) (Result, error)

	// PowerOn powers the host on; Done once the BMC reports it on.
	PowerOn(ctx context.Context, host Host) (Result, error)
	// PowerOff powers the host off; Done once the BMC reports it off.
	PowerOff(ctx context.Context, host Host, mode RebootMode) (Result, error)
	// Reboot restarts the host; Done once the BMC accepted the reset. A backend that follows
	// the reset across calls in memory resumes one taken over from Host.OperationStarted and
	// Host.LastResetBefore, and may end a reboot it cannot confirm with a Warning rather than
	// reset the host twice.
	Reboot(ctx context.Context, host Host, mode RebootMode) (Result, error)
	// PowerState reads the power state.
	PowerState(ctx context.Context, host Host) (PowerState, error)

	// Detach makes the backend forget the host without touching the hardware.
	Detach(ctx context.Context, host Host) (Result, error)
	// Delete removes the host from the backend; Done once it is gone.
	Delete(ctx context.Context, host Host) (Result, error)

	// HasCapacity reports whether the backend can take another long operation now.
	HasCapacity(ctx context.Context) (bool, error)
}
