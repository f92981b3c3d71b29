package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// npmDir is where the npm test dependencies live (installed by `make test`
// or `npm ci` there). A missing install fails the test loudly.
func npmDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(repoRoot(), "tests", "npm")
	if _, err := os.Stat(filepath.Join(d, "node_modules", "@modelcontextprotocol", "server-everything")); err != nil {
		t.Fatalf("npm test dependencies are not installed: run `npm ci` in tests/npm (make test does): %v", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is required for these tests: %v", err)
	}
	return d
}

func npmServer(t testing.TB, pkg string) string {
	return filepath.Join(npmDir(t), "node_modules", "@modelcontextprotocol", pkg, "dist", "index.js")
}

var listenLine = regexp.MustCompile(`mcpwarden-loopback: listening on (127\.0\.0\.1:\d+)`)

// startNodeHTTP runs an npm MCP server in an HTTP mode on 127.0.0.1 (the
// loopback preload forces the bind) and returns its address.
func startNodeHTTP(t testing.TB, script string, args ...string) string {
	t.Helper()
	dir := npmDir(t)
	cmd := exec.Command("node", append([]string{"--require", filepath.Join(dir, "loopback.cjs"), script}, args...)...)
	cmd.Env = append(os.Environ(), "PORT=0")
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	return startAndAwaitListen(t, cmd, stderr, listenLine, script)
}

// startAndAwaitListen starts cmd and returns the address the first stderr
// line matching re names (its first group); the process is killed at the
// end of the test.
func startAndAwaitListen(t testing.TB, cmd *exec.Cmd, stderr io.Reader, re *regexp.Regexp, what string) string {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start listening", what)
	}
	return ""
}

