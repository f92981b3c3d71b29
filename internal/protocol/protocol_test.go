package protocol

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

const metaOK = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{"form":{}}},"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"}}`

func parse(t testing.TB, s string) *jsonrpc.Message {
	t.Helper()
	m, err := jsonrpc.Parse([]byte(s), jsonrpc.DefaultLimits)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return m
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestIsModern(t *testing.T) {
	legacyInit := parse(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}`)
	call := parse(t, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x",`+metaOK+`}}`)
	resp := parse(t, `{"jsonrpc":"2.0","id":1,"result":{}}`)
	for _, c := range []struct {
		hv   string
		m    *jsonrpc.Message
		want bool
	}{
		{"", legacyInit, false},
		{"2025-11-25", legacyInit, false},
		{"2024-11-05", legacyInit, false},
		{"2026-07-28", legacyInit, true},
		{"2030-01-01", legacyInit, true},
		{"", call, true},
		{"2025-11-25", call, true},
		{"", resp, false},
		{" 2025-06-18 ", resp, false},
	} {
		if got := IsModern(c.hv, c.m); got != c.want {
			t.Errorf("IsModern(%q, %s) = %v, want %v", c.hv, c.m.Raw, got, c.want)
		}
	}
}

func TestParseRequestMeta(t *testing.T) {
	rm, err := ParseRequestMeta(json.RawMessage(`{` + metaOK + `}`))
	if err != nil || rm.Version != Modern || rm.ClientName != "c" || rm.ClientVersion != "1" || !HasCapability(rm.Caps, "elicitation", "form") || HasCapability(rm.Caps, "elicitation", "url") {
		t.Fatalf("%+v %v", rm, err)
	}
	for _, bad := range []string{``, `null`, `[]`, `{}`, `{"_meta":{}}`, `{"_meta":[]}`,
		`{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}`,
		`{"_meta":{"io.modelcontextprotocol/protocolVersion":5,"io.modelcontextprotocol/clientCapabilities":{}}}`,
		`{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":[]}}`,
		`{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":"x"}}`,
		`{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/logLevel":"loud"}}`,
	} {
		if _, err := ParseRequestMeta(json.RawMessage(bad)); err == nil || err.Code != jsonrpc.CodeInvalidParams {
			t.Errorf("%s: want -32602, got %v", bad, err)
		}
	}
	// clientInfo is optional.
	if _, err := ParseRequestMeta(json.RawMessage(`{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}`)); err != nil {
		t.Fatal(err)
	}
}

func known(m string) bool { return IsModernMethod(m) }

