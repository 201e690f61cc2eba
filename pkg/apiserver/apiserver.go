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

// Package apiserver wires the baremetal.metal3.io API group into a generic API server: the
// REST storages of every resource and subresource, on a completed configuration.
package apiserver

import (
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	hoststorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/baremetalhost/storage"
	besstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/bmceventsubscription/storage"
	distorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/dataimage/storage"
	schemastorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/firmwareschema/storage"
	hdstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hardwaredata/storage"
	hcstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostclaim/storage"
	hdpstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostdeploypolicy/storage"
	hfcstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostfirmwarecomponents/storage"
	hfsstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostfirmwaresettings/storage"
	hupstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostupdatepolicy/storage"
	ppistorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/preprovisioningimage/storage"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// ExtraConfig is the configuration of this server beyond the generic API server's.
type ExtraConfig struct {
	// Validation holds server settings that change what objects are valid.
	Validation validation.Options
	// Reconciler, when set, runs the host reconciler in this process.
	Reconciler *ReconcilerConfig
	// ServeMetal3IO serves every kind under Metal3's group (metal3.io) as well: the same storages,
	// so the same objects, resourceVersions and watch cache in both groups. The scheme must know
	// the group (scheme.AddMetal3Group) before the OpenAPI configuration is built.
	ServeMetal3IO bool
}

// Config is the configuration of the server, before completion.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	ExtraConfig   ExtraConfig

	// checks is put in the generic handler chain by the first Complete.
	checks *requestChecks
}

type completedConfig struct {
	GenericConfig genericapiserver.CompletedConfig
	ExtraConfig   *ExtraConfig

	// checks run in the handler chain; New gives them the installed types.
	checks *requestChecks
}

// CompletedConfig is a Config with every default filled in; only it can build a server.
type CompletedConfig struct {
	*completedConfig
}

// Server is the baremetal API server.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
}

// Complete fills in the defaults of the generic configuration, and puts the request checks
// (requestchecks.go) last in its handler chain: after authentication, authorization and the
// request info they need, right before the API handlers.
func (cfg *Config) Complete() CompletedConfig {
	if cfg.checks == nil {
		checks := newRequestChecks(scheme.Codecs)
		buildChain := cfg.GenericConfig.BuildHandlerChainFunc
		if buildChain == nil {
			buildChain = genericapiserver.DefaultBuildHandlerChain
		}
		cfg.GenericConfig.BuildHandlerChainFunc = func(apiHandler http.Handler, c *genericapiserver.Config) http.Handler {
			return buildChain(checks.wrap(apiHandler, c.MaxRequestBodyBytes), c)
		}
		cfg.checks = checks
	}
	return CompletedConfig{&completedConfig{
		GenericConfig: cfg.GenericConfig.Complete(),
		ExtraConfig:   &cfg.ExtraConfig,
		checks:        cfg.checks,
	}}
}

