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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	hoststorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/baremetalhost/storage"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// ExtraConfig is the configuration of this server beyond the generic API server's.
type ExtraConfig struct {
	// Validation holds server settings that change what objects are valid.
	Validation validation.Options
	// Reconciler, when set, runs the host reconciler in this process.
	Reconciler *ReconcilerConfig
}

// Config is the configuration of the server, before completion.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	ExtraConfig   ExtraConfig
}

type completedConfig struct {
	GenericConfig genericapiserver.CompletedConfig
	ExtraConfig   *ExtraConfig
}

// CompletedConfig is a Config with every default filled in; only it can build a server.
type CompletedConfig struct {
	*completedConfig
}

// Server is the baremetal API server.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
}

// Complete fills in the defaults of the generic configuration.
func (cfg *Config) Complete() CompletedConfig {
	return CompletedConfig{&completedConfig{
		GenericConfig: cfg.GenericConfig.Complete(),
		ExtraConfig:   &cfg.ExtraConfig,
	}}
}

// New builds the server and installs the API group.
func (c completedConfig) New() (*Server, error) {
	generic, err := c.GenericConfig.New("baremetal-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	s := &Server{GenericAPIServer: generic}

	waker := &reconcilerWaker{}
	hosts, err := hoststorage.NewStorage(c.GenericConfig.RESTOptionsGetter, c.ExtraConfig.Validation, waker)
	if err != nil {
		return nil, fmt.Errorf("creating BareMetalHost storage: %w", err)
	}
	group := genericapiserver.NewDefaultAPIGroupInfo(baremetal.GroupName, scheme.Scheme, metav1.ParameterCodec, scheme.Codecs)
	group.VersionedResourcesStorageMap[v1alpha1.SchemeGroupVersion.Version] = map[string]rest.Storage{
		"baremetalhosts":         hosts.Host,
		"baremetalhosts/status":  hosts.Status,
		"baremetalhosts/power":   hosts.Power,
		"baremetalhosts/reboot":  hosts.Reboot,
		"baremetalhosts/inspect": hosts.Inspect,
	}
	if err := s.GenericAPIServer.InstallAPIGroup(&group); err != nil {
		return nil, err
	}
	if rc := c.ExtraConfig.Reconciler; rc != nil {
		if err := s.GenericAPIServer.AddPostStartHook("start-baremetalhost-reconciler", c.reconcilerHook(rc, waker)); err != nil {
			return nil, err
		}
	}
	return s, nil
}
