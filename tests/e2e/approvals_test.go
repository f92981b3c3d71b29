package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/approval"
)

type hookReceiver struct {
	mu     sync.Mutex
	bodies [][]byte
	sigOK  bool
}

func approvalConfig(hookURL, storeDir string) string {
	return `
listen: {{LISTEN}}
policy:
  default: allow
approvals:
  timeout: 3s
  webhook: {url: ` + hookURL + `, secret: "env:HOOK_SECRET"}
servers:
  demo:
    command: "@self"
    args: ["demo-server", "--name", "demo"]
    tools:
      get_env: {impact: high}
audit:
  file: audit.jsonl
store:
  path: ` + filepath.Join(storeDir, "gateway.db") + `
`
}

func approvalsList(t *testing.T, cfg string, all bool) []approval.Request {
	t.Helper()
	args := []string{"approvals", "list", "--format", "json", "--config", cfg}
	if all {
		args = append(args, "--all")
	}
	out, err := exec.Command(binPath, args...).Output()
	if err != nil {
		t.Fatalf("approvals list: %v", err)
	}
	var reqs []approval.Request
	if err := json.Unmarshal(out, &reqs); err != nil {
		t.Fatalf("approvals list output: %v\n%s", err, out)
	}
	return reqs
}

func waitPending(t *testing.T, cfg string) approval.Request {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if reqs := approvalsList(t, cfg, false); len(reqs) > 0 {
			return reqs[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no pending approval appeared")
	return approval.Request{}
}

// TestApprovalFlow: a high-impact call (by configuration, or by its name:
// delete_item) is held; approved from the CLI, its result arrives; one
// nobody decides is denied at the timeout; a webhook announces each,
// signed; a restart while a call is held ends it in denial.
func TestApprovalFlow(t *testing.T) {
	rec := &hookReceiver{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.bodies = append(rec.bodies, b)
		rec.sigOK = r.Header.Get("X-Mcpwarden-Signature") == approval.Sign("hook-secret", b)
		rec.mu.Unlock()
	}))
	defer hook.Close()
	storeDir := t.TempDir()
	g := startGateway(t, approvalConfig(hook.URL, storeDir), "HOOK_SECRET=hook-secret")
	cfgPath := filepath.Join(g.Dir, "mcpwarden.yaml")
	cs := connect(t, g.URL, nil)

	// 1. Held, approved from the CLI: the result arrives.
	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__delete_item", Arguments: map[string]any{"id": "42"}})
		if err == nil && res.IsError {
			err = &toolError{textOf(res)}
		}
		r := result{err: err}
		if res != nil {
			r.text = textOf(res)
		}
		done <- r
	}()
	p := waitPending(t, cfgPath)
	if p.Server != "demo" || p.Tool != "delete_item" || p.Impact != "high" || !strings.Contains(string(p.Arguments), "42") {
		t.Fatalf("pending request %+v", p)
	}
	out, err := exec.Command(binPath, "approvals", "approve", p.ID, "--reason", "ticket 7", "--config", cfgPath).CombinedOutput()
	if err != nil {
		t.Fatalf("approve: %v %s", err, out)
	}
	r := <-done
	if r.err != nil || r.text != "deleted 42" {
		t.Fatalf("approved call: %v %q", r.err, r.text)
	}
	// Deciding twice is refused.
	if out, err := exec.Command(binPath, "approvals", "deny", p.ID, "--config", cfgPath).CombinedOutput(); err == nil {
		t.Fatalf("a second decision was accepted: %s", out)
	}

	// 2. Nobody decides: denied at the timeout.
	start := time.Now()
	_, err = callEv(t, cs, "demo__get_env", map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("undecided call: %v", err)
	}
	if time.Since(start) < 2*time.Second {
		t.Fatalf("denied after %v, before the 3s timeout", time.Since(start))
	}

	// The webhook announced both, signed.
	rec.mu.Lock()
	n, ok := len(rec.bodies), rec.sigOK
	rec.mu.Unlock()
	if n < 2 || !ok {
		t.Fatalf("webhook: %d notifications, signature ok %v", n, ok)
	}

	// 3. A restart while a call is held: the request ends in denial.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__get_env", Arguments: map[string]any{}})
		done <- result{err: err}
	}()
	p = waitPending(t, cfgPath)
	_ = g.cmd.Process.Signal(os.Interrupt)
	_ = g.cmd.Wait()
	if r := <-done; r.err == nil {
		t.Fatal("the held call succeeded although the gateway stopped")
	}
	g2 := startGateway(t, approvalConfig(hook.URL, storeDir), "HOOK_SECRET=hook-secret")
	_ = g2
	for _, req := range approvalsList(t, cfgPath, true) {
		if req.ID == p.ID {
			if req.Decision == approval.Approved || req.DecidedAt == nil {
				t.Fatalf("after the restart the held request is %+v", req)
			}
			return
		}
	}
	t.Fatalf("request %s not found after the restart", p.ID)
}

