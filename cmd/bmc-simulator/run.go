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

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// options are the command-line flags; flags given explicitly win over the
// --config file, flags left alone only supply defaults when there is none.
type options struct {
	listen          string
	systems         int
	seed            int64
	username        string
	password        string
	credentialsFile string
	tls             bool
	configFile      string
	powerDelay      time.Duration
	taskDuration    time.Duration
	sessionLimit    int
	asyncActions    bool
	portPerSystem   bool
	adminToken      string
	certOut         string
	logLevel        string
	mockup          string
}

func (o *options) flags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("bmc-simulator", pflag.ContinueOnError)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8000", "address to serve on (port 0 picks a free one)")
	fs.IntVar(&o.systems, "systems", 1, "number of systems, with ids 1..N")
	fs.Int64Var(&o.seed, "seed", 0, "seed for inventories, serial numbers and MACs")
	fs.StringVar(&o.username, "username", "admin", "BMC username of every system")
	fs.StringVar(&o.password, "password", "password", "BMC password of every system (prefer --credentials-file)")
	fs.StringVar(&o.credentialsFile, "credentials-file", "", "YAML/JSON file: username, password, and per-system credentials under systems.<id>")
	fs.BoolVar(&o.tls, "tls", false, "serve HTTPS with a self-signed certificate")
	fs.StringVar(&o.configFile, "config", "", "YAML/JSON simulator configuration (see pkg/simulator/redfish.Config)")
	fs.DurationVar(&o.powerDelay, "power-delay", time.Second, "time spent in PoweringOn/PoweringOff")
	fs.DurationVar(&o.taskDuration, "task-duration", 2*time.Second, "duration of asynchronous tasks (firmware updates, async media)")
	fs.IntVar(&o.sessionLimit, "session-limit", 0, "sessions allowed per system, 0 for no limit")
	fs.BoolVar(&o.asyncActions, "async-actions", false, "answer Reset and virtual media actions with 202 and a task monitor")
	fs.StringVar(&o.mockup, "mockup", "", "serve this capture of a real BMC (a DMTF mockup folder, the one answering /redfish/v1) instead of generated systems; power, boot override, virtual media and sessions are simulated on top")
	fs.BoolVar(&o.portPerSystem, "port-per-system", false, "serve each system on its own port (listen port, +1, ...)")
	fs.StringVar(&o.adminToken, "admin-token", "", "bearer token required on /simulator/")
	fs.StringVar(&o.certOut, "cert-out", "", "with --tls, write the self-signed certificate(s) here as a PEM bundle for clients to trust")
	fs.StringVar(&o.logLevel, "log-level", "info", "info, or debug for one line per request")
	return fs
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := o.flags()
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	cfg, err := o.config(fs)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if o.logLevel == "debug" {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	sims, err := build(cfg, o.portPerSystem)
	if err != nil {
		return err
	}
	var started []*redfish.Simulator
	stopAll := func() error {
		var errs []error
		for _, s := range started {
			errs = append(errs, s.Close())
		}
		return errors.Join(errs...)
	}
	for _, s := range sims {
		if err := s.Start(ctx); err != nil {
			return errors.Join(err, stopAll())
		}
		started = append(started, s)
	}
	if o.certOut != "" {
		if err := writeCerts(o.certOut, started); err != nil {
			return errors.Join(err, stopAll())
		}
	}
	for _, s := range started {
		for _, id := range s.SystemIDs() {
			fmt.Fprintln(stdout, s.BMCAddress(id))
		}
	}
	if !cfg.DisableAdmin {
		cfg.Logger.Info("admin endpoint", "url", started[0].URL()+"/simulator/systems")
	}
	<-ctx.Done()
	return stopAll()
}

func writeCerts(path string, sims []*redfish.Simulator) error {
	var bundle []byte
	for _, s := range sims {
		bundle = append(bundle, s.CertificatePEM()...)
	}
	if len(bundle) == 0 {
		return errors.New("--cert-out needs --tls")
	}
	return os.WriteFile(path, bundle, 0o644)
}

