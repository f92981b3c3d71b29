package confserver_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/tests/confserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const samplingReply = "canned reply from the test client"

// recorder collects what the server sends to the client.
type recorder struct {
	mu       sync.Mutex
	logs     []string
	progress []float64
	elicits  []*mcp.ElicitParams
	samples  []*mcp.CreateMessageParams
}

func (r *recorder) snapshotLogs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.logs...)
}

func (r *recorder) snapshotProgress() []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]float64(nil), r.progress...)
}

// newClient returns a client that answers sampling and elicitation the way
// the conformance suite does, recording everything it receives.
func newClient(rec *recorder) *mcp.Client {
	return mcp.NewClient(&mcp.Implementation{Name: "confserver-test", Version: "1.0.0"}, &mcp.ClientOptions{
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			rec.mu.Lock()
			rec.samples = append(rec.samples, req.Params)
			rec.mu.Unlock()
			return &mcp.CreateMessageResult{
				Role:       "assistant",
				Content:    &mcp.TextContent{Text: samplingReply},
				Model:      "test-model",
				StopReason: "endTurn",
			}, nil
		},
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			rec.mu.Lock()
			rec.elicits = append(rec.elicits, req.Params)
			rec.mu.Unlock()
			props := schemaProps(req.Params.RequestedSchema)
			switch {
			case props["username"] != nil:
				return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"username": "testuser", "email": "test@example.com"}}, nil
			case props["untitledSingle"] != nil:
				return &mcp.ElicitResult{Action: "accept", Content: map[string]any{
					"untitledSingle": "option1", "titledSingle": "value1", "legacyEnum": "opt1",
					"untitledMulti": []any{"option1", "option2"}, "titledMulti": []any{"value1", "value2"},
				}}, nil
			case props["verified"] != nil:
				return &mcp.ElicitResult{Action: "accept", Content: map[string]any{
					"name": "Jane Smith", "age": 25, "score": 88, "status": "inactive", "verified": false,
				}}, nil
			}
			return &mcp.ElicitResult{Action: "decline"}, nil
		},
		LoggingMessageHandler: func(_ context.Context, req *mcp.LoggingMessageRequest) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if s, ok := req.Params.Data.(string); ok {
				rec.logs = append(rec.logs, s)
			}
		},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.progress = append(rec.progress, req.Params.Progress)
		},
	})
}

// schemaProps returns requestedSchema.properties as generic JSON.
func schemaProps(schema any) map[string]any {
	var m struct {
		Properties map[string]any `json:"properties"`
	}
	b, _ := json.Marshal(schema)
	_ = json.Unmarshal(b, &m)
	return m.Properties
}