// TestApprovalAdminAPI: the admin API (own listener, bearer token) lists
// held calls and decides them; a wrong token is refused.
func TestApprovalAdminAPI(t *testing.T) {
	adminAddr := freeAddr(t)
	g := startGateway(t, `
listen: {{LISTEN}}
policy:
  default: allow
approvals:
  timeout: 20s
  admin: {listen: `+adminAddr+`, token: "env:ADMIN_TOKEN"}
servers:
  demo:
    command: "@self"
    args: ["demo-server", "--name", "demo"]
audit:
  file: audit.jsonl
store:
  path: gateway.db
`, "ADMIN_TOKEN=admin-secret-token")
	cs := connect(t, g.URL, nil)
	done := make(chan error, 1)
	go func() {
		_, err := callEv(t, cs, "demo__delete_item", map[string]any{"id": "7"})
		done <- err
	}()
	api := "http://" + adminAddr + "/v1/approvals"
	get := func(tok string) (int, []approval.Request) {
		req, _ := http.NewRequest("GET", api, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out []approval.Request
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if st, _ := get("wrong"); st != 401 {
		t.Fatalf("wrong token: %d", st)
	}
	var pending []approval.Request
	deadline := time.Now().Add(10 * time.Second)
	for len(pending) == 0 && time.Now().Before(deadline) {
		_, pending = get("admin-secret-token")
		time.Sleep(100 * time.Millisecond)
	}
	if len(pending) == 0 {
		t.Fatal("nothing pending")
	}
	req, _ := http.NewRequest("POST", api+"/"+pending[0].ID+"/deny", strings.NewReader(`{"reviewer":"sec-oncall","reason":"no deletes on Friday"}`))
	req.Header.Set("Authorization", "Bearer admin-secret-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("deny: %d", resp.StatusCode)
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "no deletes on Friday") {
		t.Fatalf("denied call: %v", err)
	}
}

// TestApprovalByElicitation: where the policy allows self-approval, the
// requesting user is asked in their client (MCP elicitation); their answer
// decides (approve runs the call, decline denies it).
func TestApprovalByElicitation(t *testing.T) {
	g := startGateway(t, `
listen: {{LISTEN}}
policy:
  default: allow
approvals:
  timeout: 20s
  allow_self_approval: true
servers:
  demo:
    command: "@self"
    args: ["demo-server", "--name", "demo"]
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	var asked []string
	var mu sync.Mutex
	answer := "accept"
	cs := connect(t, g.URL, &mcp.ClientOptions{ElicitationHandler: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, r.Params.Message)
		if answer == "accept" {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"approve": true}}, nil
		}
		return &mcp.ElicitResult{Action: "decline"}, nil
	}})
	if out, err := callEv(t, cs, "demo__delete_item", map[string]any{"id": "9"}); err != nil || out != "deleted 9" {
		t.Fatalf("approved in the client: %v %q", err, out)
	}
	mu.Lock()
	answer = "decline"
	mu.Unlock()
	if _, err := callEv(t, cs, "demo__delete_item", map[string]any{"id": "10"}); err == nil || !strings.Contains(err.Error(), "denied") {
		t.Fatalf("declined in the client: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 || !strings.Contains(asked[0], "delete_item") || !strings.Contains(asked[0], `"id":"9"`) {
		t.Fatalf("elicitations: %q", asked)
	}
}

// heldThenApproved calls tool (the demo-style wipe: {"text":"sda"}) in the
// background, checks it is held for approval as server/name and has not
// returned, approves it with `mcpwarden approvals approve`, and checks it
// then runs.
func heldThenApproved(t *testing.T, g *gatewayProc, cs *mcp.ClientSession, tool, server, name string) {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		out, err := callEv(t, cs, tool, map[string]any{"text": "sda"})
		done <- fmt.Sprint(out, err)
	}()
	cfgPath := filepath.Join(g.Dir, "mcpwarden.yaml")
	p := waitPending(t, cfgPath)
	if p.Server != server || p.Tool != name {
		t.Fatalf("pending %+v", p)
	}
	select {
	case r := <-done:
		t.Fatalf("the held call returned before approval: %s", r)
	default:
	}
	if out, err := exec.Command(binPath, "approvals", "approve", p.ID, "--config", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("approve: %v %s", err, out)
	}
	if r := <-done; r != "wiped sda<nil>" {
		t.Fatalf("approved call: %s", r)
	}
}
