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

// Package server is the command line of baremetal-apiserver: options → config → completed
// config → server, plus the pieces a standalone server needs (embedded etcd, self-signed
// serving certificate, admin kubeconfig).
package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/metadata"
	cliflag "k8s.io/component-base/cli/flag"
	basecompatibility "k8s.io/component-base/compatibility"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	baseversion "k8s.io/component-base/version"
	"k8s.io/klog/v2"
	netutils "k8s.io/utils/net"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/apiserver"
	"github.com/metal3-community/baremetal-apiserver/pkg/embeddedetcd"
	generatedopenapi "github.com/metal3-community/baremetal-apiserver/pkg/generated/openapi"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
	"github.com/metal3-community/baremetal-apiserver/pkg/standalone"
)

// etcdPathPrefix is where objects live in etcd, kube-apiserver style, so an etcd shared with
// other servers keeps them apart.
const etcdPathPrefix = "/registry/baremetal.metal3.io"

// Options are the command-line options of the server.
type Options struct {
	RecommendedOptions *genericoptions.RecommendedOptions
	Logs               *logs.Options

	// Standalone serves without a kube-apiserver: own admin credential and authorizer, no
	// admission plugins that need core Kubernetes objects. Unless set on the command line, it
	// is on when no delegation kubeconfig is given and the server is not in a cluster.
	Standalone bool
	// DataDir holds the embedded etcd's data, the self-signed certificate and the admin token.
	DataDir string
	// KubeconfigPath is where the standalone server writes the admin kubeconfig.
	KubeconfigPath string
	// AllowTestBMCSchemes accepts fake:// BMC addresses (Ironic's fake-hardware), for tests.
	AllowTestBMCSchemes bool
	// ServeMetal3IO serves every kind under Metal3's group (metal3.io) too, for Metal3's
	// consumers; refused while the cluster has Metal3's CRDs (metal3group.go).
	ServeMetal3IO bool
	// EtcdStartTimeout bounds the embedded etcd's start.
	EtcdStartTimeout time.Duration
	// Reconciler configures the in-process host reconciler.
	Reconciler ReconcilerOptions

	// embeddedEtcd is set by Run when it started the embedded etcd: a store no other process
	// can reach, so no other replica to elect a leader with.
	embeddedEtcd bool

	Out io.Writer

	standaloneSet bool
}

// NewOptions returns the default options.
func NewOptions(out io.Writer) *Options {
	o := &Options{
		RecommendedOptions: genericoptions.NewRecommendedOptions(etcdPathPrefix, mustStorageCodec(defaultStorageMediaType)),
		Logs:               logs.NewOptions(),
		DataDir:            defaultDataDir(),
		EtcdStartTimeout:   time.Minute,
		Reconciler:         newReconcilerOptions(),
		Out:                out,
	}
	// Loopback unless told otherwise: with no flags the server runs standalone, for one machine.
	// Complete moves a delegated server to all interfaces, which its kube-apiserver must reach.
	// The default is set here, not in Complete, so that --help prints the real one.
	o.RecommendedOptions.SecureServing.BindAddress = netutils.ParseIPSloppy("127.0.0.1")
	// TLS 1.2 or later, and for TLS 1.2 only forward-secret AEAD suites (GCM, ChaCha20-Poly1305):
	// Go's default list still offers CBC suites with SHA-1 MACs for TLS 1.2, which RFC 9325 says
	// not to use. TLS 1.3's suites are all AEAD and fixed by Go. --tls-min-version and
	// --tls-cipher-suites override these.
	o.RecommendedOptions.SecureServing.MinTLSVersion = "VersionTLS12"
	o.RecommendedOptions.SecureServing.CipherSuites = append([]string(nil), defaultCipherSuites...)
	// Objects are stored as v1alpha1, the only (and so the storage) version.
	o.RecommendedOptions.Etcd.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(
		v1alpha1.SchemeGroupVersion, schema.GroupKind{Group: v1alpha1.GroupName})
	// --storage-media-type: protobuf by default (see storageCodec). The generic server's
	// SimpleStorageFactory ignores this option and uses StorageConfig.Codec as given, so
	// Complete builds the codec from it.
	o.RecommendedOptions.Etcd.DefaultStorageMediaType = defaultStorageMediaType
	// The watch cache (on by default, --watch-cache) serves every GET, LIST and WATCH that does
	// not ask for an exact older resourceVersion. Its size needs no default here: since
	// Kubernetes 1.25 the cache sizes itself (--default-watch-cache-size is a deprecated no-op,
	// and --watch-cache-sizes only honours 0, which turns the cache off for a resource).
	return o
}