func connectInMemory(t *testing.T, version string, rec *recorder) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := confserver.New().Connect(ctx, st, nil)
	if err != nil {
		t.Fatalf("server connect: %v", err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := newClient(rec).Connect(ctx, ct, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("client connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func callText(t *testing.T, cs *mcp.ClientSession, name string, args any) (string, *mcp.CallToolResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("CallTool(%s): %v", name, err)
	}
	var texts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			texts = append(texts, tc.Text)
		}
	}
	return strings.Join(texts, "\n"), res
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFixturesInMemory exercises the fixtures over in-memory transports, both
// with the 2025-11-25 protocol the conformance suite speaks (server-to-client
// requests) and with the SDK client's default (2026-07-28: input-required
// results and retries).
func TestFixturesInMemory(t *testing.T) {
	for _, version := range []string{"2025-11-25", "2025-06-18", ""} {
		name := version
		if name == "" {
			name = "sdk-default"
		}
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			cs := connectInMemory(t, version, rec)
			ctx := context.Background()
			legacy := version != ""
			if v := cs.InitializeResult().ProtocolVersion; legacy && v != version || !legacy && v < "2026-07-28" {
				t.Fatalf("negotiated protocol %s", v)
			}

			caps := cs.InitializeResult().Capabilities
			if caps.Tools == nil || caps.Prompts == nil || caps.Resources == nil || !caps.Resources.Subscribe || caps.Completions == nil || caps.Logging == nil {
				t.Errorf("capabilities = %+v, want tools, prompts, resources{subscribe}, completions, logging", caps)
			}
			if err := cs.Ping(ctx, nil); err != nil {
				t.Errorf("ping: %v", err)
			}

			t.Run("tools/list", func(t *testing.T) { checkToolList(t, cs) })

			t.Run("content", func(t *testing.T) {
				if got, _ := callText(t, cs, "test_simple_text", nil); got != confserver.SimpleText {
					t.Errorf("test_simple_text = %q", got)
				}
				_, res := callText(t, cs, "test_image_content", map[string]any{})
				if img, ok := res.Content[0].(*mcp.ImageContent); !ok || img.MIMEType != "image/png" || !bytes.Equal(img.Data, mustDecode(t, confserver.PNGBase64)) {
					t.Errorf("test_image_content = %#v", res.Content[0])
				}
				_, res = callText(t, cs, "test_audio_content", nil)
				if au, ok := res.Content[0].(*mcp.AudioContent); !ok || au.MIMEType != "audio/wav" || !bytes.Equal(au.Data, mustDecode(t, confserver.WAVBase64)) {
					t.Errorf("test_audio_content = %#v", res.Content[0])
				}
				_, res = callText(t, cs, "test_embedded_resource", nil)
				if er, ok := res.Content[0].(*mcp.EmbeddedResource); !ok || er.Resource.URI != confserver.EmbeddedResourceURI ||
					er.Resource.MIMEType != "text/plain" || er.Resource.Text != confserver.EmbeddedResourceText {
					t.Errorf("test_embedded_resource = %#v", res.Content[0])
				}
				_, res = callText(t, cs, "test_multiple_content_types", nil)
				if len(res.Content) != 3 {
					t.Fatalf("test_multiple_content_types: %d items", len(res.Content))
				}
				_, isText := res.Content[0].(*mcp.TextContent)
				_, isImage := res.Content[1].(*mcp.ImageContent)
				er, isRes := res.Content[2].(*mcp.EmbeddedResource)
				if !isText || !isImage || !isRes || er.Resource.URI != confserver.MixedResourceURI || er.Resource.Text != confserver.MixedResourceJSON {
					t.Errorf("test_multiple_content_types = %#v", res.Content)
				}
				got, res := callText(t, cs, "test_error_handling", nil)
				if !res.IsError || got != confserver.ErrorToolText {
					t.Errorf("test_error_handling = %q isError=%v", got, res.IsError)
				}
			})

			if legacy {
				// logging/setLevel is part of the pre-2026 protocols; the SDK
				// drops log notifications until it is called.
				t.Run("logging", func(t *testing.T) {
					if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
						t.Fatalf("setLevel: %v", err)
					}
					callText(t, cs, "test_tool_with_logging", nil)
					want := []string{"Tool execution started", "Tool processing data", "Tool execution completed"}
					waitFor(t, func() bool { return len(rec.snapshotLogs()) >= 3 })
					if got := rec.snapshotLogs(); !reflect.DeepEqual(got, want) {
						t.Errorf("log messages = %q, want %q", got, want)
					}
				})
			}

			t.Run("progress", func(t *testing.T) {
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{
					Name: "test_tool_with_progress",
					Meta: mcp.Meta{"progressToken": "progress-test-1"},
				})
				if err != nil {
					t.Fatal(err)
				}
				if txt := res.Content[0].(*mcp.TextContent).Text; !strings.Contains(txt, "progress-test-1") {
					t.Errorf("result %q lacks the token", txt)
				}
				waitFor(t, func() bool { return len(rec.snapshotProgress()) >= 3 })
				if got := rec.snapshotProgress(); !reflect.DeepEqual(got, []float64{0, 50, 100}) {
					t.Errorf("progress = %v", got)
				}
			})

			t.Run("sampling", func(t *testing.T) {
				got, res := callText(t, cs, "test_sampling", map[string]any{"prompt": "Test prompt for sampling"})
				if res.IsError || got != "LLM response: "+samplingReply {
					t.Errorf("test_sampling = %q (isError=%v)", got, res.IsError)
				}
				rec.mu.Lock()
				defer rec.mu.Unlock()
				if len(rec.samples) != 1 || rec.samples[0].MaxTokens != 100 || len(rec.samples[0].Messages) != 1 ||
					rec.samples[0].Messages[0].Role != "user" ||
					rec.samples[0].Messages[0].Content.(*mcp.TextContent).Text != "Test prompt for sampling" {
					t.Errorf("sampling request = %+v", rec.samples)
				}
			})

			t.Run("elicitation", func(t *testing.T) {
				got, res := callText(t, cs, "test_elicitation", map[string]any{"message": "Please provide your information"})
				want := `User response: action=accept, content={"email":"test@example.com","username":"testuser"}`
				if res.IsError || got != want {
					t.Errorf("test_elicitation = %q, want %q", got, want)
				}
				got, res = callText(t, cs, "test_elicitation_sep1034_defaults", nil)
				if res.IsError || !strings.HasPrefix(got, "Elicitation completed: action=accept") || !strings.Contains(got, `"name":"Jane Smith"`) {
					t.Errorf("test_elicitation_sep1034_defaults = %q", got)
				}
				got, res = callText(t, cs, "test_elicitation_sep1330_enums", nil)
				if res.IsError || !strings.Contains(got, `"titledMulti":["value1","value2"]`) {
					t.Errorf("test_elicitation_sep1330_enums = %q", got)
				}
				rec.mu.Lock()
				defer rec.mu.Unlock()
				if len(rec.elicits) != 3 {
					t.Fatalf("%d elicitation requests, want 3", len(rec.elicits))
				}
				checkSEP1034(t, schemaProps(rec.elicits[1].RequestedSchema))
				checkSEP1330(t, schemaProps(rec.elicits[2].RequestedSchema))
			})

			t.Run("other tools", func(t *testing.T) {
				got, _ := callText(t, cs, "json_schema_2020_12_tool", map[string]any{"name": "x"})
				if !strings.Contains(got, `"name":"x"`) {
					t.Errorf("json_schema_2020_12_tool = %q", got)
				}
				if got, res := callText(t, cs, "test_reconnection", nil); res.IsError || !strings.HasPrefix(got, "Reconnection test completed") {
					t.Errorf("test_reconnection = %q", got)
				}
			})

			t.Run("resources", func(t *testing.T) { checkResources(t, cs) })
			t.Run("prompts", func(t *testing.T) { checkPrompts(t, cs) })

			t.Run("completion", func(t *testing.T) {
				res, err := cs.Complete(ctx, &mcp.CompleteParams{
					Ref:      &mcp.CompleteReference{Type: "ref/prompt", Name: "test_prompt_with_arguments"},
					Argument: mcp.CompleteParamsArgument{Name: "arg1", Value: "test"},
				})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(res.Completion.Values, []string{"test", "testing"}) || res.Completion.HasMore {
					t.Errorf("completion = %+v", res.Completion)
				}
			})
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for notifications")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func checkToolList(t *testing.T, cs *mcp.ClientSession) {
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"test_simple_text", "test_image_content", "test_audio_content", "test_embedded_resource",
		"test_multiple_content_types", "test_tool_with_logging", "test_error_handling",
		"test_tool_with_progress", "test_sampling", "test_elicitation",
		"test_elicitation_sep1034_defaults", "test_elicitation_sep1330_enums",
		"json_schema_2020_12_tool", "test_reconnection",
	}
	byName := map[string]*mcp.Tool{}
	for _, tool := range res.Tools {
		byName[tool.Name] = tool
		if tool.Description == "" || tool.InputSchema == nil {
			t.Errorf("tool %s: missing description or inputSchema", tool.Name)
		}
	}
	for _, n := range want {
		if byName[n] == nil {
			t.Errorf("tool %s missing", n)
		}
	}
	tool := byName["json_schema_2020_12_tool"]
	if tool == nil {
		return
	}
	var wantSchema any
	_ = json.Unmarshal([]byte(`{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"type": "object",
		"$defs": {"address": {"type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
		"properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
		"additionalProperties": false
	}`), &wantSchema)
	var gotSchema any
	b, _ := json.Marshal(tool.InputSchema)
	_ = json.Unmarshal(b, &gotSchema)
	if !reflect.DeepEqual(gotSchema, wantSchema) {
		t.Errorf("json_schema_2020_12_tool inputSchema = %s", b)
	}
}

