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
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	fakecorev1 "k8s.io/client-go/kubernetes/typed/core/v1/fake"
	corev1listers "k8s.io/client-go/listers/core/v1"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

const testBMCPassword = "Zq81-never-shown"

func bmcSecret(rv string, labels map[string]string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "bmc", ResourceVersion: rv, Labels: labels},
		Data:       map[string][]byte{"username": []byte("admin"), "password": []byte(testBMCPassword)},
	}
}

// TestClusterSecrets: a Secret in the (label-filtered) cache is read from it; any other is read
// from the API and, unless it carries the label key already, labelled with a patch that adds
// the label and nothing else. Errors name the Secret, never its content.
func TestClusterSecrets(t *testing.T) {
	labelled := map[string]string{SecretLabel: SecretLabelValue}
	forbidden := func(verb string) error {
		return apierrors.NewForbidden(corev1.Resource("secrets"), "bmc", fmt.Errorf("User \"sa\" cannot %s resource \"secrets\"", verb))
	}
	for _, tc := range []struct {
		name string
		// cached is in the informer's cache; stored is what the API holds.
		cached, stored *corev1.Secret
		getErr         error
		patchErr       error
		// wantActions are the API calls made, as verb list.
		wantActions []string
		wantVersion string
		wantErr     string
		notFound    bool
		wantLogged  bool
	}{
		{name: "in the cache", cached: bmcSecret("5", labelled), stored: bmcSecret("5", labelled),
			wantVersion: "5"},
		{name: "unlabelled: read and labelled", stored: bmcSecret("5", map[string]string{"team": "lab"}),
			wantActions: []string{"get", "patch"}, wantVersion: "6", wantLogged: true},
		{name: "labelled, not in the cache yet: read, not patched", stored: bmcSecret("5", labelled),
			wantActions: []string{"get"}, wantVersion: "5"},
		{name: "label of another environment: read, left alone", stored: bmcSecret("5", map[string]string{SecretLabel: "other"}),
			wantActions: []string{"get"}, wantVersion: "5"},
		{name: "missing", wantActions: []string{"get"}, notFound: true, wantErr: "secret not found: ns/bmc"},
		{name: "deleted before the patch", stored: bmcSecret("5", nil), patchErr: apierrors.NewNotFound(corev1.Resource("secrets"), "bmc"),
			wantActions: []string{"get", "patch"}, notFound: true, wantErr: "secret not found: ns/bmc"},
		{name: "get forbidden", getErr: forbidden("get"),
			wantActions: []string{"get"}, wantErr: "reading Secret ns/bmc: "},
		{name: "patch forbidden", stored: bmcSecret("5", nil), patchErr: forbidden("patch"),
			wantActions: []string{"get", "patch"}, wantErr: "labelling Secret ns/bmc with environment.metal3.io=baremetal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
			if tc.cached != nil {
				if err := indexer.Add(tc.cached); err != nil {
					t.Fatal(err)
				}
			}
			api := &fakecorev1.FakeCoreV1{Fake: &k8stesting.Fake{}}
			api.AddReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
				if tc.getErr != nil {
					return true, nil, tc.getErr
				}
				if tc.stored == nil {
					return true, nil, apierrors.NewNotFound(corev1.Resource("secrets"), "bmc")
				}
				return true, tc.stored.DeepCopy(), nil
			})
			api.AddReactor("patch", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
				p := a.(k8stesting.PatchAction)
				if p.GetPatchType() != types.MergePatchType || string(p.GetPatch()) != `{"metadata":{"labels":{"environment.metal3.io":"baremetal"}}}` {
					t.Errorf("patch %s %s, want a merge patch adding the label only", p.GetPatchType(), p.GetPatch())
				}
				if tc.patchErr != nil {
					return true, nil, tc.patchErr
				}
				s := tc.stored.DeepCopy()
				if s.Labels == nil {
					s.Labels = map[string]string{}
				}
				s.Labels[SecretLabel] = SecretLabelValue
				s.ResourceVersion = "6"
				return true, s, nil
			})
			var logged []string
			ctx := klog.NewContext(context.Background(), funcr.New(func(_, args string) { logged = append(logged, args) }, funcr.Options{}))

			src := ClusterSecrets{Lister: corev1listers.NewSecretLister(indexer), Client: api}
			data, version, err := src.Get(ctx, "ns", "bmc")

			var actions []string
			for _, a := range api.Actions() {
				if a.GetNamespace() != "ns" {
					t.Errorf("%s in namespace %q", a.GetVerb(), a.GetNamespace())
				}
				actions = append(actions, a.GetVerb())
			}
			if fmt.Sprint(actions) != fmt.Sprint(tc.wantActions) {
				t.Errorf("API calls %v, want %v", actions, tc.wantActions)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if errors.Is(err, ErrSecretNotFound) != tc.notFound {
					t.Errorf("errors.Is(%v, ErrSecretNotFound) = %t, want %t", err, !tc.notFound, tc.notFound)
				}
				if strings.Contains(err.Error(), testBMCPassword) {
					t.Errorf("the error holds the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(data["password"]) != testBMCPassword || version != tc.wantVersion {
				t.Errorf("got password %q version %q, want the Secret's at version %q", data["password"], version, tc.wantVersion)
			}
			if tc.wantLogged != (len(logged) == 1) {
				t.Errorf("log lines %q, want one: %t", logged, tc.wantLogged)
			}
			for _, l := range logged {
				if strings.Contains(l, testBMCPassword) || !strings.Contains(l, `"bmc"`) {
					t.Errorf("log line %s: want it to name the Secret and not hold the password", l)
				}
			}
		})
	}
}
