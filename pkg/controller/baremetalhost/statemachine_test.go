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

package baremetalhost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/async"
	fakeprov "github.com/metal3-community/baremetal-apiserver/pkg/provisioner/fake"
)

// The state machine, one transition per case, as Metal3's host_state_machine_test.go does it:
// a host built in a state, the backend seeded as earlier passes would have left it, one
// reconciliation (no workers, no timers, no sleeps), then the state it leads to and the
// backend calls it made.

const smHost = "h"

// smNow is the fixed clock of every case.
var smNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// hostBuilder builds a host as the reconciler leaves it in a state: registered with good
// credentials (when the state comes after registering), finalizer set, inventory known; and,
// when given, the HardwareData of its name as stored.
type hostBuilder struct {
	h  *v1alpha1.BareMetalHost
	hd *v1alpha1.HardwareData
	// hdInvalid makes the API refuse HardwareData writes as invalid (422).
	hdInvalid bool
	// hfs and hfc are the host's HostFirmwareSettings and HostFirmwareComponents as stored.
	hfs *v1alpha1.HostFirmwareSettings
	hfc *v1alpha1.HostFirmwareComponents
	// hup is the host's HostUpdatePolicy as stored.
	hup *v1alpha1.HostUpdatePolicy
	// di is the host's DataImage as stored.
	di *v1alpha1.DataImage
	// ppimg is the host's PreprovisioningImage as stored.
	ppimg *v1alpha1.PreprovisioningImage
	// endpoints is the backend's endpoint assigner, for a backend over several Ironics.
	endpoints provisioner.EndpointAssigner
	// secrets are more Secrets of the host's namespace, by name, beside its BMC credentials.
	secrets map[string]map[string]string
	// inLine puts the host in line for a provisioning slot before the pass (with every slot
	// taken: slotsTaken at the limit).
	inLine bool
}

// waitingInLine puts the host in line for a slot before the pass.
func (b *hostBuilder) waitingInLine() *hostBuilder {
	b.inLine = true
	return b
}

func aHost(state v1alpha1.ProvisioningState) *hostBuilder {
	h := &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: smHost, Namespace: ns, Generation: 1, UID: "uid-1",
			Finalizers: []string{v1alpha1.BareMetalHostFinalizer}},
		Spec: v1alpha1.BareMetalHostSpec{
			Online: true,
			BMC:    v1alpha1.BMCDetails{Address: "fake://192.0.2.1", CredentialsName: smHost + "-bmc"},
		},
	}
	h.Status.Provisioning.State = state
	h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	hook := &hostReconcile{host: h}
	if m := hook.metric(state); m != nil {
		m.Start = metav1.NewTime(smNow.Add(-time.Minute))
	}
	switch state {
	case v1alpha1.StateNone, v1alpha1.StateUnmanaged, v1alpha1.StateRegistering:
	default:
		h.Status.Provisioning.ID = "fake-1"
		h.Status.Hardware = &v1alpha1.HardwareDetails{RAMMebibytes: 1024}
	}
	return &hostBuilder{h: h}
}

func (b *hostBuilder) image(url string) *hostBuilder {
	b.h.Spec.Image = &v1alpha1.Image{URL: url, Checksum: "abc"}
	return b
}

// provisionedWith records url as the image the host runs.
func (b *hostBuilder) provisionedWith(url string) *hostBuilder {
	b.image(url)
	b.h.Status.Provisioning.Image = *b.h.Spec.Image.DeepCopy()
	b.h.Status.PoweredOn = true
	return b
}

func (b *hostBuilder) annotate(key, value string) *hostBuilder {
	if b.h.Annotations == nil {
		b.h.Annotations = map[string]string{}
	}
	b.h.Annotations[key] = value
	return b
}

func (b *hostBuilder) deleted() *hostBuilder {
	t := metav1.NewTime(smNow.Add(-time.Minute))
	b.h.DeletionTimestamp = &t
	return b
}

func (b *hostBuilder) detached() *hostBuilder {
	b.h.Status.OperationalStatus = v1alpha1.OperationalStatusDetached
	b.h.Status.Provisioning.ID = ""
	return b
}

func (b *hostBuilder) with(mutate func(*v1alpha1.BareMetalHost)) *hostBuilder {
	mutate(b.h)
	return b
}

// smInventory is the inventory a HardwareData of the cases holds: unlike the one hosts are
// built with (1024 MiB) and the fake backend's, so where a host's came from shows.
var smInventory = &v1alpha1.HardwareDetails{RAMMebibytes: 65536, Hostname: "from-hardwaredata"}

// withHardwareData stores the host's HardwareData holding smInventory, owned by the host of
// ownerUID ("" for no owner), with the reconciler's finalizer when finalized.
func (b *hostBuilder) withHardwareData(ownerUID types.UID, finalized bool) *hostBuilder {
	b.hd = &v1alpha1.HardwareData{
		ObjectMeta: metav1.ObjectMeta{Name: smHost, Namespace: ns, UID: "hd-uid", ResourceVersion: "1"},
		Spec:       v1alpha1.HardwareDataSpec{Hardware: smInventory.DeepCopy()},
	}
	if ownerUID != "" {
		owner := b.h.DeepCopy()
		owner.UID = ownerUID
		b.hd.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(owner, v1alpha1.BareMetalHostKind)}
	}
	if finalized {
		b.hd.Finalizers = []string{v1alpha1.HardwareDataFinalizer}
	}
	return b
}

// wantsSettings stores the host's HostFirmwareSettings asking for want, the BIOS having
// current at the last reading.
func (b *hostBuilder) wantsSettings(current map[string]string, want v1alpha1.DesiredSettingsMap) *hostBuilder {
	b.hfs = &v1alpha1.HostFirmwareSettings{
		ObjectMeta: metav1.ObjectMeta{Name: smHost, Namespace: ns, ResourceVersion: "1"},
		Spec:       v1alpha1.HostFirmwareSettingsSpec{Settings: want},
		Status:     v1alpha1.HostFirmwareSettingsStatus{Settings: current},
	}
	return b
}

// wantsUpdates stores the host's HostFirmwareComponents asking for want, applied those.
func (b *hostBuilder) wantsUpdates(applied []v1alpha1.FirmwareUpdate, want ...v1alpha1.FirmwareUpdate) *hostBuilder {
	b.hfc = &v1alpha1.HostFirmwareComponents{
		ObjectMeta: metav1.ObjectMeta{Name: smHost, Namespace: ns, ResourceVersion: "1"},
		Spec:       v1alpha1.HostFirmwareComponentsSpec{Updates: want},
		Status:     v1alpha1.HostFirmwareComponentsStatus{Updates: applied},
	}
	return b
}

// servicedOnReboot stores the host's HostUpdatePolicy letting settings and updates through
// when the host reboots.
func (b *hostBuilder) servicedOnReboot() *hostBuilder {
	b.hup = &v1alpha1.HostUpdatePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: smHost, Namespace: ns, ResourceVersion: "1"},
		Spec:       v1alpha1.HostUpdatePolicySpec{FirmwareSettings: v1alpha1.HostUpdatePolicyOnReboot, FirmwareUpdates: v1alpha1.HostUpdatePolicyOnReboot},
	}
	return b
}

// withDataImage stores the host's DataImage asking for url, held by the DataImage
// controller's finalizer, its status saying attached is attached; mutate changes it further.
func (b *hostBuilder) withDataImage(url, attached string, mutate ...func(*v1alpha1.DataImage)) *hostBuilder {
	b.di = &v1alpha1.DataImage{
		ObjectMeta: metav1.ObjectMeta{Name: smHost, Namespace: ns, UID: "di-uid", ResourceVersion: "1", Generation: 1,
			Finalizers: []string{v1alpha1.DataImageFinalizer}},
		Spec:   v1alpha1.DataImageSpec{URL: url},
		Status: v1alpha1.DataImageStatus{AttachedImage: v1alpha1.AttachedImageReference{URL: attached}},
	}
	for _, m := range mutate {
		m(b.di)
	}
	return b
}