func checkSEP1034(t *testing.T, props map[string]any) {
	t.Helper()
	want := map[string][2]any{
		"name":     {"string", "John Doe"},
		"age":      {"integer", 30.0},
		"score":    {"number", 95.5},
		"status":   {"string", "active"},
		"verified": {"boolean", true},
	}
	for k, w := range want {
		p, _ := props[k].(map[string]any)
		if p["type"] != w[0] || p["default"] != w[1] {
			t.Errorf("sep1034 property %s = %v, want type %v default %v", k, p, w[0], w[1])
		}
	}
	if p, _ := props["status"].(map[string]any); p == nil || p["enum"] == nil {
		t.Errorf("sep1034 status has no enum: %v", props["status"])
	}
}

func checkSEP1330(t *testing.T, props map[string]any) {
	t.Helper()
	get := func(k string) map[string]any { p, _ := props[k].(map[string]any); return p }
	if p := get("untitledSingle"); p["type"] != "string" || p["enum"] == nil || p["oneOf"] != nil || p["enumNames"] != nil {
		t.Errorf("untitledSingle = %v", p)
	}
	if p := get("titledSingle"); p["type"] != "string" || p["enum"] != nil || len(asSlice(p["oneOf"])) != 3 {
		t.Errorf("titledSingle = %v", p)
	}
	if p := get("legacyEnum"); len(asSlice(p["enum"])) != 3 || len(asSlice(p["enumNames"])) != 3 {
		t.Errorf("legacyEnum = %v", p)
	}
	if p := get("untitledMulti"); p["type"] != "array" || p["items"] == nil {
		t.Errorf("untitledMulti = %v", p)
	} else if it := p["items"].(map[string]any); it["type"] != "string" || it["enum"] == nil || it["anyOf"] != nil {
		t.Errorf("untitledMulti.items = %v", it)
	}
	if p := get("titledMulti"); p["type"] != "array" || p["items"] == nil {
		t.Errorf("titledMulti = %v", p)
	} else if it := p["items"].(map[string]any); len(asSlice(it["anyOf"])) != 3 {
		t.Errorf("titledMulti.items = %v", it)
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func checkResources(t *testing.T, cs *mcp.ClientSession) {
	ctx := context.Background()
	list, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	uris := map[string]bool{}
	for _, r := range list.Resources {
		if r.URI == "" || r.Name == "" {
			t.Errorf("resource without uri/name: %+v", r)
		}
		uris[r.URI] = true
	}
	for _, u := range []string{confserver.StaticTextURI, confserver.StaticBinaryURI, confserver.WatchedURI} {
		if !uris[u] {
			t.Errorf("resource %s not listed", u)
		}
	}
	tl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tl.ResourceTemplates) != 1 || tl.ResourceTemplates[0].URITemplate != confserver.TemplateURI {
		t.Errorf("templates = %+v, %v", tl, err)
	}

	read := func(uri string) *mcp.ResourceContents {
		t.Helper()
		res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			t.Fatalf("read %s: %v", uri, err)
		}
		if len(res.Contents) != 1 {
			t.Fatalf("read %s: %d contents", uri, len(res.Contents))
		}
		return res.Contents[0]
	}
	if c := read(confserver.StaticTextURI); c.Text != confserver.StaticText || c.MIMEType != "text/plain" {
		t.Errorf("static-text = %+v", c)
	}
	if c := read(confserver.StaticBinaryURI); !bytes.Equal(c.Blob, mustDecode(t, confserver.PNGBase64)) || c.MIMEType != "image/png" {
		t.Errorf("static-binary = %+v", c)
	}
	c := read("test://template/123/data")
	var doc map[string]any
	if err := json.Unmarshal([]byte(c.Text), &doc); err != nil || c.MIMEType != "application/json" ||
		!reflect.DeepEqual(doc, map[string]any{"id": "123", "templateTest": true, "data": "Data for ID: 123"}) {
		t.Errorf("template read = %+v (%v)", c, err)
	}
	if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: confserver.WatchedURI}); err != nil {
		t.Errorf("subscribe: %v", err)
	}
	if err := cs.Unsubscribe(ctx, &mcp.UnsubscribeParams{URI: confserver.WatchedURI}); err != nil {
		t.Errorf("unsubscribe: %v", err)
	}
}