// defaultCipherSuites are the TLS 1.2 suites served unless --tls-cipher-suites says otherwise:
// ECDHE key exchange (forward secrecy) with an AEAD cipher, in Go's order of preference. The
// ECDHE-RSA AES-128-GCM suite must stay: HTTP/2 requires it.
var defaultCipherSuites = []string{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}

// defaultStorageMediaType is how hosts are written to etcd: protobuf, as kube-apiserver stores
// its built-in types. Measured with test/bench at 10,000 hosts (README, Performance): decoding
// what etcd returns (after every write, and every watch event feeding the watch cache) took
// ~15% of the server's CPU during creates with JSON and ~4% with protobuf; status writes got
// ~20% faster, and a stored host shrank from 6.2 to 4.0 KB.
const defaultStorageMediaType = runtime.ContentTypeProtobuf

// storageCodec encodes objects for etcd as v1alpha1 in mediaType. It decodes whatever is
// stored, whichever --storage-media-type wrote it (JSON, YAML or protobuf: the universal
// deserializer recognises each by its first bytes), so changing the flag needs no migration
// in either direction: existing objects are read as they are and rewritten in the new
// encoding on their next update. Older releases of this server, which wrote JSON, read with
// the same universal deserializer, so a rollback reads protobuf data too.
func storageCodec(mediaType string) (runtime.Codec, error) {
	info, ok := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), mediaType)
	if !ok || info.Serializer == nil {
		return nil, fmt.Errorf("--storage-media-type %q is not supported", mediaType)
	}
	return scheme.Codecs.CodecForVersions(info.Serializer, scheme.Codecs.UniversalDeserializer(),
		v1alpha1.SchemeGroupVersion, runtime.InternalGroupVersioner), nil
}

func mustStorageCodec(mediaType string) runtime.Codec {
	c, err := storageCodec(mediaType)
	utilruntime.Must(err)
	return c
}

func defaultDataDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "baremetal-apiserver")
	}
	return filepath.Join(os.TempDir(), "baremetal-apiserver")
}

