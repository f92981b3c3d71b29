package protocol

import (
	"net/http"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

func FuzzIsModern(f *testing.F) {
	f.Add("2026-07-28", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`)
	f.Add("", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{`+metaOK+`}}`)
	f.Add("2025-11-25", `{"jsonrpc":"2.0","id":1,"result":{}}`)
	f.Fuzz(func(t *testing.T, hv, body string) {
		m, err := jsonrpc.Parse([]byte(body), jsonrpc.DefaultLimits)
		if err != nil {
			return
		}
		got := IsModern(hv, m)
		if IsLegacy(hv) && m.Kind == jsonrpc.KindResponse && got {
			t.Fatal("a response with a legacy header is modern")
		}
	})
}

func FuzzParseRequestMeta(f *testing.F) {
	f.Add(`{` + metaOK + `}`)
	f.Add(`{"_meta":{}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, params string) {
		rm, err := ParseRequestMeta([]byte(params))
		if err == nil && (rm.Version == "" || len(rm.Caps) == 0 || rm.Caps[0] != '{') {
			t.Fatalf("accepted without required fields: %+v", rm)
		}
		if err != nil && err.Code != jsonrpc.CodeInvalidParams {
			t.Fatalf("code %d", err.Code)
		}
	})
}

// FuzzCheckHeaders: never a panic; a request that passes has header
// values equal to its body's.
func FuzzCheckHeaders(f *testing.F) {
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo",` + metaOK + `}}`
	f.Add(call, "2026-07-28", "tools/call", "echo")
	f.Add(call, "2026-07-28", "tools/call", "=?base64?ZWNobw==?=")
	f.Add(call, "2025-11-25", "tools/list", "x")
	f.Add(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`, "2026-07-28", "notifications/cancelled", "")
	f.Fuzz(func(t *testing.T, body, hv, method, name string) {
		m, err := jsonrpc.Parse([]byte(body), jsonrpc.DefaultLimits)
		if err != nil || m.Kind == jsonrpc.KindResponse {
			return
		}
		h := http.Header{}
		h.Set(HeaderProtocolVersion, hv)
		h.Set(HeaderMethod, method)
		if name != "" {
			h.Set(HeaderName, name)
		}
		rm, he := CheckHeaders(h, m, IsModernMethod)
		if he != nil {
			if he.Err == nil || he.Status < 400 {
				t.Fatalf("bad refusal %+v", he)
			}
			return
		}
		got, _, _ := single(h, HeaderMethod)
		if got != m.Method {
			t.Fatalf("accepted Mcp-Method %q for %q", got, m.Method)
		}
		if m.Kind == jsonrpc.KindRequest {
			if rm.Version != Modern || !IsModernMethod(m.Method) {
				t.Fatalf("accepted %q at %q", m.Method, rm.Version)
			}
			if f := NameField(m.Method); f != "" {
				bv, _ := jsonrpc.StringField(m.Params, f)
				dv, ok := DecodeHeaderValue(name)
				if !ok || dv != bv {
					t.Fatalf("accepted Mcp-Name %q for %q", name, bv)
				}
			}
		}
	})
}
