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

package framework

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// ResetLog wraps a BMC's handler (the simulator's) and notes when the BMC receives each
// ComputerSystem.Reset, per system path: what the power-latency measurements time.
type ResetLog struct {
	mu   sync.Mutex
	at   map[string][]time.Time
	next http.Handler
}

// NewResetLog wraps next.
func NewResetLog(next http.Handler) *ResetLog {
	return &ResetLog{at: map[string][]time.Time{}, next: next}
}

func (l *ResetLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Actions/ComputerSystem.Reset") {
		sys := strings.TrimSuffix(r.URL.Path, "/Actions/ComputerSystem.Reset")
		l.mu.Lock()
		l.at[sys] = append(l.at[sys], time.Now())
		l.mu.Unlock()
	}
	l.next.ServeHTTP(w, r)
}

// Count is how many resets the system (e.g. /redfish/v1/Systems/1) received.
func (l *ResetLog) Count(system string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.at[system])
}

// At is when the system received its i-th reset (from 0).
func (l *ResetLog) At(system string, i int) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.at[system][i]
}
