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

// Package cluster tests the server as it runs where one process is not enough: three replicas
// on a three-member etcd cluster with TLS between members and to clients, the leader-elected
// reconciler driving Redfish BMCs of the project's simulator. It kills replicas and etcd members
// with SIGKILL and checks that nothing is done twice, lost or answered wrongly.
package cluster

import (
	"os"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

var (
	serverBin string
	etcdBin   string
)

func TestMain(m *testing.M) {
	serverBin = framework.MustBinary("cluster", framework.ServerBinary)
	etcdBin = framework.MustBinary("cluster", framework.EtcdBinary)
	os.Exit(m.Run())
}