// smImageURL and smKernelURL are what the image builder of the cases built.
const smImageURL, smKernelURL = "http://builder/h.initramfs", "http://builder/h.kernel"

// withPreprovImage stores the host's PreprovisioningImage as the reconciler asks for it (a
// fake:// BMC boots initrd images), owned by the host, built and Ready for its generation by an
// image builder; mutate changes it from there.
func (b *hostBuilder) withPreprovImage(mutate func(*v1alpha1.PreprovisioningImage)) *hostBuilder {
	arch := hostArchitecture(b.h)
	b.ppimg = &v1alpha1.PreprovisioningImage{
		ObjectMeta: metav1.ObjectMeta{Name: smHost, Namespace: ns, UID: "ppimg-uid", ResourceVersion: "1", Generation: 1,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(b.h, v1alpha1.BareMetalHostKind)}},
		Spec: v1alpha1.PreprovisioningImageSpec{Architecture: arch, AcceptFormats: []v1alpha1.ImageFormat{v1alpha1.ImageFormatInitRD},
			NetworkDataName: b.h.Spec.PreprovisioningNetworkDataName},
		Status: v1alpha1.PreprovisioningImageStatus{ImageURL: smImageURL, KernelURL: smKernelURL, ExtraKernelParams: "ip=dhcp",
			Format: v1alpha1.ImageFormatInitRD, Architecture: arch,
			Conditions: []metav1.Condition{
				{Type: string(v1alpha1.ConditionImageReady), Status: metav1.ConditionTrue, Reason: "ImageSuccess", ObservedGeneration: 1},
				{Type: string(v1alpha1.ConditionImageError), Status: metav1.ConditionFalse, Reason: "ImageSuccess", ObservedGeneration: 1},
			}},
	}
	if mutate != nil {
		mutate(b.ppimg)
	}
	return b
}

// withSecret stores a Secret of the host's namespace.
func (b *hostBuilder) withSecret(name string, data map[string]string) *hostBuilder {
	if b.secrets == nil {
		b.secrets = map[string]map[string]string{}
	}
	b.secrets[name] = data
	return b
}

// refusingHardwareData makes the API refuse the host's HardwareData as invalid.
func (b *hostBuilder) refusingHardwareData() *hostBuilder {
	b.hdInvalid = true
	return b
}

// smResult is what one reconciliation did.
type smResult struct {
	// secretReads counts the pass's reads of Secrets.
	secretReads int
	host        *v1alpha1.BareMetalHost
	calls       []string
	// backend is the fake backend's record of the host after the pass.
	backend fakeprov.Host
	requeue time.Duration
	err     error
	// hd is the host's HardwareData after the pass (nil when there is none); hdWrites are the
	// pass's requests on HardwareData that change it ("create", "update", "delete").
	hd       *v1alpha1.HardwareData
	hdWrites []string
	// hfs and hfc are the host's HostFirmwareSettings and HostFirmwareComponents after the
	// pass (nil when there are none).
	hfs *v1alpha1.HostFirmwareSettings
	hfc *v1alpha1.HostFirmwareComponents
	// di is the host's DataImage after the pass (nil when there is none); diWrites counts the
	// pass's writes of its status.
	di       *v1alpha1.DataImage
	diWrites int
	// media is what the host's virtual CD holds on the backend after the pass.
	media string
	// ppimg is the host's PreprovisioningImage after the pass (nil when there is none);
	// agentImage is the preprovisioning image the backend holds for the host.
	ppimg      *v1alpha1.PreprovisioningImage
	agentImage *provisioner.PreprovisioningImage
}

