package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// Tasks (MCP 2025-11-25, basic/utilities/tasks, experimental): where
// approvals are configured the gateway is a task receiver for tools/call.
// A task-augmented call is answered at once with a CreateTaskResult; the
// call itself (every guard, the hold for a human's decision, the upstream
// call) runs in the background, and the client polls tasks/get and takes
// the result with tasks/result. A medium- or high-impact call thus waits
// for its approval without holding the client's request open. The
// upstream sees an ordinary tools/call: the task is the gateway's.

const (
	taskWorking   = "working"
	taskCompleted = "completed"
	taskFailed    = "failed"
	taskCancelled = "cancelled"

	// taskDefaultTTL is kept when the client asks for none; taskMaxTTL
	// bounds what it may ask for.
	taskDefaultTTL = time.Hour
	taskMaxTTL     = 24 * time.Hour
	// taskPollInterval is the polling interval suggested to clients.
	taskPollInterval = 2 * time.Second
	// maxTasksPerSession bounds the tasks one session keeps (running and
	// finished); the oldest finished ones are dropped first.
	maxTasksPerSession = 100
	// relatedTaskKey is the _meta key that ties messages to a task.
	relatedTaskKey = "io.modelcontextprotocol/related-task"
)

type task struct {
	id      string
	created time.Time
	ttl     time.Duration
	done    chan struct{} // closed when the status is terminal
	cancel  context.CancelCauseFunc

	mu      sync.Mutex
	status  string
	message string
	updated time.Time
	resp    []byte // the underlying call's response (its id is replaced)
}

// taskStatusKey carries a function through a task's context that the call
// path uses to say what the task is waiting for (a held call's approval).
type taskStatusKey struct{}

// setTaskStatus updates the status message of the task ctx belongs to, if any.
func setTaskStatus(ctx context.Context, msg string) {
	if f, ok := ctx.Value(taskStatusKey{}).(func(string)); ok {
		f(msg)
	}
}

// view is the Task object of the protocol.
func (t *task) view() map[string]any {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := map[string]any{
		"taskId":        t.id,
		"status":        t.status,
		"createdAt":     t.created.UTC().Format(time.RFC3339Nano),
		"lastUpdatedAt": t.updated.UTC().Format(time.RFC3339Nano),
		"ttl":           t.ttl.Milliseconds(),
	}
	if t.message != "" {
		v["statusMessage"] = t.message
	}
	if t.status == taskWorking {
		v["pollInterval"] = taskPollInterval.Milliseconds()
	}
	return v
}

func (t *task) terminal() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status != taskWorking
}

// finish records the call's response and its terminal status, unless the
// task was cancelled first (a cancelled task stays cancelled).
func (t *task) finish(resp []byte) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.status != taskWorking {
		return false
	}
	t.resp = resp
	t.status, t.message = taskCompleted, ""
	if e := jsonrpc.Field(resp, "error"); e != nil {
		t.status = taskFailed
		if msg, ok := jsonrpc.StringField(e, "message"); ok {
			t.message = msg
		}
	} else if string(jsonrpc.Field(jsonrpc.Field(resp, "result"), "isError")) == "true" {
		t.status = taskFailed
		t.message = "the tool reported an error"
	}
	t.updated = time.Now()
	close(t.done)
	return true
}

// tasksEnabled says whether the gateway takes task-augmented tool calls.
func (g *Gateway) tasksEnabled() bool { return g.approvals != nil }

// tasksCapability is what the gateway declares when tasksEnabled.
func tasksCapability() map[string]any {
	return map[string]any{"list": map[string]any{}, "cancel": map[string]any{},
		"requests": map[string]any{"tools": map[string]any{"call": map[string]any{}}}}
}

