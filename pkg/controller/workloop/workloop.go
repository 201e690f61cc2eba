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

// Package workloop runs the workers of a workqueue controller (the DataImage, firmware,
// PreprovisioningImage and BMCEventSubscription controllers): take a key, sync it, and decide
// from the result whether to forget it, look again later or retry with the queue's backoff.
// Controllers keep their own decisions in Sync; only the loop is shared.
package workloop

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// Loop is one controller's queue and what to do with each key.
type Loop struct {
	Queue workqueue.TypedRateLimitingInterface[string]
	// Synced are the informers whose caches must be filled before the first sync.
	Synced []cache.InformerSynced
	// Sync handles one key. An error retries it with the queue's rate limiter; a positive
	// duration, with no error, looks at it again after that long.
	Sync func(ctx context.Context, key string) (after time.Duration, err error)
	// Failed is the log message of a failed sync, logged with the error and the key under
	// KeyName. Conflicts are not logged: the informer brings the newer object, and the retry
	// reads it.
	Failed  string
	KeyName string
}

// Run runs workers until ctx ends, then shuts the queue down. It returns at once, with the
// queue shut down, if the caches cannot be filled (ctx ended first).
func (l Loop) Run(ctx context.Context, workers int) {
	defer l.Queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), l.Synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			for l.processNext(ctx) {
			}
		}, time.Second)
	}
	<-ctx.Done()
}

// processNext syncs one key; false when the queue is shut down.
func (l Loop) processNext(ctx context.Context) bool {
	key, quit := l.Queue.Get()
	if quit {
		return false
	}
	defer l.Queue.Done(key)
	after, err := l.Sync(ctx, key)
	switch {
	case err != nil:
		if !apierrors.IsConflict(err) {
			klog.FromContext(ctx).Error(err, l.Failed, l.KeyName, key)
		}
		l.Queue.AddRateLimited(key)
	case after > 0:
		l.Queue.Forget(key)
		l.Queue.AddAfter(key, after)
	default:
		l.Queue.Forget(key)
	}
	return true
}