// New builds the server and installs the API group.
func (c completedConfig) New() (*Server, error) {
	generic, err := c.GenericConfig.New("baremetal-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	s := &Server{GenericAPIServer: generic}

	hosts, err := hoststorage.NewStorage(c.GenericConfig.RESTOptionsGetter, c.ExtraConfig.Validation)
	if err != nil {
		return nil, fmt.Errorf("creating BareMetalHost storage: %w", err)
	}
	hardwareData, err := hdstorage.NewREST(c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, fmt.Errorf("creating HardwareData storage: %w", err)
	}
	firmwareSchemas, err := schemastorage.NewREST(c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, fmt.Errorf("creating FirmwareSchema storage: %w", err)
	}
	// HostFirmwareSettings' spec writes are judged by the FirmwareSchema their status names,
	// read from the schemas' own store (in process, never through a client to this server).
	settings, err := hfsstorage.NewStorage(c.GenericConfig.RESTOptionsGetter, firmwareSchemas)
	if err != nil {
		return nil, fmt.Errorf("creating HostFirmwareSettings storage: %w", err)
	}
	components, err := hfcstorage.NewStorage(c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, fmt.Errorf("creating HostFirmwareComponents storage: %w", err)
	}
	updatePolicies, err := hupstorage.NewREST(c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, fmt.Errorf("creating HostUpdatePolicy storage: %w", err)
	}
	dataImages, err := distorage.NewStorage(c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, fmt.Errorf("creating DataImage storage: %w", err)
	}
	subscriptions, err := besstorage.NewStorage(c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, fmt.Errorf("creating BMCEventSubscription storage: %w", err)
	}
	preprovisioningImages, err := ppistorage.NewStorage(c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, fmt.Errorf("creating PreprovisioningImage storage: %w", err)
	}
	deployPolicies, err := hdpstorage.NewREST(c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, fmt.Errorf("creating HostDeployPolicy storage: %w", err)
	}
	// HostClaims bind by writing hosts' consumerRef through the hosts' own store, and read
	// HostDeployPolicies from theirs (in process, never through a client to this server).
	claims, err := hcstorage.NewStorage(c.GenericConfig.RESTOptionsGetter, hosts.Host.Store, deployPolicies.Store, c.namespaceLabels())
	if err != nil {
		return nil, fmt.Errorf("creating HostClaim storage: %w", err)
	}
	// Each storage behind its wrapper (storageerrors.go), which gives storage errors their 4xx.
	storages := map[string]rest.Storage{
		"baremetalhosts":         &hostREST{hosts.Host},
		"baremetalhosts/status":  &kindStatusREST{hosts.Status},
		"baremetalhosts/power":   &powerREST{hosts.Power},
		"baremetalhosts/reboot":  &rebootREST{hosts.Reboot},
		"baremetalhosts/inspect": &inspectREST{hosts.Inspect},
		"hardwaredata":           &kindREST{hardwareData},

		"firmwareschemas":               &kindREST{firmwareSchemas.REST},
		"hostfirmwaresettings":          &kindREST{settings.Main},
		"hostfirmwaresettings/status":   &kindStatusREST{settings.Status},
		"hostfirmwarecomponents":        &kindREST{components.Main},
		"hostfirmwarecomponents/status": &kindStatusREST{components.Status},

		"hostupdatepolicies":           &kindREST{updatePolicies},
		"dataimages":                   &kindREST{dataImages.Main},
		"dataimages/status":            &kindStatusREST{dataImages.Status},
		"bmceventsubscriptions":        &kindREST{subscriptions.Main},
		"bmceventsubscriptions/status": &kindStatusREST{subscriptions.Status},
		"preprovisioningimages":        &kindREST{preprovisioningImages.Main},
		"preprovisioningimages/status": &kindStatusREST{preprovisioningImages.Status},
		"hostclaims":                   &hostClaimREST{claims.Claim},
		"hostclaims/status":            &hostClaimStatusREST{claims.Status},
		"hostclaims/binding":           &hostClaimBindingREST{claims.Binding},
		"hostdeploypolicies":           &kindREST{deployPolicies},
	}
	versions := []schema.GroupVersion{v1alpha1.SchemeGroupVersion}
	if c.ExtraConfig.ServeMetal3IO {
		versions = append(versions, v1alpha1.Metal3GroupVersion)
	}
	groups := make([]*genericapiserver.APIGroupInfo, 0, len(versions))
	for _, gv := range versions {
		// Metal3's group gets the very same storages: one store per resource, so one set of
		// etcd keys, one resourceVersion sequence and one watch cache behind both groups.
		group := genericapiserver.NewDefaultAPIGroupInfo(gv.Group, scheme.Scheme, metav1.ParameterCodec, scheme.Codecs)
		group.VersionedResourcesStorageMap[gv.Version] = storages
		groups = append(groups, &group)
	}
	// One call for both groups: the field manager's type converter is built from the OpenAPI
	// models of every group installed together, so that server-side apply can read managed
	// fields written through either group.
	if err := s.GenericAPIServer.InstallAPIGroups(groups...); err != nil {
		return nil, err
	}
	schemas, err := newResourceSchemas(versions, storages, groups[0].StaticOpenAPISpec)
	if err != nil {
		return nil, err
	}
	c.checks.setSchemas(schemas)
	if err := s.GenericAPIServer.AddPostStartHook("start-hostclaim-binder", claimBinderHook); err != nil {
		return nil, err
	}
	if rc := c.ExtraConfig.Reconciler; rc != nil {
		if err := s.GenericAPIServer.AddPostStartHook("start-baremetalhost-reconciler", c.reconcilerHook(rc)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// namespaceLabels reads Namespaces' labels from kube-apiserver's Namespace informer (the one
// NamespaceLifecycle admission uses, started with the server), for HostDeployPolicies that let
// claims in by their namespace's labels. A standalone server has no Namespaces: nil.
func (c completedConfig) namespaceLabels() hcstorage.NamespaceLabels {
	factory := c.GenericConfig.SharedInformerFactory
	if factory == nil {
		return nil
	}
	namespaces := factory.Core().V1().Namespaces()
	// Registered before the server starts the factory, so that it is started with it.
	namespaces.Informer()
	lister := namespaces.Lister()
	return func(name string) (map[string]string, bool) {
		ns, err := lister.Get(name)
		if err != nil {
			return nil, false
		}
		return ns.Labels, true
	}
}
