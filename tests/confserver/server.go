// Package confserver is an MCP server, built on the official Go SDK, that
// provides the fixtures the official MCP conformance suite
// (@modelcontextprotocol/conformance 0.1.16, "server" scenarios) expects from
// a server under test: the test_* tools, the test:// resources and the test_*
// prompts, plus completion, logging, subscriptions and ping; and those of
// its 0.2 line for protocol 2026-07-28 (inputrequired.go).
//
// It is a test fixture: it lets mcpwarden run the conformance suite against a
// known-good server directly and again through the gateway, and compare.
// Transports are wired up by cmd/confserver (stdio, Streamable HTTP, legacy
// HTTP+SSE); this package only builds the *mcp.Server.
//
// Notes on SDK behaviour relied upon (go-sdk v1.8.0):
//
//   - Tools are registered with the low-level Server.AddTool and explicit
//     JSON input schemas (json.RawMessage), so tools/list shows each schema
//     byte-for-byte (json_schema_2020_12_tool needs $schema, $defs and
//     additionalProperties preserved). Arguments are decoded by hand.
//   - ServerSession.Elicit accepts every schema shape used here, including
//     all five SEP-1330 enum variants (untitled/titled single and multi
//     select, legacy enumNames) and SEP-1034 defaults: its validator
//     (validateElicitSchema) knows oneOf/anyOf const+title entries and
//     enumNames, and RequestedSchema is sent as the raw JSON we give it. No
//     lower-level request is needed. The SDK validates the client's answer
//     against the schema (and fills in defaults) before returning it.
//   - Log notifications (ServerSession.Log) are dropped by the SDK until the
//     client has called logging/setLevel; the conformance scenario does that.
//   - Sampling and elicitation are sent as server-to-client requests for
//     protocol versions up to 2025-11-25 (what the suite checks). For
//     2026-07-28 (the go-sdk v1.8.0 client's default on stdio/in-memory),
//     where such requests are forbidden, the tools return input-required
//     results instead and read the client's InputResponses on the retry.
//   - test_reconnection uses RequestExtra.CloseSSEStream (SEP-1699), which
//     only exists on the Streamable HTTP transport; see reconnectionTool.
package confserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Fixture data the suite describes. The PNG is a 1x1 image, the WAV a tiny
// (empty-sample) RIFF header; both are given here in their wire (base64) form.
const (
	PNGBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
	WAVBase64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="

	SimpleText           = "This is a simple text response for testing."
	EmbeddedResourceURI  = "test://embedded-resource"
	EmbeddedResourceText = "This is an embedded resource content."
	MixedResourceURI     = "test://mixed-content-resource"
	MixedResourceJSON    = `{"test":"data","value":123}`
	ErrorToolText        = "This tool intentionally returns an error for testing"

	StaticTextURI     = "test://static-text"
	StaticText        = "This is the content of the static text resource."
	StaticBinaryURI   = "test://static-binary"
	TemplateURI       = "test://template/{id}/data"
	WatchedURI        = "test://watched-resource"
	WatchedText       = "This is a watched resource; subscribe to it for update notifications."
	JSONSchemaDialect = "https://json-schema.org/draft/2020-12/schema"

	ImplementationName = "mcpwarden-confserver"
)

// stepDelay is the pause between the steps of the logging and progress tools
// (the suite asks for "~50ms").
const stepDelay = 50 * time.Millisecond

// Decoded forms of the base64 fixtures. The SDK's ImageContent/AudioContent
// and ResourceContents.Blob hold raw bytes and base64-encode them on the wire.
var (
	pngBytes = mustBase64(PNGBase64)
	wavBytes = mustBase64(WAVBase64)
)

func mustBase64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("confserver: bad base64 fixture: %v", err))
	}
	return b
}

// New returns a server with every conformance fixture registered. One server
// may back any number of sessions and transports at once.
func New() *mcp.Server { return NewForVersions() }