// AddFlags adds the options' flags to fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.RecommendedOptions.AddFlags(fs)
	// The generic help texts describe the generic defaults; these are ours.
	if f := fs.Lookup("bind-address"); f != nil {
		f.Usage = "The IP address on which to listen for the --secure-port port; an unspecified address (0.0.0.0 or ::) means " +
			"all interfaces and IP address families. Defaults to 127.0.0.1 (this machine only) when standalone, and to 0.0.0.0 " +
			"when not (behind a kube-apiserver, which must reach the server)."
	}
	if f := fs.Lookup("tls-cipher-suites"); f != nil {
		f.Usage = "Comma-separated list of cipher suites for TLS 1.2. The default is ECDHE with AES-GCM or ChaCha20-Poly1305 " +
			"only (forward secrecy and authenticated encryption); TLS 1.3's suites are fixed by Go. \n" +
			"Preferred values: " + strings.Join(cliflag.PreferredTLSCipherNames(), ", ") + ". \n" +
			"Insecure values: " + strings.Join(cliflag.InsecureTLSCipherNames(), ", ") + "."
	}
	logsapi.AddFlags(o.Logs, fs)
	fs.BoolVar(&o.Standalone, "standalone", o.Standalone,
		"Serve without a kube-apiserver: self-signed certificate, a generated admin token and a kubeconfig written to --kubeconfig-out. "+
			"Defaults to true unless --authentication-kubeconfig is set or the server runs in a Kubernetes cluster.")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir,
		"Directory for the embedded etcd's data (used when --etcd-servers is empty), the self-signed certificate and the admin token.")
	fs.StringVar(&o.KubeconfigPath, "kubeconfig-out", o.KubeconfigPath,
		"Where a standalone server writes the admin kubeconfig. Defaults to <data-dir>/kubeconfig.")
	fs.BoolVar(&o.AllowTestBMCSchemes, "allow-test-bmc-schemes", o.AllowTestBMCSchemes,
		"Accept fake:// BMC addresses, which map to Ironic's fake-hardware driver. For tests only.")
	fs.BoolVar(&o.ServeMetal3IO, "serve-metal3-io", o.ServeMetal3IO,
		"Serve every kind under Metal3's group metal3.io/v1alpha1 as well as baremetal.metal3.io/v1alpha1: the same objects, "+
			"so that Metal3's consumers (Cluster API Provider Metal3, scripts using Metal3's Go types) work unmodified. "+
			"Refused while the cluster has Metal3's CustomResourceDefinitions for that group.")
	fs.DurationVar(&o.EtcdStartTimeout, "embedded-etcd-start-timeout", o.EtcdStartTimeout,
		"How long to wait for the embedded etcd to start.")
	o.Reconciler.AddFlags(fs)
}

// Complete fills in options that depend on other options.
func (o *Options) Complete(fs *pflag.FlagSet) error {
	o.standaloneSet = fs.Changed("standalone")
	if !o.standaloneSet {
		_, inCluster := os.LookupEnv("KUBERNETES_SERVICE_HOST")
		o.Standalone = o.RecommendedOptions.Authentication.RemoteKubeConfigFile == "" && !inCluster
	}
	if o.KubeconfigPath == "" {
		o.KubeconfigPath = filepath.Join(o.DataDir, "kubeconfig")
	}
	codec, err := storageCodec(o.RecommendedOptions.Etcd.DefaultStorageMediaType)
	if err != nil {
		return err
	}
	o.RecommendedOptions.Etcd.StorageConfig.Codec = codec
	if o.RecommendedOptions.SecureServing.ServerCert.CertDirectory == "" || !fs.Changed("cert-dir") {
		o.RecommendedOptions.SecureServing.ServerCert.CertDirectory = filepath.Join(o.DataDir, "certs")
	}
	if !o.Standalone && !fs.Changed("bind-address") {
		// Behind a kube-apiserver the server must be reachable from it: all interfaces, the
		// generic server's default, unless told otherwise (the flag's own default is loopback,
		// for the standalone server, see NewOptions).
		o.RecommendedOptions.SecureServing.BindAddress = netutils.ParseIPSloppy("0.0.0.0")
	}
	if o.Standalone {
		// Nothing to delegate to: authentication and authorization are our own, and the
		// admission plugins and priority-and-fairness need a kube-apiserver's objects.
		o.RecommendedOptions.Authentication = nil
		o.RecommendedOptions.Authorization = nil
		o.RecommendedOptions.CoreAPI = nil
		o.RecommendedOptions.Admission = nil
		o.RecommendedOptions.Features.EnablePriorityAndFairness = false
	} else if o.RecommendedOptions.CoreAPI.CoreAPIKubeconfigPath == "" {
		// Admission and priority-and-fairness read the same kube-apiserver that authenticates
		// for us, so outside a cluster one kubeconfig is enough. Empty means in-cluster config.
		o.RecommendedOptions.CoreAPI.CoreAPIKubeconfigPath = o.RecommendedOptions.Authentication.RemoteKubeConfigFile
	}
	return nil
}