// reconcileOnce runs one reconciliation of the built host against a fake backend seeded by
// seed (nil: the backend holds the host as registered, powered as status says, with its
// image), with BMC credentials u/p. The host's credentials are marked good at their version
// when it is past registering.
func reconcileOnce(t *testing.T, b *hostBuilder, opts Options, slotsTaken int, seed func(*fakeprov.Provisioner)) smResult {
	t.Helper()
	dir := t.TempDir()
	secret := filepath.Join(dir, ns, smHost+"-bmc")
	if err := os.MkdirAll(secret, 0o700); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"username": "u", "password": "p"} {
		if err := os.WriteFile(filepath.Join(secret, k), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range b.secrets {
		if err := os.MkdirAll(filepath.Join(dir, ns, name), 0o700); err != nil {
			t.Fatal(err)
		}
		for k, v := range data {
			if err := os.WriteFile(filepath.Join(dir, ns, name, k), []byte(v), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	secrets := DirSecrets{Dir: dir}
	h := b.h.DeepCopy()
	if h.Status.Provisioning.ID != "" && h.Status.GoodCredentials.Credentials == nil {
		_, version, err := secrets.Get(context.Background(), ns, smHost+"-bmc")
		if err != nil {
			t.Fatal(err)
		}
		creds := v1alpha1.CredentialsStatus{Credentials: &v1alpha1.SecretReference{Name: smHost + "-bmc", Namespace: ns}, CredentialsVersion: version}
		h.Status.GoodCredentials, h.Status.TriedCredentials = creds, creds
	}

	prov := fakeprov.New()
	prov.PollInterval = time.Second
	if seed != nil {
		seed(prov)
	} else if h.Status.Provisioning.ID != "" {
		prov.Seed(ns, smHost, fakeprov.Host{ID: h.Status.Provisioning.ID, Address: h.Spec.BMC.Address,
			PoweredOn: h.Status.PoweredOn, Image: h.Status.Provisioning.Image.URL})
	}

	client := fake.NewSimpleClientset()
	enforceResourceVersions(client)
	stored, err := client.BaremetalV1alpha1().BareMetalHosts(ns).Create(context.Background(), h, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The reconciler reads HardwareData from its cache: here an indexer holding what is stored.
	hdCache := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if b.hd != nil {
		if _, err := client.BaremetalV1alpha1().HardwareData(ns).Create(context.Background(), b.hd.DeepCopy(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := hdCache.Add(b.hd.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	hfsCache := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	hfcCache := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if b.hfs != nil {
		if _, err := client.BaremetalV1alpha1().HostFirmwareSettings(ns).Create(context.Background(), b.hfs.DeepCopy(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := hfsCache.Add(b.hfs.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	if b.hfc != nil {
		if _, err := client.BaremetalV1alpha1().HostFirmwareComponents(ns).Create(context.Background(), b.hfc.DeepCopy(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := hfcCache.Add(b.hfc.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	hupCache := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if b.hup != nil {
		if err := hupCache.Add(b.hup.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	diCache := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if b.di != nil {
		if _, err := client.BaremetalV1alpha1().DataImages(ns).Create(context.Background(), b.di.DeepCopy(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := diCache.Add(b.di.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	ppCache := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if b.ppimg != nil {
		if _, err := client.BaremetalV1alpha1().PreprovisioningImages(ns).Create(context.Background(), b.ppimg.DeepCopy(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := ppCache.Add(b.ppimg.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	if b.hdInvalid {
		client.PrependReactor("*", "hardwaredata", func(action k8stesting.Action) (bool, runtime.Object, error) {
			if action.GetVerb() == "create" || action.GetVerb() == "update" {
				return true, nil, apierrors.NewInvalid(schema.GroupKind{Group: v1alpha1.GroupName, Kind: "HardwareData"}, smHost, field.ErrorList{
					field.Invalid(field.NewPath("spec", "hardware", "nics").Index(0).Child("mac"), "00-11-22-33-44-55", "must hold a MAC address")})
			}
			return false, nil, nil
		})
	}
	client.ClearActions()
	// The create reactor starts generations at 1; the builder's stands.
	stored.Generation = h.Generation
	stored.Status = h.Status

	if opts.Workers == 0 {
		opts = testOptions(opts.MaxConcurrentProvisioning)
	}
	registerMetrics()
	reads := &countingSecrets{SecretSource: secrets}
	c := &Controller{
		client: client, secrets: reads, opts: opts,
		slots: newSlots(opts.MaxConcurrentProvisioning), expect: newExpectations(),
		clock:              clocktesting.NewFakePassiveClock(smNow),
		queue:              workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		hardwareData:       listers.NewHardwareDataLister(hdCache),
		firmwareSettings:   listers.NewHostFirmwareSettingsLister(hfsCache),
		firmwareComponents: listers.NewHostFirmwareComponentsLister(hfcCache),
		updatePolicies:     listers.NewHostUpdatePolicyLister(hupCache),
		dataImages:         listers.NewDataImageLister(diCache),
		firmware:           prov,
		preprovImages:      listers.NewPreprovisioningImageLister(ppCache),
		imageFormats:       prov,
		endpoints:          b.endpoints,
	}
	t.Cleanup(c.queue.ShutDown)
	for i := 0; i < slotsTaken; i++ {
		c.slots.hold(fmt.Sprintf("%s/other-%d", ns, i), "")
	}
	if b.inLine {
		if ok, _ := c.slots.acquire(ns+"/"+smHost, h.Status.Provisioning.Endpoint); ok {
			t.Fatal("a slot was free: the host cannot wait in line")
		}
	}
	c.prov = async.New(prov, async.Config{Budget: time.Minute, Notify: c.enqueue})
	r := &hostReconcile{c: c, key: ns + "/" + smHost, host: stored.DeepCopy(), orig: stored, logger: klog.Background()}
	requeue, err := r.run(context.Background())
	after, gerr := client.BaremetalV1alpha1().BareMetalHosts(ns).Get(context.Background(), smHost, metav1.GetOptions{})
	if gerr != nil {
		t.Fatal(gerr)
	}
	got := smResult{host: after, calls: prov.Calls(ns, smHost), requeue: requeue, err: err, secretReads: int(reads.n.Load())}
	got.backend, _ = prov.Lookup(ns, smHost)
	for _, a := range client.Actions() {
		if a.GetResource().Resource == "hardwaredata" && a.GetVerb() != "get" && a.GetVerb() != "list" && a.GetVerb() != "watch" {
			got.hdWrites = append(got.hdWrites, a.GetVerb())
		}
		if a.GetResource().Resource == "dataimages" && a.GetVerb() == "update" && a.GetSubresource() == "status" {
			got.diWrites++
		}
	}
	if hd, err := client.BaremetalV1alpha1().HardwareData(ns).Get(context.Background(), smHost, metav1.GetOptions{}); err == nil {
		got.hd = hd
	}
	if hfs, err := client.BaremetalV1alpha1().HostFirmwareSettings(ns).Get(context.Background(), smHost, metav1.GetOptions{}); err == nil {
		got.hfs = hfs
	}
	if hfc, err := client.BaremetalV1alpha1().HostFirmwareComponents(ns).Get(context.Background(), smHost, metav1.GetOptions{}); err == nil {
		got.hfc = hfc
	}
	if di, err := client.BaremetalV1alpha1().DataImages(ns).Get(context.Background(), smHost, metav1.GetOptions{}); err == nil {
		got.di = di
	}
	if img, err := client.BaremetalV1alpha1().PreprovisioningImages(ns).Get(context.Background(), smHost, metav1.GetOptions{}); err == nil {
		got.ppimg = img
	}
	if rec, ok := prov.Lookup(ns, smHost); ok {
		got.media, got.agentImage = rec.Media, rec.AgentImage
	}
	return got
}

func TestStateMachine(t *testing.T) {
	const img, img2 = "http://192.0.2.1/os.qcow2", "http://192.0.2.1/os-v2.qcow2"
	secureBootOn := v1alpha1.DesiredSettingsMap{"SecureBoot": intstr.FromString("Enabled")}
	biosUpdate := v1alpha1.FirmwareUpdate{Component: "bios", URL: "http://192.0.2.1/bios-2.0.bin"}
	offline := func(h *v1alpha1.BareMetalHost) { h.Spec.Online = false }
	poweredOff := func(h *v1alpha1.BareMetalHost) { h.Status.PoweredOn = false }
	servicing := func(h *v1alpha1.BareMetalHost) { h.Status.OperationalStatus = v1alpha1.OperationalStatusServicing }
	limited := testOptions(0)
	limited.MaxProvisioningRetries = 2
	full := testOptions(1)
	cases := []struct {
		name string
		host *hostBuilder
		opts Options
		// slotsTaken are provisioning slots other hosts hold.
		slotsTaken int
		seed       func(*fakeprov.Provisioner)
		state      v1alpha1.ProvisioningState
		// calls are the backend calls, in order ("" for none).
		calls string
		// hdWrites are the requests that change the host's HardwareData, in order ("" for none).
		hdWrites string
		check    func(t *testing.T, got smResult)
	}{
		{name: "new host registers", host: aHost(v1alpha1.StateNone), state: v1alpha1.StateRegistering},
		{name: "no BMC: unmanaged", host: aHost(v1alpha1.StateNone).with(func(h *v1alpha1.BareMetalHost) { h.Spec.BMC = v1alpha1.BMCDetails{} }),
			state: v1alpha1.StateUnmanaged, check: func(t *testing.T, got smResult) {
				if got.host.Status.OperationalStatus != v1alpha1.OperationalStatusDiscovered {
					t.Errorf("operationalStatus %s, want discovered", got.host.Status.OperationalStatus)
				}
			}},
		{name: "registered: inspecting", host: aHost(v1alpha1.StateRegistering), state: v1alpha1.StateInspecting, calls: "Register",
			check: func(t *testing.T, got smResult) {
				if got.host.Status.Provisioning.ID == "" || got.host.Status.GoodCredentials.Credentials == nil {
					t.Errorf("registration not recorded: %+v", got.host.Status)
				}
				if op := got.host.Status.OperationHistory; op.Register.End.IsZero() || op.Inspect.Start.IsZero() {
					t.Errorf("operation history %+v", op)
				}
			}},
		{name: "registered, inspection disabled: preparing",
			host:  aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) { h.Spec.InspectionMode = v1alpha1.InspectionModeDisabled }),
			state: v1alpha1.StatePreparing, calls: "Register"},
		{name: "registered, externally provisioned",
			host:  aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) { h.Spec.ExternallyProvisioned = true }),
			state: v1alpha1.StateExternallyProvisioned, calls: "Register"},
		{name: "registered, no slot: delayed", host: aHost(v1alpha1.StateRegistering), opts: full, slotsTaken: 1,
			seed: func(p *fakeprov.Provisioner) {}, state: v1alpha1.StateRegistering, calls: "Register",
			check: func(t *testing.T, got smResult) {
				if got.host.Status.OperationalStatus != v1alpha1.OperationalStatusDelayed {
					t.Errorf("operationalStatus %s, want delayed", got.host.Status.OperationalStatus)
				}
			}},
		{name: "delayed and registered: not registered again",
			host: aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) {
				h.Status.OperationalStatus = v1alpha1.OperationalStatusDelayed
				h.Status.Provisioning.ID = "fake-1"
			}),
			state: v1alpha1.StateInspecting},
		{name: "delayed, in line, no slot: waits on without reading its Secret",
			host: aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) {
				h.Status.OperationalStatus = v1alpha1.OperationalStatusDelayed
				h.Status.Provisioning.ID = "fake-1"
			}).waitingInLine(), opts: full, slotsTaken: 1,
			state: v1alpha1.StateRegistering, check: func(t *testing.T, got smResult) {
				if got.secretReads != 0 || got.host.Status.OperationalStatus != v1alpha1.OperationalStatusDelayed || got.requeue != waitingRecheck {
					t.Errorf("%d Secret reads, operationalStatus %s, requeue %s; want none, delayed, %s",
						got.secretReads, got.host.Status.OperationalStatus, got.requeue, waitingRecheck)
				}
			}},
		{name: "delayed, in line, credentials changed meanwhile: waits on, not registered before its turn",
			host: aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) {
				h.Status.OperationalStatus = v1alpha1.OperationalStatusDelayed
				h.Status.Provisioning.ID = "fake-1"
				h.Status.GoodCredentials = v1alpha1.CredentialsStatus{Credentials: &v1alpha1.SecretReference{Name: smHost + "-bmc", Namespace: ns}, CredentialsVersion: "older"}
			}).waitingInLine(), opts: full, slotsTaken: 1,
			state: v1alpha1.StateRegistering, check: func(t *testing.T, got smResult) {
				if got.secretReads != 0 {
					t.Errorf("%d Secret reads, want none", got.secretReads)
				}
			}},
		{name: "delayed, its turn come, credentials changed meanwhile: registered again, then inspecting",
			host: aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) {
				h.Status.OperationalStatus = v1alpha1.OperationalStatusDelayed
				h.Status.Provisioning.ID = "fake-1"
				h.Status.GoodCredentials = v1alpha1.CredentialsStatus{Credentials: &v1alpha1.SecretReference{Name: smHost + "-bmc", Namespace: ns}, CredentialsVersion: "older"}
			}),
			state: v1alpha1.StateInspecting, calls: "Register", check: func(t *testing.T, got smResult) {
				if got.host.Status.GoodCredentials.CredentialsVersion == "older" {
					t.Error("the new credentials were not recorded as good")
				}
			}},
		{name: "delayed, in line, inspection disabled meanwhile: credentials checked, preparing",
			host: aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) {
				h.Status.OperationalStatus = v1alpha1.OperationalStatusDelayed
				h.Status.Provisioning.ID = "fake-1"
				h.Spec.InspectionMode = v1alpha1.InspectionModeDisabled
			}).waitingInLine(), opts: full, slotsTaken: 1,
			state: v1alpha1.StatePreparing, check: func(t *testing.T, got smResult) {
				if got.secretReads == 0 {
					t.Error("the credentials were not checked")
				}
			}},
		{name: "available: its power polled, its Secret read once in the pass", host: aHost(v1alpha1.StateAvailable).with(offline),
			state: v1alpha1.StateAvailable, calls: "PowerState PowerDraw", check: func(t *testing.T, got smResult) {
				if got.secretReads != 1 {
					t.Errorf("%d Secret reads, want 1 (the credentials' version checked and used)", got.secretReads)
				}
			}},
		{name: "inspected: preparing, the inventory kept in a new HardwareData owned by the host",
			host:  aHost(v1alpha1.StateInspecting).with(func(h *v1alpha1.BareMetalHost) { h.Status.Hardware = nil }),
			state: v1alpha1.StatePreparing, calls: "Inspect", hdWrites: "create", check: func(t *testing.T, got smResult) {
				if got.host.Status.Hardware == nil {
					t.Fatal("no inventory")
				}
				checkHardwareData(t, got, "uid-1", true, got.host.Status.Hardware)
			}},
		{name: "inspected, inventory refused as HardwareData: preparing with it all the same",
			host:  aHost(v1alpha1.StateInspecting).with(func(h *v1alpha1.BareMetalHost) { h.Status.Hardware = nil }).refusingHardwareData(),
			state: v1alpha1.StatePreparing, calls: "Inspect", hdWrites: "create", check: func(t *testing.T, got smResult) {
				if got.host.Status.Hardware == nil || got.hd != nil {
					t.Errorf("inventory %+v, HardwareData %+v; want the inventory in status only", got.host.Status.Hardware, got.hd)
				}
			}},
		{name: "re-inspected: its HardwareData replaced in place",
			host:  aHost(v1alpha1.StateInspecting).annotate(v1alpha1.InspectAnnotationPrefix, "").withHardwareData("uid-1", true),
			state: v1alpha1.StatePreparing, calls: "Inspect", hdWrites: "update", check: func(t *testing.T, got smResult) {
				if got.host.Status.Hardware == nil || got.host.Status.Hardware.Hostname == smInventory.Hostname {
					t.Fatalf("inventory %+v, want the new inspection's", got.host.Status.Hardware)
				}
				checkHardwareData(t, got, "uid-1", true, got.host.Status.Hardware)
				if got.hd.UID != "hd-uid" {
					t.Error("the HardwareData was replaced by another object")
				}
			}},
		{name: "inspected, HardwareData of a host gone before: adopted, then given the new inventory (no stale write)",
			host:  aHost(v1alpha1.StateInspecting).with(func(h *v1alpha1.BareMetalHost) { h.Status.Hardware = nil }).withHardwareData("old-uid", false),
			state: v1alpha1.StatePreparing, calls: "Inspect", hdWrites: "update update", check: func(t *testing.T, got smResult) {
				checkHardwareData(t, got, "uid-1", true, got.host.Status.Hardware)
			}},
		{name: "re-inspection requested: the request is consumed once the backend took it",
			host:  aHost(v1alpha1.StateInspecting).annotate(v1alpha1.InspectAnnotationPrefix, ""),
			state: v1alpha1.StatePreparing, calls: "Inspect", hdWrites: "create", check: func(t *testing.T, got smResult) {
				if _, ok := got.host.Annotations[v1alpha1.InspectAnnotationPrefix]; ok {
					t.Error("inspect annotation not consumed")
				}
			}},
		{name: "prepared: available", host: aHost(v1alpha1.StatePreparing), state: v1alpha1.StateAvailable, calls: "Prepare",
			check: func(t *testing.T, got smResult) {
				if hints := got.host.Status.Provisioning.RootDeviceHints; hints == nil || hints.DeviceName != "/dev/sda" {
					t.Errorf("root device hints %+v, want /dev/sda", hints)
				}
			}},
		{name: "available, BIOS settings wanted: preparing again, before provisioning",
			host:  aHost(v1alpha1.StateAvailable).image(img).wantsSettings(map[string]string{"SecureBoot": "Disabled"}, secureBootOn),
			state: v1alpha1.StatePreparing},
		{name: "available, an update wanted: preparing again",
			host:  aHost(v1alpha1.StateAvailable).wantsUpdates(nil, biosUpdate),
			state: v1alpha1.StatePreparing},
		{name: "available, settings and updates as wanted: stays", host: aHost(v1alpha1.StateAvailable).with(offline).
			wantsSettings(map[string]string{"SecureBoot": "Enabled"}, secureBootOn).wantsUpdates([]v1alpha1.FirmwareUpdate{biosUpdate}, biosUpdate),
			state: v1alpha1.StateAvailable, calls: "PowerState PowerDraw"},
		{name: "available, BIOS never read: nothing known to change", host: aHost(v1alpha1.StateAvailable).with(offline).wantsSettings(nil, secureBootOn),
			state: v1alpha1.StateAvailable, calls: "PowerState PowerDraw"},
		{name: "preparing: settings and updates applied, read back, recorded",
			host: aHost(v1alpha1.StatePreparing).wantsSettings(map[string]string{"SecureBoot": "Disabled"}, secureBootOn).wantsUpdates(nil, biosUpdate),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", BIOS: map[string]string{"SecureBoot": "Disabled"}})
			},
			state: v1alpha1.StateAvailable, calls: "Prepare", check: func(t *testing.T, got smResult) {
				if got.hfs.Status.Settings["SecureBoot"] != "Enabled" || meta.IsStatusConditionTrue(got.hfs.Status.Conditions, v1alpha1.FirmwareSettingsChangeDetected) {
					t.Errorf("HostFirmwareSettings status %+v", got.hfs.Status)
				}
				if !apiequality.Semantic.DeepEqual(got.hfc.Status.Updates, []v1alpha1.FirmwareUpdate{biosUpdate}) || len(got.hfc.Status.Components) != 1 ||
					got.hfc.Status.Components[0].LastVersionFlashed != "bios@"+biosUpdate.URL || got.hfc.Status.Components[0].UpdatedAt == nil {
					t.Errorf("HostFirmwareComponents status %+v", got.hfc.Status)
				}
			}},
		{name: "preparing: a setting the backend says it applied but the BIOS does not show fails the step",
			host: aHost(v1alpha1.StatePreparing).wantsSettings(map[string]string{"SecureBoot": "Disabled"}, secureBootOn),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", BIOS: map[string]string{"SecureBoot": "Disabled"}})
				p.IgnoredSettings = map[string]bool{"SecureBoot": true}
			},
			state: v1alpha1.StatePreparing, calls: "Prepare", check: func(t *testing.T, got smResult) {
				if got.host.Status.ErrorType != v1alpha1.PreparationError || !strings.Contains(got.host.Status.ErrorMessage, `SecureBoot=Enabled (has "Disabled")`) {
					t.Errorf("error %s %q", got.host.Status.ErrorType, got.host.Status.ErrorMessage)
				}
			}},
		{name: "preparing: a failed update is an error, nothing recorded as applied",
			host: aHost(v1alpha1.StatePreparing).wantsUpdates(nil, biosUpdate),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1"})
				p.SetFailure(ns, smHost, "Prepare", "firmware update of bios failed")
			},
			state: v1alpha1.StatePreparing, calls: "Prepare", check: func(t *testing.T, got smResult) {
				if got.host.Status.ErrorType != v1alpha1.PreparationError || got.hfc.Status.Updates != nil {
					t.Errorf("error %s, status.updates %v", got.host.Status.ErrorType, got.hfc.Status.Updates)
				}
			}},
		{name: "available with an image: provisioning, the attempt recorded in the same write", host: aHost(v1alpha1.StateAvailable).image(img),
			state: v1alpha1.StateProvisioning, check: func(t *testing.T, got smResult) {
				if a := got.host.Status.LastAttemptedImage; a == nil || a.URL != img {
					t.Errorf("lastAttemptedImage %+v, want %s", a, img)
				}
			}},
		{name: "available, offline with an image: stays", host: aHost(v1alpha1.StateAvailable).image(img).with(func(h *v1alpha1.BareMetalHost) { h.Spec.Online = false }),
			state: v1alpha1.StateAvailable, calls: "PowerState PowerDraw"},
		{name: "available, retry limit reached: stays, with an error", host: aHost(v1alpha1.StateAvailable).image(img).with(func(h *v1alpha1.BareMetalHost) {
			h.Status.ProvisioningFailCount = 2
			h.Status.LastAttemptedImage = h.Spec.Image.DeepCopy()
		}), opts: limited, state: v1alpha1.StateAvailable, check: func(t *testing.T, got smResult) {
			if !strings.Contains(got.host.Status.ErrorMessage, "retry limit (2)") || got.host.Status.ErrorType != v1alpha1.ProvisioningError {
				t.Errorf("error %s %q", got.host.Status.ErrorType, got.host.Status.ErrorMessage)
			}
		}},
		{name: "available, retry limit reached for another image: provisioning", host: aHost(v1alpha1.StateAvailable).image(img2).with(func(h *v1alpha1.BareMetalHost) {
			h.Status.ProvisioningFailCount = 2
			h.Status.LastAttemptedImage = &v1alpha1.Image{URL: img, Checksum: "abc"}
		}), opts: limited, state: v1alpha1.StateProvisioning, check: func(t *testing.T, got smResult) {
			if got.host.Status.ProvisioningFailCount != 0 {
				t.Errorf("provisioningFailCount %d, want 0 for a new image", got.host.Status.ProvisioningFailCount)
			}
		}},
		{name: "provisioned", host: aHost(v1alpha1.StateProvisioning).image(img), state: v1alpha1.StateProvisioned, calls: "Provision",
			check: func(t *testing.T, got smResult) {
				if got.host.Status.Provisioning.Image.URL != img || !meta.IsStatusConditionTrue(got.host.Status.Conditions, v1alpha1.ConditionReady) {
					t.Errorf("image %q, Ready %v", got.host.Status.Provisioning.Image.URL, meta.IsStatusConditionTrue(got.host.Status.Conditions, v1alpha1.ConditionReady))
				}
			}},
		{name: "provisioning failed: counted and deprovisioned", host: aHost(v1alpha1.StateProvisioning).image(img),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1"})
				p.SetFailure(ns, smHost, "Provision", "deploy failed")
			},
			state: v1alpha1.StateDeprovisioning, calls: "Provision", check: func(t *testing.T, got smResult) {
				if got.host.Status.ProvisioningFailCount != 1 || got.host.Status.ErrorType != v1alpha1.ProvisioningError {
					t.Errorf("failCount %d, error %s", got.host.Status.ProvisioningFailCount, got.host.Status.ErrorType)
				}
			}},
		{name: "provisioning, backend unreachable: retried, uncounted", host: aHost(v1alpha1.StateProvisioning).image(img),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1"})
				p.SetError(ns, smHost, "Provision", errors.New("connection refused"))
			},
			state: v1alpha1.StateProvisioning, calls: "Provision", check: func(t *testing.T, got smResult) {
				if got.host.Status.ProvisioningFailCount != 0 || got.host.Status.ErrorCount != 1 {
					t.Errorf("failCount %d, errorCount %d", got.host.Status.ProvisioningFailCount, got.host.Status.ErrorCount)
				}
			}},
		{name: "provisioned at rest: adopted and polled, nothing else", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerDraw"},
		{name: "provisioned, off on its way back on, policy onReboot, a setting wanted: servicing starts, nothing else",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).servicedOnReboot().
				wantsSettings(map[string]string{"SecureBoot": "Disabled"}, secureBootOn),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState", check: func(t *testing.T, got smResult) {
				if got.host.Status.OperationalStatus != v1alpha1.OperationalStatusServicing || meta.IsStatusConditionTrue(got.host.Status.Conditions, v1alpha1.ConditionReady) {
					t.Errorf("operationalStatus %s, Ready %v", got.host.Status.OperationalStatus, meta.FindStatusCondition(got.host.Status.Conditions, v1alpha1.ConditionReady))
				}
			}},
		{name: "servicing: the changes applied, read back, recorded; the image untouched",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).with(servicing).servicedOnReboot().
				wantsSettings(map[string]string{"SecureBoot": "Disabled"}, secureBootOn).wantsUpdates(nil, biosUpdate),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", Image: img, BIOS: map[string]string{"SecureBoot": "Disabled"}})
			},
			state: v1alpha1.StateProvisioned, calls: "Adopt Service", check: func(t *testing.T, got smResult) {
				if got.host.Status.OperationalStatus != v1alpha1.OperationalStatusOK || got.host.Status.Provisioning.Image.URL != img {
					t.Errorf("operationalStatus %s, image %q", got.host.Status.OperationalStatus, got.host.Status.Provisioning.Image.URL)
				}
				if got.hfs.Status.Settings["SecureBoot"] != "Enabled" || len(got.hfc.Status.Updates) != 1 {
					t.Errorf("firmware status %+v %+v", got.hfs.Status, got.hfc.Status)
				}
			}},
		{name: "servicing failed: servicing error, the host kept off",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).with(servicing).servicedOnReboot().wantsUpdates(nil, biosUpdate),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", Image: img})
				p.SetFailure(ns, smHost, "Service", "firmware update of bios failed: 404")
			},
			state: v1alpha1.StateProvisioned, calls: "Adopt Service", check: func(t *testing.T, got smResult) {
				if got.host.Status.ErrorType != v1alpha1.ServicingError || got.host.Status.PoweredOn {
					t.Errorf("error %s, poweredOn %v", got.host.Status.ErrorType, got.host.Status.PoweredOn)
				}
			}},
		{name: "servicing error, the changes withdrawn: servicing ends, the host powered on",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).with(func(h *v1alpha1.BareMetalHost) {
				h.Status.OperationalStatus, h.Status.ErrorType, h.Status.ErrorCount = v1alpha1.OperationalStatusError, v1alpha1.ServicingError, 1
			}).servicedOnReboot(),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerOn", check: func(t *testing.T, got smResult) {
				if got.host.Status.OperationalStatus != v1alpha1.OperationalStatusOK || got.host.Status.ErrorType != "" {
					t.Errorf("operationalStatus %s, error %s", got.host.Status.OperationalStatus, got.host.Status.ErrorType)
				}
			}},
		{name: "reboot subresource on a host with servicing work: servicing starts instead of a reset",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).servicedOnReboot().annotate(v1alpha1.RebootSubresourceAnnotation, "").
				wantsSettings(map[string]string{"SecureBoot": "Disabled"}, secureBootOn),
			state: v1alpha1.StateProvisioned, calls: "Adopt", check: func(t *testing.T, got smResult) {
				if got.host.Status.OperationalStatus != v1alpha1.OperationalStatusServicing {
					t.Errorf("operationalStatus %s", got.host.Status.OperationalStatus)
				}
			}},
		{name: "reboot subresource, servicing underway: serviced, and that was the reboot (no reset of its own)",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(servicing).servicedOnReboot().annotate(v1alpha1.RebootSubresourceAnnotation, "").
				wantsSettings(map[string]string{"SecureBoot": "Disabled"}, secureBootOn),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", Image: img, PoweredOn: true, BIOS: map[string]string{"SecureBoot": "Disabled"}})
			},
			state: v1alpha1.StateProvisioned, calls: "Adopt Service", check: func(t *testing.T, got smResult) {
				if _, ok := got.host.Annotations[v1alpha1.RebootSubresourceAnnotation]; ok || got.host.Status.OperationalStatus != v1alpha1.OperationalStatusOK {
					t.Errorf("annotations %v, operationalStatus %s", got.host.Annotations, got.host.Status.OperationalStatus)
				}
			}},
		{name: "provisioned, off, a setting wanted without a policy: powered on, not serviced",
			host:  aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).wantsSettings(map[string]string{"SecureBoot": "Disabled"}, secureBootOn),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerOn"},
		{name: "provisioned and on, policy onReboot, a setting wanted: waits for a reboot",
			host:  aHost(v1alpha1.StateProvisioned).provisionedWith(img).servicedOnReboot().wantsSettings(map[string]string{"SecureBoot": "Disabled"}, secureBootOn),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerDraw"},
		{name: "provisioned at rest: its power draw read and recorded", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", Image: img, PoweredOn: true, Watts: 287.4})
			},
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerDraw", check: func(t *testing.T, got smResult) {
				if d := got.host.Status.PowerDraw; d == nil || d.Watts != 287 || !d.ReadAt.Time.Equal(smNow) {
					t.Errorf("powerDraw %+v, want 287 W read now", d)
				}
			}},
		{name: "provisioned, image changed: deprovisioning", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).image(img2),
			state: v1alpha1.StateDeprovisioning},
		{name: "provisioned, backend lost the host: registered again, never deployed",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img), seed: func(p *fakeprov.Provisioner) {},
			state: v1alpha1.StateProvisioned, calls: "Adopt", check: func(t *testing.T, got smResult) {
				if got.host.Status.Provisioning.ID != "" {
					t.Errorf("ID %q kept for a host the backend lost", got.host.Status.Provisioning.ID)
				}
			}},
		{name: "deprovisioned: available", host: aHost(v1alpha1.StateDeprovisioning), state: v1alpha1.StateAvailable, calls: "Deprovision"},
		{name: "externally provisioned at rest: adopted and polled", host: aHost(v1alpha1.StateExternallyProvisioned).with(func(h *v1alpha1.BareMetalHost) {
			h.Spec.ExternallyProvisioned = true
			h.Status.PoweredOn = true
		}), state: v1alpha1.StateExternallyProvisioned, calls: "Adopt PowerState PowerDraw"},
		{name: "externally provisioned turned off with an image: provisioned, not deployed",
			host:  aHost(v1alpha1.StateExternallyProvisioned).image(img),
			state: v1alpha1.StateProvisioned},
		{name: "externally provisioned turned off without an image: deprovisioning",
			host: aHost(v1alpha1.StateExternallyProvisioned), state: v1alpha1.StateDeprovisioning},
		{name: "reboot annotation: powered off", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).annotate(v1alpha1.RebootAnnotationPrefix, ""),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerOff", check: func(t *testing.T, got smResult) {
				if got.host.Status.PoweredOn {
					t.Error("still on")
				}
			}},
		{name: "reboot annotation, host off: consumed", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).annotate(v1alpha1.RebootAnnotationPrefix, "").
			with(func(h *v1alpha1.BareMetalHost) { h.Status.PoweredOn = false }),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState", check: func(t *testing.T, got smResult) {
				if _, ok := got.host.Annotations[v1alpha1.RebootAnnotationPrefix]; ok {
					t.Error("reboot annotation not removed once off")
				}
			}},
		{name: "held by a suffixed reboot annotation: stays off", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).
			annotate(v1alpha1.RebootAnnotationPrefix+"/capm3", "").with(func(h *v1alpha1.BareMetalHost) { h.Status.PoweredOn = false }),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerDraw", check: func(t *testing.T, got smResult) {
				if _, ok := got.host.Annotations[v1alpha1.RebootAnnotationPrefix+"/capm3"]; !ok {
					t.Error("the owner's annotation was removed")
				}
			}},
		{name: "reboot subresource: recorded (the BMC's last reset read first), then one reset in the same pass",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).annotate(v1alpha1.RebootSubresourceAnnotation, `{"mode":"hard"}`),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", Image: img, PoweredOn: true, LastReset: "boot-0"})
			},
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState Reboot", check: func(t *testing.T, got smResult) {
				want := []fakeprov.RebootCall{{Started: smNow, LastResetBefore: "boot-0", RecordedNow: true}}
				if !reflect.DeepEqual(got.backend.Reboots, want) {
					t.Errorf("reboot calls %+v, want %+v", got.backend.Reboots, want)
				}
				if _, ok := got.host.Annotations[v1alpha1.RebootSubresourceAnnotation]; ok {
					t.Error("the request was not consumed")
				}
				if c := meta.FindStatusCondition(got.host.Status.Conditions, v1alpha1.ConditionRebooted); c == nil || c.Status != metav1.ConditionTrue {
					t.Errorf("Rebooted condition %+v", c)
				}
			}},
		{name: "reboot subresource recorded by an earlier leader: resumed from the record, not recorded again",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).annotate(v1alpha1.RebootSubresourceAnnotation,
				`{"mode":"hard","started":"2026-11-29T11:59:58.5Z","lastReset":"boot-0"}`),
			state: v1alpha1.StateProvisioned, calls: "Adopt Reboot", check: func(t *testing.T, got smResult) {
				want := []fakeprov.RebootCall{{Started: smNow.Add(-1500 * time.Millisecond), LastResetBefore: "boot-0"}}
				if !reflect.DeepEqual(got.backend.Reboots, want) {
					t.Errorf("reboot calls %+v, want %+v", got.backend.Reboots, want)
				}
			}},
		{name: "reboot subresource, the backend cannot confirm a reset taken over: Rebooted Unknown, the request consumed",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).annotate(v1alpha1.RebootSubresourceAnnotation,
				`{"mode":"hard","started":"2026-11-29T11:59:58.5Z"}`),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", Image: img, PoweredOn: true})
				p.SetWarnings(ns, smHost, "Reboot", "cannot tell")
			},
			state: v1alpha1.StateProvisioned, calls: "Adopt Reboot", check: func(t *testing.T, got smResult) {
				if c := meta.FindStatusCondition(got.host.Status.Conditions, v1alpha1.ConditionRebooted); c == nil || c.Status != metav1.ConditionUnknown || c.Reason != "RebootUnconfirmed" {
					t.Errorf("Rebooted condition %+v", c)
				}
				if _, ok := got.host.Annotations[v1alpha1.RebootSubresourceAnnotation]; ok {
					t.Error("the request was not consumed")
				}
			}},
		{name: "held annotations on a host that may not power off: one of them new since the record, so recorded afresh",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(func(h *v1alpha1.BareMetalHost) { h.Spec.DisablePowerOff = true }).
				annotate(v1alpha1.RebootAnnotationPrefix+"/a", `{"started":"2026-11-29T11:59:58.5Z","lastReset":"boot-0"}`).
				annotate(v1alpha1.RebootAnnotationPrefix+"/b", ""),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState Reboot", check: func(t *testing.T, got smResult) {
				if n := len(got.backend.Reboots); n != 1 || !got.backend.Reboots[0].RecordedNow || !got.backend.Reboots[0].Started.Equal(smNow) {
					t.Errorf("reboot calls %+v, want one recorded now", got.backend.Reboots)
				}
			}},
		{name: "detach at rest", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).annotate(v1alpha1.DetachedAnnotation, ""),
			state: v1alpha1.StateProvisioned, calls: "Detach", check: func(t *testing.T, got smResult) {
				if got.host.Status.OperationalStatus != v1alpha1.OperationalStatusDetached {
					t.Errorf("operationalStatus %s", got.host.Status.OperationalStatus)
				}
			}},
		{name: "detach asked while provisioning: the operation goes on", host: aHost(v1alpha1.StateProvisioning).image(img).annotate(v1alpha1.DetachedAnnotation, ""),
			state: v1alpha1.StateProvisioned, calls: "Provision"},
		{name: "forced detach while provisioning", host: aHost(v1alpha1.StateProvisioning).image(img).annotate(v1alpha1.DetachedAnnotation, `{"force":true}`),
			state: v1alpha1.StateProvisioning, calls: "Detach"},
		{name: "delete provisioned: deprovisioning first", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).deleted(),
			state: v1alpha1.StateDeprovisioning},
		{name: "delete, deprovisioned: powering off", host: aHost(v1alpha1.StateDeprovisioning).deleted(),
			state: v1alpha1.StatePoweringOffBeforeDelete, calls: "Deprovision"},
		{name: "delete, powered off: deleting", host: aHost(v1alpha1.StatePoweringOffBeforeDelete).deleted(),
			state: v1alpha1.StateDeleting, calls: "PowerOff"},
		{name: "delete, forgotten: finalizer removed", host: aHost(v1alpha1.StateDeleting).deleted(),
			state: v1alpha1.StateDeleting, calls: "Delete", check: func(t *testing.T, got smResult) {
				if hasFinalizer(got.host) {
					t.Error("finalizer kept")
				}
			}},
		{name: "delete detached: forgotten only", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).detached().
			annotate(v1alpha1.DetachedAnnotation, "").deleted(),
			seed: func(p *fakeprov.Provisioner) {}, state: v1alpha1.StateDeleting, check: func(t *testing.T, got smResult) {
				if hasFinalizer(got.host) {
					t.Error("finalizer kept")
				}
			}},
		{name: "delete being detached: detached, then forgotten", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).
			annotate(v1alpha1.DetachedAnnotation, "").deleted(),
			state: v1alpha1.StateDeleting, calls: "Detach"},
		{name: "delete detached with deleteAction delay: kept", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).detached().
			annotate(v1alpha1.DetachedAnnotation, `{"deleteAction":"delay"}`).deleted(),
			seed: func(p *fakeprov.Provisioner) {}, state: v1alpha1.StateProvisioned, check: func(t *testing.T, got smResult) {
				if !hasFinalizer(got.host) {
					t.Error("deletion not delayed")
				}
			}},
		{name: "status annotation on a new host: restored, nothing called",
			host: aHost(v1alpha1.StateNone).image(img).annotate(v1alpha1.StatusAnnotation,
				`{"provisioning":{"state":"provisioned","ID":"old","image":{"url":"`+img+`"}},"poweredOn":true,"operationalStatus":"OK"}`),
			state: v1alpha1.StateProvisioned},
		{name: "paused: nothing", host: aHost(v1alpha1.StateAvailable).image(img).annotate(v1alpha1.PausedAnnotation, ""), state: v1alpha1.StateAvailable},
		// clusterctl move replaces every annotation (the paused one too) before it deletes the
		// moved objects: the host is being moved, not given up.
		{name: "deleted for clusterctl move: nothing, not deprovisioned",
			host:  aHost(v1alpha1.StateProvisioned).provisionedWith(img).annotate(v1alpha1.DeleteForMoveAnnotation, "").deleted(),
			state: v1alpha1.StateProvisioned},

		// HardwareData read back (Metal3's reconcileHostData and updateHardwareDetails).
		{name: "host created again without an inventory: takes its HardwareData's, nothing called",
			host:  aHost(v1alpha1.StateNone).withHardwareData("old-uid", true),
			state: v1alpha1.StateNone, check: func(t *testing.T, got smResult) {
				checkInventory(t, got.host, smInventory)
			}},
		{name: "host created again with the inventory: its predecessor's HardwareData adopted, registering",
			host:  aHost(v1alpha1.StateNone).with(func(h *v1alpha1.BareMetalHost) { h.Status.Hardware = smInventory.DeepCopy() }).withHardwareData("old-uid", true),
			state: v1alpha1.StateRegistering, hdWrites: "update", check: func(t *testing.T, got smResult) {
				checkHardwareData(t, got, "uid-1", true, smInventory)
			}},
		{name: "HardwareData created for the host by hand: adopted",
			host:  aHost(v1alpha1.StateNone).with(func(h *v1alpha1.BareMetalHost) { h.Status.Hardware = smInventory.DeepCopy() }).withHardwareData("", false),
			state: v1alpha1.StateRegistering, hdWrites: "update", check: func(t *testing.T, got smResult) {
				checkHardwareData(t, got, "uid-1", true, smInventory)
			}},
		{name: "registered with the inventory of its HardwareData: not inspected",
			host:  aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) { h.Status.Hardware = smInventory.DeepCopy() }).withHardwareData("uid-1", true),
			state: v1alpha1.StatePreparing, calls: "Register"},
		{name: "status annotation and HardwareData: the HardwareData's inventory wins",
			host: aHost(v1alpha1.StateNone).image(img).annotate(v1alpha1.StatusAnnotation,
				`{"provisioning":{"state":"provisioned","ID":"old","image":{"url":"`+img+`"}},"hardware":{"ramMebibytes":1},"operationalStatus":"OK"}`).
				withHardwareData("old-uid", true),
			state: v1alpha1.StateProvisioned, check: func(t *testing.T, got smResult) {
				checkInventory(t, got.host, smInventory)
			}},
		{name: "inspection disabled: follows its HardwareData",
			host: aHost(v1alpha1.StateAvailable).with(func(h *v1alpha1.BareMetalHost) { h.Spec.InspectionMode = v1alpha1.InspectionModeDisabled }).
				withHardwareData("uid-1", true),
			state: v1alpha1.StateAvailable, check: func(t *testing.T, got smResult) {
				checkInventory(t, got.host, smInventory)
			}},
		{name: "re-inspection waiting for a slot: the old inventory does not come back from HardwareData",
			host: aHost(v1alpha1.StateAvailable).annotate(v1alpha1.InspectAnnotationPrefix, "").with(func(h *v1alpha1.BareMetalHost) {
				h.Status.Hardware = nil
				h.Status.OperationalStatus = v1alpha1.OperationalStatusDelayed
			}).withHardwareData("uid-1", true),
			opts: full, slotsTaken: 1, state: v1alpha1.StateAvailable, check: func(t *testing.T, got smResult) {
				if got.host.Status.Hardware != nil || got.host.Status.OperationalStatus != v1alpha1.OperationalStatusDelayed {
					t.Errorf("inventory %+v, operationalStatus %s; want none, delayed", got.host.Status.Hardware, got.host.Status.OperationalStatus)
				}
			}},

		// HardwareData and deletion: released at once, deleted with the host (Metal3's garbage
		// collection through the owner reference), whether detached or not; paused, untouched.
		{name: "delete provisioned: HardwareData released, kept while the host is",
			host:  aHost(v1alpha1.StateProvisioned).provisionedWith(img).deleted().withHardwareData("uid-1", true),
			state: v1alpha1.StateDeprovisioning, hdWrites: "update", check: func(t *testing.T, got smResult) {
				checkHardwareData(t, got, "uid-1", false, smInventory)
			}},
		{name: "delete, forgotten: HardwareData deleted with the host",
			host:  aHost(v1alpha1.StateDeleting).deleted().withHardwareData("uid-1", true),
			state: v1alpha1.StateDeleting, calls: "Delete", hdWrites: "update delete", check: func(t *testing.T, got smResult) {
				if got.hd != nil || hasFinalizer(got.host) {
					t.Errorf("HardwareData %v, host finalizer kept %v", got.hd, hasFinalizer(got.host))
				}
			}},
		{name: "delete detached: HardwareData deleted too",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).detached().annotate(v1alpha1.DetachedAnnotation, "").deleted().
				withHardwareData("uid-1", true),
			seed: func(p *fakeprov.Provisioner) {}, state: v1alpha1.StateDeleting, hdWrites: "update delete", check: func(t *testing.T, got smResult) {
				if got.hd != nil {
					t.Error("HardwareData kept")
				}
			}},
		{name: "delete: a HardwareData of the name owned by another is left",
			host:  aHost(v1alpha1.StateDeleting).deleted().withHardwareData("other-uid", false),
			state: v1alpha1.StateDeleting, calls: "Delete", check: func(t *testing.T, got smResult) {
				checkHardwareData(t, got, "other-uid", false, smInventory)
			}},
		{name: "paused and deleted: HardwareData untouched",
			host:  aHost(v1alpha1.StateProvisioned).provisionedWith(img).annotate(v1alpha1.PausedAnnotation, "").deleted().withHardwareData("uid-1", true),
			state: v1alpha1.StateProvisioned, check: func(t *testing.T, got smResult) {
				checkHardwareData(t, got, "uid-1", true, smInventory)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := reconcileOnce(t, tc.host, tc.opts, tc.slotsTaken, tc.seed)
			if got.err != nil {
				t.Fatalf("reconcile: %v", got.err)
			}
			if s := got.host.Status.Provisioning.State; s != tc.state {
				t.Errorf("state %q, want %q (status %+v)", s, tc.state, got.host.Status)
			}
			if calls := strings.Join(got.calls, " "); calls != tc.calls {
				t.Errorf("backend calls %q, want %q", calls, tc.calls)
			}
			if writes := strings.Join(got.hdWrites, " "); writes != tc.hdWrites {
				t.Errorf("HardwareData writes %q, want %q", writes, tc.hdWrites)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

// checkHardwareData asserts the host's HardwareData after the pass: controlled by the host of
// ownerUID, with or without the reconciler's finalizer, holding inventory.
func checkHardwareData(t *testing.T, got smResult, ownerUID types.UID, finalized bool, inventory *v1alpha1.HardwareDetails) {
	t.Helper()
	if got.hd == nil {
		t.Fatal("no HardwareData")
	}
	if ref := metav1.GetControllerOf(got.hd); ref == nil || ref.UID != ownerUID || ref.Kind != "BareMetalHost" || ref.Name != smHost ||
		ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion || len(got.hd.OwnerReferences) != 1 {
		t.Errorf("owner references %+v, want the host %s as the only controller", got.hd.OwnerReferences, ownerUID)
	}
	if has := slices.Contains(got.hd.Finalizers, v1alpha1.HardwareDataFinalizer); has != finalized {
		t.Errorf("finalizers %v, want %s: %v", got.hd.Finalizers, v1alpha1.HardwareDataFinalizer, finalized)
	}
	if !apiequality.Semantic.DeepEqual(got.hd.Spec.Hardware, inventory) {
		t.Errorf("HardwareData holds %+v, want %+v", got.hd.Spec.Hardware, inventory)
	}
}

func checkInventory(t *testing.T, h *v1alpha1.BareMetalHost, want *v1alpha1.HardwareDetails) {
	t.Helper()
	if !apiequality.Semantic.DeepEqual(h.Status.Hardware, want) {
		t.Errorf("status.hardware %+v, want %+v", h.Status.Hardware, want)
	}
}

// TestBackoffRemaining: what ends an error backoff is read from the stored host alone (a new
// generation, new credentials), so a restart or another replica waits the same.
// TestInspectionWarnings: what the backend skipped while inspecting becomes Warning events,
// at most maxInspectionWarnings and a count of the rest; the inventory is kept all the same.
func TestInspectionWarnings(t *testing.T) {
	for _, n := range []int{1, maxInspectionWarnings + 3} {
		rec := record.NewFakeRecorder(100)
		opts := testOptions(0)
		opts.Recorder = rec
		var warnings []string
		for i := range n {
			warnings = append(warnings, fmt.Sprintf("storage 1: skipped /redfish/v1/Systems/1/Storage/1/Drives/%d: HTTP 404", i))
		}
		got := reconcileOnce(t, aHost(v1alpha1.StateInspecting).with(func(h *v1alpha1.BareMetalHost) { h.Status.Hardware = nil }), opts, 0,
			func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1"})
				p.InspectWarnings = warnings
			})
		if got.err != nil || got.host.Status.Provisioning.State != v1alpha1.StatePreparing || got.host.Status.Hardware == nil {
			t.Fatalf("%d warnings: state %s, inventory %v, %v", n, got.host.Status.Provisioning.State, got.host.Status.Hardware != nil, got.err)
		}
		var events []string
		for len(rec.Events) > 0 {
			if e := <-rec.Events; strings.Contains(e, "InspectionWarning") {
				events = append(events, e)
			}
		}
		want := min(n, maxInspectionWarnings+1)
		if len(events) != want || !strings.HasPrefix(events[0], "Warning InspectionWarning storage 1: skipped") {
			t.Errorf("%d warnings: events %q, want %d", n, events, want)
		}
		if n > maxInspectionWarnings && !strings.Contains(events[len(events)-1], "3 more warnings") {
			t.Errorf("last event %q, want the count of the rest", events[len(events)-1])
		}
	}
}

// countingSecrets counts the reads of a pass's Secrets.
type countingSecrets struct {
	SecretSource
	n atomic.Int64
}

func (s *countingSecrets) Get(ctx context.Context, namespace, name string) (map[string][]byte, string, error) {
	s.n.Add(1)
	return s.SecretSource.Get(ctx, namespace, name)
}

func TestBackoffRemaining(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, ns, "bmc")
	if err := os.MkdirAll(secret, 0o700); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"username": "u", "password": "p"} {
		if err := os.WriteFile(filepath.Join(secret, k), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	secrets := DirSecrets{Dir: dir}
	_, version, _ := secrets.Get(context.Background(), ns, "bmc")
	opts := testOptions(0)
	opts.BackoffBase, opts.BackoffCap = 10*time.Second, time.Minute
	c := &Controller{secrets: secrets, opts: opts, clock: clocktesting.NewFakePassiveClock(smNow)}
	failed := func(mutate func(*v1alpha1.BareMetalHost)) *v1alpha1.BareMetalHost {
		h := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: ns, Generation: 2, UID: "u1"}}
		h.Spec.BMC.CredentialsName = "bmc"
		t0 := metav1.NewTime(smNow.Add(-time.Second))
		h.Status.LastUpdated = &t0
		h.Status.ErrorType, h.Status.ErrorCount = v1alpha1.PowerManagementError, 1
		h.Status.TriedCredentials.CredentialsVersion = version
		h.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, ObservedGeneration: 2}}
		if mutate != nil {
			mutate(h)
		}
		return h
	}
	for _, tc := range []struct {
		name    string
		host    *v1alpha1.BareMetalHost
		waiting bool
	}{
		{"error just recorded", failed(nil), true},
		{"no error", failed(func(h *v1alpha1.BareMetalHost) { h.Status.ErrorCount = 0 }), false},
		{"backoff over", failed(func(h *v1alpha1.BareMetalHost) {
			t0 := metav1.NewTime(smNow.Add(-time.Hour))
			h.Status.LastUpdated = &t0
		}), false},
		{"a new generation (spec, or an action asked)", failed(func(h *v1alpha1.BareMetalHost) { h.Generation = 3 }), false},
		{"new credentials", failed(func(h *v1alpha1.BareMetalHost) { h.Status.TriedCredentials.CredentialsVersion = "older" }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if waiting := c.backoffRemaining(tc.host) > 0; waiting != tc.waiting {
				t.Errorf("waiting %v, want %v", waiting, tc.waiting)
			}
		})
	}
}
