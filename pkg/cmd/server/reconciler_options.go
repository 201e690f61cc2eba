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

package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/pkg/version"
	"k8s.io/client-go/transport"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/apiserver"
	controller "github.com/metal3-community/baremetal-apiserver/pkg/controller/baremetalhost"
	"github.com/metal3-community/baremetal-apiserver/pkg/controller/preprovisioningimage"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// ReconcilerOptions are the flags of the in-process host reconciler and its backend.
type ReconcilerOptions struct {
	// Provisioner selects the backend: none (API only), ironic or redfish.
	Provisioner string
	// CredentialsDir is where a standalone server reads Secrets (BMC credentials, config
	// drives), as <dir>/<namespace>/<name>/<key>.
	CredentialsDir string
	LeaderElect    bool
	// LeaseDuration is how long a dead leader keeps the lead before a standby takes over.
	LeaseDuration time.Duration
	// FirmwareReadInterval is how old a host's firmware reading may get.
	FirmwareReadInterval time.Duration
	Controller           controller.Options
	Ironic               IronicOptions
	Redfish              RedfishOptions
}

func newReconcilerOptions() ReconcilerOptions {
	return ReconcilerOptions{Provisioner: "none", LeaderElect: true, LeaseDuration: 10 * time.Second, FirmwareReadInterval: time.Hour, Controller: controller.DefaultOptions()}
}

func (o *ReconcilerOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Provisioner, "provisioner", o.Provisioner,
		"Hardware backend of the host reconciler: none (serve the API only), ironic (OpenStack Ironic, see --ironic-*) or redfish (talk to Redfish BMCs directly).")
	fs.StringVar(&o.CredentialsDir, "bmc-credentials-dir", o.CredentialsDir,
		"Standalone mode: directory of Secrets laid out as <namespace>/<name>/<key> (keys username and password for BMC credentials). Defaults to <data-dir>/secrets. In delegated mode Secrets are read from the cluster.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect,
		"Elect one replica, on this server's etcd, to run the reconciler (replicas share an external etcd, --etcd-servers; with the embedded etcd, private to one process, there is nothing to elect).")
	fs.DurationVar(&o.LeaseDuration, "leader-elect-lease-duration", o.LeaseDuration,
		"How long a leader that died keeps the lead before a standby replica takes over (measured: a standby leads 7-10 s after a SIGKILL with 10s).")
	fs.IntVar(&o.Controller.Workers, "reconcile-workers", o.Controller.Workers, "Hosts reconciled at once.")
	fs.IntVar(&o.Controller.MaxConcurrentProvisioning, "max-concurrent-provisioning", o.Controller.MaxConcurrentProvisioning,
		"Hard limit on hosts inspecting, provisioning or deprovisioning at once; hosts beyond it wait with operationalStatus delayed.")
	fs.IntVar(&o.Controller.MaxProvisioningRetries, "max-provisioning-retries", o.Controller.MaxProvisioningRetries,
		"Failed provisioning attempts of the same image before a host stays available with an error (each failed attempt is deprovisioned, so cleaned, first); a new image or resetting status.provisioningFailCount starts again. 0 means no limit. Metal3's flag and default.")
	fs.DurationVar(&o.FirmwareReadInterval, "firmware-read-interval", o.FirmwareReadInterval,
		"How old a host's firmware reading (HostFirmwareSettings and HostFirmwareComponents status, read from the BMC by backends that can) may get before it is read again.")
	fs.DurationVar(&o.Controller.PowerPollInterval, "power-poll-interval", o.Controller.PowerPollInterval,
		"How often the power state of a host at rest is read from its BMC.")
	fs.DurationVar(&o.Controller.BackoffBase, "error-backoff-base", o.Controller.BackoffBase,
		"First retry delay after a host error; it doubles with each consecutive error.")
	fs.DurationVar(&o.Controller.BackoffCap, "error-backoff-cap", o.Controller.BackoffCap,
		"Longest retry delay after host errors.")
	fs.BoolVar(&o.Controller.BuildPreprovImage, "build-preprov-image", o.Controller.BuildPreprovImage,
		"Metal3's flag: give each host whose backend boots an agent (ironic) a PreprovisioningImage of its name for an image builder to fill, and boot the image built: "+
			"hosts wait for it before registering, inspecting, preparing, cleaning and servicing. The default image provider fills it from --ironic-deploy-iso, or --ironic-deploy-kernel "+
			"and --ironic-deploy-ramdisk; with neither set it does not run, and an external image builder writes the status.")
	fs.DurationVar(&o.Controller.CallBudget, "hardware-call-budget", o.Controller.CallBudget,
		"Longest a reconcile worker waits for one backend call; a call still running then finishes in the background and wakes its host, so a slow BMC slows its own hosts only. "+
			"0 picks the backend's default: 100ms for redfish (BMCs are called directly), 10s for ironic (Ironic's API answers at once and talks to BMCs in its own tasks).")
	o.Ironic.AddFlags(fs)
	o.Redfish.AddFlags(fs)
}

