package confserver

// Fixtures for the 2026-07-28 server scenarios of the conformance suite's
// 0.2 line (@modelcontextprotocol/conformance 0.2.0-alpha.12,
// --requirements 2026-07-28): the test_input_required_result_* tools and
// prompt (SEP-2322 multi round-trip requests), and the diagnostic tools of
// the server-stateless scenario (SEP-2575): test_missing_capability,
// test_streaming_elicitation, test_logging_tool, test_trigger_tool_change
// and test_trigger_prompt_change.
//
// Every handler here asks for client input by returning InputRequests (an
// input-required result), never by sending a server-to-client request. For a
// 2026-07-28 client the SDK sends that result as is (resultType
// "input_required") and the client retries with InputResponses and the
// echoed RequestState. For a 2025-11-25 session client the SDK's receiving
// middleware (serverMultiRoundTripMiddleware) fulfils the input requests by
// sending the client elicitation/create, sampling/createMessage and
// roots/list, then calls the handler once more with the answers: so the same
// handlers serve both revisions, except test_input_required_result_multi_round,
// whose second round the middleware would not run and which therefore asks a
// session client directly (ServerSession.Elicit, twice).

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Names of the 0.2-line fixtures.
const (
	ToolIRElicitation     = "test_input_required_result_elicitation"
	ToolIRSampling        = "test_input_required_result_sampling"
	ToolIRListRoots       = "test_input_required_result_list_roots"
	ToolIRRequestState    = "test_input_required_result_request_state"
	ToolIRMultipleInputs  = "test_input_required_result_multiple_inputs"
	ToolIRMultiRound      = "test_input_required_result_multi_round"
	ToolIRTamperedState   = "test_input_required_result_tampered_state"
	ToolIRCapabilities    = "test_input_required_result_capabilities"
	PromptIR              = "test_input_required_result_prompt"
	ToolMissingCapability = "test_missing_capability"
	ToolStreamingElicit   = "test_streaming_elicitation"
	ToolLoggingNoLevel    = "test_logging_tool"
	ToolTriggerToolChange = "test_trigger_tool_change"
	ToolTriggerPromptChg  = "test_trigger_prompt_change"

	// DynamicToolName and DynamicPromptName are added and removed, in turn,
	// by the trigger tools, so every trigger changes a list.
	DynamicToolName   = "test_dynamic_tool"
	DynamicPromptName = "test_dynamic_prompt"
)

