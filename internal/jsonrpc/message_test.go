package jsonrpc

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		kind Kind
		code int
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, KindRequest, 0},
		{`{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"x"}}`, KindRequest, 0},
		{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, KindNotification, 0},
		{`{"jsonrpc":"2.0","id":1,"result":{}}`, KindResponse, 0},
		{`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}`, KindResponse, 0},
		{`{"jsonrpc":"2.0","id":1,"method":"x","unknownField":{"kept":true}}`, KindRequest, 0},
		{` {"jsonrpc":"2.0","id":1,"method":"x"} `, KindRequest, 0},
		// refused
		{``, 0, CodeParseError},
		{`not json`, 0, CodeParseError},
		{`{"jsonrpc":"2.0","id":1,"method":"x"`, 0, CodeParseError},
		{`{"jsonrpc":"1.0","id":1,"method":"x"}`, 0, CodeInvalidRequest},
		{`{"id":1,"method":"x"}`, 0, CodeInvalidRequest},
		{`[{"jsonrpc":"2.0","id":1,"method":"x"}]`, 0, CodeInvalidRequest},
		{`"just a string"`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1.5,"method":"x"}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":{},"method":"x"}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":""}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":3}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":"x","params":"s"}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":"x","result":{}}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","method":"x","Method":"y"}`, 0, CodeParseError},
		{`{"jsonrpc":"2.0","id":1,"Method":"x"}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":"x","id":2}`, 0, CodeParseError},
		{"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}", 0, CodeParseError},
		{`{"jsonrpc":"2.0","id":1,"method":"\ud800"}`, 0, CodeParseError},
		{"\v{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}", 0, CodeParseError},
		{`{"jsonrpc":"2.0","id":1}`, 0, CodeInvalidRequest},
	}
	for _, tc := range cases {
		m, err := Parse([]byte(tc.in), DefaultLimits)
		if tc.code != 0 {
			if err == nil || err.Code != tc.code {
				t.Errorf("%q: want code %d, got %v", tc.in, tc.code, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if m.Kind != tc.kind {
			t.Errorf("%q: kind %v want %v", tc.in, m.Kind, tc.kind)
		}
	}
}

// Every spelling that a lenient parser could read as another tool name is
// refused before routing (CVE-2026-27896 class).
func TestParseRefusesAmbiguousToolCalls(t *testing.T) {
	for _, in := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","name":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","Name":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","NAME":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","n\u0061me":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","\u004eame":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","arguments":{"p":1,"P":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok"},"params":{"name":"denied"}}`,
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"ok\xc0\xaf\"}}",
	} {
		if _, err := Parse([]byte(in), DefaultLimits); err == nil {
			t.Errorf("ambiguous message accepted: %s", in)
		}
	}
}

func TestRewriteKeepsUnknownFields(t *testing.T) {
	m, err := Parse([]byte(`{"jsonrpc":"2.0","id":7,"method":"x","params":{"a":1},"extension":{"k":"v"}}`), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	b, rerr := Rewrite(m, json.RawMessage(`"gw-1"`), nil)
	if rerr != nil {
		t.Fatal(rerr)
	}
	s := string(b)
	if !strings.Contains(s, `"id":"gw-1"`) || !strings.Contains(s, `"extension":{"k":"v"}`) || !strings.Contains(s, `"params":{"a":1}`) {
		t.Fatalf("rewrite lost fields: %s", s)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"result":{}}`,
		`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1}}`,
		`[1]`, `{}`, `null`, `{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":""}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b, DefaultLimits)
		if err != nil {
			if err.Code != CodeParseError && err.Code != CodeInvalidRequest {
				t.Fatalf("unexpected code %d", err.Code)
			}
			return
		}
		if m.Kind == KindInvalid {
			t.Fatal("accepted message without kind")
		}
		if !json.Valid(m.Raw) {
			t.Fatal("accepted invalid JSON")
		}
		// What the gateway rewrites must stay parseable.
		if m.Kind == KindRequest {
			out, rerr := Rewrite(m, json.RawMessage(`1`), nil)
			if rerr != nil {
				t.Fatalf("rewrite: %v", rerr)
			}
			if _, perr := Parse(out, DefaultLimits); perr != nil {
				t.Fatalf("rewritten message does not parse: %v: %s", perr, out)
			}
		}
	})
}