// Validate checks the reconciler flags.
func (o *ReconcilerOptions) Validate() []error {
	var errs []error
	switch o.Provisioner {
	case "none", "ironic", "redfish":
	default:
		errs = append(errs, fmt.Errorf("--provisioner must be none, ironic or redfish, not %q", o.Provisioner))
	}
	if o.Controller.MaxConcurrentProvisioning < 1 {
		errs = append(errs, fmt.Errorf("--max-concurrent-provisioning must be at least 1"))
	}
	if o.Controller.MaxProvisioningRetries < 0 {
		errs = append(errs, fmt.Errorf("--max-provisioning-retries must be 0 (no limit) or positive"))
	}
	if o.Controller.Workers < 1 {
		errs = append(errs, fmt.Errorf("--reconcile-workers must be at least 1"))
	}
	if o.Controller.CallBudget < 0 {
		errs = append(errs, fmt.Errorf("--hardware-call-budget must not be negative"))
	}
	if o.Provisioner == "ironic" {
		errs = append(errs, o.Ironic.Validate()...)
	}
	if o.Provisioner == "redfish" {
		errs = append(errs, o.Redfish.Validate()...)
	}
	return errs
}

// defaultCallBudget is, per backend, how long a worker waits for a call inline. The Redfish
// backend talks to BMCs, and one that never answers must not hold workers: 100 ms covers a
// healthy BMC on a LAN. Ironic answers API calls at once and does the BMC work in its own
// tasks, so there is nothing to isolate; a call that outlives the budget only costs the
// reconciler an extra pass and Ironic extra reads (the lifecycle benchmark measured 13.4 node
// GETs per host at 100 ms against 10.1 without a budget), so the budget only guards against an
// Ironic that hangs.
var defaultCallBudget = map[string]time.Duration{
	"redfish": 100 * time.Millisecond,
	"ironic":  10 * time.Second,
}

// backend builds the selected provisioner.
func (o *ReconcilerOptions) backend(ctx context.Context) (provisioner.Provisioner, error) {
	switch o.Provisioner {
	case "ironic":
		return o.Ironic.New(ctx, o.Controller.BuildPreprovImage)
	case "redfish":
		return o.Redfish.New(ctx)
	}
	return nil, nil
}

// config builds the reconciler's configuration, or nil when --provisioner=none.
func (o *Options) reconcilerConfig(ctx context.Context, cfg *apiserver.Config) (*apiserver.ReconcilerConfig, error) {
	ro := &o.Reconciler
	prov, err := ro.backend(ctx)
	if err != nil || prov == nil {
		return nil, err
	}
	ro.Controller.AllowTestBMCSchemes = o.AllowTestBMCSchemes
	if ro.Controller.CallBudget == 0 {
		ro.Controller.CallBudget = defaultCallBudget[ro.Provisioner]
	}
	rc := &apiserver.ReconcilerConfig{Provisioner: prov, Options: ro.Controller, FirmwareReadInterval: ro.FirmwareReadInterval}
	if ro.Controller.BuildPreprovImage && ro.Provisioner == "ironic" {
		images := preprovisioningimage.Config{ISOURL: ro.Ironic.DeployISOURL, KernelURL: ro.Ironic.DeployKernelURL, RamdiskURL: ro.Ironic.DeployRamdiskURL}
		if images.CanStart() {
			rc.DefaultPreprovImages = &images
		} else {
			klog.InfoS("No default PreprovisioningImage provider: --ironic-deploy-iso and --ironic-deploy-ramdisk are unset, so an external image builder is expected to fill PreprovisioningImage status")
		}
	}
	if o.Standalone {
		dir := ro.CredentialsDir
		if dir == "" {
			dir = filepath.Join(o.DataDir, "secrets")
		}
		rc.Secrets = controller.DirSecrets{Dir: dir}
	} else {
		if cc := cfg.GenericConfig.ClientConfig; cc != nil {
			if rc.KubeClient, err = kubernetes.NewForConfig(cc); err != nil {
				return nil, err
			}
		}
	}
	if ro.LeaderElect && o.embeddedEtcd {
		// The embedded etcd is private to this process (unix sockets, a lock on its data
		// dir): no replica can share it, and an election would only keep a restarted server
		// from reconciling until the lease of its own killed predecessor expired.
		klog.InfoS("Leader election is not needed with the embedded etcd: this server reconciles alone")
	}
	if ro.LeaderElect && !o.embeddedEtcd {
		etcdCfg, err := etcdClientConfig(o.RecommendedOptions.Etcd)
		if err != nil {
			return nil, err
		}
		host, _ := os.Hostname()
		rc.Election = &apiserver.ElectionConfig{
			Etcd:     etcdCfg,
			Key:      o.RecommendedOptions.Etcd.StorageConfig.Prefix + "/_leader/reconciler",
			Identity: fmt.Sprintf("%s_%d_%s", host, os.Getpid(), version.Get().GitVersion),
			TTL:      ro.LeaseDuration,
		}
	}
	return rc, nil
}

// etcdClientConfig builds an etcd client configuration from the storage flags, so leader
// election uses the same etcd (and TLS) as the objects.
func etcdClientConfig(o *options.EtcdOptions) (clientv3.Config, error) {
	t := o.StorageConfig.Transport
	cfg := clientv3.Config{Endpoints: t.ServerList, DialTimeout: 10 * time.Second}
	if t.CertFile != "" || t.KeyFile != "" || t.TrustedCAFile != "" {
		tlsCfg, err := transport.TLSConfigFor(&transport.Config{TLS: transport.TLSConfig{
			CertFile: t.CertFile, KeyFile: t.KeyFile, CAFile: t.TrustedCAFile,
		}})
		if err != nil {
			return clientv3.Config{}, fmt.Errorf("etcd TLS for leader election: %w", err)
		}
		cfg.TLS = tlsCfg
	}
	return cfg, nil
}