// Input request schemas the scenarios describe.
var (
	nameSchema    = json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`)
	okSchema      = json.RawMessage(`{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}`)
	colorSchema   = json.RawMessage(`{"type":"object","properties":{"color":{"type":"string"}},"required":["color"]}`)
	contextSchema = json.RawMessage(`{"type":"object","properties":{"context":{"type":"string"}},"required":["context"]}`)
)

func samplingRequest(text string, maxTokens int64) *mcp.CreateMessageParams {
	return &mcp.CreateMessageParams{
		Messages:  []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
		MaxTokens: maxTokens,
	}
}

// ---------------------------------------------------------------------------
// requestState: HMAC-sealed, bound to the tool and round.

// stateSealer seals the opaque requestState handed to the client, so that a
// tampered state is refused (input-required-result-tampered-state). The key
// is random per server.
type stateSealer struct{ key []byte }

func newStateSealer() *stateSealer {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(fmt.Sprintf("confserver: random key: %v", err))
	}
	return &stateSealer{key: k}
}

// sealedState is what a requestState carries.
type sealedState struct {
	Tool  string            `json:"tool"`
	Round int               `json:"round"`
	Data  map[string]string `json:"data,omitempty"`
	Nonce string            `json:"nonce"`
}

func (s *stateSealer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(payload)
	return m.Sum(nil)
}

func (s *stateSealer) seal(st sealedState) string {
	n := make([]byte, 8)
	_, _ = rand.Read(n)
	st.Nonce = base64.RawURLEncoding.EncodeToString(n)
	payload, _ := json.Marshal(st)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(s.mac(payload))
}

var errBadState = errors.New("requestState failed integrity verification")

// open verifies state and checks it was issued by tool.
func (s *stateSealer) open(tool, state string) (*sealedState, error) {
	enc := base64.RawURLEncoding
	p, m, ok := strings.Cut(state, ".")
	if !ok {
		return nil, errBadState
	}
	payload, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(payload)) {
		return nil, errBadState
	}
	var st sealedState
	if err := json.Unmarshal(payload, &st); err != nil || st.Tool != tool {
		return nil, errBadState
	}
	return &st, nil
}

// invalidParams is the JSON-RPC error for a refused requestState or input.
func invalidParams(msg string) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: msg}
}

// missingCapability is SEP-2575's MissingRequiredClientCapabilityError;
// data.requiredCapabilities is a ClientCapabilities object keyed by the
// missing capabilities, e.g. {"sampling": {}}. (Built as a map: the SDK's
// ClientCapabilities always encodes "roots".)
func missingCapability(what string, caps ...string) error {
	req := map[string]any{}
	for _, c := range caps {
		req[c] = map[string]any{}
	}
	data, _ := json.Marshal(map[string]any{"requiredCapabilities": req})
	return &jsonrpc.Error{
		Code:    mcp.CodeMissingRequiredClientCapabilities,
		Message: "missing required client capability: " + what,
		Data:    data,
	}
}

// ---------------------------------------------------------------------------
// Reading answers

// elicitAnswer returns the accepted form content for key, or ok=false.
func elicitAnswer(resp mcp.InputResponseMap, key string) (*mcp.ElicitResult, bool) {
	r, ok := resp[key].(*mcp.ElicitResult)
	return r, ok && r != nil
}

func samplingAnswer(resp mcp.InputResponseMap, key string) (*mcp.CreateMessageWithToolsResult, bool) {
	r, ok := resp[key].(*mcp.CreateMessageWithToolsResult)
	return r, ok && r != nil
}

func rootsAnswer(resp mcp.InputResponseMap, key string) (*mcp.ListRootsResult, bool) {
	r, ok := resp[key].(*mcp.ListRootsResult)
	return r, ok && r != nil
}

// field returns content[name] as text.
func field(r *mcp.ElicitResult, name string) string {
	if r == nil || r.Content == nil {
		return ""
	}
	if v, ok := r.Content[name]; ok {
		return fmt.Sprint(v)
	}
	return ""
}

func samplingText(r *mcp.CreateMessageWithToolsResult) string {
	var parts []string
	for _, c := range r.Content {
		parts = append(parts, contentText(c))
	}
	return strings.Join(parts, "\n")
}

func rootsText(r *mcp.ListRootsResult) string {
	var uris []string
	for _, root := range r.Roots {
		if root != nil {
			uris = append(uris, root.URI)
		}
	}
	return strings.Join(uris, ", ")
}

// ask returns the input-required result asking for irs (with state, if any).
func ask(irs mcp.InputRequestMap, state string) *mcp.CallToolResult {
	return &mcp.CallToolResult{InputRequests: irs, RequestState: state}
}

// hasRoots reports whether the client declared the roots capability.
func hasRoots(c *mcp.ClientCapabilities) bool {
	return c != nil && (c.RootsV2 != nil || c.Roots.ListChanged)
}

// ---------------------------------------------------------------------------
// Registration

func addInputRequiredFixtures(s *mcp.Server) {
	seal := newStateSealer()

	s.AddTool(&mcp.Tool{
		Name:        ToolIRElicitation,
		Description: "SEP-2322: asks for the user's name (elicitation input request user_name), then greets.",
		InputSchema: emptyObjectSchema,
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if r, ok := elicitAnswer(req.Params.InputResponses, "user_name"); ok {
			if r.Action != "accept" {
				return textResult("Hello, anonymous! (elicitation " + r.Action + ")"), nil
			}
			return textResult("Hello, " + field(r, "name") + "!"), nil
		}
		// Absent, wrong or extra keys only: ask (again) for what is missing.
		return ask(mcp.InputRequestMap{"user_name": &mcp.ElicitParams{
			Message: "What is your name?", RequestedSchema: nameSchema,
		}}, ""), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        ToolIRSampling,
		Description: "SEP-2322: asks the client's LLM a question (sampling input request capital_question).",
		InputSchema: emptyObjectSchema,
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if r, ok := samplingAnswer(req.Params.InputResponses, "capital_question"); ok {
			return textResult("LLM response: " + samplingText(r)), nil
		}
		return ask(mcp.InputRequestMap{"capital_question": samplingRequest("What is the capital of France?", 100)}, ""), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        ToolIRListRoots,
		Description: "SEP-2322: asks for the client's roots (roots/list input request client_roots).",
		InputSchema: emptyObjectSchema,
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if r, ok := rootsAnswer(req.Params.InputResponses, "client_roots"); ok {
			return textResult(fmt.Sprintf("Client roots (%d): %s", len(r.Roots), rootsText(r))), nil
		}
		return ask(mcp.InputRequestMap{"client_roots": &mcp.ListRootsParams{}}, ""), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        ToolIRRequestState,
		Description: "SEP-2322: asks for confirmation with a sealed requestState and checks it on the retry (result says state-ok).",
		InputSchema: emptyObjectSchema,
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		p := req.Params
		r, ok := elicitAnswer(p.InputResponses, "confirm")
		if ok && p.RequestState != "" {
			if _, err := seal.open(ToolIRRequestState, p.RequestState); err != nil {
				return nil, invalidParams(err.Error())
			}
			return textResult(fmt.Sprintf("state-ok: confirmation action=%s ok=%s", r.Action, field(r, "ok"))), nil
		}
		if p.RequestState != "" {
			if _, err := seal.open(ToolIRRequestState, p.RequestState); err != nil {
				return nil, invalidParams(err.Error())
			}
		}
		return ask(mcp.InputRequestMap{"confirm": &mcp.ElicitParams{
			Message: "Please confirm", RequestedSchema: okSchema,
		}}, seal.seal(sealedState{Tool: ToolIRRequestState, Round: 1})), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        ToolIRMultipleInputs,
		Description: "SEP-2322: asks for elicitation, sampling and roots in one input-required result.",
		InputSchema: emptyObjectSchema,
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		p := req.Params
		if p.RequestState != "" {
			if _, err := seal.open(ToolIRMultipleInputs, p.RequestState); err != nil {
				return nil, invalidParams(err.Error())
			}
		}
		all := mcp.InputRequestMap{
			"user_name":    &mcp.ElicitParams{Message: "What is your name?", RequestedSchema: nameSchema},
			"greeting":     samplingRequest("Generate a greeting", 50),
			"client_roots": &mcp.ListRootsParams{},
		}
		name, okName := elicitAnswer(p.InputResponses, "user_name")
		greet, okGreet := samplingAnswer(p.InputResponses, "greeting")
		roots, okRoots := rootsAnswer(p.InputResponses, "client_roots")
		if okName && okGreet && okRoots && p.RequestState != "" {
			return textResult(fmt.Sprintf("All inputs received: name=%s, greeting=%s, roots=%s",
				field(name, "name"), samplingText(greet), rootsText(roots))), nil
		}
		missing := mcp.InputRequestMap{}
		for k, ir := range all {
			if _, ok := p.InputResponses[k]; !ok || p.RequestState == "" {
				missing[k] = ir
			}
		}
		return ask(missing, seal.seal(sealedState{Tool: ToolIRMultipleInputs, Round: 1})), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        ToolIRMultiRound,
		Description: "SEP-2322: two rounds of elicitation (name, then favourite colour) with an evolving requestState.",
		InputSchema: emptyObjectSchema,
	}, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if !usesInputRequests(req) {
			return multiRoundSession(ctx, req)
		}
		p := req.Params
		step1 := ask(mcp.InputRequestMap{"step1": &mcp.ElicitParams{
			Message: "Step 1: What is your name?", RequestedSchema: nameSchema,
		}}, seal.seal(sealedState{Tool: ToolIRMultiRound, Round: 1}))
		if p.RequestState == "" {
			return step1, nil
		}
		st, err := seal.open(ToolIRMultiRound, p.RequestState)
		if err != nil {
			return nil, invalidParams(err.Error())
		}
		switch st.Round {
		case 1:
			r, ok := elicitAnswer(p.InputResponses, "step1")
			if !ok {
				return step1, nil
			}
			return ask(mcp.InputRequestMap{"step2": &mcp.ElicitParams{
				Message: "Step 2: What is your favorite color?", RequestedSchema: colorSchema,
			}}, seal.seal(sealedState{Tool: ToolIRMultiRound, Round: 2, Data: map[string]string{"name": field(r, "name")}})), nil
		case 2:
			r, ok := elicitAnswer(p.InputResponses, "step2")
			if !ok {
				return ask(mcp.InputRequestMap{"step2": &mcp.ElicitParams{
					Message: "Step 2: What is your favorite color?", RequestedSchema: colorSchema,
				}}, p.RequestState), nil
			}
			return textResult(fmt.Sprintf("Hello %s, your favorite color is %s (3 rounds)", st.Data["name"], field(r, "color"))), nil
		}
		return nil, invalidParams("requestState names an unknown round")
	})

	s.AddTool(&mcp.Tool{
		Name:        ToolIRTamperedState,
		Description: "SEP-2322: issues an HMAC-sealed requestState and refuses (-32602) a retry whose state does not verify.",
		InputSchema: emptyObjectSchema,
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		p := req.Params
		if p.RequestState != "" {
			if _, err := seal.open(ToolIRTamperedState, p.RequestState); err != nil {
				return nil, invalidParams(err.Error())
			}
			if r, ok := elicitAnswer(p.InputResponses, "confirm"); ok {
				return textResult("requestState verified; confirmation action=" + r.Action), nil
			}
		}
		return ask(mcp.InputRequestMap{"confirm": &mcp.ElicitParams{
			Message: "Please confirm", RequestedSchema: okSchema,
		}}, seal.seal(sealedState{Tool: ToolIRTamperedState, Round: 1})), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        ToolIRCapabilities,
		Description: "SEP-2322: asks only for inputs the client declared capabilities for (elicitation, sampling, roots).",
		InputSchema: emptyObjectSchema,
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		caps := req.ClientCapabilities()
		want := mcp.InputRequestMap{}
		if caps != nil && caps.Elicitation != nil {
			want["user_name"] = &mcp.ElicitParams{Message: "What is your name?", RequestedSchema: nameSchema}
		}
		if caps != nil && caps.Sampling != nil {
			want["greeting"] = samplingRequest("Generate a greeting", 50)
		}
		if hasRoots(caps) {
			want["client_roots"] = &mcp.ListRootsParams{}
		}
		if len(want) == 0 {
			return nil, missingCapability("one of elicitation, sampling, roots", "elicitation", "sampling")
		}
		var got []string
		for k := range want {
			if _, ok := req.Params.InputResponses[k]; ok {
				got = append(got, k)
			}
		}
		if len(got) == len(want) {
			sort.Strings(got)
			return textResult("Received inputs for the declared capabilities: " + strings.Join(got, ", ")), nil
		}
		return ask(want, ""), nil
	})

	s.AddPrompt(&mcp.Prompt{
		Name:        PromptIR,
		Description: "SEP-2322 on prompts/get: asks (elicitation input request user_context) before returning the prompt.",
	}, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		if r, ok := elicitAnswer(req.Params.InputResponses, "user_context"); ok {
			return &mcp.GetPromptResult{
				Description: "Prompt built from the user's context",
				Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{
					Text: "Answer using this context: " + field(r, "context"),
				}}},
			}, nil
		}
		return &mcp.GetPromptResult{InputRequests: mcp.InputRequestMap{"user_context": &mcp.ElicitParams{
			Message: "What context should the prompt use?", RequestedSchema: contextSchema,
		}}}, nil
	})

	addStatelessDiagnostics(s)
}

// multiRoundSession is test_input_required_result_multi_round for a session
// client (2025-11-25 and earlier): two elicitation/create requests in turn.
func multiRoundSession(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	name, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Message: "Step 1: What is your name?", RequestedSchema: nameSchema})
	if err != nil {
		return errorResult("elicitation failed: " + err.Error()), nil
	}
	color, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Message: "Step 2: What is your favorite color?", RequestedSchema: colorSchema})
	if err != nil {
		return errorResult("elicitation failed: " + err.Error()), nil
	}
	return textResult(fmt.Sprintf("Hello %s, your favorite color is %s (2 elicitations)", field(name, "name"), field(color, "color"))), nil
}

// addStatelessDiagnostics registers the server-stateless scenario's tools.
func addStatelessDiagnostics(s *mcp.Server) {
	s.AddTool(&mcp.Tool{
		Name:        ToolMissingCapability,
		Description: "SEP-2575: needs the client's sampling capability; without it fails with -32021 (MissingRequiredClientCapability).",
		InputSchema: emptyObjectSchema,
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if caps := req.ClientCapabilities(); caps == nil || caps.Sampling == nil {
			return nil, missingCapability("sampling", "sampling")
		}
		if r, ok := samplingAnswer(req.Params.InputResponses, "sample"); ok {
			return textResult("LLM response: " + samplingText(r)), nil
		}
		return ask(mcp.InputRequestMap{"sample": samplingRequest("Say something", 20)}, ""), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        ToolStreamingElicit,
		Description: "SEP-2575: needs elicitation; asks by an input-required result on the response stream, never by a server-to-client request.",
		InputSchema: emptyObjectSchema,
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if caps := req.ClientCapabilities(); caps == nil || caps.Elicitation == nil {
			return nil, missingCapability("elicitation", "elicitation")
		}
		if r, ok := elicitAnswer(req.Params.InputResponses, "confirm"); ok {
			return textResult("Streaming elicitation completed: action=" + r.Action), nil
		}
		return ask(mcp.InputRequestMap{"confirm": &mcp.ElicitParams{
			Message: "Please confirm", RequestedSchema: okSchema,
		}}, ""), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        ToolLoggingNoLevel,
		Description: "SEP-2575: emits an info log; the SDK sends it only if the request's _meta logLevel (or, for a session, logging/setLevel) allows.",
		InputSchema: emptyObjectSchema,
	}, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if err := req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Logger: ToolLoggingNoLevel, Data: "test_logging_tool ran"}); err != nil {
			return nil, err
		}
		return textResult("Logging tool completed"), nil
	})

	var mu sync.Mutex
	toolAdded, promptAdded := false, false
	s.AddTool(&mcp.Tool{
		Name:        ToolTriggerToolChange,
		Description: "Adds or removes (in turn) the tool " + DynamicToolName + ", so the tool list changes.",
		InputSchema: emptyObjectSchema,
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		mu.Lock()
		defer mu.Unlock()
		if toolAdded {
			s.RemoveTools(DynamicToolName)
		} else {
			s.AddTool(&mcp.Tool{Name: DynamicToolName, Description: "Appears and disappears with " + ToolTriggerToolChange + ".", InputSchema: emptyObjectSchema},
				func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
					return textResult("dynamic tool"), nil
				})
		}
		toolAdded = !toolAdded
		return textResult(fmt.Sprintf("tool list changed: %s present=%v", DynamicToolName, toolAdded)), nil
	})
	s.AddTool(&mcp.Tool{
		Name:        ToolTriggerPromptChg,
		Description: "Adds or removes (in turn) the prompt " + DynamicPromptName + ", so the prompt list changes.",
		InputSchema: emptyObjectSchema,
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		mu.Lock()
		defer mu.Unlock()
		if promptAdded {
			s.RemovePrompts(DynamicPromptName)
		} else {
			s.AddPrompt(&mcp.Prompt{Name: DynamicPromptName, Description: "Appears and disappears with " + ToolTriggerPromptChg + "."},
				func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
					return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "dynamic prompt"}}}}, nil
				})
		}
		promptAdded = !promptAdded
		return textResult(fmt.Sprintf("prompt list changed: %s present=%v", DynamicPromptName, promptAdded)), nil
	})
}
