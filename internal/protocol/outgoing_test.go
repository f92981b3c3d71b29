package protocol

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

const regionTool = `{"name":"deploy","inputSchema":{"type":"object","properties":{
  "region":{"type":"string","x-mcp-header":"Region"},
  "count":{"type":"integer","x-mcp-header":"Count"},
  "dry":{"type":"boolean","x-mcp-header":"Dry"},
  "opts":{"type":"object","properties":{"zone":{"type":"string","x-mcp-header":"Zone"}}},
  "bad":{"type":"string","x-mcp-header":"Not A Token"},
  "plain":{"type":"string"}}}}`

func TestOutgoingHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		def  string
		want map[string]string // "" value: must be absent
	}{
		{"tools/call: method, name, params", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","arguments":{"region":"eu-west-1","count":3,"dry":false,"opts":{"zone":"b"},"plain":"x","bad":"y"}}}`, regionTool,
			map[string]string{"Mcp-Protocol-Version": Modern, "Mcp-Method": "tools/call", "Mcp-Name": "deploy", "Mcp-Param-Region": "eu-west-1", "Mcp-Param-Count": "3", "Mcp-Param-Dry": "false", "Mcp-Param-Zone": "b", "Mcp-Param-Plain": "", "Mcp-Param-Not A Token": ""}},
		{"absent and null arguments have no header", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","arguments":{"region":null}}}`, regionTool,
			map[string]string{"Mcp-Name": "deploy", "Mcp-Param-Region": "", "Mcp-Param-Count": ""}},
		{"non-integer number has no header", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","arguments":{"count":1.5}}}`, regionTool,
			map[string]string{"Mcp-Param-Count": ""}},
		{"integer written as 42.0", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","arguments":{"count":42.0}}}`, regionTool,
			map[string]string{"Mcp-Param-Count": "42"}},
		{"non-ASCII value is Base64", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","arguments":{"region":"Zürich"}}}`, regionTool,
			map[string]string{"Mcp-Param-Region": "=?base64?" + base64.StdEncoding.EncodeToString([]byte("Zürich")) + "?="}},
		{"name needing the sentinel", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":" spaced"}}`, "",
			map[string]string{"Mcp-Name": "=?base64?" + base64.StdEncoding.EncodeToString([]byte(" spaced")) + "?="}},
		{"resources/read: the URI", `{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///a b"}}`, "",
			map[string]string{"Mcp-Method": "resources/read", "Mcp-Name": "file:///a b"}},
		{"prompts/get", `{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"greet"}}`, "",
			map[string]string{"Mcp-Name": "greet"}},
		{"tools/list: no name", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`, "",
			map[string]string{"Mcp-Method": "tools/list", "Mcp-Name": ""}},
		{"no definition: no params", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","arguments":{"region":"x"}}}`, "",
			map[string]string{"Mcp-Name": "deploy", "Mcp-Param-Region": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := OutgoingHeaders([]byte(tc.body), json.RawMessage(tc.def))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if got := h.Get(k); got != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, got, v, h)
				}
			}
		})
	}
}

// The headers come from the body only: a tool name the body does not
// carry cannot appear, and a malformed call is an error, not empty headers.
func TestOutgoingHeadersRefuse(t *testing.T) {
	for _, body := range []string{`not json`, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}`, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1]}`} {
		if _, err := OutgoingHeaders([]byte(body), nil); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}

func TestEncodeHeaderValue(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          "plain",
		"":               "",
		"a b":            "a b",
		" lead":          "=?base64?IGxlYWQ=?=",
		"trail\t":        "=?base64?dHJhaWwJ?=",
		"line\nbreak":    "=?base64?bGluZQpicmVhaw==?=",
		"=?base64?x?=":   "=?base64?PT9iYXNlNjQ/eD89?=",
		"日本":             "=?base64?5pel5pys?=",
		"=?base64?x":     "=?base64?x",
		"tab\tinside ok": "=?base64?dGFiCWluc2lkZSBvaw==?=",
	} {
		if got := EncodeHeaderValue(in); got != want {
			t.Errorf("EncodeHeaderValue(%q) = %q, want %q", in, got, want)
		}
		if got := EncodeHeaderValue(in); strings.ContainsAny(got, "\r\n\x00") {
			t.Errorf("%q: unsafe header value %q", in, got)
		}
	}
}