func checkPrompts(t *testing.T, cs *mcp.ClientSession) {
	ctx := context.Background()
	list, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Prompts) != 5 { // the four of the 0.1 line and test_input_required_result_prompt
		t.Errorf("%d prompts, want 5", len(list.Prompts))
	}
	for _, p := range list.Prompts {
		if p.Description == "" {
			t.Errorf("prompt %s has no description", p.Name)
		}
	}
	get := func(name string, args map[string]string) []*mcp.PromptMessage {
		t.Helper()
		res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		return res.Messages
	}
	if m := get("test_simple_prompt", nil); len(m) != 1 || m[0].Content.(*mcp.TextContent).Text != "This is a simple prompt for testing." {
		t.Errorf("test_simple_prompt = %+v", m)
	}
	if m := get("test_prompt_with_arguments", map[string]string{"arg1": "a", "arg2": "b"}); len(m) != 1 ||
		m[0].Content.(*mcp.TextContent).Text != "Prompt with arguments: arg1='a', arg2='b'" {
		t.Errorf("test_prompt_with_arguments = %+v", m)
	}
	m := get("test_prompt_with_embedded_resource", map[string]string{"resourceUri": "test://example-resource"})
	if len(m) != 2 {
		t.Fatalf("embedded prompt: %d messages", len(m))
	}
	if er, ok := m[0].Content.(*mcp.EmbeddedResource); !ok || er.Resource.URI != "test://example-resource" || er.Resource.Text != "Embedded resource content for testing." {
		t.Errorf("embedded prompt resource = %#v", m[0].Content)
	}
	m = get("test_prompt_with_image", nil)
	if img, ok := m[0].Content.(*mcp.ImageContent); !ok || img.MIMEType != "image/png" || len(m) != 2 {
		t.Errorf("image prompt = %+v", m)
	}
}