// config merges the --config file, the credentials file and the flags.
func (o *options) config(fs *pflag.FlagSet) (redfish.Config, error) {
	var cfg redfish.Config
	explicit := fs.Changed
	if o.configFile != "" {
		data, err := readYAMLOrJSON(o.configFile)
		if err != nil {
			return cfg, err
		}
		if cfg, err = redfish.ParseConfig(data); err != nil {
			return cfg, fmt.Errorf("%s: %w", o.configFile, err)
		}
	} else {
		explicit = func(string) bool { return true }
	}
	if explicit("listen") {
		cfg.Listen = o.listen
	}
	if o.mockup != "" {
		cfg.Mockup = o.mockup
	}
	// A mockup brings its own systems; --systems counts generated ones.
	if explicit("systems") && (cfg.Mockup == "" || fs.Changed("systems")) {
		cfg.Count = o.systems
	}
	if explicit("seed") {
		cfg.Seed = o.seed
	}
	if explicit("username") {
		cfg.Username = o.username
	}
	if explicit("password") {
		cfg.Password = o.password
	}
	if explicit("tls") {
		cfg.TLS = o.tls
	}
	if explicit("power-delay") {
		cfg.PowerDelay = o.powerDelay
	}
	if explicit("task-duration") {
		cfg.TaskDuration = o.taskDuration
	}
	if explicit("session-limit") {
		cfg.SessionLimit = o.sessionLimit
	}
	if explicit("async-actions") {
		cfg.AsyncActions = o.asyncActions
	}
	if explicit("admin-token") {
		cfg.AdminToken = o.adminToken
	}
	if o.credentialsFile != "" {
		if err := applyCredentials(&cfg, o.credentialsFile); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// credentialsFile keeps secrets out of the process list and the config.
type credentialsFile struct {
	Username string                       `json:"username"`
	Password string                       `json:"password"`
	Systems  map[string]systemCredentials `json:"systems"`
}

type systemCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func applyCredentials(cfg *redfish.Config, path string) error {
	data, err := readYAMLOrJSON(path)
	if err != nil {
		return err
	}
	var cf credentialsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if cf.Username != "" || cf.Password != "" {
		cfg.Username, cfg.Password = cf.Username, cf.Password
	}
	for id, c := range cf.Systems {
		i := -1
		for j := range cfg.Systems {
			if cfg.Systems[j].ID == id {
				i = j
			}
		}
		if i < 0 {
			cfg.Systems = append(cfg.Systems, redfish.SystemConfig{ID: id})
			i = len(cfg.Systems) - 1
		}
		cfg.Systems[i].Username, cfg.Systems[i].Password = c.Username, c.Password
	}
	return nil
}

// readYAMLOrJSON returns JSON; YAML is a superset, so both go through the
// converter unless the file is obviously JSON already.
func readYAMLOrJSON(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".json" {
		return data, nil
	}
	out, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// build makes one simulator, or one per system on consecutive ports.
func build(cfg redfish.Config, portPerSystem bool) ([]*redfish.Simulator, error) {
	whole, err := redfish.New(cfg)
	if err != nil {
		return nil, err
	}
	if !portPerSystem {
		return []*redfish.Simulator{whole}, nil
	}
	listen := cfg.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	host, portStr, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("listen %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("listen %q: bad port", cfg.Listen)
	}
	var sims []*redfish.Simulator
	for i, id := range whole.SystemIDs() {
		one := cfg
		one.Count = 0
		one.Systems = []redfish.SystemConfig{{ID: id}}
		for _, sc := range cfg.Systems {
			if sc.ID == id {
				one.Systems[0] = sc
			}
		}
		p := 0
		if port != 0 {
			p = port + i
		}
		one.Listen = net.JoinHostPort(host, strconv.Itoa(p))
		s, err := redfish.New(one)
		if err != nil {
			return nil, err
		}
		sims = append(sims, s)
	}
	return sims, nil
}