// withTaskSupport marks a listed tool as callable as a task (where the
// upstream did not say; "required" is left as the upstream says it).
func withTaskSupport(item json.RawMessage) json.RawMessage {
	exec := jsonrpc.Field(item, "execution")
	if exec != nil && string(exec) != "null" {
		if ts, ok := jsonrpc.StringField(exec, "taskSupport"); ok && ts != "forbidden" {
			return item
		}
		if exec[0] == '{' {
			if e, err := jsonrpc.SetField(exec, "taskSupport", "optional"); err == nil {
				if out, err := jsonrpc.SetField(item, "execution", e); err == nil {
					return out
				}
			}
			return item
		}
	}
	if out, err := jsonrpc.SetField(item, "execution", map[string]any{"taskSupport": "optional"}); err == nil {
		return out
	}
	return item
}

// startTask takes a task-augmented tools/call: it answers with the new
// task and runs the call in the background.
func (s *Session) startTask(ctx context.Context, m *jsonrpc.Message) []byte {
	spec := jsonrpc.Field(m.Params, "task")
	if len(spec) == 0 || spec[0] != '{' {
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "tools/call: params.task must be an object"))
	}
	ttl := taskDefaultTTL
	if raw := jsonrpc.Field(spec, "ttl"); raw != nil && string(raw) != "null" {
		var ms float64
		if err := json.Unmarshal(raw, &ms); err != nil || ms < 0 {
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "tools/call: params.task.ttl must be a number of milliseconds"))
		}
		if ms > 0 {
			ttl = min(time.Duration(ms)*time.Millisecond, taskMaxTTL)
		}
	}
	if a := s.g.approvals; a != nil && ttl < a.Timeout+time.Minute {
		ttl = a.Timeout + time.Minute // long enough to see the decision
	}
	params, err := jsonrpc.DeleteField(m.Params, "task")
	if err != nil {
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "tools/call: %v", err))
	}
	raw, err := jsonrpc.Rewrite(m, nil, params)
	if err != nil {
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "tools/call: %v", err))
	}
	inner := *m
	inner.Raw, inner.Params = raw, params

	now := time.Now()
	t := &task{id: "task-" + newSessionID(), created: now, updated: now, ttl: ttl, done: make(chan struct{}), status: taskWorking}
	// The call outlives the request that started it, keeping its values
	// (the principal); tasks/cancel or the session's end cancels it.
	bctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	t.cancel = cancel
	bctx = context.WithValue(bctx, taskStatusKey{}, func(msg string) {
		t.mu.Lock()
		if t.status == taskWorking {
			t.message, t.updated = msg, time.Now()
		}
		t.mu.Unlock()
	})
	if err := s.addTask(t); err != nil {
		cancel(nil)
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidRequest, "%v", err))
	}
	go func() {
		defer cancel(nil)
		var resp []byte
		func() {
			defer func() {
				if r := recover(); r != nil {
					s.g.log.Error("panic in a task", "session", s.id, "task", t.id, "panic", r)
					resp = jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInternalError, "internal error running the task"))
				}
			}()
			resp = s.call(bctx, &inner, s.out)
		}()
		if t.finish(resp) {
			s.notifyTask(t)
		}
	}()
	return jsonrpc.NewResult(m.ID, map[string]any{
		"task": t.view(),
		"_meta": map[string]any{"io.modelcontextprotocol/model-immediate-response": "The call was accepted as task " + t.id +
			"; its result follows when it is done (a held call waits for a human's approval)."},
	})
}

// notifyTask tells the client a task's status changed (optional in the
// protocol; clients poll).
func (s *Session) notifyTask(t *task) {
	if s.out != nil {
		_ = s.out.Send(jsonrpc.NewNotification("notifications/tasks/status", t.view()))
	}
}

func (s *Session) addTask(t *task) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("session is closed")
	}
	if s.tasks == nil {
		s.tasks = map[string]*task{}
	}
	s.expireTasksLocked(time.Now())
	if len(s.tasks) >= maxTasksPerSession {
		// Drop the oldest finished task; refuse when all are running.
		var oldest *task
		for _, o := range s.tasks {
			if o.terminal() && (oldest == nil || o.created.Before(oldest.created)) {
				oldest = o
			}
		}
		if oldest == nil {
			return fmt.Errorf("too many tasks running in this session (%d)", maxTasksPerSession)
		}
		delete(s.tasks, oldest.id)
	}
	s.tasks[t.id] = t
	return nil
}

