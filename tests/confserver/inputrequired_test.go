package confserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/tests/confserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestInputRequiredFixtures runs the 0.2-line fixtures with a 2026-07-28
// client (input-required results, retried by the SDK client's middleware)
// and a 2025-11-25 session client (the SDK server's middleware asks the
// client by server-to-client requests): every tool completes.
func TestInputRequiredFixtures(t *testing.T) {
	want := map[string]string{
		confserver.ToolIRElicitation:     "Hello, ",
		confserver.ToolIRSampling:        "LLM response: " + samplingReply,
		confserver.ToolIRListRoots:       "file:///conf/root",
		confserver.ToolIRRequestState:    "state-ok",
		confserver.ToolIRMultipleInputs:  "All inputs received",
		confserver.ToolIRMultiRound:      "favorite color",
		confserver.ToolIRTamperedState:   "",
		confserver.ToolIRCapabilities:    "Received inputs",
		confserver.ToolMissingCapability: "LLM response",
		confserver.ToolStreamingElicit:   "Streaming elicitation completed",
		confserver.ToolLoggingNoLevel:    "Logging tool completed",
	}
	for _, version := range []string{"", "2025-11-25"} {
		name := version
		if name == "" {
			name = "2026-07-28"
		}
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			ctx := context.Background()
			st, ct := mcp.NewInMemoryTransports()
			ss, err := confserver.New().Connect(ctx, st, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ss.Close() })
			c := newClient(rec)
			c.AddRoots(&mcp.Root{URI: "file:///conf/root", Name: "root"})
			cs, err := c.Connect(ctx, ct, &mcp.ClientSessionOptions{ProtocolVersion: version})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cs.Close() })
			for tool, sub := range want {
				text, res := callText(t, cs, tool, map[string]any{})
				if res.IsError || !strings.Contains(text, sub) {
					t.Errorf("%s: isError=%v text=%q, want it to contain %q", tool, res.IsError, text, sub)
				}
			}
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			pr, err := cs.GetPrompt(pctx, &mcp.GetPromptParams{Name: confserver.PromptIR})
			if err != nil || len(pr.Messages) == 0 {
				t.Errorf("prompts/get %s: %v %+v", confserver.PromptIR, err, pr)
			}
		})
	}
}

// TestInputRequiredState drives the rounds by hand (2026-07-28 client with
// the SDK's retry middleware off): requestState evolves over the rounds of
// multi_round, and a tampered state is refused with -32602.
func TestInputRequiredState(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := confserver.New().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	c := mcp.NewClient(&mcp.Implementation{Name: "manual", Version: "1"}, &mcp.ClientOptions{
		MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true},
	})
	cs, err := c.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	accept := func(k string, v any) mcp.InputResponseMap {
		return mcp.InputResponseMap{k: &mcp.ElicitResult{Action: "accept", Content: map[string]any{k: v}}}
	}

	r1, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: confserver.ToolIRMultiRound})
	if err != nil || !r1.NeedsInput() || r1.InputRequests["step1"] == nil || r1.RequestState == "" {
		t.Fatalf("round 1: %v %+v", err, r1)
	}
	r2, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: confserver.ToolIRMultiRound,
		InputResponses: mcp.InputResponseMap{"step1": &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Alice"}}}, RequestState: r1.RequestState})
	if err != nil || !r2.NeedsInput() || r2.InputRequests["step2"] == nil || r2.RequestState == "" || r2.RequestState == r1.RequestState {
		t.Fatalf("round 2: %v %+v", err, r2)
	}
	r3, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: confserver.ToolIRMultiRound, InputResponses: accept("color", "blue"), RequestState: r2.RequestState})
	if err == nil && r3.NeedsInput() {
		// accept() keyed the answer "color"; the server asked for "step2".
		r3, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: confserver.ToolIRMultiRound,
			InputResponses: mcp.InputResponseMap{"step2": &mcp.ElicitResult{Action: "accept", Content: map[string]any{"color": "blue"}}}, RequestState: r2.RequestState})
	}
	if err != nil || r3.NeedsInput() || !strings.Contains(r3.Content[0].(*mcp.TextContent).Text, "Hello Alice, your favorite color is blue") {
		t.Fatalf("round 3: %v %+v", err, r3)
	}

	t1, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: confserver.ToolIRTamperedState})
	if err != nil || t1.RequestState == "" {
		t.Fatalf("tampered round 1: %v %+v", err, t1)
	}
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: confserver.ToolIRTamperedState,
		InputResponses: accept("ok", true), RequestState: t1.RequestState + "-TAMPERED"})
	if err == nil || !strings.Contains(err.Error(), "integrity") {
		t.Fatalf("tampered state accepted: %v", err)
	}
	// A state issued for another tool does not open either.
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: confserver.ToolIRRequestState,
		InputResponses: mcp.InputResponseMap{"confirm": &mcp.ElicitResult{Action: "accept"}}, RequestState: t1.RequestState})
	if err == nil {
		t.Fatal("a state of another tool was accepted")
	}

	// test_missing_capability without sampling: -32021 naming sampling.
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: confserver.ToolMissingCapability})
	if err == nil || !strings.Contains(err.Error(), "sampling") {
		t.Fatalf("test_missing_capability without sampling: %v", err)
	}
}
