package gateway

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWithTaskSupport(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"name":"a"}`, `{"name":"a","execution":{"taskSupport":"optional"}}`},
		{`{"name":"a","execution":{"taskSupport":"required"}}`, `{"name":"a","execution":{"taskSupport":"required"}}`},
		{`{"name":"a","execution":{"taskSupport":"forbidden"}}`, `{"name":"a","execution":{"taskSupport":"optional"}}`},
		{`{"name":"a","execution":{}}`, `{"name":"a","execution":{"taskSupport":"optional"}}`},
		{`{"name":"a","execution":null}`, `{"name":"a","execution":{"taskSupport":"optional"}}`},
	} {
		if got := string(withTaskSupport(json.RawMessage(tc.in))); got != tc.want {
			t.Errorf("withTaskSupport(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestTaskFinishAndResult(t *testing.T) {
	mk := func() *task { return &task{id: "task-1", status: taskWorking, done: make(chan struct{})} }
	for _, tc := range []struct {
		resp, status, result string
	}{
		{`{"jsonrpc":"2.0","id":1,"result":{"content":[]}}`, taskCompleted, `{"jsonrpc":"2.0","id":9,"result":{"content":[],"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"task-1"}}}}`},
		{`{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true,"_meta":{"x":1}}}`, taskFailed, `{"jsonrpc":"2.0","id":9,"result":{"content":[],"isError":true,"_meta":{"x":1,"io.modelcontextprotocol/related-task":{"taskId":"task-1"}}}}`},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":-32014,"message":"denied by bob"}}`, taskFailed, `{"jsonrpc":"2.0","id":9,"error":{"code":-32014,"message":"denied by bob"}}`},
		{`not json`, taskCompleted, `"code":-32603`},
	} {
		tk := mk()
		if !tk.finish([]byte(tc.resp)) || tk.status != tc.status {
			t.Errorf("%s: status %s, want %s", tc.resp, tk.status, tc.status)
		}
		if tk.finish([]byte(tc.resp)) {
			t.Error("a task finished twice")
		}
		if got := string(taskResult(json.RawMessage("9"), tk.id, tk.resp)); !strings.Contains(got, tc.result) {
			t.Errorf("taskResult(%s) = %s, want %s", tc.resp, got, tc.result)
		}
	}
}