// tsResult is client.mjs's output.
type tsResult struct {
	ServerInfo      map[string]any `json:"serverInfo"`
	ProtocolVersion string         `json:"protocolVersion"`
	Capabilities    map[string]any `json:"capabilities"`
	Results         []struct {
		Op     string          `json:"op"`
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"results"`
	Error any `json:"error"`
}

// runTSClient runs the TypeScript SDK client with ops and transport args.
func runTSClient(t testing.TB, ops string, args ...string) *tsResult {
	t.Helper()
	dir := npmDir(t)
	full := append([]string{filepath.Join(dir, "client.mjs"), "--ops", ops, "--timeout", "20000"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var r tsResult
	if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil {
		t.Fatalf("client.mjs output is not JSON (%v, run err %v):\n%s\nstderr:\n%s", jerr, err, out.String(), tail(errb.String(), 30))
	}
	if err != nil {
		t.Fatalf("client.mjs failed: %v: %s\nstderr:\n%s", err, out.String(), tail(errb.String(), 30))
	}
	return &r
}

func (r *tsResult) toolNames(t testing.TB, i int) []string {
	t.Helper()
	var lt struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if !r.Results[i].OK {
		t.Fatalf("op %d (%s) failed: %+v", i, r.Results[i].Op, r.Results[i].Error)
	}
	_ = json.Unmarshal(r.Results[i].Result, &lt)
	var out []string
	for _, tl := range lt.Tools {
		out = append(out, tl.Name)
	}
	return out
}

func (r *tsResult) text(t testing.TB, i int) string {
	t.Helper()
	if !r.Results[i].OK {
		t.Fatalf("op %d (%s) failed: %+v", i, r.Results[i].Op, r.Results[i].Error)
	}
	var ct struct {
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
		Contents []struct {
			Text string `json:"text"`
		} `json:"contents"`
	}
	_ = json.Unmarshal(r.Results[i].Result, &ct)
	var b strings.Builder
	for _, c := range ct.Content {
		b.WriteString(c.Text)
	}
	for _, c := range ct.Contents {
		b.WriteString(c.Text)
	}
	return b.String()
}

// npmUpstreams: server-everything over stdio AND over Streamable HTTP,
// server-filesystem and server-memory over stdio, all behind one gateway.
func npmUpstreams(t testing.TB) (cfg string, dataDir string) {
	evAddr := startNodeHTTP(t, npmServer(t, "server-everything"), "streamableHttp")
	dataDir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dataDir, "hello.txt"), []byte("hello from the filesystem server"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg = `
listen: {{LISTEN}}
servers:
  ev:
    command: node
    args: ["` + npmServer(t, "server-everything") + `", "stdio"]
    env: {LOG_LEVEL: info}
    timeout: 30s
    tools:
      get-env: {allow: false}
  evhttp:
    url: http://` + evAddr + `/mcp
  fs:
    command: node
    args: ["` + npmServer(t, "server-filesystem") + `", "` + dataDir + `"]
    tools:
      "write_*": {allow: false}
      "move_file": {allow: false}
  mem:
    command: node
    args: ["` + npmServer(t, "server-memory") + `"]
    env: {MEMORY_FILE_PATH: "` + filepath.Join(dataDir, "memory.jsonl") + `"}
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`
	return cfg, dataDir
}

func TestNPMServersBehindGatewayGoClient(t *testing.T) {
	cfg, dataDir := npmUpstreams(t)
	g := startGateway(t, cfg)
	cs := connect(t, g.URL, nil)
	ctx := context.Background()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := toolNames(tools)
	for _, want := range []string{"ev__echo", "evhttp__echo", "evhttp__get-env", "fs__read_text_file", "mem__read_graph", "mem__create_entities"} {
		if !contains(names, want) {
			t.Errorf("missing %s in %v", want, names)
		}
	}
	for _, no := range []string{"ev__get-env", "fs__write_file", "fs__move_file"} {
		if contains(names, no) {
			t.Errorf("%s must be hidden", no)
		}
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ev__echo", Arguments: map[string]any{"message": "via stdio"}})
	if err != nil || !strings.Contains(textOf(res), "via stdio") {
		t.Fatalf("ev__echo: %v %v", res, err)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "evhttp__get-sum", Arguments: map[string]any{"a": 1, "b": 2}})
	if err != nil || !strings.Contains(textOf(res), "3") {
		t.Fatalf("evhttp__get-sum: %v %v", res, err)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "fs__read_text_file", Arguments: map[string]any{"path": filepath.Join(dataDir, "hello.txt")}})
	if err != nil || !strings.Contains(textOf(res), "hello from the filesystem server") {
		t.Fatalf("fs read: %v %v", res, err)
	}
	// The filesystem server's own check still applies behind the gateway.
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "fs__read_text_file", Arguments: map[string]any{"path": "/etc/passwd"}})
	if err != nil || !res.IsError {
		t.Fatalf("fs read outside: want isError, got %v %v", res, err)
	}
	if _, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "fs__write_file", Arguments: map[string]any{"path": filepath.Join(dataDir, "x"), "content": "x"}}); err == nil {
		t.Fatal("denied write_file ran")
	}
	if _, err := os.Stat(filepath.Join(dataDir, "x")); err == nil {
		t.Fatal("denied write_file wrote a file")
	}
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "mem__create_entities", Arguments: map[string]any{"entities": []any{map[string]any{"name": "Ada", "entityType": "person", "observations": []string{"wrote the first program"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "mem__read_graph", Arguments: map[string]any{}})
	if err != nil || !strings.Contains(textOf(res), "Ada") {
		t.Fatalf("memory: %v %v", res, err)
	}
	// Resources of server-everything over both transports, routed by URI.
	rl, err := cs.ListResources(ctx, nil)
	if err != nil || len(rl.Resources) == 0 {
		t.Fatalf("resources: %v %v", rl, err)
	}
	// Both ev and evhttp list the same URIs: they collide, so they are withheld.
	for _, r := range rl.Resources {
		if strings.HasPrefix(r.URI, "demo://resource/static") {
			t.Fatalf("colliding resource %s shown", r.URI)
		}
	}
	pl, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pn []string
	for _, p := range pl.Prompts {
		pn = append(pn, p.Name)
	}
	if !contains(pn, "ev__simple-prompt") || !contains(pn, "evhttp__args-prompt") {
		t.Fatalf("prompts: %v", pn)
	}
	gp, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "evhttp__args-prompt", Arguments: map[string]string{"city": "Paris"}})
	if err != nil || len(gp.Messages) == 0 {
		t.Fatalf("get prompt: %v %v", gp, err)
	}
}

func TestTypeScriptClientOverHTTPAndStdio(t *testing.T) {
	cfg, _ := npmUpstreams(t)
	ops := `[{"op":"listTools","all":true},{"op":"callTool","name":"ev__echo","arguments":{"message":"from ts"}},` +
		`{"op":"callTool","name":"ev__get-env","arguments":{}},{"op":"callTool","name":"evhttp__get-sum","arguments":{"a":20,"b":22}},` +
		`{"op":"callTool","name":"ev__trigger-long-running-operation","arguments":{"duration":1,"steps":3},"progress":true}]`
	check := func(t *testing.T, r *tsResult) {
		if r.ServerInfo["name"] != "mcpwarden" {
			t.Errorf("serverInfo: %v", r.ServerInfo)
		}
		names := r.toolNames(t, 0)
		if !contains(names, "ev__echo") || contains(names, "ev__get-env") || !contains(names, "mem__read_graph") {
			t.Errorf("tools: %v", names)
		}
		if got := r.text(t, 1); !strings.Contains(got, "from ts") {
			t.Errorf("echo: %q", got)
		}
		if r.Results[2].OK || r.Results[2].Error == nil || r.Results[2].Error.Code != -32010 {
			t.Errorf("denied call: %+v", r.Results[2])
		}
		if got := r.text(t, 3); !strings.Contains(got, "42") {
			t.Errorf("sum: %q", got)
		}
		if !r.Results[4].OK {
			t.Errorf("long-running op with progress: %+v", r.Results[4].Error)
		}
	}
	t.Run("http", func(t *testing.T) {
		g := startGateway(t, cfg)
		check(t, runTSClient(t, ops, "--http", g.URL))
	})
	t.Run("stdio", func(t *testing.T) {
		dir := t.TempDir()
		c := strings.NewReplacer("{{LISTEN}}", "127.0.0.1:0").Replace(cfg)
		path := filepath.Join(dir, "mcpwarden.yaml")
		if err := os.WriteFile(path, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		check(t, runTSClient(t, ops, "--stdio", "--", binPath, "stdio", "--config", path))
		evs := auditEvents(t, filepath.Join(dir, "audit.jsonl"))
		if len(eventsOf(evs, "tools/call")) != 4 {
			t.Errorf("stdio: want 4 tools/call events, got %d", len(eventsOf(evs, "tools/call")))
		}
	})
}
