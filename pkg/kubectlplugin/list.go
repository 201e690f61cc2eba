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
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/kubectl/pkg/cmd/get"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/scheme"
)

// listChunk is the page size, as kubectl's --chunk-size default: a large fleet is listed in
// several requests instead of one response the server must build in memory at once.
const listChunk = 500

// tableAccept asks the server to render the list as a Table with its own columns (the
// BareMetalHost TableConvertor), as kubectl get does.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"

func newListCommand(o *Options) *cobra.Command {
	printFlags := get.NewGetPrintFlags()
	// kubectl get sorts itself, outside its printers; a flag that would be accepted and
	// ignored is not offered.
	printFlags.HumanReadableFlags.SortBy = nil
	printFlags.SetKind(v1alpha1.SchemeGroupVersion.WithKind("BareMetalHost").GroupKind())
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List hosts with their state, power and last error",
		Long: `One line per host, sorted by namespace and name, with the server's columns (the same
as kubectl get baremetalhosts):
  STATE     the provisioning state (registering, available, provisioned, ...)
  CONSUMER  what claimed the host
  ONLINE    the power wanted (spec.online)
  ERROR     the kind of the last error, empty when there is none
-o wide adds the operational status, the BMC address, the power read from the BMC (<unknown>
until the host is registered), a hardware summary, GPUs and power draw. The other -o formats
(json, yaml, name, custom-columns, jsonpath, go-template) print the hosts themselves.`,
		Example: `  kubectl baremetal list
  kubectl baremetal list -A -l rack=r1 -o wide
  kubectl baremetal list -o custom-columns=NAME:.metadata.name,MAC:.spec.bootMACAddress`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.allNamespaces {
				if err := printFlags.EnsureWithNamespace(); err != nil {
					return err
				}
			}
			printer, err := printFlags.ToPrinter()
			if err != nil {
				return usageError{oneLine(err.Error())}
			}
			if err := o.complete(); err != nil {
				return err
			}
			// The table for the human formats; --template alone means -o go-template.
			format, template := *printFlags.OutputFormat, printFlags.TemplateFlags.TemplateArgument
			human := (format == "" && (template == nil || *template == "")) || format == "wide"
			var out runtime.Object
			if human {
				out, err = o.listTable(cmd.Context())
			} else {
				out, err = o.listObjects(cmd.Context())
			}
			if err != nil {
				return describeListError(err, o.listNamespace())
			}
			if human && len(out.(*metav1.Table).Rows) == 0 {
				fmt.Fprintf(o.ErrOut, "No resources found %s.\n", scope(o.listNamespace()))
				return nil
			}
			return printer.PrintObj(out, o.Out)
		},
	}
	printFlags.AddFlags(cmd)
	return cmd
}

// listTable is the server's table of the hosts, all pages in one.
func (o *Options) listTable(ctx context.Context) (*metav1.Table, error) {
	var all *metav1.Table
	opts := metav1.ListOptions{LabelSelector: o.selector, Limit: listChunk}
	for {
		page, err := o.tablePage(ctx, o.listNamespace(), opts)
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = page
		} else {
			all.Rows = append(all.Rows, page.Rows...)
		}
		if opts.Continue = page.Continue; opts.Continue == "" {
			break
		}
	}
	// The rows carry the hosts' metadata, for the printer's NAMESPACE and label columns.
	for i := range all.Rows {
		row := &all.Rows[i]
		if row.Object.Object == nil && row.Object.Raw != nil {
			obj, err := runtime.Decode(unstructured.UnstructuredJSONScheme, row.Object.Raw)
			if err != nil {
				return nil, err
			}
			row.Object.Object = obj
		}
	}
	return all, nil
}

// getTablePage asks the server for one page of the host table.
func (o *Options) getTablePage(ctx context.Context, namespace string, opts metav1.ListOptions) (*metav1.Table, error) {
	raw, err := o.client.BaremetalV1alpha1().RESTClient().Get().
		Namespace(namespace).Resource("baremetalhosts").
		VersionedParams(&opts, scheme.ParameterCodec).
		Param("includeObject", string(metav1.IncludeMetadata)).
		SetHeader("Accept", tableAccept).
		Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	table := &metav1.Table{}
	if err := json.Unmarshal(raw, table); err != nil {
		return nil, fmt.Errorf("reading the host table: %w", err)
	}
	if table.Kind != "Table" {
		return nil, fmt.Errorf("the server sent a %s, not a Table, for the host list", table.Kind)
	}
	return table, nil
}

// listObjects is the hosts themselves, for the formats that print objects, as kubectl get
// prints several: a v1 List whose items carry their kind, as unstructured objects, which every
// printer takes (the name printer takes no typed list).
func (o *Options) listObjects(ctx context.Context) (runtime.Object, error) {
	list := &metav1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	opts := metav1.ListOptions{LabelSelector: o.selector, Limit: listChunk}
	for {
		page, err := o.hosts(o.listNamespace()).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for i := range page.Items {
			h := &page.Items[i]
			h.SetGroupVersionKind(v1alpha1.SchemeGroupVersion.WithKind("BareMetalHost"))
			list.Items = append(list.Items, runtime.RawExtension{Object: h})
		}
		if opts.Continue = page.Continue; opts.Continue == "" {
			break
		}
	}
	data, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	return runtime.Decode(unstructured.UnstructuredJSONScheme, data)
}