func init() {
	// The logging options (--logging-format=json, contextual logging) are feature-gated.
	utilruntime.Must(logsapi.AddFeatureGates(utilfeature.DefaultMutableFeatureGate))
}

// Validate checks the options.
func (o *Options) Validate() error {
	errs := o.RecommendedOptions.Validate()
	errs = append(errs, o.Reconciler.Validate()...)
	return utilerrors.NewAggregate(errs)
}

// Config builds the server configuration from the options.
func (o *Options) Config(ctx context.Context) (*apiserver.Config, error) {
	if err := o.RecommendedOptions.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil,
		[]net.IP{netutils.ParseIPSloppy("127.0.0.1"), netutils.ParseIPSloppy("::1")}); err != nil {
		return nil, fmt.Errorf("creating self-signed certificates: %w", err)
	}

	cfg := genericapiserver.NewRecommendedConfig(scheme.Codecs)
	if o.ServeMetal3IO {
		// Before the namer: it gives each type the kinds the scheme knows for it.
		scheme.AddMetal3Group()
	}
	namer := openapi.NewDefinitionNamer(scheme.Scheme)
	cfg.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(generatedopenapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIConfig.Info.Title = "baremetal-apiserver"
	cfg.OpenAPIConfig.Info.Version = "v1alpha1"
	cfg.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(generatedopenapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIV3Config.Info.Title = "baremetal-apiserver"
	cfg.OpenAPIV3Config.Info.Version = "v1alpha1"
	cfg.FeatureGate = utilfeature.DefaultFeatureGate
	// The generic server's feature gates are versioned by the Kubernetes release it is built
	// from. Our own version (v0.x in release builds) would make it emulate Kubernetes 0.x and
	// turn every version-gated feature off (the LIST snapshot cache, WatchList, ...), so the
	// binary would behave unlike the one the tests build. /version keeps our gitVersion.
	cfg.EffectiveVersion = basecompatibility.NewEffectiveVersionFromString(baseversion.DefaultKubeBinaryVersion, "", "")

	if err := o.RecommendedOptions.ApplyTo(cfg); err != nil {
		return nil, err
	}
	if o.ServeMetal3IO && cfg.ClientConfig != nil {
		// Behind a kube-apiserver (a standalone server has no cluster to share the group with).
		client, err := metadata.NewForConfig(cfg.ClientConfig)
		if err != nil {
			return nil, err
		}
		if err := checkNoMetal3CRDs(ctx, client); err != nil {
			return nil, err
		}
	}
	if o.Standalone {
		token, err := standalone.LoadOrCreateToken(filepath.Join(o.DataDir, "admin-token"))
		if err != nil {
			return nil, err
		}
		authz, err := standalone.Authorizer()
		if err != nil {
			return nil, err
		}
		cfg.Authentication.Authenticator = standalone.Authenticator(token)
		cfg.Authorization.Authorizer = authz
	}
	config := &apiserver.Config{
		GenericConfig: cfg,
		ExtraConfig: apiserver.ExtraConfig{
			Validation:    validation.Options{AllowTestBMCSchemes: o.AllowTestBMCSchemes},
			ServeMetal3IO: o.ServeMetal3IO,
		},
	}
	rc, err := o.reconcilerConfig(ctx, config)
	if err != nil {
		return nil, err
	}
	config.ExtraConfig.Reconciler = rc
	return config, nil
}

// Run starts the embedded etcd when no --etcd-servers is given, then serves until ctx is
// cancelled, and stops etcd only after the server has drained.
func (o *Options) Run(ctx context.Context) error {
	if len(o.RecommendedOptions.Etcd.StorageConfig.Transport.ServerList) == 0 {
		// Private: unix sockets only this user can reach, no TCP port. etcd has no
		// authentication of its own, so any other client would bypass ours (and RBAC, and
		// validation). The endpoints are unix:// URLs without TLS, which the storage client,
		// its health checks and the leader-election client (etcdClientConfig) all dial as is.
		etcd, err := embeddedetcd.StartPrivate(ctx, filepath.Join(o.DataDir, "etcd"), o.EtcdStartTimeout)
		if err != nil {
			return err
		}
		defer etcd.Close()
		t := &o.RecommendedOptions.Etcd.StorageConfig.Transport
		// The etcd TLS flags describe --etcd-servers. They were ignored for the embedded etcd's
		// former http:// endpoints, but clientv3 would offer TLS on a unix:// one, which the
		// plaintext socket refuses: keep ignoring them, and say so.
		if t.CertFile != "" || t.KeyFile != "" || t.TrustedCAFile != "" {
			klog.InfoS("Ignoring --etcd-certfile, --etcd-keyfile and --etcd-cafile: they apply to --etcd-servers, not to the embedded etcd")
			t.CertFile, t.KeyFile, t.TrustedCAFile = "", "", ""
		}
		t.ServerList = etcd.Endpoints
		o.embeddedEtcd = true
	}
	if err := o.Validate(); err != nil {
		return err
	}
	cfg, err := o.Config(ctx)
	if err != nil {
		return err
	}
	srv, err := cfg.Complete().New()
	if err != nil {
		return err
	}
	if o.Standalone {
		if err := o.addKubeconfigHook(srv.GenericAPIServer, cfg); err != nil {
			return err
		}
	}
	return srv.GenericAPIServer.PrepareRun().RunWithContext(ctx)
}

// addKubeconfigHook writes the admin kubeconfig once the server serves, so that the file
// appearing means kubectl can connect.
func (o *Options) addKubeconfigHook(s *genericapiserver.GenericAPIServer, cfg *apiserver.Config) error {
	addr, ok := cfg.GenericConfig.SecureServing.Listener.Addr().(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("secure serving listener is not TCP")
	}
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	url := "https://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
	certFile := o.RecommendedOptions.SecureServing.ServerCert.CertKey.CertFile
	return s.AddPostStartHook("write-admin-kubeconfig", func(genericapiserver.PostStartHookContext) error {
		ca, err := os.ReadFile(certFile)
		if err != nil {
			return fmt.Errorf("reading serving certificate: %w", err)
		}
		token, err := standalone.LoadOrCreateToken(filepath.Join(o.DataDir, "admin-token"))
		if err != nil {
			return err
		}
		if err := standalone.WriteKubeconfig(o.KubeconfigPath, url, ca, token); err != nil {
			return err
		}
		klog.InfoS("Admin kubeconfig written", "path", o.KubeconfigPath, "server", url)
		fmt.Fprintf(o.Out, "baremetal-apiserver is serving at %s\nkubeconfig: %s\ntry: kubectl --kubeconfig %s get baremetalhosts\n",
			url, o.KubeconfigPath, o.KubeconfigPath)
		return nil
	})
}

// NewCommand returns the server command; ctx is cancelled on SIGTERM/SIGINT.
func NewCommand(ctx context.Context, out io.Writer) *cobra.Command {
	o := NewOptions(out)
	cmd := &cobra.Command{
		Use:   "baremetal-apiserver",
		Short: "Serve BareMetalHosts (baremetal.metal3.io) from an aggregated Kubernetes API server",
		Long: "baremetal-apiserver serves Metal3's BareMetalHost API, group baremetal.metal3.io, from its own etcd. " +
			"With no flags it runs standalone on an embedded etcd and writes an admin kubeconfig; behind a " +
			"kube-apiserver it is registered with an APIService and delegates authentication and authorization.",
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments: %v", args)
			}
			// Logging first, so that everything after it logs in the chosen format.
			if err := logsapi.ValidateAndApply(o.Logs, utilfeature.DefaultFeatureGate); err != nil {
				return err
			}
			if err := o.Complete(c.Flags()); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	cmd.SetContext(ctx)
	o.AddFlags(cmd.Flags())
	return cmd
}