// newHTTPServer serves the fixtures like cmd/confserver does (Streamable HTTP
// with an event store, legacy SSE), counting resumption GETs.
func newHTTPServer(t *testing.T, resumes *atomic.Int32) *httptest.Server {
	t.Helper()
	server := confserver.New()
	get := func(*http.Request) *mcp.Server { return server }
	streamable := mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{EventStore: mcp.NewMemoryEventStore(nil)})
	mux := http.NewServeMux()
	mux.Handle("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("Last-Event-ID") != "" {
			resumes.Add(1)
		}
		streamable.ServeHTTP(w, r)
	}))
	mux.Handle("/sse", mcp.NewSSEHandler(get, nil))
	ts := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(ts.Close)
	return ts
}

// TestStreamableHTTP checks the fixtures over Streamable HTTP, including SSE
// polling: test_reconnection closes the POST stream and the client resumes
// with Last-Event-ID.
func TestStreamableHTTP(t *testing.T) {
	var resumes atomic.Int32
	ts := newHTTPServer(t, &resumes)
	rec := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := newClient(rec).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: ts.URL + "/mcp"}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if v := cs.InitializeResult().ProtocolVersion; v != "2025-11-25" {
		t.Fatalf("negotiated %s", v)
	}

	got, res := callText(t, cs, "test_reconnection", nil)
	if res.IsError || !strings.Contains(got, "closed mid-call") {
		t.Errorf("test_reconnection = %q", got)
	}
	if resumes.Load() == 0 {
		t.Error("client never resumed with Last-Event-ID: stream was not closed mid-call")
	}

	if got, _ := callText(t, cs, "test_sampling", map[string]any{"prompt": "hi"}); got != "LLM response: "+samplingReply {
		t.Errorf("test_sampling = %q", got)
	}
	if got, _ := callText(t, cs, "test_elicitation_sep1330_enums", nil); !strings.HasPrefix(got, "Elicitation completed: action=accept") {
		t.Errorf("test_elicitation_sep1330_enums = %q", got)
	}
	if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
		t.Fatal(err)
	}
	callText(t, cs, "test_tool_with_logging", nil)
	waitFor(t, func() bool { return len(rec.snapshotLogs()) >= 3 })
}

// TestLegacySSE checks the fixtures over the 2024-11-05 HTTP+SSE transport.
func TestLegacySSE(t *testing.T) {
	var resumes atomic.Int32
	ts := newHTTPServer(t, &resumes)
	rec := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := newClient(rec).Connect(ctx, &mcp.SSEClientTransport{Endpoint: ts.URL + "/sse"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if got, _ := callText(t, cs, "test_simple_text", nil); got != confserver.SimpleText {
		t.Errorf("test_simple_text = %q", got)
	}
	want := `User response: action=accept, content={"email":"test@example.com","username":"testuser"}`
	if got, _ := callText(t, cs, "test_elicitation", map[string]any{"message": "hello"}); got != want {
		t.Errorf("test_elicitation = %q", got)
	}
	if got, res := callText(t, cs, "test_reconnection", nil); res.IsError || !strings.HasPrefix(got, "Reconnection test completed") {
		t.Errorf("test_reconnection = %q", got)
	}
	checkResources(t, cs)
}
