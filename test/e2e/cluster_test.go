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

package e2e

import (
	"testing"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

const (
	// apiServiceName is the APIService of artifacts/deploy/base.
	apiServiceName = "v1alpha1.baremetal.metal3.io"

	// testNamespace holds the hosts the tests create; users get roles in it.
	testNamespace = "e2e"
)

// cluster is kube-apiserver on its etcd, with the server registered behind it, and kubectl as
// each test user.
type cluster struct {
	*framework.Aggregated

	// kubectl as each user, talking to kube-apiserver.
	admin, viewer, editor, operator, powerop, nobody framework.Kubectl
}

// users of the test cluster besides admin; their bindings are made in startCluster.
var testUsers = []framework.TokenUser{
	{Name: "viewer", Groups: []string{"e2e:users"}},   // baremetal-view in testNamespace
	{Name: "editor", Groups: []string{"e2e:users"}},   // baremetal-edit in testNamespace
	{Name: "operator", Groups: []string{"e2e:users"}}, // baremetal-admin in testNamespace
	{Name: "powerop", Groups: []string{"e2e:users"}},  // baremetal-power-operator in testNamespace
	{Name: "nobody", Groups: []string{"e2e:users"}},   // no binding at all
	{Name: "m3editor", Groups: []string{"e2e:users"}}, // baremetal-edit-metal3-io (TestMetal3IO)
	{Name: "m3viewer", Groups: []string{"e2e:users"}}, // baremetal-view-metal3-io (TestMetal3IO)
}

// startCluster starts etcd, kube-apiserver and the delegated server with the RBAC and
// APIService of artifacts/deploy (framework.StartAggregated), and gives the test users their
// roles in the test namespace. Every process is stopped by the test's cleanup.
func startCluster(t *testing.T, serverArgs ...string) *cluster {
	t.Helper()
	return startClusterFrom(t, "artifacts/deploy", serverArgs...)
}

// startClusterFrom is startCluster with the RBAC and APIServices of another kustomization
// (an overlay of artifacts/deploy).
func startClusterFrom(t *testing.T, deployDir string, serverArgs ...string) *cluster {
	t.Helper()
	c := &cluster{Aggregated: framework.StartAggregated(t, framework.AggregatedConfig{
		KubeAPIServer: kubeAPIServerBin, Server: serverBin, Kubectl: kubectlBin,
		Deploy: deployDir, Users: testUsers, ServerArgs: serverArgs,
	})}
	c.admin = c.Admin
	c.viewer = c.KubectlAs(t, "viewer")
	c.editor = c.KubectlAs(t, "editor")
	c.operator = c.KubectlAs(t, "operator")
	c.powerop = c.KubectlAs(t, "powerop")
	c.nobody = c.KubectlAs(t, "nobody")

	c.admin.Run(t, "create", "namespace", testNamespace)
	for user, role := range map[string]string{"viewer": "baremetal-view", "editor": "baremetal-edit", "operator": "baremetal-admin", "powerop": "baremetal-power-operator"} {
		c.admin.Run(t, "create", "rolebinding", user+"-"+role, "-n", testNamespace, "--clusterrole="+role, "--user="+user)
	}
	c.WaitCan(t, testNamespace, "get", "baremetalhosts.baremetal.metal3.io", "viewer", "editor", "operator", "powerop")
	return c
}
