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

package redfish

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	taskServicePath  = "/redfish/v1/TaskService"
	tasksPath        = taskServicePath + "/Tasks"
	taskMonitorsPath = taskServicePath + "/TaskMonitors"
	// maxTasks bounds the finished tasks kept for clients to read.
	maxTasks = 1024
)

// task is an asynchronous action. Its timing is fixed when it starts; its
// state and effect are applied by the owning system's event queue (or, for a
// firmware update, by its download finishing), so they are guarded by that
// system's lock.
type task struct {
	id     string
	sys    *System
	name   string
	method string
	target string
	// jsonBody is the request body as the task's Payload shows it, without
	// passwords; empty when there was none.
	jsonBody string
	start    time.Time
	doneAt   time.Time

	state    string // Running, Completed or Exception
	status   string // OK, or Critical for a task that failed
	messages []message
	end      time.Time
}

const (
	taskRunning   = "Running"
	taskCompleted = "Completed"
	taskException = "Exception"
)

// finished reports a task in a final state; the caller holds t.sys's lock.
func (t *task) finished() bool { return t.state == taskCompleted || t.state == taskException }

// complete ends the task successfully with msgs (Success when none).
func (t *task) complete(at time.Time, msgs ...message) {
	t.state, t.status, t.end, t.messages = taskCompleted, "OK", at, msgs
}

// fail ends the task with an exception: TaskState Exception, TaskStatus
// Critical, msgs saying why.
func (t *task) fail(at time.Time, msgs ...message) {
	t.state, t.status, t.end, t.messages = taskException, "Critical", at, msgs
}

type taskStore struct {
	mu    sync.Mutex
	next  int
	byID  map[string]*task
	order []*task
}

func newTaskStore() *taskStore { return &taskStore{byID: map[string]*task{}} }

// add registers a running task expected to be done at doneAt; whoever
// created it ends it with complete or fail. The caller holds sys's lock.
func (ts *taskStore) add(sys *System, name string, c *call, now, doneAt time.Time) *task {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.next++
	t := &task{
		id: strconv.Itoa(ts.next), sys: sys, name: name, method: c.r.Method, target: c.path,
		jsonBody: payloadBody(c.body), start: now, doneAt: doneAt, state: taskRunning, status: "OK",
	}
	ts.byID[t.id] = t
	ts.order = append(ts.order, t)
	ts.pruneLocked(now)
	return t
}

// start registers a task that completes at doneAt, running effect then.
// The caller holds sys's lock.
func (ts *taskStore) start(sys *System, name string, c *call, now, doneAt time.Time, effect func(time.Time)) *task {
	t := ts.add(sys, name, c, now, doneAt)
	sys.schedule(doneAt, false, func(at time.Time) {
		if effect != nil {
			effect(at)
		}
		t.complete(at)
	})
	sys.advance(now)
	return t
}

// payloadBody is a request body for a task's Payload.JsonBody, compacted and
// without the passwords some actions take (SimpleUpdate's and InsertMedia's
// Password, or one in an image URL): a task is readable by every client of
// the system.
func payloadBody(b []byte) string {
	var m map[string]any
	if len(bytes.TrimSpace(b)) == 0 || json.Unmarshal(b, &m) != nil {
		return ""
	}
	for k, v := range m {
		if strings.EqualFold(k, "Password") {
			delete(m, k)
			continue
		}
		if str, ok := v.(string); ok {
			if u, err := url.Parse(str); err == nil && u.User != nil {
				m[k] = u.Redacted()
			}
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return string(out)
}

// pruneLocked forgets the oldest finished tasks beyond maxTasks.
func (ts *taskStore) pruneLocked(now time.Time) {
	for len(ts.order) > maxTasks && ts.order[0].doneAt.Before(now) {
		delete(ts.byID, ts.order[0].id)
		ts.order = ts.order[1:]
	}
}

func (ts *taskStore) get(id string) *task {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.byID[id]
}

func (ts *taskStore) all() []*task {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]*task(nil), ts.order...)
}

