package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// taskConfig holds echo (medium impact) and get_env (high) for approval.
func taskConfig(storeDir string) string {
	return `
listen: {{LISTEN}}
policy:
  default: allow
approvals:
  timeout: 20s
servers:
  demo:
    command: "@self"
    args: ["demo-server", "--name", "demo"]
    tools:
      echo: {impact: medium}
      get_env: {impact: high}
audit:
  file: audit.jsonl
store:
  path: ` + filepath.Join(storeDir, "gateway.db") + `
`
}

// TestApprovalAsTask: a held call made as an MCP task (2025-11-25 tasks)
// does not keep the client waiting: the client gets a task at once, polls
// it while a human decides, and takes the result (or the refusal) when the
// approval is decided. The client is the TypeScript SDK's experimental
// tasks API (callToolStream), then raw requests for the paths it hides.
func TestApprovalAsTask(t *testing.T) {
	g := startGateway(t, taskConfig(t.TempDir()))
	cfgPath := filepath.Join(g.Dir, "mcpwarden.yaml")

	// 1. The TypeScript SDK: a medium-impact call as a task, approved.
	type tsOut struct {
		res *tsResult
		err error
		raw string
	}
	done := make(chan tsOut, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		ops := `[{"op":"listTools"},{"op":"callToolTask","name":"demo__echo","arguments":{"message":"hello task"},"ttl":60000}]`
		cmd := exec.CommandContext(ctx, "node", filepath.Join(npmDir(t), "client.mjs"), "--ops", ops, "--timeout", "60000", "--http", g.URL)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var r tsResult
		if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil && err == nil {
			err = jerr
		}
		done <- tsOut{res: &r, err: err, raw: out.String() + "\n" + tail(errb.String(), 20)}
	}()
	p := waitPending(t, cfgPath)
	if p.Tool != "echo" || p.Impact != "medium" {
		t.Fatalf("pending %+v", p)
	}
	if out, err := exec.Command(binPath, "approvals", "approve", p.ID, "--reason", "fine", "--config", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("approve: %v %s", err, out)
	}
	o := <-done
	if o.err != nil {
		t.Fatalf("client: %v\n%s", o.err, o.raw)
	}
	r := o.res
	if _, ok := r.Capabilities["tasks"]; !ok {
		t.Fatalf("the gateway does not declare tasks: %v", r.Capabilities)
	}
	var lt struct {
		Tools []struct {
			Name      string `json:"name"`
			Execution struct {
				TaskSupport string `json:"taskSupport"`
			} `json:"execution"`
		} `json:"tools"`
	}
	_ = json.Unmarshal(r.Results[0].Result, &lt)
	for _, tl := range lt.Tools {
		if tl.Execution.TaskSupport != "optional" {
			t.Errorf("tool %s: taskSupport %q", tl.Name, tl.Execution.TaskSupport)
		}
	}
	var ev struct {
		Events []struct {
			Type string `json:"type"`
			Task struct {
				TaskID string `json:"taskId"`
				Status string `json:"status"`
			} `json:"task"`
			Result struct {
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
				Meta map[string]map[string]string `json:"_meta"`
			} `json:"result"`
		} `json:"events"`
	}
	if !r.Results[1].OK {
		t.Fatalf("callToolTask: %+v", r.Results[1].Error)
	}
	_ = json.Unmarshal(r.Results[1].Result, &ev)
	if len(ev.Events) < 3 || ev.Events[0].Type != "taskCreated" || ev.Events[0].Task.Status != "working" {
		t.Fatalf("events: %s", r.Results[1].Result)
	}
	last := ev.Events[len(ev.Events)-1]
	if last.Type != "result" || len(last.Result.Content) == 0 || last.Result.Content[0].Text != "hello task" ||
		last.Result.Meta["io.modelcontextprotocol/related-task"]["taskId"] != ev.Events[0].Task.TaskID {
		t.Fatalf("last event: %s", r.Results[1].Result)
	}

	// 2. Raw: a high-impact call as a task, denied; the task fails and
	// tasks/result carries the refusal.
	c := &rawClient{t: t, url: g.URL}
	c.initialize()
	taskOf := func(body string) (id, status, msg string) {
		t.Helper()
		var res struct {
			Result struct {
				Task *struct {
					TaskID        string `json:"taskId"`
					Status        string `json:"status"`
					StatusMessage string `json:"statusMessage"`
				} `json:"task"`
				TaskID        string `json:"taskId"`
				Status        string `json:"status"`
				StatusMessage string `json:"statusMessage"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if res.Result.Task != nil {
			return res.Result.Task.TaskID, res.Result.Task.Status, res.Result.Task.StatusMessage
		}
		return res.Result.TaskID, res.Result.Status, res.Result.StatusMessage
	}
	start := time.Now()
	st, _, body := c.do("POST", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"demo__get_env","arguments":{},"task":{"ttl":60000}}}`, nil)
	id, status, _ := taskOf(body)
	if st != 200 || id == "" || status != "working" || time.Since(start) > 5*time.Second {
		t.Fatalf("task creation: %d %s", st, body)
	}
	p = waitPending(t, cfgPath)
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":3,"method":"tasks/get","params":{"taskId":"`+id+`"}}`, nil)
	if _, status, msg := taskOf(body); status != "working" || !strings.Contains(msg, p.ID) {
		t.Fatalf("tasks/get while held: %s", body)
	}
	if out, err := exec.Command(binPath, "approvals", "deny", p.ID, "--reason", "not today", "--config", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("deny: %v %s", err, out)
	}
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":4,"method":"tasks/result","params":{"taskId":"`+id+`"}}`, nil)
	if rr := decodeRPC(t, body); rr.Error == nil || rr.Error.Code != -32014 || !strings.Contains(rr.Error.Message, "not today") {
		t.Fatalf("tasks/result of a denied call: %s", body)
	}
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":5,"method":"tasks/get","params":{"taskId":"`+id+`"}}`, nil)
	if _, status, _ := taskOf(body); status != "failed" {
		t.Fatalf("tasks/get after the denial: %s", body)
	}

	// 3. Cancelled while held: the approval ends, the task stays cancelled.
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"demo__echo","arguments":{"message":"x"},"task":{}}}`, nil)
	id2, _, _ := taskOf(body)
	p2 := waitPending(t, cfgPath)
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":7,"method":"tasks/cancel","params":{"taskId":"`+id2+`"}}`, nil)
	if _, status, _ := taskOf(body); status != "cancelled" {
		t.Fatalf("tasks/cancel: %s", body)
	}
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":8,"method":"tasks/cancel","params":{"taskId":"`+id2+`"}}`, nil)
	if code := errCode(t, body); code != -32602 {
		t.Fatalf("cancelling a cancelled task: %s", body)
	}
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":9,"method":"tasks/result","params":{"taskId":"`+id2+`"}}`, nil)
	if code := errCode(t, body); code != -32018 {
		t.Fatalf("tasks/result of a cancelled task: %s", body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		decided := false
		for _, req := range approvalsList(t, cfgPath, true) {
			if req.ID == p2.ID && req.DecidedAt != nil {
				if req.Decision == "approved" {
					t.Fatalf("a cancelled task's approval was approved: %+v", req)
				}
				decided = true
			}
		}
		if decided {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled task's approval %s is still pending", p2.ID)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// 4. The benign twin: a low-impact tool as a task runs at once.
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"demo__add","arguments":{"a":2,"b":3},"task":{"ttl":1000}}}`, nil)
	id3, _, _ := taskOf(body)
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":11,"method":"tasks/result","params":{"taskId":"`+id3+`"}}`, nil)
	if rr := decodeRPC(t, body); rr.Error != nil || !strings.Contains(body, "5") || !strings.Contains(body, id3) {
		t.Fatalf("tasks/result of a low-impact call: %s", body)
	}
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":12,"method":"tasks/list","params":{}}`, nil)
	for _, want := range []string{id, id2, id3} {
		if !strings.Contains(body, want) {
			t.Fatalf("tasks/list misses %s: %s", want, body)
		}
	}
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":13,"method":"tasks/get","params":{"taskId":"task-nope"}}`, nil)
	if code := errCode(t, body); code != -32602 {
		t.Fatalf("an unknown task: %s", body)
	}
}