// expireTasksLocked drops tasks past their ttl; one still running is cancelled.
func (s *Session) expireTasksLocked(now time.Time) {
	for id, t := range s.tasks {
		if now.Sub(t.created) > t.ttl {
			t.cancel(fmt.Errorf("task %s expired", id))
			delete(s.tasks, id)
		}
	}
}

func (s *Session) lookupTask(m *jsonrpc.Message) (*task, []byte) {
	id, ok := jsonrpc.StringField(m.Params, "taskId")
	if !ok || id == "" {
		return nil, jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "%s: params.taskId must be a string", m.Method))
	}
	s.mu.Lock()
	s.expireTasksLocked(time.Now())
	t := s.tasks[id]
	s.mu.Unlock()
	if t == nil {
		return nil, jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "Failed to retrieve task: task %q not found", id))
	}
	return t, nil
}

// handleTasks answers tasks/get, tasks/result, tasks/list and tasks/cancel.
func (s *Session) handleTasks(ctx context.Context, m *jsonrpc.Message) []byte {
	if m.Method == "tasks/list" {
		if c := jsonrpc.Field(m.Params, "cursor"); c != nil && string(c) != "null" {
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "tasks/list: unknown cursor"))
		}
		s.mu.Lock()
		s.expireTasksLocked(time.Now())
		list := make([]*task, 0, len(s.tasks))
		for _, t := range s.tasks {
			list = append(list, t)
		}
		s.mu.Unlock()
		sortTasks(list)
		views := make([]map[string]any, 0, len(list))
		for _, t := range list {
			views = append(views, t.view())
		}
		return jsonrpc.NewResult(m.ID, map[string]any{"tasks": views})
	}
	t, errResp := s.lookupTask(m)
	if t == nil {
		return errResp
	}
	switch m.Method {
	case "tasks/get":
		return jsonrpc.NewResult(m.ID, t.view())
	case "tasks/cancel":
		t.mu.Lock()
		if t.status != taskWorking {
			st := t.status
			t.mu.Unlock()
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "task %s is already %s", t.id, st))
		}
		t.status, t.message, t.updated = taskCancelled, "The task was cancelled by request.", time.Now()
		t.resp = jsonrpc.NewError(nil, jsonrpc.Errorf(jsonrpc.CodeCancelled, "the task was cancelled"))
		close(t.done)
		t.mu.Unlock()
		t.cancel(&cancelledError{reason: "tasks/cancel"})
		return jsonrpc.NewResult(m.ID, t.view())
	default: // tasks/result: blocks until the task is over
		select {
		case <-t.done:
		case <-ctx.Done():
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeCancelled, "tasks/result: %v", context.Cause(ctx)))
		}
		t.mu.Lock()
		resp := t.resp
		t.mu.Unlock()
		return taskResult(m.ID, t.id, resp)
	}
}

// taskResult is the underlying call's response under the tasks/result id,
// a result tagged with the task it belongs to.
func taskResult(id json.RawMessage, taskID string, resp []byte) []byte {
	var msg struct {
		Result json.RawMessage `json:"result"`
		Error  *jsonrpc.Error  `json:"error"`
	}
	if err := json.Unmarshal(resp, &msg); err != nil || (msg.Result == nil && msg.Error == nil) {
		return jsonrpc.NewError(id, jsonrpc.Errorf(jsonrpc.CodeInternalError, "the task's result could not be read"))
	}
	if msg.Error != nil {
		return jsonrpc.NewError(id, msg.Error)
	}
	meta := jsonrpc.Field(msg.Result, "_meta")
	if meta == nil || meta[0] != '{' {
		meta = json.RawMessage("{}")
	}
	meta, err := jsonrpc.SetField(meta, relatedTaskKey, map[string]any{"taskId": taskID})
	if err == nil {
		if r, err := jsonrpc.SetField(msg.Result, "_meta", meta); err == nil {
			msg.Result = r
		}
	}
	return jsonrpc.NewResult(id, msg.Result)
}

func sortTasks(ts []*task) {
	slices.SortFunc(ts, func(a, b *task) int { return a.created.Compare(b.created) })
}
