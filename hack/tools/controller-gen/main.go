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

// Command bench-crd generates the CustomResourceDefinition the benchmark (test/bench) serves
// from a stock kube-apiserver as the baseline: the same schema as this server's versioned Go
// types, produced by controller-gen's own CRD generator (sigs.k8s.io/controller-tools, pinned
// in this module's go.mod).
//
// It is `controller-gen crd:allowDangerousTypes=true paths=<package>` for one kind, plus the
// CRD-level markers our types do not carry because they are not a CRD: the status subresource
// (kubebuilder:subresource:status), selectable fields (kubebuilder:selectablefield) and the
// short names and categories the server reports (kubebuilder:resource). They are handed to
// the generator as marker values, exactly as if they were comments on the type, so the
// schema itself is untouched controller-gen output.
//
// The benchmark builds and runs it on every run. By hand, build it in this module and run it
// from the root of the main module (it loads the package with `go list` there):
//
//	(cd hack/tools/controller-gen && go build -o ../../../_output/bin/bench-crd .)
//	_output/bin/bench-crd -out _output/bench/crd
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"golang.org/x/tools/go/packages"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-tools/pkg/crd"
	crdmarkers "sigs.k8s.io/controller-tools/pkg/crd/markers"
	"sigs.k8s.io/controller-tools/pkg/loader"
	"sigs.k8s.io/controller-tools/pkg/markers"
	"sigs.k8s.io/yaml"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var (
		pkgPath    = flag.String("package", "./pkg/apis/baremetal/v1alpha1", "Go package of the versioned types, relative to the working directory (the main module's root)")
		group      = flag.String("group", "baremetal.metal3.io", "API group of the kind (the package's +groupName)")
		kind       = flag.String("kind", "BareMetalHost", "kind to generate the CRD of")
		outDir     = flag.String("out", "_output/bench/crd", "directory to write <group>_<plural>.yaml into")
		status     = flag.Bool("status-subresource", true, "serve status as a subresource (kubebuilder:subresource:status)")
		shortNames = flag.String("short-names", "bmh,bmhost", "comma-separated short names (kubebuilder:resource:shortName)")
		categories = flag.String("categories", "baremetal", "comma-separated categories (kubebuilder:resource:categories)")
		selectable listFlag
	)
	flag.Var(&selectable, "selectable-field", "JSONPath of a field selector field (kubebuilder:selectablefield), repeatable; default .status.provisioning.state")
	flag.Parse()
	if len(selectable) == 0 {
		selectable = listFlag{".status.provisioning.state"}
	}
	if err := run(*pkgPath, schema.GroupKind{Group: *group, Kind: *kind}, *outDir, *status, split(*shortNames), split(*categories), selectable); err != nil {
		fmt.Fprintln(os.Stderr, "bench-crd:", err)
		os.Exit(1)
	}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func run(pkgPath string, gk schema.GroupKind, outDir string, status bool, shortNames, categories, selectable []string) error {
	roots, err := loader.LoadRoots(pkgPath)
	if err != nil {
		return fmt.Errorf("loading %s: %w", pkgPath, err)
	}
	reg := &markers.Registry{}
	if err := (crd.Generator{}).RegisterMarkers(reg); err != nil {
		return err
	}
	// What `controller-gen crd:allowDangerousTypes=true` sets up: Metal3's clockMegahertz is a
	// float, which controller-gen refuses without it (Metal3's own CRD is generated the same way).
	parser := &crd.Parser{
		Collector:           &markers.Collector{Registry: reg},
		Checker:             &loader.TypeChecker{NodeFilters: []loader.NodeFilter{crd.Generator{}.CheckFilter()}},
		AllowDangerousTypes: true,
	}
	crd.AddKnownTypes(parser)
	for _, root := range roots {
		parser.NeedPackage(root)
	}

	// The CRD-level markers, as values of the markers controller-gen would parse from comments.
	found := false
	for ident, info := range parser.Types {
		if ident.Name != gk.Kind || parser.GroupVersions[ident.Package].Group != gk.Group {
			continue
		}
		found = true
		if info.Markers == nil {
			info.Markers = markers.MarkerValues{}
		}
		if status {
			info.Markers["kubebuilder:subresource:status"] = []any{crdmarkers.SubresourceStatus{}}
		}
		info.Markers["kubebuilder:resource"] = []any{crdmarkers.Resource{
			ShortName: shortNames, Categories: categories, Scope: "Namespaced",
		}}
		var fields []any
		for _, p := range selectable {
			fields = append(fields, crdmarkers.SelectableField{JSONPath: p})
		}
		if len(fields) > 0 {
			info.Markers["kubebuilder:selectablefield"] = fields
		}
	}
	if !found {
		loader.PrintErrors(roots, packages.TypeError)
		return fmt.Errorf("no type %s in a package of group %s under %s", gk.Kind, gk.Group, pkgPath)
	}

	parser.NeedCRDFor(gk, nil)
	// As controller-gen does: type errors come from its deliberately partial type-checking.
	if loader.PrintErrors(roots, packages.TypeError) {
		return fmt.Errorf("controller-gen reported errors for %s", pkgPath)
	}
	c, ok := parser.CustomResourceDefinitions[gk]
	if !ok {
		return fmt.Errorf("no CRD generated for %s", gk)
	}
	// The same finishing steps controller-gen's crd generator applies before writing.
	crd.FixTopLevelMetadata(c)
	for _, v := range c.Spec.Versions {
		if s := v.Schema; s != nil && s.OpenAPIV3Schema != nil {
			if m, ok := s.OpenAPIV3Schema.Properties["metadata"]; ok {
				m.Description = ""
				s.OpenAPIV3Schema.Properties["metadata"] = m
			}
		}
	}
	c.Annotations = map[string]string{"controller-gen.kubebuilder.io/version": controllerToolsVersion()}
	c.Status = apiextensionsv1.CustomResourceDefinitionStatus{}

	data, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	// controller-gen drops the empty status and creationTimestamp the same way.
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return err
	}
	delete(obj, "status")
	if md, ok := obj["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	if data, err = yaml.Marshal(obj); err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(outDir, fmt.Sprintf("%s_%s.yaml", c.Spec.Group, c.Spec.Names.Plural))
	header := "# Generated by hack/tools/controller-gen (controller-gen " + controllerToolsVersion() + "'s CRD generator) from " +
		pkgPath + "; do not edit.\n---\n"
	if err := os.WriteFile(out, append([]byte(header), data...), 0o644); err != nil {
		return err
	}
	fmt.Println(out)
	return nil
}

// controllerToolsVersion is the controller-tools module this binary was built with.
func controllerToolsVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "sigs.k8s.io/controller-tools" {
				return d.Version
			}
		}
	}
	return "unknown"
}
