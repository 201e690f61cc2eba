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

package workloop

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/workqueue"
)

// recordingQueue is a real queue whose retry decisions are recorded.
type recordingQueue struct {
	workqueue.TypedRateLimitingInterface[string]
	calls []string
}

func (q *recordingQueue) AddRateLimited(key string) {
	q.calls = append(q.calls, "rateLimited")
}
func (q *recordingQueue) Forget(key string) { q.calls = append(q.calls, "forget") }
func (q *recordingQueue) AddAfter(key string, d time.Duration) {
	q.calls = append(q.calls, "after "+d.String())
}

func TestProcessNext(t *testing.T) {
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "dataimages"}, "x", errors.New("stale"))
	for _, tc := range []struct {
		name  string
		after time.Duration
		err   error
		want  []string
	}{
		{name: "done", want: []string{"forget"}},
		{name: "look again later", after: time.Minute, want: []string{"forget", "after 1m0s"}},
		{name: "failed: retried with backoff", err: errors.New("bmc unreachable"), want: []string{"rateLimited"}},
		{name: "conflict: retried with backoff", err: conflict, want: []string{"rateLimited"}},
		{name: "an error wins over a delay", after: time.Minute, err: errors.New("x"), want: []string{"rateLimited"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &recordingQueue{TypedRateLimitingInterface: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())}
			defer q.ShutDown()
			q.Add("ns/a")
			var synced []string
			l := Loop{Queue: q, Failed: "failed", KeyName: "key", Sync: func(_ context.Context, key string) (time.Duration, error) {
				synced = append(synced, key)
				return tc.after, tc.err
			}}
			if !l.processNext(context.Background()) {
				t.Fatal("processNext returned false on a live queue")
			}
			if !slices.Equal(synced, []string{"ns/a"}) || !slices.Equal(q.calls, tc.want) {
				t.Errorf("synced %v, queue calls %v, want %v", synced, q.calls, tc.want)
			}
		})
	}
	t.Run("a shut-down queue stops the worker", func(t *testing.T) {
		q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
		q.ShutDown()
		if (Loop{Queue: q}).processNext(context.Background()) {
			t.Error("processNext returned true on a shut-down queue")
		}
	})
}