// NewForVersions is New with the protocol revisions the server accepts
// limited to versions (none: every revision the SDK supports). With only
// "2026-07-28" and a stateless Streamable HTTP handler it is a
// 2026-07-28-only server (cmd/confserver --stateless).
func NewForVersions(versions ...string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{
		Name:    ImplementationName,
		Title:   "mcpwarden conformance fixture server",
		Version: "0.1.0",
	}, &mcp.ServerOptions{
		Instructions: "Fixture server for the MCP conformance suite (tools, resources, prompts, completion, logging).",
		// Declare everything explicitly; the SDK would infer most of it, but
		// the suite (and the gateway tests) rely on all of these being present.
		Capabilities: &mcp.ServerCapabilities{
			Tools:       &mcp.ToolCapabilities{ListChanged: true},
			Resources:   &mcp.ResourceCapabilities{ListChanged: true, Subscribe: true},
			Prompts:     &mcp.PromptCapabilities{ListChanged: true},
			Logging:     &mcp.LoggingCapabilities{},
			Completions: &mcp.CompletionCapabilities{},
		},
		CompletionHandler: complete,
		// Subscriptions are bookkept by the SDK (it answers {}); nothing here
		// ever changes, so there is nothing else to do.
		SubscribeHandler:          func(context.Context, *mcp.SubscribeRequest) error { return nil },
		UnsubscribeHandler:        func(context.Context, *mcp.UnsubscribeRequest) error { return nil },
		SupportedProtocolVersions: versions,
	})
	addTools(s)
	addResources(s)
	addPrompts(s)
	addInputRequiredFixtures(s)
	return s
}

// ---------------------------------------------------------------------------
// Tools

// emptyObjectSchema is the input schema of the argument-less tools.
var emptyObjectSchema = json.RawMessage(`{"type":"object","properties":{}}`)

func addTools(s *mcp.Server) {
	s.AddTool(&mcp.Tool{
		Name:        "test_simple_text",
		Description: "Returns a single fixed text block.",
		InputSchema: emptyObjectSchema,
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return textResult(SimpleText), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        "test_image_content",
		Description: "Returns a 1x1 PNG image as image content.",
		InputSchema: emptyObjectSchema,
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{pngContent()}}, nil
	})

	s.AddTool(&mcp.Tool{
		Name:        "test_audio_content",
		Description: "Returns a tiny WAV clip as audio content.",
		InputSchema: emptyObjectSchema,
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{
			&mcp.AudioContent{Data: wavBytes, MIMEType: "audio/wav"},
		}}, nil
	})

	s.AddTool(&mcp.Tool{
		Name:        "test_embedded_resource",
		Description: "Returns a text/plain resource embedded in the result.",
		InputSchema: emptyObjectSchema,
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{
			&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
				URI: EmbeddedResourceURI, MIMEType: "text/plain", Text: EmbeddedResourceText,
			}},
		}}, nil
	})

	s.AddTool(&mcp.Tool{
		Name:        "test_multiple_content_types",
		Description: "Returns text, image and embedded-resource content in one result.",
		InputSchema: emptyObjectSchema,
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{
			&mcp.TextContent{Text: "Multiple content types test:"},
			pngContent(),
			&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
				URI: MixedResourceURI, MIMEType: "application/json", Text: MixedResourceJSON,
			}},
		}}, nil
	})

	s.AddTool(&mcp.Tool{
		Name:        "test_tool_with_logging",
		Description: "Emits three info-level log notifications while it runs.",
		InputSchema: emptyObjectSchema,
	}, loggingTool)

	s.AddTool(&mcp.Tool{
		Name:        "test_error_handling",
		Description: "Always fails with a tool-level error (isError: true).",
		InputSchema: emptyObjectSchema,
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return errorResult(ErrorToolText), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        "test_tool_with_progress",
		Description: "Reports progress 0, 50 and 100 of 100 when given a progress token.",
		InputSchema: emptyObjectSchema,
	}, progressTool)

	s.AddTool(&mcp.Tool{
		Name:        "test_sampling",
		Description: "Asks the client's LLM (sampling/createMessage) to answer a prompt.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"prompt":{"type":"string","description":"Prompt to send to the client's LLM"}},"required":["prompt"]}`),
	}, samplingTool)

	s.AddTool(&mcp.Tool{
		Name:        "test_elicitation",
		Description: "Asks the user (elicitation/create) for a username and an email address.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"message":{"type":"string","description":"Message to show to the user"}},"required":["message"]}`),
	}, elicitationTool)

	s.AddTool(&mcp.Tool{
		Name:        "test_elicitation_sep1034_defaults",
		Description: "Elicitation whose schema carries default values for every primitive type (SEP-1034).",
		InputSchema: emptyObjectSchema,
	}, fixedElicitationTool("Please review these values (defaults are pre-filled)", sep1034Schema))

	s.AddTool(&mcp.Tool{
		Name:        "test_elicitation_sep1330_enums",
		Description: "Elicitation using all five enum schema variants (SEP-1330).",
		InputSchema: emptyObjectSchema,
	}, fixedElicitationTool("Please pick from each of these lists", sep1330Schema))

	s.AddTool(&mcp.Tool{
		Name:        "json_schema_2020_12_tool",
		Description: "Tool whose input schema uses JSON Schema 2020-12 keywords ($schema, $defs, $ref).",
		InputSchema: json.RawMessage(`{
			"$schema": "` + JSONSchemaDialect + `",
			"type": "object",
			"$defs": {
				"address": {
					"type": "object",
					"properties": {
						"street": {"type": "string"},
						"city": {"type": "string"}
					}
				}
			},
			"properties": {
				"name": {"type": "string"},
				"address": {"$ref": "#/$defs/address"}
			},
			"additionalProperties": false
		}`),
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		args := "{}"
		if len(req.Params.Arguments) > 0 {
			args = string(req.Params.Arguments)
		}
		return textResult("Received arguments: " + args), nil
	})

	s.AddTool(&mcp.Tool{
		Name:        "test_reconnection",
		Description: "Closes the POST SSE stream mid-call so the client must resume with Last-Event-ID (SEP-1699), then returns.",
		InputSchema: emptyObjectSchema,
	}, reconnectionTool)
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