func TestCheckHeaders(t *testing.T) {
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"up__delete",` + metaOK + `}}`
	ok := []string{HeaderProtocolVersion, Modern, HeaderMethod, "tools/call"}
	cases := []struct {
		name   string
		body   string
		h      http.Header
		status int
		code   int
		header string
	}{
		{"match", call, hdr(append(ok, HeaderName, "up__delete")...), 0, 0, ""},
		{"lowercase header names", call, hdr("mcp-protocol-version", Modern, "mcp-method", "tools/call", "mcp-name", "up__delete"), 0, 0, ""},
		{"base64 sentinel", call, hdr(append(ok, HeaderName, EncodeHeaderValue(" up__delete"[1:]))...), 0, 0, ""},
		{"sentinel of the body name", call, hdr(append(ok, HeaderName, "=?base64?dXBfX2RlbGV0ZQ==?=")...), 0, 0, ""},
		{"smuggled name", call, hdr(append(ok, HeaderName, "up__echo")...), 400, CodeHeaderMismatch, HeaderName},
		{"sentinel of another name", call, hdr(append(ok, HeaderName, "=?base64?dXBfX2VjaG8=?=")...), 400, CodeHeaderMismatch, HeaderName},
		{"malformed sentinel", call, hdr(append(ok, HeaderName, "=?base64?!!!?=")...), 400, CodeHeaderMismatch, HeaderName},
		{"missing name", call, hdr(ok...), 400, CodeHeaderMismatch, HeaderName},
		{"two names", call, hdr(append(ok, HeaderName, "up__delete", HeaderName, "up__echo")...), 400, CodeHeaderMismatch, HeaderName},
		{"method mismatch", call, hdr(HeaderProtocolVersion, Modern, HeaderMethod, "tools/list", HeaderName, "up__delete"), 400, CodeHeaderMismatch, HeaderMethod},
		{"method case", call, hdr(HeaderProtocolVersion, Modern, HeaderMethod, "Tools/call", HeaderName, "up__delete"), 400, CodeHeaderMismatch, HeaderMethod},
		{"method missing", call, hdr(HeaderProtocolVersion, Modern, HeaderName, "up__delete"), 400, CodeHeaderMismatch, HeaderMethod},
		{"version header missing", call, hdr(HeaderMethod, "tools/call", HeaderName, "up__delete"), 400, CodeHeaderMismatch, HeaderProtocolVersion},
		{"version mismatch", call, hdr(HeaderProtocolVersion, "2025-11-25", HeaderMethod, "tools/call", HeaderName, "up__delete"), 400, CodeHeaderMismatch, HeaderProtocolVersion},
		{"unsupported", strings.ReplaceAll(call, Modern, "2030-01-01"), hdr(HeaderProtocolVersion, "2030-01-01", HeaderMethod, "tools/call", HeaderName, "up__delete"), 400, CodeUnsupportedProtocolVersion, ""},
		{"no meta", `{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{}}`, hdr(HeaderProtocolVersion, Modern, HeaderMethod, "tools/list"), 400, jsonrpc.CodeInvalidParams, ""},
		{"unknown method", `{"jsonrpc":"2.0","id":9,"method":"ping","params":{` + metaOK + `}}`, hdr(HeaderProtocolVersion, Modern, HeaderMethod, "ping"), 404, jsonrpc.CodeMethodNotFound, ""},
		{"initialize", `{"jsonrpc":"2.0","id":9,"method":"initialize","params":{` + metaOK + `}}`, hdr(HeaderProtocolVersion, Modern, HeaderMethod, "initialize"), 404, jsonrpc.CodeMethodNotFound, ""},
		{"cancel notification", `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`, hdr(HeaderProtocolVersion, Modern, HeaderMethod, "notifications/cancelled"), 0, 0, ""},
		{"notification with legacy header", `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`, hdr(HeaderProtocolVersion, "2030-01-01", HeaderMethod, "notifications/cancelled"), 400, CodeUnsupportedProtocolVersion, ""},
		{"resources/read uri", `{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"file:///a b",` + metaOK + `}}`, hdr(HeaderProtocolVersion, Modern, HeaderMethod, "resources/read", HeaderName, "file:///a b"), 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, he := CheckHeaders(c.h, parse(t, c.body), known)
			if c.status == 0 {
				if he != nil {
					t.Fatalf("refused: %+v %v", he, he.Err)
				}
				return
			}
			if he == nil || he.Status != c.status || he.Err.Code != c.code || he.Header != c.header {
				t.Fatalf("got %+v, want %d %d %q", he, c.status, c.code, c.header)
			}
			if c.code == CodeUnsupportedProtocolVersion {
				var d struct {
					Supported []string `json:"supported"`
					Requested string   `json:"requested"`
				}
				_ = json.Unmarshal(he.Err.Data, &d)
				if len(d.Supported) != 5 || d.Supported[0] != Modern || d.Requested == "" {
					t.Fatalf("data %s", he.Err.Data)
				}
			}
		})
	}
}

func TestHeaderValueEncoding(t *testing.T) {
	for _, s := range []string{"echo", "", "a b", " lead", "trail ", "日本", "=?base64?x?=", "tab\there"} {
		enc := EncodeHeaderValue(s)
		dec, ok := DecodeHeaderValue(enc)
		if !ok || dec != s {
			t.Errorf("%q → %q → %q %v", s, enc, dec, ok)
		}
	}
	if EncodeHeaderValue("echo") != "echo" || !strings.HasPrefix(EncodeHeaderValue("日本"), "=?base64?") {
		t.Fatal("encoding must be plain when safe and the sentinel otherwise")
	}
}

func TestToModern(t *testing.T) {
	out, st := ToModern("tools/list", []byte(`{"jsonrpc":"2.0","id":1,"result":{"tools":[],"cacheScope":"public"}}`), nil)
	res := jsonrpc.Field(out, "result")
	if st != 200 || string(jsonrpc.Field(res, "resultType")) != `"complete"` || string(jsonrpc.Field(res, "ttlMs")) != "0" || string(jsonrpc.Field(res, "cacheScope")) != `"private"` {
		t.Fatalf("%s", out)
	}
	out, _ = ToModern("tools/call", []byte(`{"jsonrpc":"2.0","id":1,"result":{"content":[],"resultType":"input_required","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"up"}}}}`), json.RawMessage(`{"name":"mcpwarden"}`))
	if !strings.Contains(string(out), `"input_required"`) || !strings.Contains(string(out), `"mcpwarden"`) || jsonrpc.Field(jsonrpc.Field(out, "result"), "ttlMs") != nil {
		t.Fatalf("%s", out)
	}
	for code, want := range map[int][2]int{-32002: {-32602, 400}, -32042: {-32603, 200}, -32601: {-32601, 404}, -32010: {-32010, 200}, -32020: {-32020, 400}} {
		out, st := ToModern("tools/call", jsonrpc.NewError(json.RawMessage("4"), &jsonrpc.Error{Code: code, Message: "m"}), nil)
		var e struct {
			ID    int `json:"id"`
			Error struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(out, &e)
		if e.Error.Code != want[0] || st != want[1] || e.ID != 4 {
			t.Errorf("%d: got %s %d", code, out, st)
		}
	}
	leg := ToLegacy([]byte(`{"jsonrpc":"2.0","id":1,"result":{"tools":[],"resultType":"complete","ttlMs":5,"cacheScope":"public","_meta":{"io.modelcontextprotocol/serverInfo":{}}}}`))
	if string(leg) != `{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}` {
		t.Fatalf("%s", leg)
	}
}

func TestSealer(t *testing.T) {
	s := NewRandomSealer()
	b := Binding{Principal: "iss\x00alice\x00c", Correlation: "st-x", Method: "tools/call", Digest: CallDigest("up__x", json.RawMessage(`{"b":1,"a":[1,2]}`))}
	tok, err := s.Seal(map[string]string{"h": "handle"}, b, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := s.Open(tok, b, &v); err != nil || v["h"] != "handle" {
		t.Fatalf("%v %v", v, err)
	}
	// Same arguments in another key order: same digest.
	if CallDigest("up__x", json.RawMessage(`{"a":[1,2], "b":1}`)) != b.Digest {
		t.Fatal("digest depends on key order")
	}
	for name, ob := range map[string]Binding{
		"other principal":   {Principal: "iss\x00mallory\x00c", Correlation: b.Correlation, Method: b.Method, Digest: b.Digest},
		"other correlation": {Principal: b.Principal, Correlation: "st-y", Method: b.Method, Digest: b.Digest},
		"other method":      {Principal: b.Principal, Correlation: b.Correlation, Method: "prompts/get", Digest: b.Digest},
		"other arguments":   {Principal: b.Principal, Correlation: b.Correlation, Method: b.Method, Digest: CallDigest("up__x", json.RawMessage(`{"b":2}`))},
	} {
		if err := s.Open(tok, ob, &v); !errors.Is(err, ErrStateInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	raw := []byte(tok)
	raw[len(raw)/2] ^= 1
	if err := s.Open(string(raw), b, &v); !errors.Is(err, ErrStateInvalid) {
		t.Errorf("tampered: %v", err)
	}
	if err := NewRandomSealer().Open(tok, b, &v); !errors.Is(err, ErrStateInvalid) {
		t.Errorf("other key: %v", err)
	}
	s.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if err := s.Open(tok, b, &v); !errors.Is(err, ErrStateExpired) {
		t.Errorf("expired: %v", err)
	}
}

func TestCorrelation(t *testing.T) {
	k := []byte("0123456789abcdef0123456789abcdef")
	a := Correlation(k, "p1", "tok1", "claude", "1")
	if a != Correlation(k, "p1", "tok1", "claude", "1") || !strings.HasPrefix(a, "st-") || len(a) != 29 || strings.ToLower(a) != a {
		t.Fatal(a)
	}
	for _, o := range []string{Correlation(k, "p2", "tok1", "claude", "1"), Correlation(k, "p1", "tok2", "claude", "1"),
		Correlation(k, "p1", "tok1", "other", "1"), Correlation([]byte("another key 0123456789abcdef0123"), "p1", "tok1", "claude", "1"),
		Correlation(k, "p1", "tok1", "claude\x001", "")} {
		if o == a {
			t.Fatal("correlation does not separate")
		}
	}
	if CredentialGroup(k, "p1", "tok1") == CredentialGroup(k, "p1", "tok2") {
		t.Fatal("group does not separate credentials")
	}
}

func TestStripRequestMeta(t *testing.T) {
	m := parse(t, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","requestState":"s",`+strings.Replace(metaOK, `"_meta":{`, `"_meta":{"progressToken":"p",`, 1)+`}}`)
	out := StripRequestMeta(m, "requestState")
	if string(out.Params) != `{"name":"x","_meta":{"progressToken":"p"}}` {
		t.Fatalf("%s", out.Params)
	}
	out = StripRequestMeta(parse(t, `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{`+metaOK+`}}`))
	if string(out.Params) != `{}` {
		t.Fatalf("%s", out.Params)
	}
}