func TestParamHeaders(t *testing.T) {
	ph := ParamHeaders(json.RawMessage(regionTool))
	var got []string
	for _, p := range ph {
		got = append(got, strings.Join(p.Path, ".")+"="+p.Name)
	}
	if strings.Join(got, ",") != "count=Count,dry=Dry,opts.zone=Zone,region=Region" {
		t.Fatalf("ParamHeaders: %v", got)
	}
	if ParamHeaders(json.RawMessage(`{"name":"x"}`)) != nil || ParamHeaders(nil) != nil {
		t.Fatal("annotations from nothing")
	}
}

func TestInputRequiredAndRetry(t *testing.T) {
	res := json.RawMessage(`{"content":null,"requestState":"opaque-1","resultType":"input_required","inputRequests":{"ok":{"method":"elicitation/create","params":{"mode":"form","message":"Proceed?"}}}}`)
	ir, ok, err := ParseInputRequired(res)
	if !ok || err != nil || string(ir.State) != `"opaque-1"` || ir.Requests["ok"].Method != "elicitation/create" {
		t.Fatalf("ParseInputRequired: %+v %v %v", ir, ok, err)
	}
	p, err := RetryParams(json.RawMessage(`{"name":"confirm","arguments":{"a":1}}`), ir, map[string]json.RawMessage{"ok": json.RawMessage(`{"action":"accept"}`)})
	if err != nil || string(p) != `{"name":"confirm","arguments":{"a":1},"inputResponses":{"ok":{"action":"accept"}},"requestState":"opaque-1"}` {
		t.Fatalf("RetryParams: %s %v", p, err)
	}
	// No state: the retry carries none, even if the request had one.
	ir.State = nil
	p, _ = RetryParams(json.RawMessage(`{"name":"confirm","requestState":"old"}`), ir, nil)
	if strings.Contains(string(p), "requestState") {
		t.Fatalf("retry without state: %s", p)
	}
	for _, bad := range []string{
		`{"resultType":"input_required","inputRequests":{"x":{"method":"tools/call"}}}`,
		`{"resultType":"input_required","requestState":{"a":1}}`,
		`{"resultType":"input_required"}`,
	} {
		if _, ok, err := ParseInputRequired(json.RawMessage(bad)); !ok || err == nil {
			t.Errorf("%s: ok=%v err=%v", bad, ok, err)
		}
	}
	if _, ok, _ := ParseInputRequired(json.RawMessage(`{"content":[{"type":"text","text":"input_required"}]}`)); ok {
		t.Error("a complete result taken for input_required")
	}
	// The marker written with escapes is still the marker.
	if ir, ok, err := ParseInputRequired(json.RawMessage(`{"resultType":"\u0069nput_required","requestState":"s"}`)); !ok || err != nil || string(ir.State) != `"s"` {
		t.Errorf("escaped resultType: %+v %v %v", ir, ok, err)
	}
}

func TestClientCapabilitiesAndDeclares(t *testing.T) {
	for in, want := range map[string]string{
		`{"elicitation":{},"roots":{"listChanged":true},"sampling":{}}`: `{"elicitation":{"form":{}},"roots":{},"sampling":{}}`,
		`{"elicitation":{"url":{}}}`:                                    `{"elicitation":{"url":{}}}`,
		`{"experimental":{"x":{}},"tasks":{}}`:                          `{}`,
		``:                                                              `{}`,
	} {
		if got := string(ClientCapabilities(json.RawMessage(in))); got != want {
			t.Errorf("ClientCapabilities(%s) = %s, want %s", in, got, want)
		}
	}
	caps := ClientCapabilities(json.RawMessage(`{"elicitation":{}}`))
	if !Declares(caps, InputRequest{Method: "elicitation/create", Params: json.RawMessage(`{"mode":"form"}`)}) ||
		Declares(caps, InputRequest{Method: "elicitation/create", Params: json.RawMessage(`{"mode":"url"}`)}) ||
		Declares(caps, InputRequest{Method: "sampling/createMessage"}) || Declares(caps, InputRequest{Method: "roots/list"}) {
		t.Fatal("Declares")
	}
}

func TestRequestMeta(t *testing.T) {
	m, err := WithRequestMeta(json.RawMessage(`{"progressToken":"p"}`), json.RawMessage(`{"sampling":{}}`), "cli", "1.0", "debug")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"progressToken":"p","io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"sampling":{}},"io.modelcontextprotocol/clientInfo":{"name":"cli","version":"1.0"},"io.modelcontextprotocol/logLevel":"debug"}`
	if string(m) != want {
		t.Fatalf("RequestMeta:\n%s\nwant\n%s", m, want)
	}
}