func errorResult(text string) *mcp.CallToolResult {
	r := textResult(text)
	r.IsError = true
	return r
}

func pngContent() *mcp.ImageContent {
	return &mcp.ImageContent{Data: pngBytes, MIMEType: "image/png"}
}

// decodeArgs unmarshals the raw tool arguments into v; absent arguments
// leave v untouched.
func decodeArgs(req *mcp.CallToolRequest, v any) error {
	raw := req.Params.Arguments
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("invalid arguments: %w", err)
	}
	return nil
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func loggingTool(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	steps := []string{"Tool execution started", "Tool processing data", "Tool execution completed"}
	for i, msg := range steps {
		if i > 0 {
			if err := sleep(ctx, stepDelay); err != nil {
				return nil, err
			}
		}
		// ctx carries the request, so the SDK sends the notification on the
		// request's own response stream ("related to the request").
		if err := req.Session.Log(ctx, &mcp.LoggingMessageParams{
			Level:  "info",
			Logger: "test_tool_with_logging",
			Data:   msg,
		}); err != nil {
			return nil, err
		}
	}
	return textResult("Logging test completed: sent 3 log messages"), nil
}

func progressTool(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	token := req.Params.GetProgressToken()
	for i, p := range []float64{0, 50, 100} {
		if i > 0 {
			if err := sleep(ctx, stepDelay); err != nil {
				return nil, err
			}
		}
		if token == nil {
			continue
		}
		if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
			ProgressToken: token,
			Progress:      p,
			Total:         100,
			Message:       fmt.Sprintf("step %d of 3", i+1),
		}); err != nil {
			return nil, err
		}
	}
	if token == nil {
		return textResult("Progress test completed (no progress token was given)"), nil
	}
	tok, _ := json.Marshal(token)
	return textResult("Progress test completed for token " + string(tok)), nil
}

func samplingTool(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args struct {
		Prompt string `json:"prompt"`
	}
	if err := decodeArgs(req, &args); err != nil {
		return errorResult(err.Error()), nil
	}
	params := &mcp.CreateMessageParams{
		Messages: []*mcp.SamplingMessage{{
			Role:    "user",
			Content: &mcp.TextContent{Text: args.Prompt},
		}},
		MaxTokens: 100,
	}
	if usesInputRequests(req) {
		resp, pending := pendingInput(req, "sampling", params)
		if pending != nil {
			return pending, nil
		}
		res, ok := resp.(*mcp.CreateMessageWithToolsResult)
		if !ok {
			return errorResult(fmt.Sprintf("sampling failed: unexpected input response %T", resp)), nil
		}
		var parts []string
		for _, c := range res.Content {
			parts = append(parts, contentText(c))
		}
		return textResult("LLM response: " + strings.Join(parts, "\n")), nil
	}
	res, err := req.Session.CreateMessage(ctx, params)
	if err != nil {
		return errorResult("sampling failed: " + err.Error()), nil
	}
	return textResult("LLM response: " + contentText(res.Content)), nil
}

