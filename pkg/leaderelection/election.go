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

// Package leaderelection elects one replica of the server to run the reconciler, on the
// server's own etcd: every replica already has it, and it needs no kube-apiserver (so it works
// standalone too). It uses etcd's concurrency sessions: the leader's lease expires when it
// dies, and a standby's campaign then wins.
package leaderelection

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
)

// Config says where and as whom to campaign.
type Config struct {
	Client *clientv3.Client
	// Key is the election's etcd key prefix.
	Key string
	// Identity names this replica in the election (hostname and process).
	Identity string
	// TTL is how long a dead leader keeps the lead.
	TTL time.Duration
}

// Run campaigns until ctx is cancelled. Whenever this replica leads, it calls lead with a
// context that is cancelled when the lead is lost; lead must return soon after that.
func Run(ctx context.Context, cfg Config, lead func(ctx context.Context)) {
	logger := klog.FromContext(ctx).WithValues("election", cfg.Key, "identity", cfg.Identity)
	ttl := int(cfg.TTL.Seconds())
	if ttl < 1 {
		ttl = 15
	}
	// Campaign errors (etcd unreachable) are retried with capped backoff until ctx ends.
	backoff := wait.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 8, Cap: 15 * time.Second}
	for ctx.Err() == nil {
		err := runOnce(ctx, cfg, ttl, logger, lead)
		if ctx.Err() != nil {
			return
		}
		delay := backoff.Step()
		logger.Error(err, "Leader election interrupted; campaigning again", "after", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}

func runOnce(ctx context.Context, cfg Config, ttl int, logger klog.Logger, lead func(ctx context.Context)) error {
	session, err := concurrency.NewSession(cfg.Client, concurrency.WithTTL(ttl), concurrency.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("creating etcd session: %w", err)
	}
	defer session.Close()
	election := concurrency.NewElection(session, cfg.Key)
	if err := election.Campaign(ctx, cfg.Identity); err != nil {
		return fmt.Errorf("campaigning: %w", err)
	}
	logger.Info("Became leader")
	leadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-session.Done():
			logger.Info("Lost the lead: etcd session expired")
			cancel()
		case <-leadCtx.Done():
		}
	}()
	lead(leadCtx)
	// Resign so a standby takes over at once instead of after the TTL.
	resignCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = election.Resign(resignCtx)
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("lead ended")
}