// object renders the task; the caller holds t.sys's lock.
func (t *task) object(now time.Time) obj {
	payload := obj{"HttpOperation": t.method, "TargetUri": t.target, "HttpHeaders": []string{}}
	if t.jsonBody != "" {
		payload["JsonBody"] = t.jsonBody
	}
	o := obj{
		"@odata.id":   tasksPath + "/" + t.id,
		"@odata.type": "#Task.v1_6_0.Task",
		"Id":          t.id,
		"Name":        t.name,
		"TaskState":   t.state,
		"TaskStatus":  t.status,
		"StartTime":   redfishTime(t.start),
		"TaskMonitor": taskMonitorsPath + "/" + t.id,
		"Payload":     payload,
		"Messages":    []obj{},
	}
	if t.finished() {
		o["EndTime"] = redfishTime(t.end)
		o["PercentComplete"] = 100
		msgs := t.messages
		if len(msgs) == 0 && t.state == taskCompleted {
			msgs = []message{msgSuccess()}
		}
		objs := make([]obj, 0, len(msgs))
		for _, m := range msgs {
			objs = append(objs, m.object())
		}
		o["Messages"] = objs
	} else {
		total := t.doneAt.Sub(t.start)
		pct := 0
		if total > 0 {
			pct = int(99 * float64(now.Sub(t.start)) / float64(total))
		}
		o["PercentComplete"] = min(max(pct, 0), 99)
	}
	return o
}

// accepted answers an asynchronous action: 202, the monitor in Location,
// the task in the body (gofish reads it from there).
func (c *call) accepted(t *task) {
	now := t.sys.lock()
	o := t.object(now)
	running := !t.finished()
	t.sys.mu.Unlock()
	h := c.w.Header()
	h.Set("Location", taskMonitorsPath+"/"+t.id)
	if running {
		setRetryAfter(h, now, t.doneAt)
	}
	writeJSON(c.w, http.StatusAccepted, o, "")
}

// setRetryAfter advertises when the task will be done, as an HTTP date
// rounded up: sushy 4.x sleeps on a numeric Retry-After as a string and
// fails, gofish would busy-loop on "0". Short tasks get no header, so that
// clients poll at their own pace.
func setRetryAfter(h http.Header, now, doneAt time.Time) {
	if doneAt.Sub(now) >= time.Second {
		h.Set("Retry-After", doneAt.Truncate(time.Second).Add(time.Second).UTC().Format(http.TimeFormat))
	}
}

func (sim *Simulator) taskRoute(segs []string) (route, bool) {
	n := len(segs)
	switch {
	case n == 0:
		return route{get: sim.getTaskService}, true
	case n == 1 && segs[0] == "Tasks":
		return route{get: sim.getTasks}, true
	case n == 2 && (segs[0] == "Tasks" || segs[0] == "TaskMonitors"):
		t := sim.tasks.get(segs[1])
		if t == nil {
			return route{}, false
		}
		if segs[0] == "Tasks" {
			return route{sys: t.sys, get: func(c *call) { sim.getTask(c, t) }}, true
		}
		return route{sys: t.sys, get: func(c *call) { sim.getTaskMonitor(c, t) }}, true
	}
	return route{}, false
}

func (sim *Simulator) getTaskService(c *call) {
	c.resource(obj{
		"@odata.id":                       taskServicePath,
		"@odata.type":                     "#TaskService.v1_2_0.TaskService",
		"Id":                              "TaskService",
		"Name":                            "Task Service",
		"ServiceEnabled":                  true,
		"DateTime":                        redfishTime(c.now),
		"CompletedTaskOverWritePolicy":    "Oldest",
		"LifeCycleEventOnTaskStateChange": false,
		"Status":                          statusOK(),
		"Tasks":                           link(tasksPath),
	})
}

func (sim *Simulator) getTasks(c *call) {
	var members []string
	for _, t := range sim.tasks.all() {
		if c.who.grants(t.sys) {
			members = append(members, tasksPath+"/"+t.id)
		}
	}
	c.resource(collection(tasksPath, "TaskCollection", "Task Collection", members))
}

// getTask serves the task resource. While the task runs it answers 202 like
// its monitor, as iDRAC's job URIs do: sushy takes the task's @odata.id from
// the action's 202 body and polls it as the monitor. gofish treats 202 as
// success, so it reads the task either way.
func (sim *Simulator) getTask(c *call, t *task) {
	now := t.sys.lock()
	o := t.object(now)
	running := !t.finished()
	t.sys.mu.Unlock()
	if !running {
		c.resource(o)
		return
	}
	setRetryAfter(c.w.Header(), now, t.doneAt)
	c.writeJSON(http.StatusAccepted, o)
}

// getTaskMonitor answers 202 while the task runs and 200 with the finished
// task afterwards.
func (sim *Simulator) getTaskMonitor(c *call, t *task) {
	now := t.sys.lock()
	o := t.object(now)
	running := !t.finished()
	t.sys.mu.Unlock()
	if !running {
		c.writeJSON(http.StatusOK, o)
		return
	}
	c.w.Header().Set("Location", taskMonitorsPath+"/"+t.id)
	setRetryAfter(c.w.Header(), now, t.doneAt)
	c.writeJSON(http.StatusAccepted, o)
}