// Server-to-client requests and protocol versions.
//
// Up to 2025-11-25 a tool asks the client for sampling or elicitation by
// sending it a JSON-RPC request (sampling/createMessage, elicitation/create)
// while the tools/call is in flight; that is what the conformance suite
// checks, and what the tools do via ServerSession.CreateMessage / Elicit.
//
// From 2026-07-28 on (SEP-2575/SEP-2322, supported by go-sdk v1.8.0, and the
// default of its client over stdio and in-memory transports) such requests
// are forbidden: the tool must instead return an input-required result
// listing InputRequests, and the client retries the call with the answers in
// InputResponses. usesInputRequests/pendingInput implement that flavour, so
// the fixtures work for both kinds of client.

// usesInputRequests reports whether req follows the multi-round-trip
// protocol (2026-07-28 or later).
func usesInputRequests(req *mcp.CallToolRequest) bool {
	return req.ProtocolVersion() >= "2026-07-28"
}

// pendingInput returns the client's answer to the input request named key if
// this call carries it; otherwise it returns the input-required result that
// asks for it.
func pendingInput(req *mcp.CallToolRequest, key string, ir mcp.InputRequest) (mcp.InputResponse, *mcp.CallToolResult) {
	if resp, ok := req.Params.InputResponses[key]; ok && resp != nil {
		return resp, nil
	}
	return nil, &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{key: ir}}
}

// elicit asks the client to fill in a form, in whichever way the request's
// protocol version calls for. A non-nil *CallToolResult means "return this
// now" (an input request, or an error result).
func elicit(ctx context.Context, req *mcp.CallToolRequest, params *mcp.ElicitParams) (*mcp.ElicitResult, *mcp.CallToolResult) {
	if usesInputRequests(req) {
		resp, pending := pendingInput(req, "elicitation", params)
		if pending != nil {
			return nil, pending
		}
		res, ok := resp.(*mcp.ElicitResult)
		if !ok {
			return nil, errorResult(fmt.Sprintf("elicitation failed: unexpected input response %T", resp))
		}
		return res, nil
	}
	res, err := req.Session.Elicit(ctx, params)
	if err != nil {
		return nil, errorResult("elicitation failed: " + err.Error())
	}
	return res, nil
}

// contentText renders a sampling reply's content as text.
func contentText(c mcp.Content) string {
	switch c := c.(type) {
	case *mcp.TextContent:
		return c.Text
	case nil:
		return ""
	default:
		b, err := json.Marshal(c)
		if err != nil {
			return fmt.Sprintf("%T", c)
		}
		return string(b)
	}
}

// userInfoSchema is the schema test_elicitation asks the client to fill in.
var userInfoSchema = json.RawMessage(`{
	"type": "object",
	"properties": {
		"username": {"type": "string", "description": "User's response"},
		"email": {"type": "string", "description": "User's email address"}
	},
	"required": ["username", "email"]
}`)

func elicitationTool(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args struct {
		Message string `json:"message"`
	}
	if err := decodeArgs(req, &args); err != nil {
		return errorResult(err.Error()), nil
	}
	res, ret := elicit(ctx, req, &mcp.ElicitParams{
		Message:         args.Message,
		RequestedSchema: userInfoSchema,
	})
	if ret != nil {
		return ret, nil
	}
	return textResult("User response: " + describeElicit(res)), nil
}

// sep1034Schema has a default for each primitive type (SEP-1034).
var sep1034Schema = json.RawMessage(`{
	"type": "object",
	"properties": {
		"name": {"type": "string", "description": "Your name", "default": "John Doe"},
		"age": {"type": "integer", "description": "Your age", "default": 30},
		"score": {"type": "number", "description": "Your score", "default": 95.5},
		"status": {"type": "string", "description": "Account status", "enum": ["active", "inactive", "pending"], "default": "active"},
		"verified": {"type": "boolean", "description": "Whether the account is verified", "default": true}
	}
}`)

// sep1330Schema uses the five enum shapes of SEP-1330.
var sep1330Schema = json.RawMessage(`{
	"type": "object",
	"properties": {
		"untitledSingle": {
			"type": "string",
			"description": "Untitled single-select",
			"enum": ["option1", "option2", "option3"]
		},
		"titledSingle": {
			"type": "string",
			"description": "Titled single-select",
			"oneOf": [
				{"const": "value1", "title": "First Option"},
				{"const": "value2", "title": "Second Option"},
				{"const": "value3", "title": "Third Option"}
			]
		},
		"legacyEnum": {
			"type": "string",
			"description": "Legacy titled enum (enumNames, deprecated)",
			"enum": ["opt1", "opt2", "opt3"],
			"enumNames": ["Option One", "Option Two", "Option Three"]
		},
		"untitledMulti": {
			"type": "array",
			"description": "Untitled multi-select",
			"items": {"type": "string", "enum": ["option1", "option2", "option3"]}
		},
		"titledMulti": {
			"type": "array",
			"description": "Titled multi-select",
			"items": {
				"anyOf": [
					{"const": "value1", "title": "First Choice"},
					{"const": "value2", "title": "Second Choice"},
					{"const": "value3", "title": "Third Choice"}
				]
			}
		}
	}
}`)

// fixedElicitationTool returns a handler that elicits with a fixed message
// and schema and reports the answer.
func fixedElicitationTool(message string, schema json.RawMessage) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, ret := elicit(ctx, req, &mcp.ElicitParams{
			Message:         message,
			RequestedSchema: schema,
		})
		if ret != nil {
			return ret, nil
		}
		return textResult("Elicitation completed: " + describeElicit(res)), nil
	}
}

func describeElicit(res *mcp.ElicitResult) string {
	content := "{}"
	if res.Content != nil {
		if b, err := json.Marshal(res.Content); err == nil {
			content = string(b)
		}
	}
	return fmt.Sprintf("action=%s, content=%s", res.Action, content)
}

// reconnectionTool exercises SEP-1699 SSE polling. On the Streamable HTTP
// transport the SDK gives the handler RequestExtra.CloseSSEStream, which ends
// the POST's SSE response while the request is still running; the result is
// then written to the event store and delivered when the client reconnects
// with GET + Last-Event-ID (which needs an EventStore on the handler).
//
// The stream is only closed when the request declares protocol version
// 2025-11-25 or later in MCP-Protocol-Version: only then does the SDK send
// the priming event (an event ID to resume from) and the retry field, so for
// older clients closing would just lose the result. (The conformance
// scenario server-sse-polling sends "2025-03-26" on its raw POST, so there
// the result arrives on the POST stream and the suite reports INFO/WARNING,
// never FAILURE.) On stdio and legacy SSE CloseSSEStream is nil and the tool
// simply returns after a short delay.
func reconnectionTool(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	closed := false
	if ex := req.Extra; ex != nil && ex.CloseSSEStream != nil && ex.Header != nil &&
		ex.Header.Get("Mcp-Protocol-Version") >= "2025-11-25" {
		ex.CloseSSEStream(mcp.CloseSSEStreamArgs{RetryAfter: 100 * time.Millisecond})
		closed = true
	}
	// Give the client time to notice the closed stream and reconnect; the
	// result is replayed from the event store either way.
	if err := sleep(ctx, 200*time.Millisecond); err != nil {
		return nil, err
	}
	if closed {
		return textResult("Reconnection test completed: stream was closed mid-call and the result delivered after resumption"), nil
	}
	return textResult("Reconnection test completed (stream not closed on this transport/protocol version)"), nil
}

// ---------------------------------------------------------------------------
// Resources

func addResources(s *mcp.Server) {
	s.AddResource(&mcp.Resource{
		URI:         StaticTextURI,
		Name:        "static-text",
		Title:       "Static text resource",
		Description: "A fixed plain-text resource.",
		MIMEType:    "text/plain",
	}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
			URI: req.Params.URI, MIMEType: "text/plain", Text: StaticText,
		}}}, nil
	})

	s.AddResource(&mcp.Resource{
		URI:         StaticBinaryURI,
		Name:        "static-binary",
		Title:       "Static binary resource",
		Description: "A 1x1 PNG image served as a blob.",
		MIMEType:    "image/png",
	}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
			URI: req.Params.URI, MIMEType: "image/png", Blob: pngBytes,
		}}}, nil
	})

	s.AddResource(&mcp.Resource{
		URI:         WatchedURI,
		Name:        "watched-resource",
		Title:       "Watched resource",
		Description: "A resource clients may subscribe to.",
		MIMEType:    "text/plain",
	}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
			URI: req.Params.URI, MIMEType: "text/plain", Text: WatchedText,
		}}}, nil
	})

	s.AddResourceTemplate(&mcp.ResourceTemplate{
		URITemplate: TemplateURI,
		Name:        "template-data",
		Title:       "Templated JSON resource",
		Description: "JSON document for any {id}.",
		MIMEType:    "application/json",
	}, readTemplate)
}

// readTemplate serves test://template/{id}/data.
func readTemplate(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	const prefix, suffix = "test://template/", "/data"
	if !strings.HasPrefix(uri, prefix) || !strings.HasSuffix(uri, suffix) || len(uri) <= len(prefix)+len(suffix) {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	id := uri[len(prefix) : len(uri)-len(suffix)]
	if dec, err := url.PathUnescape(id); err == nil {
		id = dec
	}
	body, err := json.Marshal(struct {
		ID           string `json:"id"`
		TemplateTest bool   `json:"templateTest"`
		Data         string `json:"data"`
	}{id, true, "Data for ID: " + id})
	if err != nil {
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
		URI: uri, MIMEType: "application/json", Text: string(body),
	}}}, nil
}

// ---------------------------------------------------------------------------
// Prompts

func addPrompts(s *mcp.Server) {
	s.AddPrompt(&mcp.Prompt{
		Name:        "test_simple_prompt",
		Description: "A prompt without arguments.",
	}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
			{Role: "user", Content: &mcp.TextContent{Text: "This is a simple prompt for testing."}},
		}}, nil
	})

	s.AddPrompt(&mcp.Prompt{
		Name:        "test_prompt_with_arguments",
		Description: "A prompt with two required arguments.",
		Arguments: []*mcp.PromptArgument{
			{Name: "arg1", Description: "First argument", Required: true},
			{Name: "arg2", Description: "Second argument", Required: true},
		},
	}, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		a := req.Params.Arguments
		return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
			{Role: "user", Content: &mcp.TextContent{
				Text: fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", a["arg1"], a["arg2"]),
			}},
		}}, nil
	})

	s.AddPrompt(&mcp.Prompt{
		Name:        "test_prompt_with_embedded_resource",
		Description: "A prompt that embeds the resource named by resourceUri.",
		Arguments: []*mcp.PromptArgument{
			{Name: "resourceUri", Description: "URI of the resource to embed", Required: true},
		},
	}, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
			{Role: "user", Content: &mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
				URI:      req.Params.Arguments["resourceUri"],
				MIMEType: "text/plain",
				Text:     "Embedded resource content for testing.",
			}}},
			{Role: "user", Content: &mcp.TextContent{Text: "Please process the embedded resource above."}},
		}}, nil
	})

	s.AddPrompt(&mcp.Prompt{
		Name:        "test_prompt_with_image",
		Description: "A prompt that includes an image.",
	}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
			{Role: "user", Content: pngContent()},
			{Role: "user", Content: &mcp.TextContent{Text: "Please analyze the image above."}},
		}}, nil
	})
}

// ---------------------------------------------------------------------------
// Completion

// completionCandidates are offered for the arguments of
// test_prompt_with_arguments (filtered by prefix).
var completionCandidates = map[string][]string{
	"arg1": {"paris", "park", "party", "test", "testing"},
	"arg2": {"alpha", "beta", "gamma"},
}

func complete(_ context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	values := []string{}
	if ref := req.Params.Ref; ref != nil && ref.Type == "ref/prompt" && ref.Name == "test_prompt_with_arguments" {
		prefix := strings.ToLower(req.Params.Argument.Value)
		for _, v := range completionCandidates[req.Params.Argument.Name] {
			if strings.HasPrefix(v, prefix) {
				values = append(values, v)
			}
		}
		sort.Strings(values)
	}
	return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{
		Values:  values,
		Total:   len(values),
		HasMore: false,
	}}, nil
}
